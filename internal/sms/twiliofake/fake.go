// Package twiliofake is an in-test HTTP fake of Twilio's Messages API: it records
// every request, checks basic auth and the form fields, and can be told to fail the
// next N requests with a status or to reject a number with error 21211. It is used
// by the tests of sms, notify, web and cmd/smartwait; nothing in production imports
// it. The account owns the number From; AddNumber gives it more (a clinic's
// own sender), and a message from any other number is a problem.
package twiliofake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"smartwait/internal/sms"
)

// Account credentials the fake accepts.
const (
	AccountSID = "AC00000000000000000000000000000001"
	AuthToken  = "fake-auth-token"
	From       = "+15005550006"
)

// Message is one message the fake accepted.
type Message struct {
	SID, To, From, Body, StatusCallback string
	At                                  time.Time
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	accepted []Message
	requests int
	failNext int
	failCode int
	rejected map[string]bool
	numbers  map[string]bool // the From numbers the account owns
	problems []string
	delay    time.Duration
	gate     chan struct{} // non-nil while held: requests wait for it to close
	inFlight int           // requests waiting at the gate
	changed  chan struct{} // closed and replaced on every request
	sidSeq   int
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// New starts a fake and closes it when the test ends; the test fails if any
// request broke the rules (wrong auth, missing or malformed fields, a body over
// 160 characters).
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{rejected: map[string]bool{}, numbers: map[string]bool{From: true}, changed: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(func() {
		s.Close()
		for _, p := range s.Problems() {
			tb.Errorf("twilio fake: %s", p)
		}
	})
	return s
}

// FailNext makes the next n requests fail with HTTP status (e.g. 503, 429).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failCode = n, status
}

// Reject makes every message to the number fail with 400, error 21211.
func (s *Server) Reject(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[to] = true
}

// AddNumber makes number one the account may send from, besides From.
func (s *Server) AddNumber(number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.numbers[number] = true
}

// SetDelay makes every request wait d before answering (a slow provider).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Messages returns the accepted messages in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.accepted...)
}

// Requests counts every request, failed or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Problems lists the rule violations seen so far.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// WaitFor waits until cond holds for the accepted messages and the request count,
// re-checking after every request, and fails the test if it does not hold within
// timeout (a generous bound against a hang, not a timing assertion).
func (s *Server) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func(msgs []Message, requests int) bool) []Message {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, n, ch := append([]Message(nil), s.accepted...), s.requests, s.changed
		s.mu.Unlock()
		if cond(msgs, n) {
			return msgs
		}
		select {
		case <-ch:
		case <-deadline.C:
			tb.Fatalf("twilio fake: timed out after %v waiting for %s; got %d messages in %d requests", timeout, what, len(msgs), n)
			return nil
		}
	}
}

// WaitMessages waits until at least n messages were accepted and returns them.
func (s *Server) WaitMessages(tb testing.TB, n int) []Message {
	tb.Helper()
	return s.WaitFor(tb, 20*time.Second, fmt.Sprintf("%d messages", n), func(m []Message, _ int) bool { return len(m) >= n })
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	delay, gate := s.delay, s.gate
	if gate != nil {
		s.inFlight++
		s.notifyLocked()
	}
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	s.mu.Lock()
	defer func() {
		s.notifyLocked()
		s.mu.Unlock()
	}()
	s.requests++
	want := "/2010-04-01/Accounts/" + AccountSID + "/Messages.json"
	if r.Method != http.MethodPost || r.URL.Path != want {
		s.problem("unexpected %s %s", r.Method, r.URL.Path)
		writeError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != AccountSID || pass != AuthToken {
		s.problem("bad basic auth (user %q)", user)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.problem("content type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		s.problem("unparsable form: %v", err)
		writeError(w, http.StatusBadRequest, 20001, "bad form")
		return
	}
	m := Message{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body"),
		StatusCallback: r.PostForm.Get("StatusCallback"), At: time.Now()}
	if !e164.MatchString(m.To) {
		s.problem("To %q is not E.164", m.To)
	}
	if !s.numbers[m.From] {
		s.problem("From %q is not a number of the account (%q or one AddNumber added)", m.From, From)
	}
	if m.Body == "" || utf8.RuneCountInString(m.Body) > 160 {
		s.problem("Body of %d characters: %q", utf8.RuneCountInString(m.Body), m.Body)
	}
	if s.failNext > 0 {
		s.failNext--
		writeError(w, s.failCode, 0, http.StatusText(s.failCode))
		return
	}
	if s.rejected[m.To] {
		writeError(w, http.StatusBadRequest, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", m.To))
		return
	}
	s.sidSeq++
	m.SID = fmt.Sprintf("SM%032d", s.sidSeq)
	s.accepted = append(s.accepted, m)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{
		"sid": m.SID, "status": "queued", "to": m.To, "from": m.From, "body": m.Body,
		"account_sid": AccountSID, "num_segments": "1",
	})
}

// notifyLocked wakes WaitFor callers; s.mu is held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Hold makes requests wait, unanswered, until Release: a provider that hangs.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// Release lets held requests, and later ones, through.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// InFlight counts the requests waiting at a Hold.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// problem records a rule violation; s.mu is held.
func (s *Server) problem(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"status": status, "message": msg}
	if code != 0 {
		body["code"] = code
		body["more_info"] = fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)
	}
	json.NewEncoder(w).Encode(body)
}

// Sender returns a Twilio sender for the fake with the given status callback URL.
func (s *Server) Sender(statusCallback string) *sms.Twilio {
	return &sms.Twilio{AccountSID: AccountSID, AuthToken: AuthToken, From: From,
		BaseURL: s.URL, StatusCallback: statusCallback, Client: sms.NewHTTPClient(5 * time.Second)}
}

// ClearProblems forgets the rule violations seen so far, for tests that provoke one
// on purpose.
func (s *Server) ClearProblems() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = nil
}
