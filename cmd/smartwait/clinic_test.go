package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"smartwait/internal/audit"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// clinicCLI runs one command against dbPath with the deployment's time zone
// tz, and returns its stdout and stderr.
func clinicCLI(tb testing.TB, dbPath, tz string, args ...string) (string, string, error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	vars := map[string]string{"DATABASE_URL": dbPath, "SMARTWAIT_TIMEZONE": tz, "SMARTWAIT_CLINIC_NAME": "Riverside"}
	err := run(context.Background(), args, env(vars), strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestClinicLifecycle adds, lists and removes clinics with the clinic
// subcommands, and checks each effect in the database and its audit log.
func TestClinicLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clinics.db")
	must := func(args ...string) string {
		t.Helper()
		out, _, err := clinicCLI(t, db, "Europe/Paris", args...)
		if err != nil {
			t.Fatalf("smartwait %s: %v", strings.Join(args, " "), err)
		}
		return out
	}

	out := must("clinic", "add", "--slug", "north", "--name", "North Clinic", "--timezone", "America/Denver", "--sms-from", "+15005550006")
	if !strings.Contains(out, `Added clinic "north" (North Clinic, America/Denver)`) {
		t.Errorf("add printed %q", out)
	}
	must("clinic", "add", "--name", "East", "--slug", "east", "--timezone", "UTC")

	// --timezone is the clinic's: the deployment's stays SMARTWAIT_TIMEZONE.
	out = must("clinic", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "SLUG") {
		t.Fatalf("list printed %q", out)
	}
	for i, want := range [][]string{{"main", "Riverside", "Europe/Paris", "-"}, {"north", "North Clinic", "America/Denver", "+15005550006"}, {"east", "East", "UTC", "-"}} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("list row %d %q lacks %q", i+1, lines[i+1], w)
			}
		}
	}

	must("clinic", "remove", "east")
	if out := must("clinic", "list"); strings.Contains(out, "east") {
		t.Errorf("east still listed: %q", out)
	}

	// What the database holds.
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := (&queue.Service{Store: s}).Clinic(context.Background(), "north")
	if err != nil || c.Name != "North Clinic" || c.TimeZone != "America/Denver" || c.SMSFrom != "+15005550006" {
		t.Fatalf("north in the database: %+v, %v", c, err)
	}
	es, err := s.AuditEntries(context.Background(), audit.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action audit.Action
		id     string
	}{{audit.ClinicRemove, "east"}, {audit.ClinicAdd, "east"}, {audit.ClinicAdd, "north"}}
	if len(es) != len(want) {
		t.Fatalf("%d entries: %+v", len(es), es)
	}
	for i, w := range want {
		if e := es[i]; e.Actor != "cli" || e.Action != w.action || e.Target.Kind != audit.TargetClinic || e.Target.ID != w.id || e.Result != "ok" {
			t.Errorf("entry %d = %+v, want %s of %s by cli", i, e, w.action, w.id)
		}
	}
}

// TestClinicErrors: every refusal is one line naming what to fix, and a
// refused add or remove is audited with its code.
func TestClinicErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clinics.db")
	if _, _, err := clinicCLI(t, db, "UTC", "clinic", "add", "--slug", "north", "--name", "North", "--timezone", "UTC"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"clinic"}, "missing subcommand"},
		{[]string{"clinic", "--slug", "x"}, "missing subcommand"},
		{[]string{"clinic", "rename", "x"}, `unknown subcommand "rename"`},
		{[]string{"clinic", "add", "--name", "X", "--timezone", "UTC"}, "--slug is required"},
		{[]string{"clinic", "add", "--slug", "x", "--timezone", "UTC"}, "--name is required"},
		{[]string{"clinic", "add", "--slug", "x", "--name", "X"}, "--timezone is required"},
		{[]string{"clinic", "add", "--slug", "x", "--name", "X", "--timezone", "UTC", "extra"}, `unexpected argument "extra"`},
		// The service's message, not the deployment setting's: --timezone is the clinic's.
		{[]string{"clinic", "add", "--slug", "x", "--name", "X", "--timezone", "Mars/Olympus"}, "clinic add: Validation error: timezone must be an IANA time zone name"},
		{[]string{"clinic", "add", "--slug", "Bad Slug", "--name", "X", "--timezone", "UTC"}, "clinic add: Validation error: slug must be"},
		{[]string{"clinic", "add", "--slug", "x", "--name", "X", "--timezone", "UTC", "--sms-from", "555"}, "smsFrom must be a phone number in E.164 form"},
		{[]string{"clinic", "add", "--slug", "north", "--name", "Again", "--timezone", "UTC"}, `there is already a clinic "north"`},
		{[]string{"clinic", "list", "x"}, `clinic list: unexpected argument "x"`},
		{[]string{"clinic", "remove"}, "want exactly one SLUG"},
		{[]string{"clinic", "remove", "nowhere"}, "clinic remove: Clinic not found"},
		{[]string{"clinic", "remove", "main"}, "the default clinic cannot be removed"},
	} {
		_, _, err := clinicCLI(t, db, "UTC", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("smartwait %s: %v, want an error containing %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}

	// A clinic with someone waiting stays.
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := &queue.Service{Store: s, Config: queue.DefaultConfig()}
	n := "north"
	if _, err := svc.CreateLine(context.Background(), queue.Queue{ID: "north-walk-in", Name: "Walk-in", Prefix: "A",
		Clinic: queue.Clinic{ID: mustClinicID(t, svc, n)}}, queue.LinePatch{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckIn(context.Background(), queue.CheckInRequest{Clinic: n, Name: "Ann", Phone: "+14155552671", AppointmentTime: "10:00"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := clinicCLI(t, db, "UTC", "clinic", "remove", n); err == nil || !strings.Contains(err.Error(), "still has 1 patients") {
		t.Fatalf("remove of a clinic with a patient: %v", err)
	}
	es, err := s.AuditEntries(context.Background(), audit.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if e := es[0]; e.Action != audit.ClinicRemove || e.Target.ID != n || e.Result != queue.CodeClinicNotEmpty {
		t.Fatalf("the refused remove's entry: %+v", e)
	}
}

func mustClinicID(tb testing.TB, s *queue.Service, slug string) int64 {
	tb.Helper()
	c, err := s.Clinic(context.Background(), slug)
	if err != nil {
		tb.Fatal(err)
	}
	return c.ID
}
