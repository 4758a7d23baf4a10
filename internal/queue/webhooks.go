package queue

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Outbound webhooks (docs/integrations.md). Every queue change that an
// integration may care about is written as a webhook event in the same
// transaction as the change: the store fans it out to one outbox row per
// enabled endpoint subscribed to its type, and a dispatcher (internal/webhook)
// delivers the rows later. Only that insert runs inside the transaction; with no
// endpoint it writes nothing. The payload is built here, once, so that every
// endpoint of one event gets the same bytes apart from the personal fields.

// WebhookEventType names an outbound webhook event.
type WebhookEventType string

// The webhook events. ticket.created is a check-in (on any line, front desk
// included); a transfer to another line is ticket.transferred, not a second
// ticket.created; a recall is not an event of its own (the ticket was called
// already).
const (
	EventTicketCreated     WebhookEventType = "ticket.created"
	EventTicketCalled      WebhookEventType = "ticket.called"
	EventTicketCompleted   WebhookEventType = "ticket.completed"
	EventTicketNoShow      WebhookEventType = "ticket.no_show"
	EventTicketCancelled   WebhookEventType = "ticket.cancelled"
	EventTicketTransferred WebhookEventType = "ticket.transferred"
	EventSMSStatus         WebhookEventType = "sms.status"
)

// WebhookEventTypes lists every webhook event type, in documentation order.
var WebhookEventTypes = []WebhookEventType{
	EventTicketCreated, EventTicketCalled, EventTicketCompleted, EventTicketNoShow,
	EventTicketCancelled, EventTicketTransferred, EventSMSStatus,
}

// ValidWebhookEventType reports whether t is one of WebhookEventTypes.
func ValidWebhookEventType(t WebhookEventType) bool {
	for _, x := range WebhookEventTypes {
		if x == t {
			return true
		}
	}
	return false
}

// WebhookEvent is one event for the outbound webhooks, as Tx.AddWebhookEvent
// writes it. Public is the JSON body sent to endpoints that do not receive
// personal data; Personal the body, same event, with the patient id, name and
// phone, for endpoints that do.
type WebhookEvent struct {
	ID       string // unique event id (a UUIDv4), also in the body
	Type     WebhookEventType
	Time     time.Time
	TicketID string // the patient id, so erasure can find the event; "" if none
	Public   []byte
	Personal []byte
}

// webhookBody is the JSON of one event (docs/integrations.md, "Payload").
// Clinic is the name of the ticket's line's clinic; ClinicSlug its slug,
// absent for the default clinic, whose pages and rooms are unprefixed too.
type webhookBody struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Time       string          `json:"time"`
	Clinic     string          `json:"clinic"`
	ClinicSlug string          `json:"clinicSlug,omitempty"`
	Ticket     *webhookTicket  `json:"ticket,omitempty"`
	SMS        *webhookSMS     `json:"sms,omitempty"`
	Person     *webhookPatient `json:"patient,omitempty"`
}

// webhookTicket is the ticket's public fields: nothing in it identifies the
// patient or lets anyone act on the ticket.
type webhookTicket struct {
	TicketNumber    string `json:"ticketNumber"`
	Status          Status `json:"status"`
	Line            string `json:"line"`
	FromLine        string `json:"fromLine,omitempty"`
	Position        *int   `json:"position,omitempty"`
	EstimatedWait   *int   `json:"estimatedWait,omitempty"`
	Room            string `json:"room,omitempty"`
	AppointmentTime string `json:"appointmentTime,omitempty"`
	Urgent          bool   `json:"urgent,omitempty"`
	CheckInTime     string `json:"checkInTime"`
	CalledAt        string `json:"calledAt,omitempty"`
	CompletedAt     string `json:"completedAt,omitempty"`
}

// webhookSMS is what an sms.status event says of the text.
type webhookSMS struct {
	Kind   MessageKind   `json:"kind"`
	Status MessageStatus `json:"status"`
	Error  string        `json:"error,omitempty"`
}

// webhookPatient is the personal data, sent only to endpoints marked to receive
// it: the patient id is the key to the patient's status page.
type webhookPatient struct {
	PatientID string `json:"patientId"`
	Name      string `json:"name,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// webhookTime formats t as the contract's timestamps: RFC 3339, UTC, milliseconds.
func webhookTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// newWebhookEvent builds an event about ticket e of line q (its position and
// estimate only while it waits), with sms when it is an sms.status event. An
// event without a ticket (e's ID "": an answer to a number with none) has no
// ticket and no patient.
func (s *Service) newWebhookEvent(typ WebhookEventType, q Queue, e Entry, from string, sms *webhookSMS, now time.Time) WebhookEvent {
	if e.ID == "" {
		b := webhookBody{ID: NewID(), Type: string(typ), Time: webhookTime(now), Clinic: s.clinicName(q), ClinicSlug: q.ClinicSlug(), SMS: sms}
		ev := WebhookEvent{ID: b.ID, Type: typ, Time: now}
		ev.Public, _ = json.Marshal(b)
		ev.Personal = ev.Public
		return ev
	}
	t := e.Ticket
	wt := &webhookTicket{
		TicketNumber: t.Number, Status: t.Status, Line: t.QueueID, FromLine: from,
		Room: t.Room, AppointmentTime: t.AppointmentTime, Urgent: t.Urgent,
		CheckInTime: webhookTime(t.CheckInTime), CalledAt: webhookTime(t.CalledAt), CompletedAt: webhookTime(t.CompletedAt),
	}
	if t.Status == StatusWaiting && e.Position > 0 {
		pos, wait := e.Position, e.EstimatedWait
		wt.Position, wt.EstimatedWait = &pos, &wait
	}
	if t.Status != StatusCalled {
		wt.Room = ""
	}
	b := webhookBody{ID: NewID(), Type: string(typ), Time: webhookTime(now), Clinic: s.clinicName(q), ClinicSlug: q.ClinicSlug(), Ticket: wt, SMS: sms}
	ev := WebhookEvent{ID: b.ID, Type: typ, Time: now, TicketID: t.ID}
	// Marshalling these plain structs cannot fail.
	ev.Public, _ = json.Marshal(b)
	b.Person = &webhookPatient{PatientID: t.ID, Name: t.Name, Phone: t.Phone}
	ev.Personal, _ = json.Marshal(b)
	return ev
}

// messageSubject is what an sms.status event about message m speaks of: its
// ticket, and the line whose clinic names the event — the ticket's line now
// (a line removed since: the default clinic). An answer to a number without a
// ticket has no ticket; its clinic is the one it was sent from.
func messageSubject(ctx context.Context, tx Tx, m Message) (Queue, Entry, error) {
	if m.TicketID == "" {
		q, err := textedClinic(ctx, tx, m.From)
		return q, Entry{}, err
	}
	t, err := tx.Ticket(ctx, m.TicketID)
	if err != nil {
		return Queue{}, Entry{}, err
	}
	q, err := tx.Queue(ctx, t.QueueID)
	if errors.Is(err, ErrNotFound) {
		q, err = Queue{}, nil
	}
	return q, Entry{Ticket: t}, err
}

// webhookEventOf maps a committed change to its webhook event type; false for
// changes that are not events (a recall, a reorder, a line's settings, the
// line a transferred ticket left — its new line's change carries the event).
func webhookEventOf(ch Change) (WebhookEventType, bool) {
	switch ch.Kind {
	case ChangeCheckedIn:
		if ch.From != "" {
			return EventTicketTransferred, true
		}
		return EventTicketCreated, true
	case ChangeCalled:
		return EventTicketCalled, true
	case ChangeCompleted:
		return EventTicketCompleted, true
	case ChangeNoShow:
		return EventTicketNoShow, true
	case ChangeCancelled:
		return EventTicketCancelled, true
	}
	return "", false
}

// addWebhookEvent writes the webhook event of the change ch to line q, if it
// is one, inside the operation's transaction, and returns how many endpoints'
// deliveries it wrote.
func (s *Service) addWebhookEvent(ctx context.Context, tx Tx, q Queue, ch Change, now time.Time) (int, error) {
	typ, ok := webhookEventOf(ch)
	if !ok || ch.Ticket.ID == "" {
		return 0, nil
	}
	return writeWebhookEvent(ctx, tx, func() (WebhookEvent, error) {
		return s.newWebhookEvent(typ, q, ch.Ticket, ch.From, nil, now), nil
	})
}

// writeWebhookEvent writes the event build makes to the webhook outbox, and
// returns how many deliveries it wrote. With no endpoint enabled the event is
// not built: that was 3 % of a check-in's CPU, and a delivery report's event
// reads its ticket first.
func writeWebhookEvent(ctx context.Context, tx Tx, build func() (WebhookEvent, error)) (int, error) {
	if any, err := tx.HasWebhookEndpoints(ctx); err != nil || !any {
		return 0, err
	}
	e, err := build()
	if err != nil {
		return 0, err
	}
	return tx.AddWebhookEvent(ctx, e)
}

// RecordDelivery records the SMS provider's final report on the message it
// knows as providerID (status MessageDelivered, MessageUndelivered or
// MessageFailed, detail the provider's error, "" when none) and, when the
// report changes the message's status, writes an sms.status webhook event in
// the same transaction. It returns false when no sent message has that id.
func (s *Service) RecordDelivery(ctx context.Context, providerID string, status MessageStatus, detail string) (bool, error) {
	found := false
	err := s.Store.Update(ctx, func(tx Tx) error {
		m, changed, err := tx.RecordDelivery(ctx, providerID, status, detail)
		if err != nil {
			return err
		}
		found = m.ID != 0
		if !changed {
			return nil
		}
		_, err = writeWebhookEvent(ctx, tx, func() (WebhookEvent, error) {
			q, e, err := messageSubject(ctx, tx, m)
			if err != nil {
				return WebhookEvent{}, err
			}
			sms := &webhookSMS{Kind: m.Kind, Status: m.Status, Error: detail}
			return s.newWebhookEvent(EventSMSStatus, q, e, "", sms, s.now()), nil
		})
		return err
	})
	if err != nil {
		return false, storeError(err)
	}
	return found, nil
}
