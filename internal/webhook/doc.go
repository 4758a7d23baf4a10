// Package webhook is SmartWait's signed outbound webhooks (docs/integrations.md):
// the endpoints an admin registers (Service, with the limits against abuse and
// the refusal of private addresses), the signature (Sign, Verify), and the
// Dispatcher that delivers the outbox rows internal/queue writes with every
// change, in order per endpoint, with retries for up to a day.
//
// The outbox itself is written by queue.Tx.AddWebhookEvent inside the queue's
// transaction; this package reads and records it through Store, which
// internal/sqlite and internal/postgres implement (webhooktest.RunStoreTests).
package webhook
