package queue

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// CheckInRequest is what a patient submits to join the queue.
type CheckInRequest struct {
	QueueID string // empty: the default queue, or Clinic's first line
	// Clinic is a clinic's slug, or empty; with it, the line is decided by
	// CheckInLine: QueueID when it is the clinic's (else CodeValidation),
	// the clinic's first public line without one.
	Clinic          string
	Name            string
	Phone           string
	AppointmentTime string
	// FrontDesk marks a check-in by staff: the phone and the appointment may be
	// empty, any line may be chosen, and the line's capacity does not apply.
	FrontDesk bool
	// Kiosk marks a check-in by a lobby kiosk signed in with a kiosk account:
	// the phone may be empty, as at the front desk, but the line must be a
	// public one that is admitting, as for a remote check-in.
	Kiosk bool
	// Language is the patient's language ("es"), one of Config.Languages; empty:
	// the default language. Their texts and events are written in it.
	Language string
	// ReplyTo is the provider's id of the text that asked for this check-in
	// (JOIN, inbound.go): the confirmation is its reply, deduplicated on it,
	// so a webhook the provider retries is answered once.
	ReplyTo string

	// checked is what Normalize accepted, with the parsed phone, so that
	// CheckIn neither validates nor parses the phone a second time. A field
	// changed after Normalize no longer matches it, and CheckIn validates again.
	checked *checkedRequest
}

// checkedRequest records a request Normalize accepted.
type checkedRequest struct {
	region, queueID, clinic, name, phone, appt string
	frontDesk, kiosk                           bool
	number                                     *parsedPhone
}

// Normalize validates r — the one validation pass of a check-in — and returns
// it normalised: name and appointment trimmed, the phone in E.164, the default
// queue filled in. region is the default region for numbers typed without "+".
// Handing the result to Service.CheckIn (with the same region) validates
// nothing twice; CheckIn validates any other request itself.
func (r CheckInRequest) Normalize(region string) (CheckInRequest, error) {
	n, number, err := r.normalizeParsed(region)
	if err != nil {
		return r, err
	}
	n.checked = &checkedRequest{region: region, queueID: n.QueueID, clinic: n.Clinic, name: n.Name, phone: n.Phone,
		appt: n.AppointmentTime, frontDesk: n.FrontDesk, kiosk: n.Kiosk, number: number}
	return n, nil
}

// validated returns r normalised and its parsed phone: as Normalize recorded
// them when r is unchanged since, else from a fresh validation.
func (r CheckInRequest) validated(region string) (CheckInRequest, *parsedPhone, error) {
	if c := r.checked; c != nil && c.region == region && c.queueID == r.QueueID && c.clinic == r.Clinic && c.name == r.Name &&
		c.phone == r.Phone && c.appt == r.AppointmentTime && c.frontDesk == r.FrontDesk && c.kiosk == r.Kiosk {
		return r, c.number, nil
	}
	return r.normalizeParsed(region)
}

// Limits on check-in fields (docs/api.md; CheckInRequest in api/openapi.yaml).
const (
	MaxNameLen        = 100
	MaxAppointmentLen = 50
	maxPhoneInput     = 40 // longer input cannot be a phone number; refuse before parsing
)

// normalize validates r and returns it with the name and appointment trimmed and the
// phone in E.164. region is the default region for numbers typed without "+".
func (r CheckInRequest) normalize(region string) (CheckInRequest, error) {
	r, _, err := r.normalizeParsed(region)
	return r, err
}

// normalizeParsed is normalize, also returning the parsed phone.
func (r CheckInRequest) normalizeParsed(region string) (CheckInRequest, *parsedPhone, error) {
	r.checked = nil
	name, err := ValidateName(r.Name)
	if err != nil {
		return r, nil, err
	}
	var phone string
	var number *parsedPhone
	if !(r.FrontDesk || r.Kiosk) || strings.TrimSpace(r.Phone) != "" {
		if phone, number, err = parsePhone(r.Phone, region); err != nil {
			return r, nil, err
		}
	}
	appt := strings.TrimSpace(r.AppointmentTime)
	if appt == "" && !r.FrontDesk {
		return r, nil, validationError("appointmentTime", "appointmentTime is required")
	}
	if utf8.RuneCountInString(appt) > MaxAppointmentLen || hasControl(appt) {
		return r, nil, validationError("appointmentTime", "appointmentTime must be 1-%d characters without control or text-direction characters", MaxAppointmentLen)
	}
	r.Name, r.Phone, r.AppointmentTime = name, phone, appt
	if r.QueueID == "" && r.Clinic == "" { // with a clinic, CheckInLine picks its line
		r.QueueID = DefaultQueueID
	}
	if r.QueueID != "" && !ValidSlug(r.QueueID) {
		return r, nil, validationError("line", "line must be a line's slug (a-z, 0-9, '-')")
	}
	return r, number, nil
}

// ValidateName trims a patient name and checks it: 1–100 characters of any script,
// valid UTF-8, none that DisallowedRune refuses.
func ValidateName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", validationError("name", "name must be valid UTF-8 text")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", validationError("name", "name is required")
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return "", validationError("name", "name must be at most %d characters", MaxNameLen)
	}
	if hasControl(name) {
		return "", validationError("name", "name must not contain control or text-direction characters")
	}
	return name, nil
}

// NormalizePhone parses a phone number the way libphonenumber does, with region
// as the default for numbers typed without "+country", and returns it in E.164. It
// refuses numbers that parse but are not valid for their region, so a typo is caught
// at check-in rather than when the SMS bounces.
func NormalizePhone(phone, region string) (string, error) {
	e164, _, err := parsePhone(phone, region)
	return e164, err
}

// parsePhone is NormalizePhone, also returning the parsed number.
func parsePhone(phone, region string) (string, *parsedPhone, error) {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return "", nil, validationError("phone", "phone is required")
	}
	if len(phone) > maxPhoneInput || !utf8.ValidString(phone) || hasControl(phone) {
		return "", nil, validationError("phone", "phone is not a valid phone number")
	}
	n, err := phonenumbers.Parse(phone, region)
	if err != nil {
		return "", nil, validationError("phone", "phone is not a valid phone number")
	}
	// Valid means a type other than UNKNOWN (as textable needs): the type,
	// which a check-in's textable needs too, is worked out once.
	typ := phonenumbers.GetNumberType(n)
	if typ == phonenumbers.UNKNOWN {
		return "", nil, validationError("phone", "phone is not a valid phone number")
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	// E.164 allows at most 15 digits, but libphonenumber validates some long
	// national ranges (German numbers, letters read as keypad digits) into more.
	if len(e164) > 1+15 || fictional(e164) {
		return "", nil, validationError("phone", "phone is not a valid phone number")
	}
	return e164, &parsedPhone{PhoneNumber: n, typ: typ}, nil
}

// parsedPhone is a valid phone number, parsed, with its type.
type parsedPhone struct {
	*phonenumbers.PhoneNumber
	typ phonenumbers.PhoneNumberType
}

// fictional reports North American numbers NXX-555-01XX, which are reserved for
// films and examples: libphonenumber accepts them, but no SMS can ever arrive.
func fictional(e164 string) bool {
	return len(e164) == 12 && strings.HasPrefix(e164, "+1") && e164[5:8] == "555" && e164[8:10] == "01"
}

func hasControl(s string) bool { return strings.ContainsFunc(s, DisallowedRune) }

// DisallowedRune reports whether r is refused in free text that one person types
// and others read (names, appointment times, rooms, messages): control
// characters, the Unicode line and paragraph separators, and the bidirectional
// formatting characters — embeddings and overrides U+202A–U+202E, isolates
// U+2066–U+2069 and the marks U+200E, U+200F and U+061C. With those a patient
// could make staff and the waiting-room display read their name, and the text
// around it, in another order than it was typed. Names in right-to-left scripts
// need none of them; the zero-width joiners that Persian and Indic names do need
// stay allowed.
func DisallowedRune(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case '\u202A' <= r && r <= '\u202E', '\u2066' <= r && r <= '\u2069',
		r == '\u200E', r == '\u200F', r == '\u061C':
		return true
	}
	return false
}
