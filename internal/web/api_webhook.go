package web

import (
	"context"
	"net/http"
	"strings"

	"smartwait/internal/queue"
)

// The paths of Twilio's webhooks: the signature covers SMARTWAIT_PUBLIC_URL
// plus the path (internal/sms.StatusCallbackPath is the first, as the sender
// gives it to Twilio).
const (
	twilioStatusPath = "/api/webhooks/twilio/status"
	inboundSMSPath   = "/api/sms/inbound"
)

// DeliveryLog records the SMS provider's delivery reports in the outbox.
type DeliveryLog interface {
	// RecordDelivery sets the status of the message the provider knows as
	// providerID and keeps detail as its last error; false when there is none.
	RecordDelivery(ctx context.Context, providerID string, status queue.MessageStatus, detail string) (bool, error)
}

// codeInvalidSignature answers a webhook whose X-Twilio-Signature does not match.
const codeInvalidSignature = "INVALID_SIGNATURE"

// twilioFinal maps the Twilio message statuses the outbox records; the others
// (queued, sending, sent, accepted, …) are acknowledged and ignored.
var twilioFinal = map[string]queue.MessageStatus{
	"delivered":   queue.MessageDelivered,
	"undelivered": queue.MessageUndelivered,
	"failed":      queue.MessageFailed,
}

// deliveryView is the webhook's answer.
type deliveryView struct {
	MessageSid string `json:"messageSid"`
	Status     string `json:"status"`
	Recorded   bool   `json:"recorded"`
}

// handleTwilioStatus serves POST /api/webhooks/twilio/status, Twilio's delivery
// report for a message. The form must carry a valid X-Twilio-Signature, computed
// over SMARTWAIT_PUBLIC_URL + the path (never the request's Host) and the form
// parameters: 403 INVALID_SIGNATURE otherwise. delivered / undelivered / failed are
// recorded with the error code; a report for an unknown message is acknowledged,
// since Twilio cannot do anything better with an error.
func (s *Server) handleTwilioStatus() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, &apiError{code: queue.CodeValidation, message: "Validation error: malformed form body"})
			return
		}
		sig := r.Header.Get("X-Twilio-Signature")
		if s.d.VerifyTwilio == nil || s.d.Deliveries == nil || !s.d.VerifyTwilio(twilioStatusPath, sig, r.PostForm) {
			s.log.Warn("twilio webhook: invalid signature", "request", requestIDFrom(r.Context()))
			s.fail(w, r, &apiError{code: codeInvalidSignature, message: "The request signature is not valid"})
			return
		}
		sid := strings.TrimSpace(r.PostForm.Get("MessageSid"))
		twStatus := strings.ToLower(strings.TrimSpace(r.PostForm.Get("MessageStatus")))
		if sid == "" || twStatus == "" {
			s.fail(w, r, invalidField("MessageSid", "MessageSid and MessageStatus are required"))
			return
		}
		view := deliveryView{MessageSid: sid, Status: twStatus}
		status, final := twilioFinal[twStatus]
		if final {
			detail := ""
			if code := strings.TrimSpace(r.PostForm.Get("ErrorCode")); code != "" && code != "0" {
				detail = "Twilio error " + code
			}
			found, err := s.d.Deliveries.RecordDelivery(r.Context(), sid, status, detail)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			view.Recorded = found
			if !found {
				s.log.Info("twilio webhook: report for an unknown message", "messageSid", logField(sid), "status", logField(twStatus))
			}
		}
		ok(w, view, "")
	})
}
