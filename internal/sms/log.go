package sms

import (
	"context"
	"log/slog"
	"strconv"
	"strings"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

// Log is the sender used without Twilio credentials: it prints each message and
// reports it sent. At INFO the patient id (the status link is a capability) is
// replaced by "[redacted]" and the phone number is masked; the whole message is
// logged at DEBUG. Safe for concurrent use.
type Log struct {
	Logger *slog.Logger // nil: slog.Default()
}

var _ notify.Sender = (*Log)(nil)

// Send logs m and returns a made-up provider id, "log-<message id>", unique
// across restarts as the outbox's ids are.
func (l *Log) Send(ctx context.Context, m queue.Message) (string, error) {
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	id := "log-" + strconv.FormatInt(m.ID, 10)
	attrs := []any{"message", m.ID, "kind", string(m.Kind), "to", MaskPhone(m.To), "body", Redact(m.Body, m.TicketID)}
	if m.From != "" {
		// A clinic's own number (not a patient's, so logged whole); without
		// one, the deployment's.
		attrs = append(attrs, "from", m.From)
	}
	log.InfoContext(ctx, "sms (log sender, not sent)", attrs...)
	log.DebugContext(ctx, "sms (log sender, full)", "message", m.ID, "patientId", m.TicketID, "to", m.To, "body", m.Body)
	return id, nil
}

// Redact replaces every occurrence of the patient id in body with "[redacted]".
func Redact(body, patientID string) string {
	if patientID == "" {
		return body
	}
	return strings.ReplaceAll(body, patientID, "[redacted]")
}

// MaskPhone keeps the country code's first digits and the last two digits of an
// E.164 number: "+14155552671" → "+14*******71".
func MaskPhone(phone string) string {
	if len(phone) <= 5 {
		return strings.Repeat("*", len(phone))
	}
	return phone[:3] + strings.Repeat("*", len(phone)-5) + phone[len(phone)-2:]
}
