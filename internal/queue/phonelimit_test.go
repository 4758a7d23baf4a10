package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// checkInPhone checks "Ann" in with phone and returns the entry or the error.
func (h *harness) checkInPhone(phone string) (queue.Entry, error) {
	return h.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: "Ann", Phone: phone, AppointmentTime: "10:00"})
}

// wantRateLimited checks err is the per-phone limit with the given Retry-After.
func wantRateLimited(tb testing.TB, err error, retry time.Duration, inWords string) {
	tb.Helper()
	var e *queue.Error
	if !errors.As(err, &e) || e.Code != queue.CodeRateLimited {
		tb.Fatalf("error = %v, want %s", err, queue.CodeRateLimited)
	}
	if e.RetryAfter != retry {
		tb.Errorf("RetryAfter = %v, want %v", e.RetryAfter, retry)
	}
	if !strings.Contains(e.Message, "checked in 3 times in the last hour") || !strings.Contains(e.Message, "try again in "+inWords) {
		tb.Errorf("message %q does not say the limit and when to try again (%s)", e.Message, inWords)
	}
	if d, _ := e.Details.(map[string]string); d["field"] != "phone" {
		tb.Errorf("details %v, want field phone", e.Details)
	}
}

// One phone checks in at most 3 times an hour, however its visits ended, and may
// again once the oldest check-in is an hour old; other phones are not affected.
func TestCheckInsPerPhone(t *testing.T) {
	h := newHarness(t) // the default: 3 an hour
	ctx := context.Background()
	phone := "(415) 555-2671"
	for i := range 3 {
		e, err := h.checkInPhone(phone)
		if err != nil {
			t.Fatalf("check-in %d: %v", i+1, err)
		}
		if _, err := h.svc.Cancel(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		h.advance(10 * time.Minute)
	}
	// 09:30: check-ins at 09:00, 09:10, 09:20.
	_, err := h.checkInPhone("+14155552671") // the same phone, written otherwise
	wantRateLimited(t, err, 30*time.Minute, "30 minutes")
	if _, err := h.checkInPhone("+14155552672"); err != nil {
		t.Fatalf("another phone: %v", err)
	}
	h.advance(29*time.Minute + 59*time.Second) // 09:59:59
	_, err = h.checkInPhone(phone)
	wantRateLimited(t, err, time.Second, "1 minute")
	h.advance(time.Second) // 10:00: the 09:00 check-in is an hour old
	e, err := h.checkInPhone(phone)
	if err != nil {
		t.Fatalf("an hour after the first check-in: %v", err)
	}
	if _, err := h.svc.Complete(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	_, err = h.checkInPhone(phone) // 09:10, 09:20, 10:00
	wantRateLimited(t, err, 10*time.Minute, "10 minutes")
}

func TestCheckInsPerPhoneOff(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.CheckInsPerPhone = 0 })
	for i := range 6 {
		e, err := h.checkInPhone("+14155552671")
		if err != nil {
			t.Fatalf("check-in %d with the limit off: %v", i+1, err)
		}
		if _, err := h.svc.Cancel(context.Background(), e.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// Two instances (two Services on one database file) receive check-ins of one
// phone at once, after it checked in twice: exactly one more gets in, the limit's
// third, and every other is refused by the limit.
func TestCheckInsPerPhoneConcurrent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for range 2 {
		e, err := h.checkInPhone("+14155552671")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Cancel(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	other, err := sqlite.Open(ctx, h.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	second := &queue.Service{Store: other, Config: h.svc.Config, Now: h.svc.Now}
	services := []*queue.Service{h.svc, second}

	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			<-start
			_, err := services[i%2].CheckIn(ctx, queue.CheckInRequest{Name: "Ann", Phone: "415-555-2671", AppointmentTime: "10:00"})
			errs <- err
		}()
	}
	close(start)
	ok, limited := 0, 0
	for range n {
		var e *queue.Error
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.As(err, &e) && e.Code == queue.CodeRateLimited:
			limited++
		default:
			t.Errorf("concurrent check-in: %v", err)
		}
	}
	if ok != 1 || limited != n-1 {
		t.Fatalf("%d concurrent check-ins after 2 of the limit's 3: %d in, %d rate limited; want 1, %d", n, ok, limited, n-1)
	}
}
