package queue_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"smartwait/internal/queue"
)

// Tests of clinics as tenants (docs/clinics.md).

func (h *harness) clinic(tb testing.TB, slug, tz string) queue.Clinic {
	tb.Helper()
	c, err := h.svc.CreateClinic(context.Background(), queue.Clinic{Slug: slug, Name: "Clinic " + slug, TimeZone: tz})
	if err != nil {
		tb.Fatalf("create clinic %s: %v", slug, err)
	}
	return c
}

// clinicLine adds a line to clinic c.
func (h *harness) clinicLine(tb testing.TB, c queue.Clinic, slug, prefix string) queue.Queue {
	tb.Helper()
	q, err := h.svc.CreateLine(context.Background(), queue.Queue{ID: slug, Name: "Line " + slug, Prefix: prefix, Clinic: c}, queue.LinePatch{})
	if err != nil {
		tb.Fatalf("create line %s: %v", slug, err)
	}
	return q
}

func wantClinicCode(tb testing.TB, what string, err error, code string) {
	tb.Helper()
	var qe *queue.Error
	if !errors.As(err, &qe) || qe.Code != code {
		tb.Errorf("%s: %v, want %s", what, err, code)
	}
}

func TestClinicsValidateAndList(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.ClinicName = "Main Street" })
	ctx := context.Background()
	for name, c := range map[string]queue.Clinic{
		"bad slug":      {Slug: "North!", Name: "N", TimeZone: "UTC"},
		"no name":       {Slug: "n1", Name: "  ", TimeZone: "UTC"},
		"no zone":       {Slug: "n2", Name: "N"},
		"bad zone":      {Slug: "n3", Name: "N", TimeZone: "Mars/Olympus"},
		"bad sender":    {Slug: "n4", Name: "N", TimeZone: "UTC", SMSFrom: "555-1234"},
		"control chars": {Slug: "n5", Name: "N\u202e", TimeZone: "UTC"},
	} {
		_, err := h.svc.CreateClinic(ctx, c)
		wantClinicCode(t, name, err, queue.CodeValidation)
	}
	h.clinic(t, "north", "America/Denver")
	_, err := h.svc.CreateClinic(ctx, queue.Clinic{Slug: "north", Name: "Again", TimeZone: "UTC"})
	wantClinicCode(t, "taken slug", err, queue.CodeValidation)
	all, err := h.svc.Clinics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Slug != "main" || all[0].Name != "Main Street" || all[0].TimeZone != "UTC" || all[1].Slug != "north" {
		t.Errorf("clinics %+v: want main (named by the deployment) then north", all)
	}
	_, err = h.svc.Clinic(ctx, "nowhere")
	wantClinicCode(t, "unknown clinic", err, queue.CodeClinicNotFound)
	_, err = h.svc.UpdateClinic(ctx, "nowhere", queue.ClinicPatch{})
	wantClinicCode(t, "update unknown clinic", err, queue.CodeClinicNotFound)
	zone := "Europe/Paris"
	c, err := h.svc.UpdateClinic(ctx, "north", queue.ClinicPatch{TimeZone: &zone})
	if err != nil || c.TimeZone != zone {
		t.Errorf("update zone: %+v %v", c, err)
	}
}

// Two clinics may both number their tickets from A-001: prefixes are per
// clinic, and so is the day a number belongs to.
func TestClinicsNumberInTheirOwnDay(t *testing.T) {
	h := newHarness(t)
	tokyo := h.clinic(t, "tokyo", "Asia/Tokyo")
	h.clinicLine(t, tokyo, "tokyo-walk", "A") // the default line's prefix
	_, err := h.svc.CreateLine(context.Background(), queue.Queue{ID: "tokyo-two", Name: "Two", Prefix: "A", Clinic: tokyo}, queue.LinePatch{})
	wantClinicCode(t, "prefix twice in one clinic", err, queue.CodeValidation)

	h.at(14, 59) // 23:59 in Tokyo
	a := h.visit(t, queue.DefaultQueueID, "Ann", "")
	b := h.visit(t, "tokyo-walk", "Bo", "")
	if a.Number != "A-001" || b.Number != "A-001" {
		t.Errorf("numbers %s %s, want A-001 in each clinic", a.Number, b.Number)
	}
	h.at(15, 1) // 00:01 in Tokyo: a new day there, the same day in UTC
	c := h.visit(t, queue.DefaultQueueID, "Cy", "")
	d := h.visit(t, "tokyo-walk", "Di", "")
	if c.Number != "A-002" || d.Number != "A-001" {
		t.Errorf("after Tokyo's midnight: main %s (want A-002), tokyo %s (want A-001)", c.Number, d.Number)
	}
	st, err := h.svc.Stats(context.Background(), "tokyo-walk")
	if err != nil {
		t.Fatal(err)
	}
	if st.Day != "2026-11-29" {
		t.Errorf("tokyo's stats day %s, want 2026-11-29", st.Day)
	}
	today, err := h.svc.Today(context.Background(), "tokyo-walk")
	if err != nil {
		t.Fatal(err)
	}
	if len(today) != 1 || today[0].Name != "Di" {
		t.Errorf("tokyo's today %d entries, want Di only", len(today))
	}
}

func TestClinicCheckInLine(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	north := h.clinic(t, "north", "UTC")
	h.clinic(t, "empty", "UTC")
	h.clinicLine(t, north, "north-walk", "A")
	h.clinicLine(t, north, "north-lab", "L")
	for _, tt := range []struct {
		clinic, line, want, code string
	}{
		{"", "", "", ""},
		{"", "north-lab", "north-lab", ""},
		{"north", "", "north-walk", ""},
		{"north", "north-lab", "north-lab", ""},
		{"main", "", queue.DefaultQueueID, ""},
		{"north", queue.DefaultQueueID, "", queue.CodeValidation},
		{"main", "north-lab", "", queue.CodeValidation},
		{"nowhere", "", "", queue.CodeClinicNotFound},
		{"empty", "", "", queue.CodeLineNotFound},
	} {
		got, err := h.svc.CheckInLine(ctx, tt.clinic, tt.line)
		if tt.code != "" {
			wantClinicCode(t, tt.clinic+"/"+tt.line, err, tt.code)
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CheckInLine(%q, %q) = %q, %v; want %q", tt.clinic, tt.line, got, err, tt.want)
		}
	}
	lines, err := h.svc.ClinicLines(ctx, "north", true)
	if err != nil || len(lines) != 2 || lines[0].ID != "north-walk" || lines[1].ID != "north-lab" {
		t.Errorf("north's lines %v %v", lines, err)
	}
	if _, err := h.svc.CreateRoom(ctx, queue.Room{Name: "Main 1", Lines: []string{"north-walk"}, Open: true}); err == nil {
		t.Error("a default-clinic room serving north's line was created")
	}
	if _, err := h.svc.CreateRoom(ctx, queue.Room{Name: "North 1", Lines: []string{"north-walk"}, Open: true, ClinicID: north.ID}); err != nil {
		t.Errorf("north's room: %v", err)
	}
}

// Removing a clinic refuses while anyone waits, never the default clinic,
// and a removal racing check-ins either refuses or leaves no ticket behind
// in a line that no longer exists.
func TestDeleteClinic(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	wantClinicCode(t, "default clinic", h.svc.DeleteClinic(ctx, "main"), queue.CodeValidation)
	wantClinicCode(t, "unknown clinic", h.svc.DeleteClinic(ctx, "nowhere"), queue.CodeClinicNotFound)
	north := h.clinic(t, "north", "UTC")
	h.clinicLine(t, north, "north-walk", "A")
	e := h.visit(t, "north-walk", "Ann", "")
	wantClinicCode(t, "clinic with a patient", h.svc.DeleteClinic(ctx, "north"), queue.CodeClinicNotEmpty)
	if _, err := h.svc.Cancel(ctx, e.ID); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var deleted error
	var checkedIn []string
	var mu sync.Mutex
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: "north-walk", Name: "P", Phone: "", FrontDesk: true, AppointmentTime: ""})
			if err == nil {
				mu.Lock()
				checkedIn = append(checkedIn, e.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); deleted = h.svc.DeleteClinic(ctx, "north") }()
	wg.Wait()
	_, err := h.svc.Clinic(ctx, "north")
	switch {
	case deleted == nil:
		// Every check-in that succeeded came before the removal's lock, so
		// the removal must have refused: none did.
		if len(checkedIn) != 0 {
			t.Errorf("clinic removed with %d patients checked in", len(checkedIn))
		}
		wantClinicCode(t, "removed clinic", err, queue.CodeClinicNotFound)
	default:
		wantClinicCode(t, "racing removal", deleted, queue.CodeClinicNotEmpty)
		if err != nil || len(checkedIn) == 0 {
			t.Errorf("refused removal: clinic %v, %d check-ins", err, len(checkedIn))
		}
	}
}
