package sms_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"smartwait/internal/sms"
	"smartwait/internal/sms/twiliofake"
)

// A message with its own sender (a clinic's number) goes from it; one
// without, from the deployment's; a number the account does not own is a
// problem the fake reports.
func TestTwilioSendsFromTheMessagesSender(t *testing.T) {
	fake := twiliofake.New(t)
	fake.AddNumber("+15005550111")
	s := fake.Sender("")
	own, deployment := msg("+14155552671"), msg("+14155552672")
	own.From = "+15005550111"
	if _, err := s.Send(context.Background(), own); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), deployment); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages()
	if len(got) != 2 || got[0].From != "+15005550111" || got[1].From != twiliofake.From {
		t.Fatalf("fake got %+v, want the first from the clinic's number, the second from the deployment's", got)
	}
	stranger := msg("+14155552673")
	stranger.From = "+15005550999"
	if _, err := s.Send(context.Background(), stranger); err != nil {
		t.Fatal(err)
	}
	if p := fake.Problems(); len(p) != 1 {
		t.Fatalf("fake problems %v, want one about the number it does not own", p)
	}
	fakeReset(t, fake)
}

// A message's own messaging service ("MG…") is sent as MessagingServiceSid,
// as the deployment's is.
func TestTwilioMessagesOwnMessagingService(t *testing.T) {
	forms := make(chan url.Values, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		forms <- r.PostForm
		w.WriteHeader(201)
		w.Write([]byte(`{"sid":"SM1"}`))
	}))
	defer srv.Close()
	s := &sms.Twilio{AccountSID: "AC1", AuthToken: "t", From: "+15005550006", BaseURL: srv.URL}
	m := msg("+14155552671")
	m.From = "MG0456"
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if form := <-forms; form.Get("MessagingServiceSid") != "MG0456" || form.Has("From") {
		t.Errorf("form %v, want the message's MessagingServiceSid and no From", form)
	}
}
