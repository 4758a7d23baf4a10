// Package audit is SmartWait's audit trail: one entry per staff action — who,
// when, from which address, what, on which ticket, account, line or room, and
// how it ended. The trail is append-only: the Store offers no way to edit or
// delete an entry, only ScrubAudit, which the retention job (internal/privacy)
// uses to drop an old entry's personal fields while the entry itself stays.
//
// The web layer records the entries (internal/web/audit.go); this package
// holds what they are, the names of the actions, and the Store they go to.
package audit

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Action names what a staff member did. The names are stable: they are the
// `action` filter of GET /api/staff/audit and a column of its CSV export.
type Action string

// The actions recorded (docs/security.md, "Audit log").
const (
	Login          Action = "login"
	Logout         Action = "logout"
	CallNext       Action = "call_next"
	Complete       Action = "complete"
	NoShow         Action = "no_show"
	Recall         Action = "recall"
	Remove         Action = "remove" // staff took a patient out of the queue
	Transfer       Action = "transfer"
	Priority       Action = "priority" // urgent, or a move before another patient
	FrontDeskCheck Action = "front_desk_check_in"
	LineCreate     Action = "line_create"
	LineUpdate     Action = "line_update" // a line's settings
	LineDelete     Action = "line_delete"
	RoomCreate     Action = "room_create"
	RoomUpdate     Action = "room_update" // opened, closed, or its settings
	RoomDelete     Action = "room_delete"
	UserAdd        Action = "user_add"
	UserRemove     Action = "user_remove"
	UserPassword   Action = "user_password"
	ErasePhone     Action = "erase_phone"  // a phone number's data anonymised now
	Export         Action = "audit_export" // the audit log downloaded as CSV
	RealtimeTest   Action = "realtime_test"
	WebhookCreate  Action = "webhook_create" // an outbound webhook endpoint registered
	WebhookUpdate  Action = "webhook_update" // enabled, disabled, its events or its personal-data flag
	WebhookDelete  Action = "webhook_delete"
	ClinicAdd      Action = "clinic_add"
	ClinicUpdate   Action = "clinic_update" // its slug, name, time zone, sender or hours
	ClinicRemove   Action = "clinic_remove"
)

// Actions is every action, in the order the admin page lists them.
var Actions = []Action{
	Login, Logout, CallNext, Complete, NoShow, Recall, Remove, Transfer, Priority, FrontDeskCheck,
	LineCreate, LineUpdate, LineDelete, RoomCreate, RoomUpdate, RoomDelete,
	UserAdd, UserRemove, UserPassword, ErasePhone, Export, RealtimeTest,
	WebhookCreate, WebhookUpdate, WebhookDelete,
	ClinicAdd, ClinicUpdate, ClinicRemove,
}

// Known reports whether a is one of Actions.
func Known(a Action) bool {
	for _, k := range Actions {
		if k == a {
			return true
		}
	}
	return false
}

// Kinds of target.
const (
	TargetTicket  = "ticket"  // ID the patient id, Number the ticket number
	TargetAccount = "account" // ID the username
	TargetLine    = "line"    // ID the slug
	TargetRoom    = "room"    // ID the name
	TargetPhone   = "phone"   // ID the number masked by MaskPhone, never in clear
	TargetWebhook = "webhook" // ID the endpoint's id
	TargetClinic  = "clinic"  // ID the slug
)

// ResultOK is the Result of an action that succeeded; a failed one's is the
// contract error code (VALIDATION_ERROR, FORBIDDEN, …).
const ResultOK = "ok"

// Entry is one staff action.
type Entry struct {
	ID     int64     // set by AppendAudit; grows with every append
	At     time.Time // when the action was answered, UTC
	Actor  string    // the staff username; for a failed login the username tried; "cli" for a command
	IP     string    // the client's address as the server saw it (SMARTWAIT_TRUST_PROXY); "" once scrubbed
	Action Action
	Target Target
	// Detail is what else the action said, written by the server from the
	// request's settings (a room, a line, "urgent=true"); never a patient's
	// name or phone number.
	Detail    string
	Result    string // ResultOK or an error code
	RequestID string // the X-Request-ID of the request, to find it in the log
}

// Target is what an action acted on; zero when nothing in particular (a login).
type Target struct {
	Kind   string // TargetTicket, TargetAccount, …
	ID     string
	Number string // a ticket's number ("A-007"), when known
}

// Limits on an entry's fields, in characters; Clean cuts longer values.
const (
	MaxActor  = 64
	MaxField  = 100
	MaxDetail = 300
)

// Clean returns e with every text field cut to its limit and stripped of
// control characters, so that what a client sent (a login's username) can
// neither grow the trail nor break a line of its CSV export.
func (e Entry) Clean() Entry {
	e.Actor = clean(e.Actor, MaxActor)
	e.IP = clean(e.IP, MaxField)
	e.Action = Action(clean(string(e.Action), MaxField))
	e.Target.Kind = clean(e.Target.Kind, MaxField)
	e.Target.ID = clean(e.Target.ID, MaxField)
	e.Target.Number = clean(e.Target.Number, MaxField)
	e.Detail = clean(e.Detail, MaxDetail)
	e.Result = clean(e.Result, MaxField)
	e.RequestID = clean(e.RequestID, MaxField)
	return e
}

func clean(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit-1]) + "…"
	}
	return s
}

// MaskPhone is how the trail names a phone number: its last two digits
// ("…71"), enough for staff to tell two erasures apart, too little to find
// the number again (a hash of a phone number is not: the few billion numbers
// of a country are hashed in minutes).
func MaskPhone(e164 string) string {
	if len(e164) < 2 {
		return "…"
	}
	return "…" + e164[len(e164)-2:]
}

// Filter selects entries. Zero fields select everything.
type Filter struct {
	Actor  string    // exact username
	Action Action    // exact action
	From   time.Time // At >= From
	Until  time.Time // At < Until
	Before int64     // ID < Before: the next page after an entry
	Limit  int       // at most this many; must be > 0
}

// Store is where the trail is kept. It is append-only: there is no method
// to change or remove an entry, except ScrubAudit's clearing of personal
// fields. Implementations (internal/sqlite, internal/postgres) pass
// audittest.RunStoreTests.
type Store interface {
	// AppendAudit stores e (e.Clean() first) and sets e.ID, which is greater
	// than every ID stored before.
	AppendAudit(ctx context.Context, e *Entry) error
	// AuditEntries returns the entries f selects, newest (highest ID) first,
	// at most f.Limit of them.
	AuditEntries(ctx context.Context, f Filter) ([]Entry, error)
	// ScrubAudit clears the personal fields of entries older than before —
	// the client IP, and the username a failed login tried (what a person
	// typed, perhaps their e-mail address or a password in the wrong field) —
	// and returns how many entries it changed. The rest of each entry stays.
	ScrubAudit(ctx context.Context, before time.Time) (int, error)
}
