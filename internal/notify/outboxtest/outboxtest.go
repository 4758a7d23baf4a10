// Package outboxtest is the conformance suite for notify.Outbox: every
// implementation (internal/sqlite, internal/postgres) runs RunOutboxTests unchanged
// against a real database.
package outboxtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

// Open returns a fresh, empty database as both the queue's store (to write
// messages the way the queue does) and the outbox under test. It registers its own
// cleanup on tb.
type Open func(tb testing.TB) (queue.Store, notify.Outbox)

// t0 has millisecond precision so stores that keep milliseconds compare equal.
var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

const lease = time.Minute

// RunOutboxTests runs the conformance suite against the outbox open returns.
func RunOutboxTests(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s queue.Store, o notify.Outbox)
	}{
		{"ClaimTakesDueInOrder", testClaimDue},
		{"ClaimRespectsLimit", testClaimLimit},
		{"LeaseExcludesAndExpires", testLease},
		{"ConcurrentClaimsNeverOverlap", testConcurrentClaims},
		{"MarkSent", testMarkSent},
		{"MarkSentAll", testMarkSentAll},
		{"MarkRetry", testMarkRetry},
		{"MarkFailed", testMarkFailed},
		{"StaleTokenLosesLease", testStaleToken},
		{"Release", testRelease},
		{"Postpone", testPostpone},
		{"PostponeAll", testPostponeAll},
		{"RecoverExpired", testRecoverExpired},
		{"RecordDelivery", testRecordDelivery},
		{"PendingCounts", testPending},
		{"CancelledNeverClaimed", testCancelled},
		{"MessagesNewestFirst", testMessages},
		{"ClaimCarriesSender", testClaimCarriesSender},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, o := open(t)
			tt.fn(t, s, o)
		})
	}
}

// addTicket stores a waiting ticket and returns its id. Tickets of one test
// differ in phone and ticket number, so no store constraint can refuse them.
func addTicket(tb testing.TB, s queue.Store, phone string) string {
	tb.Helper()
	id := queue.NewID()
	number := "A-" + phone[len(phone)-4:]
	err := s.Update(context.Background(), func(tx queue.Tx) error {
		q, err := tx.LockQueue(context.Background(), queue.DefaultQueueID)
		if err != nil {
			return err
		}
		return tx.InsertTicket(context.Background(), &queue.Ticket{
			ID: id, QueueID: q.ID, Number: number, Day: "2026-11-28", Name: "Ana",
			Phone: phone, AppointmentTime: "10:00", Status: queue.StatusWaiting, CheckInTime: t0,
		})
	})
	if err != nil {
		tb.Fatalf("insert ticket: %v", err)
	}
	return id
}

var phoneSeq int
var phoneMu sync.Mutex

func nextPhone() string {
	phoneMu.Lock()
	defer phoneMu.Unlock()
	phoneSeq++
	return fmt.Sprintf("+1415555%04d", phoneSeq%10000)
}

// addMessage writes one pending message of a new ticket, due at due, and returns it.
func addMessage(tb testing.TB, s queue.Store, kind queue.MessageKind, due time.Time) queue.Message {
	tb.Helper()
	ticket := addTicket(tb, s, nextPhone())
	return addMessageFor(tb, s, ticket, kind, due)
}

func addMessageFor(tb testing.TB, s queue.Store, ticket string, kind queue.MessageKind, due time.Time) queue.Message {
	tb.Helper()
	m := queue.Message{
		TicketID: ticket, Kind: kind, To: "+14155552671", Body: "SmartWait: hello",
		DedupeKey: ticket + ":" + string(kind) + ":" + due.Format(time.RFC3339Nano),
		Status:    queue.MessagePending, CreatedAt: t0, DueAt: due,
	}
	err := s.Update(context.Background(), func(tx queue.Tx) error {
		return tx.AddMessage(context.Background(), &m)
	})
	if err != nil {
		tb.Fatalf("add message: %v", err)
	}
	if m.ID == 0 {
		tb.Fatalf("add message: no id assigned")
	}
	return m
}

func claim(tb testing.TB, o notify.Outbox, now time.Time, limit int) []notify.Claim {
	tb.Helper()
	cs, err := o.Claim(context.Background(), now, lease, limit)
	if err != nil {
		tb.Fatalf("Claim: %v", err)
	}
	return cs
}

func ids(cs []notify.Claim) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// message reads one message back through Messages.
func message(tb testing.TB, o notify.Outbox, m queue.Message) queue.Message {
	tb.Helper()
	ms, err := o.Messages(context.Background(), m.TicketID)
	if err != nil {
		tb.Fatalf("Messages: %v", err)
	}
	for _, x := range ms {
		if x.ID == m.ID {
			return x
		}
	}
	tb.Fatalf("message %d not found among %d of its ticket", m.ID, len(ms))
	return queue.Message{}
}

func must(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}
