package sms_test

import (
	"net/url"
	"testing"

	"smartwait/internal/sms"
)

// The expected signatures were computed outside Go, with Python's hmac module and
// with `openssl dgst -sha1 -hmac`; the first is also the example in Twilio's
// security documentation.
func TestSignatureKnownVectors(t *testing.T) {
	tests := []struct {
		name, token, url string
		params           url.Values
		want             string
	}{
		{
			name: "twilio docs", token: "12345", url: "https://mycompany.com/myapp.php?foo=1&bar=2",
			params: url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
				"From": {"+12349013030"}, "To": {"+18005551212"}},
			want: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
		},
		{
			name: "status callback", token: "fake-auth-token", url: "https://clinic.example.com/api/webhooks/twilio/status",
			params: statusParams(),
			want:   "ABEbFztCtEH/LMtSnwHh+YiOl3o=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sms.Signature(tt.token, tt.url, tt.params); got != tt.want {
				t.Errorf("Signature = %q, want %q", got, tt.want)
			}
			if !sms.ValidSignature(tt.token, tt.url, tt.params, tt.want) {
				t.Errorf("ValidSignature rejected the known-good signature")
			}
		})
	}
}

func statusParams() url.Values {
	return url.Values{
		"AccountSid": {"AC00000000000000000000000000000001"}, "ApiVersion": {"2010-04-01"}, "ErrorCode": {"30003"},
		"From": {"+15005550006"}, "MessageSid": {"SM00000000000000000000000000000007"},
		"MessageStatus": {"undelivered"}, "SmsSid": {"SM00000000000000000000000000000007"},
		"SmsStatus": {"undelivered"}, "To": {"+14155552671"},
	}
}

func TestSignatureRejects(t *testing.T) {
	const token, good = "fake-auth-token", "ABEbFztCtEH/LMtSnwHh+YiOl3o="
	base := "https://clinic.example.com/api/webhooks/twilio/status"
	tampered := statusParams()
	tampered.Set("MessageStatus", "delivered")
	extra := statusParams()
	extra.Set("Extra", "1")
	tests := []struct {
		name, token, url, sig string
		params                url.Values
	}{
		{"tampered parameter", token, base, good, tampered},
		{"added parameter", token, base, good, extra},
		{"wrong url (host)", token, "https://evil.example.com/api/webhooks/twilio/status", good, statusParams()},
		{"wrong url (scheme)", token, "http://clinic.example.com/api/webhooks/twilio/status", good, statusParams()},
		{"wrong token", "other-token", base, good, statusParams()},
		{"empty signature", token, base, "", statusParams()},
		{"empty token", "", base, good, statusParams()},
		{"truncated signature", token, base, good[:10], statusParams()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if sms.ValidSignature(tt.token, tt.url, tt.params, tt.sig) {
				t.Errorf("ValidSignature accepted it")
			}
		})
	}
}
