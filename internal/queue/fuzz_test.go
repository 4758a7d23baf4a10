package queue

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// FuzzNormalizePhone checks that phone normalization never panics and that what it
// accepts is E.164 and a fixed point: normalizing the output again gives the output.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"(415) 555-2671", "+14155552671", "555-0123", "+442079460958", "+", "", "٤١٥٥٥٥٢٦٧١", "+1 (415) 555-2671 ext. 12"} {
		f.Add(s, "US")
	}
	f.Add("020 7946 0958", "GB")
	f.Add("0612345678", "FR")
	f.Add("123", "ZZ")
	f.Add("+18005551234", "US") // toll-free: valid, typed
	f.Add("+80012345678", "US") // non-geographic
	f.Add("+1415555267", "US")  // a digit short
	f.Fuzz(func(t *testing.T, in, region string) {
		out, err := NormalizePhone(in, region)
		// Valid is libphonenumber's IsValidNumber, though parsePhone asks for
		// the number's type instead (which the check-in needs anyway).
		trimmed := strings.TrimSpace(in)
		if n, perr := phonenumbers.Parse(trimmed, region); perr == nil && len(trimmed) <= maxPhoneInput && utf8.ValidString(trimmed) && !hasControl(trimmed) {
			e164 := phonenumbers.Format(n, phonenumbers.E164)
			if valid := phonenumbers.IsValidNumber(n) && len(e164) <= 16 && !fictional(e164); valid != (err == nil) {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; libphonenumber's IsValidNumber says %v", in, region, out, err, valid)
			}
		}
		if err != nil {
			assertValidation(t, err, "phone")
			return
		}
		if !strings.HasPrefix(out, "+") || len(out) > 16 || !utf8.ValidString(out) {
			t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", in, region, out)
		}
		for _, c := range out[1:] {
			if c < '0' || c > '9' {
				t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", in, region, out)
			}
		}
		again, err := NormalizePhone(out, "US")
		if err != nil || again != out {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want the fixed point %q", out, again, err, out)
		}
	})
}

// FuzzCheckInValidate checks that validation never panics and that an accepted
// request satisfies every invariant the store relies on.
func FuzzCheckInValidate(f *testing.F) {
	f.Add("José García", "(415) 555-2671", "10:30")
	f.Add("李小明", "+14155552671", "tomorrow 9am")
	f.Add("", "", "")
	f.Add("a\x00b", "1", strings.Repeat("x", 60))
	f.Fuzz(func(t *testing.T, name, phone, appt string) {
		r, err := CheckInRequest{Name: name, Phone: phone, AppointmentTime: appt}.normalize("US")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is not a domain error", err)
			}
			return
		}
		n := utf8.RuneCountInString(r.Name)
		if n < 1 || n > MaxNameLen || r.Name != strings.TrimSpace(r.Name) || hasControl(r.Name) {
			t.Fatalf("accepted bad name %q", r.Name)
		}
		if a := utf8.RuneCountInString(r.AppointmentTime); a < 1 || a > MaxAppointmentLen || hasControl(r.AppointmentTime) {
			t.Fatalf("accepted bad appointment %q", r.AppointmentTime)
		}
		if !strings.HasPrefix(r.Phone, "+") || r.QueueID != DefaultQueueID {
			t.Fatalf("accepted %+v", r)
		}
	})
}
