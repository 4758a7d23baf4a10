package web

import (
	"net/http"

	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// Outbound webhooks (docs/integrations.md): admins register the endpoints
// that receive signed events. The rules — URL checks, the limit, the event
// types — are the webhook.Service's; the handlers only translate JSON.

// webhookFields are the fields of POST and PATCH /api/staff/webhooks.
var webhookFields = fieldSpec{
	"url": kindString, "description": kindString, "events": kindStrings, "personalData": kindBool, "enabled": kindBool,
}

// webhookView is an endpoint as the API shows it. Secret is only ever set in
// the answer to the POST that created it.
type webhookView struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Events         []string `json:"events"`
	PersonalData   bool     `json:"personalData"`
	Enabled        bool     `json:"enabled"`
	Secret         string   `json:"secret,omitempty"`
	CreatedAt      jsonTime `json:"createdAt"`
	UpdatedAt      jsonTime `json:"updatedAt"`
	DisabledAt     jsonTime `json:"disabledAt"`
	DisabledReason string   `json:"disabledReason,omitempty"`
	FailingSince   jsonTime `json:"failingSince"`
	Failures       int      `json:"failures"`
	NextAttemptAt  jsonTime `json:"nextAttemptAt"`
	LastError      string   `json:"lastError,omitempty"`
	LastSuccessAt  jsonTime `json:"lastSuccessAt"`
	Pending        int      `json:"pending"`
}

func newWebhookView(e webhook.Endpoint) webhookView {
	evs := make([]string, len(e.Events))
	for i, t := range e.Events {
		evs[i] = string(t)
	}
	v := webhookView{
		ID: e.ID, URL: e.URL, Description: e.Description, Events: evs, PersonalData: e.Personal, Enabled: e.Enabled,
		Secret: e.Secret, CreatedAt: jsonTime(e.CreatedAt), UpdatedAt: jsonTime(e.UpdatedAt),
		DisabledAt: jsonTime(e.DisabledAt), DisabledReason: e.DisabledReason, FailingSince: jsonTime(e.FailingSince),
		Failures: e.Failures, LastError: e.LastError, LastSuccessAt: jsonTime(e.LastSuccess), Pending: e.Pending,
	}
	if e.Enabled && e.Failures > 0 {
		v.NextAttemptAt = jsonTime(e.RetryAt)
	}
	return v
}

// attemptView is one entry of an endpoint's delivery log.
type attemptView struct {
	EventID    string   `json:"eventId"`
	Type       string   `json:"type"`
	At         jsonTime `json:"at"`
	StatusCode int      `json:"statusCode,omitempty"`
	Error      string   `json:"error,omitempty"`
	DurationMs int64    `json:"durationMs"`
	OK         bool     `json:"ok"`
}

// webhookPatch turns a decoded body into a webhook.Patch.
func webhookPatch(b typedBody) webhook.Patch {
	var p webhook.Patch
	p.URL, p.Description = b.str("url"), b.str("description")
	if v, ok := b["events"].([]string); ok {
		p.Events = make([]queue.WebhookEventType, len(v))
		for i, s := range v {
			p.Events[i] = queue.WebhookEventType(s)
		}
	}
	p.Personal, p.Enabled = b.boolean("personalData"), b.boolean("enabled")
	return p
}

// handleListWebhooks serves GET /api/staff/webhooks (admin).
func (s *Server) handleListWebhooks() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		es, err := s.d.Webhooks.List(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]webhookView, len(es))
		for i, e := range es {
			out[i] = newWebhookView(e)
		}
		list(w, out)
	})
}

// handleCreateWebhook serves POST /api/staff/webhooks (admin): 201 with the
// endpoint and its secret, shown this once.
func (s *Server) handleCreateWebhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, webhookFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		e, err := s.d.Webhooks.Create(r.Context(), webhookPatch(b))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, envelope{Success: true, Data: newWebhookView(e),
			Message: "Webhook endpoint created; copy its secret now, it is not shown again"})
	})
}

// handleUpdateWebhook serves PATCH /api/staff/webhooks/{id} (admin).
func (s *Server) handleUpdateWebhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, webhookFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		e, err := s.d.Webhooks.Update(r.Context(), r.PathValue("id"), webhookPatch(b))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, newWebhookView(e), "Webhook endpoint updated")
	})
}

// handleDeleteWebhook serves DELETE /api/staff/webhooks/{id} (admin).
func (s *Server) handleDeleteWebhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.d.Webhooks.Delete(r.Context(), r.PathValue("id")); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, nil, "Webhook endpoint deleted")
	})
}

// handleWebhookDeliveries serves GET /api/staff/webhooks/{id}/deliveries
// (admin): the endpoint's delivery log, newest first.
func (s *Server) handleWebhookDeliveries() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		as, err := s.d.Webhooks.Attempts(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]attemptView, len(as))
		for i, a := range as {
			out[i] = attemptView{EventID: a.EventID, Type: string(a.Type), At: jsonTime(a.At), StatusCode: a.StatusCode,
				Error: a.Error, DurationMs: a.Duration.Milliseconds(), OK: a.OK}
		}
		list(w, out)
	})
}

// webhooksOn answers 404 when the server has no webhook service (a test
// harness without one); the routes exist either way, as the API document says.
func (s *Server) webhooksOn(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.d.Webhooks == nil {
			s.fail(w, r, &queue.Error{Code: webhook.CodeNotFound, Message: "Webhooks are not available"})
			return
		}
		h.ServeHTTP(w, r)
	})
}
