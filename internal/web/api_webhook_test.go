package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"smartwait/internal/sms"
)

const (
	webhookPath  = "/api/webhooks/twilio/status"
	webhookToken = "test-auth-token"
)

// twilioSign computes X-Twilio-Signature the way Twilio documents it, separately
// from internal/sms: base64(HMAC-SHA1(token, url + sorted key+value pairs)).
func twilioSign(token, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := fullURL
	for _, k := range keys {
		s += k + form.Get(k)
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func webhookHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, func(d *Deps) {
		d.Deliveries = d.Messages.(DeliveryLog)
		d.VerifyTwilio = func(path, sig string, params url.Values) bool {
			return sms.ValidSignature(webhookToken, strings.TrimRight(testPublicURL, "/")+path, params, sig)
		}
	})
}

// sentMessage checks a patient in and records their confirmation as sent with the
// given provider id, as the dispatcher would.
func sentMessage(t *testing.T, h *harness, sid string) string {
	t.Helper()
	id := h.checkIn("Ana Lima", phone(1))
	ctx := context.Background()
	cs, err := h.db.Claim(ctx, h.clock.Now(), time.Minute, 10)
	if err != nil || len(cs) != 1 {
		t.Fatalf("claim = %v, %v", cs, err)
	}
	if err := h.db.MarkSent(ctx, cs[0], sid, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return id
}

func statusForm(sid, status, code string) url.Values {
	f := url.Values{"AccountSid": {"AC1"}, "MessageSid": {sid}, "SmsSid": {sid}, "MessageStatus": {status},
		"SmsStatus": {status}, "To": {phone(1)}, "From": {"+15005550006"}, "ApiVersion": {"2010-04-01"}}
	if code != "" {
		f.Set("ErrorCode", code)
	}
	return f
}

func (h *harness) postWebhook(form url.Values, sig string) response {
	h.tb.Helper()
	return h.do("POST", webhookPath, form.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", sig)
}

// notification returns the patient's only SMS as the staff API shows it.
func (h *harness) notification(t *testing.T, id string) map[string]any {
	t.Helper()
	res := h.asStaff("GET", "/api/staff/notifications?patientId="+id, "").want(t, http.StatusOK)
	list, _ := res.Body["data"].([]any)
	if len(list) != 1 {
		t.Fatalf("notifications = %s, want one", res.Raw)
	}
	return list[0].(map[string]any)
}

func TestTwilioWebhookRecordsDelivery(t *testing.T) {
	fullURL := testPublicURL + webhookPath
	tests := []struct {
		status, code        string
		wantStatus, wantErr string
		recorded            bool
	}{
		{"delivered", "", "delivered", "", true},
		{"undelivered", "30003", "undelivered", "Twilio error 30003", true},
		{"failed", "30006", "failed", "Twilio error 30006", true},
		{"sent", "", "sent", "", false}, // intermediate: acknowledged, not recorded
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			h := webhookHarness(t)
			id := sentMessage(t, h, "SM0001")
			form := statusForm("SM0001", tt.status, tt.code)
			res := h.postWebhook(form, twilioSign(webhookToken, fullURL, form)).want(t, http.StatusOK)
			if got, _ := res.Body["data"].(map[string]any)["recorded"].(bool); got != tt.recorded {
				t.Errorf("recorded = %v, want %v: %s", got, tt.recorded, res.Raw)
			}
			n := h.notification(t, id)
			if n["status"] != tt.wantStatus || n["lastError"] != tt.wantErr || n["providerId"] != "SM0001" {
				t.Errorf("notification = %v, want status %q lastError %q", n, tt.wantStatus, tt.wantErr)
			}
		})
	}
}

func TestTwilioWebhookRejectsBadSignatures(t *testing.T) {
	good := statusForm("SM0001", "delivered", "")
	tampered := statusForm("SM0001", "delivered", "")
	tampered.Set("MessageStatus", "failed")
	tests := []struct {
		name string
		form url.Values
		sig  string
	}{
		{"tampered parameter", tampered, twilioSign(webhookToken, testPublicURL+webhookPath, good)},
		{"wrong url: the request's host", good, twilioSign(webhookToken, "http://example.com"+webhookPath, good)},
		{"wrong url: other path", good, twilioSign(webhookToken, testPublicURL+"/api/webhooks/twilio/other", good)},
		{"no signature", good, ""},
		{"garbage signature", good, "not-base64!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := webhookHarness(t)
			id := sentMessage(t, h, "SM0001")
			res := h.postWebhook(tt.form, tt.sig).want(t, http.StatusForbidden)
			if code := res.str(t, "error.code"); code != "INVALID_SIGNATURE" {
				t.Errorf("error code %q, want INVALID_SIGNATURE", code)
			}
			if n := h.notification(t, id); n["status"] != "sent" {
				t.Errorf("status %v after a refused report, want sent", n["status"])
			}
		})
	}
}

func TestTwilioWebhookEdgeCases(t *testing.T) {
	fullURL := testPublicURL + webhookPath
	t.Run("unknown message is acknowledged", func(t *testing.T) {
		h := webhookHarness(t)
		form := statusForm("SMunknown", "delivered", "")
		res := h.postWebhook(form, twilioSign(webhookToken, fullURL, form)).want(t, http.StatusOK)
		if got := res.Body["data"].(map[string]any)["recorded"]; got != false {
			t.Errorf("recorded = %v, want false", got)
		}
	})
	t.Run("missing MessageSid", func(t *testing.T) {
		h := webhookHarness(t)
		form := url.Values{"MessageStatus": {"delivered"}}
		res := h.postWebhook(form, twilioSign(webhookToken, fullURL, form)).want(t, http.StatusBadRequest)
		if code := res.str(t, "error.code"); code != "VALIDATION_ERROR" {
			t.Errorf("error code %q", code)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		h := newHarness(t) // no Twilio: every report is refused
		form := statusForm("SM0001", "delivered", "")
		h.postWebhook(form, twilioSign(webhookToken, fullURL, form)).want(t, http.StatusForbidden)
	})
	t.Run("wrong method is JSON 405", func(t *testing.T) {
		h := webhookHarness(t)
		res := h.do("GET", webhookPath, "")
		if res.Code != http.StatusMethodNotAllowed || !strings.Contains(res.Raw, "METHOD_NOT_ALLOWED") {
			t.Errorf("GET = %d %s", res.Code, res.Raw)
		}
	})
}
