package queuetest

import (
	"context"
	"errors"
	"testing"

	"smartwait/internal/queue"
)

// clinics returns Clinics from a View.
func clinics(tb testing.TB, s queue.Store) []queue.Clinic {
	tb.Helper()
	var out []queue.Clinic
	view(tb, s, func(ctx context.Context, tx queue.Tx) error {
		var err error
		out, err = tx.Clinics(ctx)
		return err
	})
	return out
}

// testClinics: a fresh store holds the default clinic only; a created clinic
// reads back whole, by slug and in the list; a taken slug is ErrDuplicate.
func testClinics(t *testing.T, s queue.Store) {
	all := clinics(t, s)
	if len(all) != 1 || all[0].ID != queue.DefaultClinicID || all[0].Slug != queue.DefaultClinicSlug || all[0].Name != "" || all[0].TimeZone != "" {
		t.Fatalf("fresh store clinics %+v, want the default clinic only, unnamed", all)
	}
	north := queue.Clinic{Slug: "north", Name: "North — Clínica", TimeZone: "America/Denver", SMSFrom: "+15005550006",
		Hours: mustHours("08:00-12:00,,,,,,"), CreatedAt: t0}
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateClinic(ctx, &north) })
	if north.ID == 0 || north.ID == queue.DefaultClinicID {
		t.Fatalf("created clinic id %d", north.ID)
	}
	var got queue.Clinic
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		var err error
		got, err = tx.Clinic(ctx, "north")
		return err
	})
	if got.ID != north.ID || got.Slug != north.Slug || got.Name != north.Name || got.TimeZone != north.TimeZone ||
		got.SMSFrom != north.SMSFrom || got.Hours.String() != north.Hours.String() || !got.CreatedAt.Equal(t0) {
		t.Errorf("clinic read back %+v, want %+v", got, north)
	}
	if all := clinics(t, s); len(all) != 2 || all[0].ID != queue.DefaultClinicID || all[1].Slug != "north" {
		t.Errorf("clinics %+v, want main then north", all)
	}
	dup := queue.Clinic{Slug: "north", Name: "Again", TimeZone: "UTC", CreatedAt: t0}
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateClinic(ctx, &dup) }); !errors.Is(err, queue.ErrDuplicate) {
		t.Errorf("second clinic north: %v, want ErrDuplicate", err)
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		if _, err := tx.Clinic(ctx, "nowhere"); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("unknown clinic: %v, want ErrNotFound", err)
		}
		return nil
	})
}

// testSaveClinic: every field but CreatedAt is stored; a rename keeps the
// clinic's lines; another's slug is ErrDuplicate, an unknown id ErrNotFound.
func testSaveClinic(t *testing.T, s queue.Store) {
	c := queue.Clinic{Slug: "east", Name: "East", TimeZone: "Europe/Paris", CreatedAt: t0}
	other := queue.Clinic{Slug: "west", Name: "West", TimeZone: "UTC", CreatedAt: t0}
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		if err := tx.CreateClinic(ctx, &c); err != nil {
			return err
		}
		return tx.CreateClinic(ctx, &other)
	})
	line := fullLine("east-walk", "B")
	line.Clinic.ID = c.ID
	createLines(t, s, line)
	c.Slug, c.Name, c.TimeZone, c.SMSFrom, c.Hours = "east-side", "East Side", "Asia/Tokyo", "+15005550007", mustHours(",09:00-17:00,,,,,")
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.SaveClinic(ctx, c) })
	all := clinics(t, s)
	if len(all) != 3 || all[1].Slug != "east-side" || all[1].Name != "East Side" || all[1].TimeZone != "Asia/Tokyo" ||
		all[1].SMSFrom != "+15005550007" || all[1].Hours.String() != c.Hours.String() {
		t.Errorf("after save %+v", all)
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.Queue(ctx, "east-walk")
		if err != nil {
			return err
		}
		if q.Clinic.ID != c.ID || q.Clinic.Slug != "east-side" || q.Clinic.TimeZone != "Asia/Tokyo" || q.Clinic.SMSFrom != "+15005550007" {
			t.Errorf("line's clinic %+v, want the renamed east-side", q.Clinic)
		}
		d, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if d.Clinic.ID != 0 || d.ClinicID() != queue.DefaultClinicID || d.ClinicSlug() != "" ||
			d.Clinic.Slug != queue.DefaultClinicSlug || d.Clinic.Name != "" || d.Clinic.TimeZone != "" {
			t.Errorf("default line's clinic %+v, want the zero Clinic but its slug", d.Clinic)
		}
		return nil
	})
	c.Slug = "west"
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.SaveClinic(ctx, c) }); !errors.Is(err, queue.ErrDuplicate) {
		t.Errorf("save with west's slug: %v, want ErrDuplicate", err)
	}
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error {
		return tx.SaveClinic(ctx, queue.Clinic{ID: 999, Slug: "ghost", Name: "Ghost", TimeZone: "UTC"})
	}); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("save unknown clinic: %v, want ErrNotFound", err)
	}
}

// testDeleteClinic: the clinic goes with its lines and rooms; another clinic's
// stay; its tickets stay as history; two clinics may use the same prefix.
func testDeleteClinic(t *testing.T, s queue.Store) {
	c := queue.Clinic{Slug: "south", Name: "South", TimeZone: "UTC", CreatedAt: t0}
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateClinic(ctx, &c) })
	a := fullLine("south-a", "A") // the default line's prefix, in another clinic
	a.Clinic.ID = c.ID
	b := fullLine("keep", "K")
	createLines(t, s, a, b)
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		if err := tx.CreateRoom(ctx, queue.Room{Name: "South 1", Lines: []string{"south-a"}, Open: true, ClinicID: c.ID}); err != nil {
			return err
		}
		return tx.CreateRoom(ctx, queue.Room{Name: "Main 1", Lines: []string{"keep"}, Open: true})
	})
	tk := insert(t, s, newTicket("south-a", 1))[0]
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.DeleteClinic(ctx, c.ID) })
	if ids := lineIDs(lines(t, s)); !equalStrings(ids, []string{queue.DefaultQueueID, "keep"}) {
		t.Errorf("lines after delete %v", ids)
	}
	if rs := rooms(t, s); len(rs) != 1 || rs[0].Name != "Main 1" || rs[0].ClinicID != queue.DefaultClinicID {
		t.Errorf("rooms after delete %+v", rs)
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		if _, err := tx.Ticket(ctx, tk.ID); err != nil {
			t.Errorf("the deleted clinic's ticket: %v, want kept", err)
		}
		return nil
	})
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.DeleteClinic(ctx, c.ID) }); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}
