package queue

import (
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// A deployment serves one or more clinics (docs/clinics.md): each has its own
// lines, rooms, time zone, SMS name and sender. Line slugs and room names stay
// unique across the deployment, so a line alone names its clinic.

// DefaultClinicID is the id of the clinic every deployment has (migration
// 00012 creates it): the lines and rooms of an upgraded deployment belong to
// it, and it cannot be removed.
const DefaultClinicID int64 = 1

// MaxClinicName bounds a clinic's name, in characters.
const MaxClinicName = 80

// Clinic is one site of the deployment. Name and TimeZone may be "" on the
// default clinic: then the deployment's (SMARTWAIT_CLINIC_NAME,
// SMARTWAIT_TIMEZONE) apply, as they did before clinics. SMSFrom "" sends from
// the deployment's number (TWILIO_PHONE_NUMBER).
type Clinic struct {
	ID        int64
	Slug      string
	Name      string
	TimeZone  string // IANA name, "America/New_York"
	SMSFrom   string // E.164, or ""
	Hours     Hours  // the clinic's opening hours, for its pages; lines have their own
	CreatedAt time.Time
}

// CodeClinicNotFound is the contract code of an unknown clinic slug (404).
const CodeClinicNotFound = "CLINIC_NOT_FOUND"

// CodeClinicNotEmpty refuses to remove a clinic that still has patients (409).
const CodeClinicNotEmpty = "CLINIC_NOT_EMPTY"

func clinicNotFound(slug string) *Error {
	return &Error{Code: CodeClinicNotFound, Message: "Clinic not found", Details: map[string]string{"clinic": slug}}
}

// validClinic checks a clinic's fields and trims its name; the default clinic
// may leave its name and time zone to the deployment.
func validClinic(c *Clinic) error {
	if !ValidSlug(c.Slug) {
		return validationError("slug", "slug must be 1-%d of a-z, 0-9 and '-'", MaxLineSlug)
	}
	c.Name = strings.TrimSpace(c.Name)
	if (c.Name == "" && c.ID != DefaultClinicID) || utf8.RuneCountInString(c.Name) > MaxClinicName ||
		hasControl(c.Name) || !utf8.ValidString(c.Name) {
		return validationError("name", "name must be 1-%d characters without control or text-direction characters", MaxClinicName)
	}
	if c.TimeZone == "" && c.ID != DefaultClinicID {
		return validationError("timezone", "timezone is required (an IANA name such as America/New_York)")
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			return validationError("timezone", "timezone must be an IANA time zone name such as America/New_York")
		}
	}
	if c.SMSFrom != "" && !validE164(c.SMSFrom) {
		return validationError("smsFrom", "smsFrom must be a phone number in E.164 form, +15551234567")
	}
	return nil
}

// validE164 reports whether p is "+" and 8 to 15 digits.
func validE164(p string) bool {
	if len(p) < 9 || len(p) > 16 || p[0] != '+' || p[1] == '0' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// zones caches loaded time zones: time.LoadLocation reads the zone database
// on every call, and every check-in needs its clinic's zone.
type zones struct{ m sync.Map } // name → *time.Location

func (z *zones) load(name string) (*time.Location, error) {
	if l, ok := z.m.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	z.m.Store(name, l)
	return l, nil
}

// ClinicLocation is the time zone of line q's clinic: its own, else the
// deployment's (Config.Location). Pages word a line's times in it.
func (s *Service) ClinicLocation(q Queue) *time.Location {
	if q.Clinic.TimeZone != "" {
		if l, err := s.zones.load(q.Clinic.TimeZone); err == nil {
			return l
		}
	}
	return s.location()
}

// clinicName is the name q's clinic signs its texts with.
func (s *Service) clinicName(q Queue) string {
	if q.Clinic.Name != "" {
		return q.Clinic.Name
	}
	return s.Config.ClinicName
}

// ClinicIDOf is the stored id for a clinic id: 0 is the default clinic's.
func ClinicIDOf(id int64) int64 {
	if id == 0 {
		return DefaultClinicID
	}
	return id
}

// ClinicID is the id of the clinic line q belongs to.
func (q Queue) ClinicID() int64 { return ClinicIDOf(q.Clinic.ID) }

// ClinicSlug is the slug of line q's clinic, "" for the default clinic: the
// default clinic's rooms and URLs are today's, unprefixed (docs/clinics.md).
func (q Queue) ClinicSlug() string {
	if q.ClinicID() == DefaultClinicID {
		return ""
	}
	return q.Clinic.Slug
}
