package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// visit checks a patient in at now on db and ends the visit (cancelled), or
// leaves it waiting; it returns the ticket.
func visit(tb testing.TB, db *sqlite.DB, now time.Time, name, phone string, end bool) queue.Entry {
	tb.Helper()
	cfg := queue.DefaultConfig()
	cfg.CheckInsPerPhone = 0
	svc := &queue.Service{Store: db, Config: cfg, Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
	e, err := svc.CheckIn(context.Background(), queue.CheckInRequest{Name: name, Phone: phone, AppointmentTime: "09:30"})
	if err != nil {
		tb.Fatal(err)
	}
	if end {
		if _, err := svc.Cancel(context.Background(), e.ID); err != nil {
			tb.Fatal(err)
		}
	}
	return e
}

// holds reports where any needle is in any table of the file.
func holds(tb testing.TB, path string, needles ...string) []string {
	tb.Helper()
	cells, err := sqlitetest.Cells(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, c := range cells {
		for _, n := range needles {
			if strings.Contains(c.Value, n) {
				out = append(out, c.Table+"."+c.Column+": "+n)
			}
		}
	}
	return out
}

// TestEraseCommand: `smartwait erase --phone` in any form a check-in reads
// anonymises every ticket and text of the number, records itself in the
// audit log as "cli" with the last two digits, and refuses a number still in
// the queue.
func TestEraseCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erase.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	visit(t, db, time.Now(), "Quentin Erasable", "+14155552671", true)
	visit(t, db, time.Now(), "Quentin Erasable", "+14155552671", true)
	active := visit(t, db, time.Now(), "Rosalind Waiting", "+14155552672", false)
	db.Close()

	if _, err := cli(t, path, "", "erase"); err == nil || !strings.Contains(err.Error(), "--phone is required") {
		t.Errorf("no --phone: %v", err)
	}
	if _, err := cli(t, path, "", "erase", "--phone", "555-0100"); err == nil || !strings.Contains(err.Error(), "not a valid phone number") {
		t.Errorf("fictional number: %v", err)
	}
	_, err = cli(t, path, "", "erase", "--phone", "+1 415 555 2672")
	if err == nil || !strings.Contains(err.Error(), "active ticket ("+active.Number+")") {
		t.Errorf("active number: %v", err)
	}
	out := mustCLI(t, path, "", "erase", "--phone", "(415) 555-2671")
	if out != "Erased the data of the number ending 71: 2 tickets, 2 texts.\n" {
		t.Errorf("printed %q", out)
	}
	if got := holds(t, path, "Quentin", "+14155552671"); len(got) > 0 {
		t.Errorf("still stored: %v", got)
	}
	if got := holds(t, path, "Rosalind"); len(got) == 0 {
		t.Error("the waiting patient was erased")
	}

	db, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es, err := db.AuditEntries(context.Background(), audit.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("%d entries: %+v", len(es), es)
	}
	if e := es[0]; e.Actor != "cli" || e.Action != audit.ErasePhone || e.Target.ID != "…71" || e.Result != "ok" || e.Detail != "tickets=2 messages=2" {
		t.Errorf("entry %+v", e)
	}
	if e := es[1]; e.Target.ID != "…72" || e.Result != "TICKET_ACTIVE" {
		t.Errorf("refused erasure's entry %+v", e)
	}
}

// TestRetentionJob: the server's retention job erases at start what aged
// past SMARTWAIT_RETENTION_DAYS, logging counts and never what it erased;
// with 0 it does not run, and says so.
func TestRetentionJob(t *testing.T) {
	path := filepath.Join(t.TempDir(), "retention.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := visit(t, db, time.Now().Add(-40*24*time.Hour), "Octavia Oldvisit", "+14155552673", true)
	visit(t, db, time.Now().Add(-2*24*time.Hour), "Nadia Newvisit", "+14155552674", true)

	var logs syncBuffer // the job's goroutine writes while the test reads
	off := &app{log: slog.New(slog.NewTextHandler(&logs, nil))}
	off.startRetention(db, 0)
	if !strings.Contains(logs.String(), "retention off") {
		t.Errorf("days 0 logs %q", logs.String())
	}

	a := &app{log: slog.New(slog.NewTextHandler(&logs, nil))}
	a.startRetention(db, 30)
	// Wait for the run's own report, not only its first erasure: shutting
	// down while it still scrubs the audit log cancels that part.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "retention: personal data erased") && !strings.Contains(logs.String(), "retention run failed") {
		if time.Now().After(deadline) {
			t.Fatalf("the retention job did not report a run at start; log %q", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var name string
	_ = db.View(context.Background(), func(tx queue.Tx) error {
		t, err := tx.Ticket(context.Background(), old.ID)
		name = t.Name
		return err
	})
	if name != "" {
		t.Error("the retention job did not erase the old visit at start")
	}
	if err := a.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := holds(t, path, "Octavia", "+14155552673"); len(got) > 0 {
		t.Errorf("still stored: %v", got)
	}
	if got := holds(t, path, "Nadia"); len(got) == 0 {
		t.Error("a recent visit was erased")
	}
	log := logs.String()
	if !strings.Contains(log, "retention: personal data erased") || !strings.Contains(log, "tickets=1") {
		t.Errorf("log %q", log)
	}
	for _, bad := range []string{"Octavia", "4155552673", old.ID} {
		if strings.Contains(log, bad) {
			t.Errorf("the log holds %q", bad)
		}
	}
}
