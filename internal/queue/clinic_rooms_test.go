package queue_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"smartwait/internal/queue"
)

// TestChangeCarriesClinic: every Change names its line's clinic as rooms do
// ("" for the default clinic), and so does a patient's status.
func TestChangeCarriesClinic(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	north := h.clinic(t, "north", "UTC")
	h.clinicLine(t, north, "north-gp", "N")
	for _, line := range []string{"", "north-gp"} {
		p, err := h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: line, Name: "Ana", Phone: map[string]string{"": "+14155552671", "north-gp": "+14155552672"}[line], AppointmentTime: "10:00"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.CallNext(ctx, line, ""); err != nil {
			t.Fatal(err)
		}
		st, err := h.svc.Status(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The API names the default clinic "main"; its rooms carry "" (their
		// unprefixed names), another clinic's rooms its slug.
		want := map[string][2]string{"": {"main", ""}, "north-gp": {"north", "north"}}[line]
		if st.Clinic != want[0] || st.Rooms != want[1] {
			t.Errorf("line %q: status clinic %q rooms %q, want %q and %q", line, st.Clinic, st.Rooms, want[0], want[1])
		}
	}
	// A transfer's Change of the line it leaves (Also) names its clinic too.
	h.clinicLine(t, north, "north-lab", "L")
	p, err := h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: "north-gp", Name: "Bo", Phone: "+14155552673", AppointmentTime: "10:00"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Transfer(ctx, p.ID, "north-lab", false); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	all := h.changes
	for _, c := range h.changes {
		all = append(all, c.Also...)
	}
	if len(all) != 7 {
		t.Fatalf("%d changes, want 7", len(all))
	}
	for _, c := range all {
		want := ""
		if c.QueueID == "north-gp" || c.QueueID == "north-lab" {
			want = "north"
		}
		if c.ClinicSlug != want {
			t.Errorf("%s of %s: clinic %q, want %q", c.Kind, c.QueueID, c.ClinicSlug, want)
		}
	}
}

// TestClinicRoomsAndLineClinics: a clinic's lines and slugs for the real-time
// joins; the default clinic by "" or by its slug; an unknown one is
// CLINIC_NOT_FOUND.
func TestClinicRoomsAndLineClinics(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	north := h.clinic(t, "north", "UTC")
	h.clinicLine(t, north, "north-gp", "N")
	h.clinicLine(t, north, "north-lab", "L")
	for _, slug := range []string{"", queue.DefaultClinicSlug} {
		cl, err := h.svc.ClinicRooms(ctx, slug)
		if err != nil || cl.ID != queue.DefaultClinicID || cl.Slug != queue.DefaultClinicSlug || cl.Rooms != "" || !slices.Equal(cl.Lines, []string{queue.DefaultQueueID}) {
			t.Errorf("default clinic by %q: %+v, %v", slug, cl, err)
		}
	}
	cl, err := h.svc.ClinicRooms(ctx, "north")
	if err != nil || cl.ID != north.ID || cl.Slug != "north" || cl.Rooms != "north" || !slices.Equal(cl.Lines, []string{"north-gp", "north-lab"}) {
		t.Errorf("north: %+v, %v", cl, err)
	}
	for _, bad := range []string{"south", "North!"} {
		var qe *queue.Error
		if _, err := h.svc.ClinicRooms(ctx, bad); !errors.As(err, &qe) || qe.Code != queue.CodeClinicNotFound {
			t.Errorf("%q: %v, want CLINIC_NOT_FOUND", bad, err)
		}
	}
	m, err := h.svc.LineClinics(ctx, []string{queue.DefaultQueueID, "north-lab", "gone"})
	if err != nil || len(m) != 2 || m[queue.DefaultQueueID] != "" || m["north-lab"] != "north" {
		t.Errorf("line clinics %v, %v", m, err)
	}
}
