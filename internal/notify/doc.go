// Package notify is SmartWait's SMS dispatcher. The queue writes every text into an
// outbox in the same transaction as the change that causes it (queue.Tx.AddMessage);
// a Dispatcher later claims the due rows with a lease, sends each through a Sender,
// and records the result: sent with the provider's message id, retried with capped
// exponential backoff and jitter after a temporary failure, or failed.
//
// Delivery is at least once towards the provider and exactly once in the common
// case: a row is sent only by the dispatcher holding its lease, a row recorded as
// sent is never claimed again, and a row whose dispatcher died mid-send is claimed
// again once its lease expires. The one window for a duplicate is a crash between
// the provider accepting a message and the outbox recording it.
package notify
