package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// TestTicketsKeepTheirLanguage: a check-in's language is stored with the
// ticket, and every text to that patient is written in it; no language is the
// deployment's default; one it does not speak is refused.
func TestTicketsKeepTheirLanguage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	es, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "María", Phone: "+14155552701", AppointmentTime: "walk-in", Language: "es"})
	if err != nil {
		t.Fatal(err)
	}
	en, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Bo", Phone: "+14155552702", AppointmentTime: "walk-in"})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := h.svc.Status(ctx, es.ID); err != nil || st.Language != "es" {
		t.Errorf("stored language = %q (%v), want es", st.Language, err)
	}
	if en.Language != "en" {
		t.Errorf("no language asked: %q, want the default en", en.Language)
	}
	if _, err := h.svc.CallNext(ctx, queue.DefaultQueueID, "2"); err != nil {
		t.Fatal(err)
	}
	ms := h.messages(t, es.ID)
	for _, kind := range []queue.MessageKind{queue.MessageConfirmation, queue.MessageCalled} {
		if len(ms[kind]) != 1 {
			t.Fatalf("%s: %d messages", kind, len(ms[kind]))
		}
	}
	if body := ms[queue.MessageCalled][0].Body; !strings.Contains(body, "Es su turno") || !strings.Contains(body, "consultorio 2") {
		t.Errorf("Spanish call text = %q", body)
	}
	if body := ms[queue.MessageConfirmation][0].Body; !strings.Contains(body, "en la fila") {
		t.Errorf("Spanish confirmation = %q", body)
	}
	if body := h.messages(t, en.ID)[queue.MessageConfirmation][0].Body; !strings.Contains(body, "you're checked in") {
		t.Errorf("English confirmation = %q", body)
	}

	_, err = h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Cy", Phone: "+14155552703", AppointmentTime: "walk-in", Language: "fr"})
	var qe *queue.Error
	if !errors.As(err, &qe) || qe.Code != queue.CodeValidation {
		t.Errorf("language fr: %v, want a validation error", err)
	}

	// A deployment that speaks Spanish by default writes to Spanish by default.
	h2 := newHarness(t, func(c *queue.Config) { c.Languages = i18n.MustLoad([]string{"es", "en"}, "es") })
	e, err := h2.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Lu", Phone: "+14155552704", AppointmentTime: "walk-in"})
	if err != nil || e.Language != "es" {
		t.Errorf("default es: %q, %v", e.Language, err)
	}
}
