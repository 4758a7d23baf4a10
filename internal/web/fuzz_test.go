package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"smartwait/internal/queue"
)

// FuzzDecodeCheckIn feeds arbitrary bodies, as JSON or as a form, to the check-in
// decoder and validator. It must never panic and never produce an error that maps
// to a 5xx; whatever it accepts must be normalised: trimmed fields within their
// limits, no control or text-direction characters (queue.DisallowedRune), the phone in E.164 and stable under
// re-normalisation.
func FuzzDecodeCheckIn(f *testing.F) {
	seeds := []string{
		`{"name":"José García","phone":"(415) 555-2671","appointmentTime":"10:30"}`,
		`{"name":"李小明","phone":"+14155552671","appointmentTime":"10:30"}`,
		`{"name":"O'Connor-Smith","phone":"415-555-2671","appointmentTime":"9"}`,
		`{"name":"a","phone":"555-0123","appointmentTime":"x"}`,
		`{"name":1,"phone":"+14155552671","appointmentTime":"x"}`,
		`{"name":"a","phone":"+14155552671","appointmentTime":"x","x":"y"}`,
		`{"name":"a"} {}`, `[]`, `null`, `"str"`, ``, `{`, `{"name":"\u0000"}`,
		"name=Ana&phone=4155552671&appointmentTime=10",
		"name=%FF&phone=%2B14155552671&appointmentTime=1",
		`{"name":"Ana\u202Eevil","phone":"+14155552671","appointmentTime":"x"}`,
		"name=%E2%80%AEAna&phone=%2B14155552671&appointmentTime=1",
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body string, form bool) {
		req := httptest.NewRequest("POST", "/api/checkin", strings.NewReader(body))
		if form {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, maxBody)
		r, err := decodeCheckIn(req, "US", form)
		if err != nil {
			if status, info := classify(err); status >= 500 || status < 400 || info.Message == "" {
				t.Fatalf("error %v maps to %d %+v", err, status, info)
			}
			return
		}
		if r.Name != strings.TrimSpace(r.Name) || r.Name == "" || utf8.RuneCountInString(r.Name) > queue.MaxNameLen ||
			!utf8.ValidString(r.Name) || strings.ContainsFunc(r.Name, queue.DisallowedRune) {
			t.Fatalf("accepted name %q", r.Name)
		}
		if again, err := queue.ValidateName(r.Name); err != nil || again != r.Name {
			t.Fatalf("name %q not stable under validation: %q, %v", r.Name, again, err)
		}
		if !strings.HasPrefix(r.Phone, "+") {
			t.Fatalf("phone %q not E.164", r.Phone)
		}
		if again, err := queue.NormalizePhone(r.Phone, "US"); err != nil || again != r.Phone {
			t.Fatalf("phone %q not stable under normalisation: %q, %v", r.Phone, again, err)
		}
		if r.AppointmentTime != strings.TrimSpace(r.AppointmentTime) || r.AppointmentTime == "" ||
			utf8.RuneCountInString(r.AppointmentTime) > queue.MaxAppointmentLen || strings.ContainsFunc(r.AppointmentTime, queue.DisallowedRune) {
			t.Fatalf("accepted appointmentTime %q", r.AppointmentTime)
		}
	})
}
