// Package queue is SmartWait's domain: tickets and their states, positions derived
// from check-in order, wait estimates, and the rules of check-in, call-next,
// complete, no-show, cancel and recall.
//
// Every mutation runs in one storage transaction (Store.Update) that also writes the
// SMS messages it causes into the outbox; only after the commit does the Service hand
// a Change to its Publisher, in commit order and stamped with the queue's version.
// The package imports only the standard library and phone parsing: storage, transport
// and SMS sending live elsewhere and meet it through the small interfaces defined
// here.
package queue
