package queue

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// CheckInRequest is what a patient submits to join the queue.
type CheckInRequest struct {
	QueueID         string // empty: the default queue
	Name            string
	Phone           string
	AppointmentTime string
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
	name, err := ValidateName(r.Name)
	if err != nil {
		return r, err
	}
	phone, err := NormalizePhone(r.Phone, region)
	if err != nil {
		return r, err
	}
	appt := strings.TrimSpace(r.AppointmentTime)
	if appt == "" {
		return r, validationError("appointmentTime", "appointmentTime is required")
	}
	if utf8.RuneCountInString(appt) > MaxAppointmentLen || hasControl(appt) {
		return r, validationError("appointmentTime", "appointmentTime must be 1-%d characters without control or text-direction characters", MaxAppointmentLen)
	}
	r.Name, r.Phone, r.AppointmentTime = name, phone, appt
	if r.QueueID == "" {
		r.QueueID = DefaultQueueID
	}
	return r, nil
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
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return "", validationError("phone", "phone is required")
	}
	if len(phone) > maxPhoneInput || !utf8.ValidString(phone) || hasControl(phone) {
		return "", validationError("phone", "phone is not a valid phone number")
	}
	n, err := phonenumbers.Parse(phone, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", validationError("phone", "phone is not a valid phone number")
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if fictional(e164) {
		return "", validationError("phone", "phone is not a valid phone number")
	}
	return e164, nil
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
