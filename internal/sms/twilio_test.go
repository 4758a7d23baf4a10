package sms_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/sms"
	"smartwait/internal/sms/twiliofake"
)

func msg(to string) queue.Message {
	return queue.Message{ID: 7, TicketID: queue.NewID(), Kind: queue.MessageConfirmation, To: to, Body: "SmartWait: you're checked in."}
}

func TestTwilioSend(t *testing.T) {
	fake := twiliofake.New(t)
	callback := sms.StatusCallbackURL("https://clinic.example.com/")
	id, err := fake.Sender(callback).Send(context.Background(), msg("+14155552671"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := fake.Messages()
	if len(got) != 1 {
		t.Fatalf("fake got %d messages, want 1", len(got))
	}
	m := got[0]
	if id != m.SID || !strings.HasPrefix(id, "SM") {
		t.Errorf("provider id %q, want the fake's SID %q", id, m.SID)
	}
	if m.To != "+14155552671" || m.From != twiliofake.From || m.Body != "SmartWait: you're checked in." {
		t.Errorf("fake got %+v", m)
	}
	if m.StatusCallback != "https://clinic.example.com/api/webhooks/twilio/status" {
		t.Errorf("StatusCallback %q", m.StatusCallback)
	}
}

func TestTwilioWrongCredentialsArePermanent(t *testing.T) {
	fake := twiliofake.New(t)
	s := fake.Sender("")
	s.AuthToken = "wrong"
	_, err := s.Send(context.Background(), msg("+14155552671"))
	if !notify.IsPermanent(err) {
		t.Fatalf("Send with a wrong token = %v, want a permanent error", err)
	}
	// The fake rightly complained about the credentials; this test wanted that.
	if p := fake.Problems(); len(p) != 1 || !strings.Contains(p[0], "basic auth") {
		t.Fatalf("fake problems %v, want one about basic auth", p)
	}
	fakeReset(t, fake)
}

// fakeReset clears problems the test provoked on purpose, so the fake's cleanup
// check passes.
func fakeReset(tb testing.TB, f *twiliofake.Server) { tb.Helper(); f.ClearProblems() }

func TestTwilioClassifiesErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		header     map[string]string
		permanent  bool
		code       string
		retryAfter time.Duration
	}{
		{name: "503", status: 503, body: `{"status":503,"message":"Service Unavailable"}`},
		{name: "500 html", status: 500, body: `<html>oops</html>`},
		{name: "429 retry-after", status: 429, body: `{"code":20429,"message":"Too Many Requests","status":429}`,
			header: map[string]string{"Retry-After": "30"}, code: "20429", retryAfter: 30 * time.Second},
		{name: "400 invalid number", status: 400, body: `{"code":21211,"message":"The 'To' number +14155552671 is not a valid phone number.","status":400}`,
			permanent: true, code: "21211"},
		{name: "400 unsubscribed", status: 400, body: `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`,
			permanent: true, code: "21610"},
		{name: "400 queue full is temporary", status: 400, body: `{"code":21611,"message":"queue full","status":400}`, code: "21611"},
		{name: "404", status: 404, body: `{"code":20404,"status":404}`, permanent: true, code: "20404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			s := &sms.Twilio{AccountSID: "AC1", AuthToken: "t", From: "+15005550006", BaseURL: srv.URL}
			_, err := s.Send(context.Background(), msg("+14155552671"))
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v, want a *notify.SendError", err)
			}
			if se.Permanent != tt.permanent || se.Code != tt.code || se.RetryAfter != tt.retryAfter {
				t.Errorf("got permanent=%v code=%q retryAfter=%v, want %v %q %v", se.Permanent, se.Code, se.RetryAfter, tt.permanent, tt.code, tt.retryAfter)
			}
			if strings.Contains(err.Error(), "AC1") || strings.Contains(err.Error(), "+14155552671") {
				t.Errorf("error %q names the account", err)
			}
		})
	}
}

func TestTwilioNetworkErrorsAreTemporary(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens there any more
		s := &sms.Twilio{AccountSID: "AC1", AuthToken: "t", From: "+15005550006", BaseURL: srv.URL}
		_, err := s.Send(context.Background(), msg("+14155552671"))
		if err == nil || notify.IsPermanent(err) {
			t.Fatalf("Send to a closed server = %v, want a temporary error", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		s := &sms.Twilio{AccountSID: "AC1", AuthToken: "t", From: "+15005550006", BaseURL: srv.URL}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := s.Send(ctx, msg("+14155552671"))
		if err == nil || notify.IsPermanent(err) {
			t.Fatalf("Send that timed out = %v, want a temporary error", err)
		}
	})
}

func TestTwilioMessagingService(t *testing.T) {
	var form map[string][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		form = r.PostForm
		w.WriteHeader(201)
		w.Write([]byte(`{"sid":"SM1"}`))
	}))
	defer srv.Close()
	s := &sms.Twilio{AccountSID: "AC1", AuthToken: "t", From: "MG0123", BaseURL: srv.URL}
	if _, err := s.Send(context.Background(), msg("+14155552671")); err != nil {
		t.Fatal(err)
	}
	if form["MessagingServiceSid"][0] != "MG0123" || form["From"] != nil {
		t.Errorf("form %v, want MessagingServiceSid and no From", form)
	}
}
