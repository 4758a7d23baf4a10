package queue

import (
	"strings"

	"smartwait/internal/i18n"
)

// The patient-facing wording shared by the SMS texts (texts.go) and the
// real-time events (internal/events) comes from one catalogue (internal/i18n),
// in the ticket's language: a patient reads the same sentence, with the same
// place, on their phone and on the status page. "{, name}" is the SMS's slot for
// the patient's first name; the events leave it empty, as they go to a page the
// patient already has open.
//
// It reads i18n.All, every language with a catalogue file, rather than the
// deployment's enabled set: events are built alike on every instance from the
// ticket alone, and a ticket's language was checked when it was stored.

// printer is the catalogue of a ticket's language; a ticket from before
// languages ("") reads English, the only language there was.
func printer(lang string) *i18n.Printer { return i18n.All().Printer(lang) }

// CalledMessage is the message of patient_called: the SMS's call text without
// the clinic's and the patient's names, in the ticket's language. The place is
// where(t.Room), the SMS's.
func CalledMessage(t Ticket) string {
	p := printer(t.Language)
	return fill(p.T("sms.called", "ticket", t.Number, "where", where(p, t.Room)), "")
}

// GetReadyMessage is the message of get_ready: the SMS's get-ready text
// without the clinic's and the patient's names.
func GetReadyMessage(e Entry) string {
	return fill(getReadyLong(printer(e.Language), e), "")
}

func getReadyLong(p *i18n.Printer, e Entry) string {
	return p.T("sms.getReady.long", "position", e.Position, "ticket", e.Number, "minutes", e.EstimatedWait)
}

// where is the place a called patient goes, in GSM-7: "room 3", "Desk B", or the
// front desk when staff gave none. A room whose name already says what it is
// (the language's sms.where.asIs words: "Room 3", "Consultorio 2") is used as it
// is. Characters GSM-7 lacks are dropped.
func where(p *i18n.Printer, room string) string {
	room = gsmOnly(room)
	if r := []rune(room); len(r) > maxRoom {
		room = strings.TrimSpace(string(r[:maxRoom]))
	}
	if room == "" {
		return p.T("sms.where.frontDesk")
	}
	lower := strings.ToLower(room)
	for _, w := range strings.Split(p.T("sms.where.asIs"), ",") {
		if w = strings.TrimSpace(w); w != "" && strings.HasPrefix(lower, w) {
			return room
		}
	}
	return p.T("sms.where.room", "room", room)
}
