package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/queue"
)

// The audit trail (docs/security.md, "Audit log"). Every staff action's route
// is wrapped in routes.go by s.audited(spec): the wrapper knows the action and
// where its target is named (a path value, a body field), and writes one
// entry when the handler answers — before the first byte of the answer goes
// out, so a client that saw the answer finds the entry. What only the handler
// knows it notes on the request: the ticket an operation reached
// (noteTicket), the account that signed in (noteActor), the error code
// (fail does it). A failing audit write does not fail the action: it is
// logged at ERROR with the request id.

// auditSpec describes how one route is audited.
type auditSpec struct {
	action audit.Action
	kind   string   // the target's kind (audit.TargetTicket, …); "" for none
	path   string   // the path value naming the target
	field  string   // else the body or form field naming it
	detail []string // body or form fields whose values make the entry's detail
	query  []string // query parameters that do (an export's filters)
	// actorField is the field naming the actor when no session does: the
	// username a login tries.
	actorField string
	// staffOnly records the action only when a staff session made the
	// request: a patient leaving the queue is not a staff action, staff
	// removing one is.
	staffOnly bool
}

// auditWriteTimeout bounds one entry's write. It is not the request's
// deadline: the entry is written even when the client has gone.
const auditWriteTimeout = 5 * time.Second

// auditNote is what a request learns about its entry while it runs.
type auditNote struct {
	spec   auditSpec
	staff  bool // a staff session made the request
	actor  string
	target audit.Target
	detail []string
	code   string
	body   func(string) (any, bool) // the decoded body's fields, once read
	req    *http.Request            // the request the handler got (its PostForm)
	done   bool
}

type auditKeyType struct{}

var auditKey auditKeyType

func noteFrom(r *http.Request) *auditNote {
	n, _ := r.Context().Value(auditKey).(*auditNote)
	return n
}

// audited records the route's action in the audit trail.
func (s *Server) audited(spec auditSpec) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := &auditNote{spec: spec}
			if st, ok := staffFrom(r.Context()); ok {
				n.staff, n.actor = true, st.User.Username
			}
			if spec.path != "" {
				n.target = audit.Target{Kind: spec.kind, ID: r.PathValue(spec.path)}
			}
			for _, k := range spec.query {
				if v := r.URL.Query().Get(k); v != "" {
					n.detail = append(n.detail, k+"="+strconv.Quote(v))
				}
			}
			n.req = r.WithContext(context.WithValue(r.Context(), auditKey, n))
			aw := &auditWriter{ResponseWriter: w, record: func(status int) { s.record(n, status) }}
			next.ServeHTTP(aw, n.req)
			aw.record(http.StatusOK) // a handler that wrote nothing answered 200
		})
	}
}

// auditWriter records the entry when the handler starts its answer.
type auditWriter struct {
	http.ResponseWriter
	record func(status int)
}

func (w *auditWriter) WriteHeader(status int) {
	if status >= 200 {
		w.record(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *auditWriter) Write(b []byte) (int, error) {
	w.record(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes, deadlines).
func (w *auditWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// record writes n's entry, once.
func (s *Server) record(n *auditNote, status int) {
	if n.done {
		return
	}
	n.done = true
	if n.spec.staffOnly && !n.staff {
		return
	}
	r := n.req
	n.fromForm()
	result := audit.ResultOK
	if status >= 400 {
		result = n.code
		if result == "" {
			result = "HTTP_" + strconv.Itoa(status)
		}
	}
	e := audit.Entry{
		At: s.now(), Actor: n.actor, IP: s.clientIP(r), Action: n.spec.action, Target: n.target,
		Detail: strings.Join(n.detail, " "), Result: result, RequestID: requestIDFrom(r.Context()),
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditWriteTimeout)
	defer cancel()
	if err := s.d.Audit.AppendAudit(ctx, &e); err != nil {
		s.metrics.auditFailures.Inc()
		s.log.Error("audit entry not recorded", "request_id", e.RequestID, "action", string(e.Action), "result", e.Result, "err", err)
	}
}

// noteBody gives the request's entry the fields of its decoded body: the
// target, the detail and, for a login, the actor. decodeBody and decodeTyped
// call it, so no handler has to.
func noteBody(r *http.Request, get func(string) (any, bool)) {
	if n := noteFrom(r); n != nil && n.body == nil {
		n.body = get
		n.fromBody()
	}
}

// fromForm reads a page form's fields, which its handler parsed itself.
func (n *auditNote) fromForm() {
	if n.body != nil {
		return
	}
	if n.req.PostForm == nil && mediaType(n.req) == "application/x-www-form-urlencoded" {
		_ = n.req.ParseForm() // a form refused before its handler read it (limited by limitBody)
	}
	if n.req.PostForm == nil {
		return
	}
	form := n.req.PostForm
	n.body = func(k string) (any, bool) {
		v, ok := form[k]
		if !ok || len(v) == 0 {
			return nil, false
		}
		return v[0], true
	}
	n.fromBody()
}

func (n *auditNote) fromBody() {
	if f := n.spec.field; f != "" && n.target.ID == "" {
		if v, ok := n.body(f); ok {
			n.target = audit.Target{Kind: n.spec.kind, ID: strings.TrimSpace(fmt.Sprint(v))}
		}
	}
	if f := n.spec.actorField; f != "" && n.actor == "" {
		if v, ok := n.body(f); ok {
			n.actor = strings.TrimSpace(fmt.Sprint(v))
		}
	}
	for _, f := range n.spec.detail {
		if v, ok := n.body(f); ok {
			n.detail = append(n.detail, f+"="+detailValue(v))
		}
	}
}

// detailValue formats one field of a body for an entry's detail.
func detailValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ",") + "]"
	case map[string]string:
		if v == nil {
			return "null"
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + strconv.Quote(v[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprint(v)
}

// noteTicket names the ticket an operation reached (its number is known only
// now: call-next chose it, a check-in made it).
func noteTicket(r *http.Request, e queue.Entry) {
	if n := noteFrom(r); n != nil {
		n.target = audit.Target{Kind: audit.TargetTicket, ID: e.ID, Number: e.Number}
	}
}

// noteActor names the account that signed in (as stored, not as typed).
func noteActor(r *http.Request, username string) {
	if n := noteFrom(r); n != nil {
		n.actor = username
	}
}

// noteTarget names the target when the handler computes it (a masked phone).
func noteTarget(r *http.Request, t audit.Target, detail ...string) {
	if n := noteFrom(r); n != nil {
		n.target = t
		n.detail = append(n.detail, detail...)
	}
}

// noteCode records the error code an action ended with.
func noteCode(r *http.Request, code string) {
	if n := noteFrom(r); n != nil && n.code == "" {
		n.code = code
	}
}

// ticketSpec audits an operation on the ticket named by the body's patientId.
func ticketSpec(a audit.Action, detail ...string) auditSpec {
	return auditSpec{action: a, kind: audit.TargetTicket, field: "patientId", detail: detail}
}

// The settings an entry's detail shows of a line's or a room's change.
var (
	lineSettings = []string{"slug", "name", "prefix", "open", "public", "appointments", "position", "visitMinutes", "getReadyPosition", "graceMinutes", "hours", "clinic"}
	roomSettings = []string{"name", "lines", "open", "position", "clinic"}
)
