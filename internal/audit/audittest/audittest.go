// Package audittest is the conformance suite of audit.Store: SQLite and
// PostgreSQL run it unchanged. It uses only the Store's methods.
package audittest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"smartwait/internal/audit"
)

// RunStoreTests runs the suite. open must return an empty, migrated store on
// every call and arrange its cleanup on tb.
func RunStoreTests(t *testing.T, open func(tb testing.TB) audit.Store) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, s audit.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"NewestFirstAndPages", testPages},
		{"Filters", testFilters},
		{"Clean", testClean},
		{"Scrub", testScrub},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func mustAppend(tb testing.TB, s audit.Store, e audit.Entry) audit.Entry {
	tb.Helper()
	if err := s.AppendAudit(context.Background(), &e); err != nil {
		tb.Fatalf("AppendAudit: %v", err)
	}
	if e.ID <= 0 {
		tb.Fatalf("AppendAudit set ID %d", e.ID)
	}
	return e
}

func entries(tb testing.TB, s audit.Store, f audit.Filter) []audit.Entry {
	tb.Helper()
	if f.Limit == 0 {
		f.Limit = 1000
	}
	es, err := s.AuditEntries(context.Background(), f)
	if err != nil {
		tb.Fatalf("AuditEntries(%+v): %v", f, err)
	}
	return es
}

func testRoundTrip(t *testing.T, s audit.Store) {
	if got := entries(t, s, audit.Filter{}); len(got) != 0 {
		t.Fatalf("fresh store has %d entries", len(got))
	}
	want := mustAppend(t, s, audit.Entry{
		At: t0.Add(1234 * time.Millisecond), Actor: "nurse", IP: "203.0.113.9", Action: audit.Complete,
		Target: audit.Target{Kind: audit.TargetTicket, ID: "0b0c7a58-0c2f-4a8e-9d4e-2f6f3b1f9a10", Number: "A-007"},
		Detail: "room=2", Result: audit.ResultOK, RequestID: "req-1",
	})
	got := entries(t, s, audit.Filter{})
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1", len(got))
	}
	if !got[0].At.Equal(want.At) || got[0].At.Location() != time.UTC {
		t.Errorf("At = %v, want %v in UTC", got[0].At, want.At)
	}
	got[0].At = want.At
	if got[0] != want {
		t.Errorf("read back\n %+v\nwant\n %+v", got[0], want)
	}
}

func testPages(t *testing.T, s audit.Store) {
	var ids []int64
	for i := range 7 {
		e := mustAppend(t, s, audit.Entry{At: t0.Add(time.Duration(i) * time.Minute), Actor: "nurse", Action: audit.CallNext, Result: audit.ResultOK})
		if len(ids) > 0 && e.ID <= ids[len(ids)-1] {
			t.Fatalf("ID %d after %d: ids must grow", e.ID, ids[len(ids)-1])
		}
		ids = append(ids, e.ID)
	}
	page := entries(t, s, audit.Filter{Limit: 3})
	if len(page) != 3 || page[0].ID != ids[6] || page[2].ID != ids[4] {
		t.Fatalf("first page %v, want ids %v newest first", idsOf(page), ids[4:])
	}
	page = entries(t, s, audit.Filter{Limit: 3, Before: page[2].ID})
	if len(page) != 3 || page[0].ID != ids[3] || page[2].ID != ids[1] {
		t.Fatalf("second page %v", idsOf(page))
	}
	page = entries(t, s, audit.Filter{Limit: 3, Before: page[2].ID})
	if len(page) != 1 || page[0].ID != ids[0] {
		t.Fatalf("last page %v", idsOf(page))
	}
}

func idsOf(es []audit.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testFilters(t *testing.T, s audit.Store) {
	day2 := t0.Add(24 * time.Hour)
	mustAppend(t, s, audit.Entry{At: t0, Actor: "nurse", Action: audit.Login, Result: audit.ResultOK})
	mustAppend(t, s, audit.Entry{At: t0.Add(time.Hour), Actor: "admin", Action: audit.Login, Result: "INVALID_CREDENTIALS"})
	mustAppend(t, s, audit.Entry{At: day2, Actor: "nurse", Action: audit.CallNext, Result: audit.ResultOK})
	mustAppend(t, s, audit.Entry{At: day2.Add(time.Hour), Actor: "nurse", Action: audit.Login, Result: audit.ResultOK})

	for _, tt := range []struct {
		name string
		f    audit.Filter
		want int
	}{
		{"actor", audit.Filter{Actor: "nurse"}, 3},
		{"actor is exact", audit.Filter{Actor: "nurs"}, 0},
		{"action", audit.Filter{Action: audit.Login}, 3},
		{"actor and action", audit.Filter{Actor: "nurse", Action: audit.Login}, 2},
		{"from", audit.Filter{From: day2}, 2},
		{"until", audit.Filter{Until: day2}, 2},
		{"one day", audit.Filter{From: t0, Until: t0.Add(24 * time.Hour)}, 2},
		{"day and action", audit.Filter{From: day2, Until: day2.Add(24 * time.Hour), Action: audit.Login}, 1},
		{"limit", audit.Filter{Limit: 1}, 1},
	} {
		if got := entries(t, s, tt.f); len(got) != tt.want {
			t.Errorf("%s: %d entries, want %d", tt.name, len(got), tt.want)
		}
	}
}

func testClean(t *testing.T, s audit.Store) {
	long := strings.Repeat("x", 500)
	mustAppend(t, s, audit.Entry{At: t0, Actor: "bad\nactor\u202e" + long, Action: audit.Login, Detail: long, Result: "INVALID_CREDENTIALS"})
	got := entries(t, s, audit.Filter{})[0]
	if strings.ContainsAny(got.Actor, "\n\u202e") || len([]rune(got.Actor)) > audit.MaxActor {
		t.Errorf("actor %q not cleaned", got.Actor)
	}
	if len([]rune(got.Detail)) > audit.MaxDetail {
		t.Errorf("detail of %d characters", len([]rune(got.Detail)))
	}
}

func testScrub(t *testing.T, s audit.Store) {
	ctx := context.Background()
	for i := range 4 {
		mustAppend(t, s, audit.Entry{At: t0.Add(time.Duration(i) * 24 * time.Hour), Actor: "nurse", IP: fmt.Sprintf("198.51.100.%d", i),
			Action: audit.Complete, Target: audit.Target{Kind: audit.TargetTicket, ID: "id", Number: "A-001"}, Result: audit.ResultOK})
	}
	failed := mustAppend(t, s, audit.Entry{At: t0, Actor: "someone@example.org", IP: "198.51.100.99", Action: audit.Login, Result: "INVALID_CREDENTIALS"})
	n, err := s.ScrubAudit(ctx, t0.Add(36*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("ScrubAudit changed %d entries, want 3 (two completes and the failed login)", n)
	}
	again, err := s.ScrubAudit(ctx, t0.Add(36*time.Hour))
	if err != nil || again != 0 {
		t.Errorf("second ScrubAudit: %d, %v; want 0 (already scrubbed)", again, err)
	}
	all := entries(t, s, audit.Filter{})
	if len(all) != 5 {
		t.Fatalf("%d entries after the scrub, want all 5 kept", len(all))
	}
	for _, e := range all {
		old := e.At.Before(t0.Add(36 * time.Hour))
		if old && e.IP != "" {
			t.Errorf("entry %d of %v kept its IP %q", e.ID, e.At, e.IP)
		}
		if !old && e.IP == "" {
			t.Errorf("entry %d of %v lost its IP", e.ID, e.At)
		}
		if e.Action != audit.Login && (e.Actor != "nurse" || e.Target.Number != "A-001" || e.Result != audit.ResultOK) {
			t.Errorf("entry %d lost more than personal fields: %+v", e.ID, e)
		}
		if e.ID == failed.ID && (e.Actor != "" || e.Result != "INVALID_CREDENTIALS") {
			t.Errorf("failed login after scrub: actor %q result %q; want the username tried gone, the result kept", e.Actor, e.Result)
		}
	}
}
