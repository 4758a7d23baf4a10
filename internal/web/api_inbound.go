package web

import (
	"net/http"

	"smartwait/internal/queue"
)

// emptyTwiML answers a patient's text with nothing inline: the reply, if any,
// goes through the outbox (queue.Service.Reply), like every other text.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// handleInboundSMS serves POST /api/sms/inbound, Twilio's webhook for a text
// a patient sent to one of the clinics' numbers (form fields From, To, Body,
// MessageSid, …). The form must carry a valid X-Twilio-Signature over
// SMARTWAIT_PUBLIC_URL + the path: 403 INVALID_SIGNATURE otherwise. The same
// MessageSid again is answered once (the reply's dedupe key).
func (s *Server) handleInboundSMS() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, &apiError{code: queue.CodeValidation, message: "Validation error: malformed form body"})
			return
		}
		if s.d.VerifyTwilio == nil || !s.d.VerifyTwilio(inboundSMSPath, r.Header.Get("X-Twilio-Signature"), r.PostForm) {
			s.log.Warn("twilio inbound: invalid signature", "request", requestIDFrom(r.Context()))
			s.fail(w, r, &apiError{code: codeInvalidSignature, message: "The request signature is not valid"})
			return
		}
		in := queue.InboundText{SID: r.PostForm.Get("MessageSid"), From: r.PostForm.Get("From"), To: r.PostForm.Get("To"), Body: r.PostForm.Get("Body")}
		kw, err := s.d.Queue.Reply(r.Context(), in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// The keyword, never the body or the number: the log is not the place
		// for what patients write.
		s.log.Info("twilio inbound: text", "request", requestIDFrom(r.Context()), "keyword", string(kw))
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write([]byte(emptyTwiML))
	})
}
