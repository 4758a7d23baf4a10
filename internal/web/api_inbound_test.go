package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"smartwait/internal/queue"
)

func (h *harness) postInbound(form url.Values, sig string) response {
	h.tb.Helper()
	return h.do("POST", inboundSMSPath, form.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", sig)
}

func inboundForm(sid, from, body string) url.Values {
	return url.Values{"MessageSid": {sid}, "From": {from}, "To": {"+15005550006"}, "Body": {body}, "AccountSid": {"AC1"}}
}

// TestInboundSMS: a signed text gets an empty TwiML answer and its reply in
// the outbox, once per MessageSid; an unsigned or mis-signed one is refused
// and changes nothing; a form without a sender is a 400.
func TestInboundSMS(t *testing.T) {
	h := webhookHarness(t)
	id := h.checkIn("Ana Lima", phone(1))
	e164, _ := queue.NormalizePhone(phone(1), "US")
	full := testPublicURL + inboundSMSPath
	form := inboundForm("SM100", e164, "Status")

	for _, sig := range []string{"", "bogus", twilioSign(webhookToken, testPublicURL+webhookPath, form), twilioSign("other-token", full, form)} {
		h.postInbound(form, sig).wantError(t, http.StatusForbidden, codeInvalidSignature)
	}
	replies := func() []queue.Message {
		ms, err := h.db.Messages(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		var out []queue.Message
		for _, m := range ms {
			if m.Kind == queue.MessageReply {
				out = append(out, m)
			}
		}
		return out
	}
	if n := len(replies()); n != 0 {
		t.Fatalf("a refused webhook wrote %d replies", n)
	}
	for range 2 { // Twilio retries: one answer
		r := h.postInbound(form, twilioSign(webhookToken, full, form))
		if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "text/xml") || !strings.Contains(r.Raw, "<Response></Response>") {
			t.Fatalf("inbound answer: %d %s %q", r.Code, r.Header.Get("Content-Type"), r.Raw)
		}
	}
	got := replies()
	if len(got) != 1 || !strings.Contains(got[0].Body, "number 1 in line") || got[0].To != e164 {
		t.Fatalf("replies: %+v", got)
	}
	bad := inboundForm("SM101", "", "status")
	h.postInbound(bad, twilioSign(webhookToken, full, bad)).wantError(t, http.StatusBadRequest, queue.CodeValidation)
}
