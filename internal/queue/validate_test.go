package queue

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"José García", "José García", true},
		{"李小明", "李小明", true},
		{"O'Connor-Smith", "O'Connor-Smith", true},
		{"  Ana  ", "Ana", true},
		{strings.Repeat("é", 100), strings.Repeat("é", 100), true},
		{strings.Repeat("é", 101), "", false},
		{"", "", false},
		{"   ", "", false},
		{"Bob\x00", "", false},
		{"Bob\nSmith", "", false},
		{"Bob\u2028Smith", "", false},
		{"Bob\u2028", "Bob", true}, // trailing line separator is trimmed space
		{"\xff\xfe", "", false},
		// Text-direction controls would let a name reorder itself on screen.
		{"Ana\u202Enip", "", false}, // right-to-left override
		{"\u202AAna", "", false},
		{"Ana\u202B", "", false},
		{"An\u202Ca", "", false},
		{"An\u202Da", "", false},
		{"An\u2066a", "", false}, // isolates
		{"An\u2067a", "", false},
		{"An\u2068a", "", false},
		{"An\u2069a", "", false},
		{"An\u200Ea", "", false}, // marks
		{"An\u200Fa", "", false},
		{"An\u061Ca", "", false},
		// Right-to-left scripts need none of them; Persian needs the zero-width non-joiner.
		{"محمد علي", "محمد علي", true},
		{"דוד לוי", "דוד לוי", true},
		{"می\u200Cخواهم", "می\u200Cخواهم", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ValidateName(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateName(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("ValidateName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				assertValidation(t, err, "name")
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, region, want string
	}{
		{"(415) 555-2671", "US", "+14155552671"},
		{"415-555-2671", "US", "+14155552671"},
		{"+14155552671", "US", "+14155552671"},
		{" +1 415 555 2671 ", "US", "+14155552671"},
		{"+15005550006", "US", "+15005550006"}, // Twilio's test number is valid
		{"020 7946 0958", "GB", "+442079460958"},
		{"+44 20 7946 0958", "US", "+442079460958"},
		{"555-0123", "US", ""},       // fiction number
		{"(415) 555-0123", "US", ""}, // 555-01xx is reserved for fiction
		{"12345", "US", ""},
		{"not a phone", "US", ""},
		{"", "US", ""},
		{strings.Repeat("1", 41), "US", ""},
		{"+1 415 555 2671\x00", "US", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizePhone(tt.in, tt.region)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("NormalizePhone(%q) = %q, want a validation error", tt.in, got)
				}
				assertValidation(t, err, "phone")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizePhone(%q, %s) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
			}
		})
	}
}

func TestCheckInRequestNormalize(t *testing.T) {
	r, err := CheckInRequest{Name: " Ana ", Phone: "415-555-2671", AppointmentTime: " 10:30 "}.normalize("US")
	if err != nil {
		t.Fatal(err)
	}
	want := CheckInRequest{QueueID: DefaultQueueID, Name: "Ana", Phone: "+14155552671", AppointmentTime: "10:30"}
	if r != want {
		t.Fatalf("normalize = %+v, want %+v", r, want)
	}
	for _, appt := range []string{"", "  ", strings.Repeat("x", 51), "10:30\t", "10:30\u202E", "\u2067Dr. X"} {
		_, err := CheckInRequest{Name: "Ana", Phone: "415-555-2671", AppointmentTime: appt}.normalize("US")
		if appt == "10:30\t" {
			// Trailing whitespace is trimmed, not a control character in the value.
			if err != nil {
				t.Errorf("appointment %q: %v", appt, err)
			}
			continue
		}
		assertValidation(t, err, "appointmentTime")
	}
}

func assertValidation(t *testing.T, err error, field string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeValidation {
		t.Fatalf("error = %v, want a %s error", err, CodeValidation)
	}
	if !strings.HasPrefix(e.Message, "Validation error: ") {
		t.Errorf("message %q does not start with %q", e.Message, "Validation error: ")
	}
	if d, _ := e.Details.(map[string]string); d["field"] != field {
		t.Errorf("details = %v, want field %q", e.Details, field)
	}
}

// TestNormalizeOnce: a request from Normalize is taken by CheckIn as it is,
// parsed phone included, while one changed after Normalize (or never
// normalised) is validated again — so skipping cannot let bad input through.
func TestNormalizeOnce(t *testing.T) {
	n, err := CheckInRequest{Name: " Ana ", Phone: "415-555-2671", AppointmentTime: "10:30"}.Normalize("US")
	if err != nil {
		t.Fatal(err)
	}
	r, number, err := n.validated("US")
	if err != nil || number == nil || number != n.checked.number || r.Phone != "+14155552671" {
		t.Fatalf("validated(normalised) = %+v, %v, %v; want it as Normalize left it", r, number, err)
	}
	changed := n
	changed.Name = "bad\u202Ename"
	if _, _, err := changed.validated("US"); err == nil {
		t.Error("a name changed after Normalize was not validated again")
	}
	changed = n
	changed.Phone = "12"
	if _, _, err := changed.validated("US"); err == nil {
		t.Error("a phone changed after Normalize was not validated again")
	}
	if _, number2, err := n.validated("GB"); err != nil || number2 == n.checked.number {
		t.Errorf("another region reused the recorded number (%v)", err)
	}
	if _, err := (CheckInRequest{Name: "Ana", Phone: "nope", AppointmentTime: "1"}).Normalize("US"); err == nil {
		t.Error("Normalize accepted a bad phone")
	}
}
