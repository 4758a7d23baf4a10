package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"smartwait/internal/queue"
)

func TestParseCountries(t *testing.T) {
	tests := []struct {
		in, want string // want "": an error
	}{
		{"US", "US (+1)"},
		{"US,CA", "US (+1), CA (+1)"},
		{" us , gb ", "US (+1), GB (+44)"},
		{"+1,+44", "+1, +44"},
		{"1, 44", "+1, +44"},
		{"US,+44,US,44", "US (+1), +44"},
		{"", ""},
		{" , ", ""},
		{"XX", ""},
		{"USA", ""},
		{"+999", ""},
		{"+", ""},
		{"+4 4", ""},
		{"0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := queue.ParseCountries(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ParseCountries(%q) = %v, want an error", tt.in, c)
				}
				return
			}
			if err != nil || c.String() != tt.want {
				t.Fatalf("ParseCountries(%q) = %q, %v; want %q", tt.in, c, err, tt.want)
			}
		})
	}
}

// Every check-in texts its phone, so only phones that receive texts in the
// clinic's countries may check in; each refusal says why, and stores nothing.
func TestCheckInRefusesUntextablePhones(t *testing.T) {
	const (
		notMobile = "Validation error: phone must be a mobile number that can receive texts"
		notUS     = "Validation error: phone must be a number in a country this clinic sends texts to: US (+1)"
	)
	tests := []struct {
		name, region, countries, phone string
		want                           string // message prefix; "" = accepted
	}{
		{"contract example (415) 555-2671", "US", "", "(415) 555-2671", ""},
		{"contract example 415-555-2671", "US", "", "415-555-2671", ""},
		{"contract example +14155552671", "US", "", "+14155552671", ""},
		{"Twilio test number +15005550006", "US", "", "+15005550006", ""},
		{"Twilio test number +15005550009", "US", "", "+15005550009", ""},
		{"other 500 personal number", "US", "", "+15002345678", notMobile},
		{"US premium rate +1-900", "US", "", "+19002345678", notMobile},
		{"US toll-free +1-800", "US", "", "+18005551212", notMobile},
		{"US toll-free +1-888", "US", "", "(888) 234-5678", notMobile},
		{"UK mobile, US only", "US", "", "+447400123456", notUS},
		{"China mobile, US only", "US", "", "+8613800138000", notUS},
		{"Ghana mobile, US only", "US", "", "+233241234567", notUS},
		{"Russia mobile, US only", "US", "", "+79161234567", notUS},
		{"Nigeria mobile, US only", "US", "", "+2348031234567", notUS},
		{"Canada, US only", "US", "", "+16135552671", notUS},
		{"Jamaica (+1 876), US only", "US", "", "+18762345678", notUS},
		{"Canada with US,CA", "US", "US,CA", "+16135552671", ""},
		{"UK mobile with US,GB", "US", "US,GB", "+447400123456", ""},
		{"UK mobile with calling code 44", "US", "1,44", "+447400123456", ""},
		{"UK landline with US,GB", "US", "US,GB", "+442079460958", notMobile},
		{"UK premium rate with GB", "US", "GB", "+449098790000", notMobile},
		{"US number with GB only", "US", "GB", "+14155552671",
			"Validation error: phone must be a number in a country this clinic sends texts to: GB (+44)"},
		{"UK region default: national mobile", "GB", "", "07400 123456", ""},
		{"UK region default: US number", "GB", "", "+14155552671",
			"Validation error: phone must be a number in a country this clinic sends texts to: GB (+44)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *queue.Config) {
				c.PhoneRegion = tt.region
				if tt.countries != "" {
					c.SMSCountries = queue.MustParseCountries(tt.countries)
				}
			})
			e, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: "Ann", Phone: tt.phone, AppointmentTime: "10:00"})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckIn(%s) = %v, want accepted", tt.phone, err)
				}
				if len(h.messages(t, e.ID)[queue.MessageConfirmation]) != 1 {
					t.Errorf("accepted check-in has no confirmation text")
				}
				return
			}
			var qe *queue.Error
			if !errors.As(err, &qe) || qe.Code != queue.CodeValidation || !strings.HasPrefix(qe.Message, tt.want) {
				t.Fatalf("CheckIn(%s) = %v, want %s %q…", tt.phone, err, queue.CodeValidation, tt.want)
			}
			if d, _ := qe.Details.(map[string]string); d["field"] != "phone" {
				t.Errorf("details %v, want field phone", qe.Details)
			}
			if entries, _, err := h.svc.Queue(context.Background(), ""); err != nil || len(entries) != 0 {
				t.Errorf("after a refused check-in the queue holds %d tickets (%v)", len(entries), err)
			}
			if ms := h.messages(t, ""); len(ms) != 0 {
				t.Errorf("a refused check-in wrote texts: %v", ms)
			}
		})
	}
}
