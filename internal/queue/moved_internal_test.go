package queue

import (
	"strconv"
	"testing"
)

// movedFixture is a line of n waiting tickets, seq 1..n, at their places,
// and after: the same line once the first was called, everyone else one up.
func movedFixture(n int) (before []Ticket, at []place, after []Entry) {
	for i := range n {
		before = append(before, Ticket{ID: "t" + strconv.Itoa(i+1), Seq: int64(i + 1), Status: StatusWaiting})
		at = append(at, place{pos: i + 1, q: Quote{Wait: 10 * (i + 1)}})
	}
	called := before[0]
	called.Status = StatusCalled
	after = append(after, Entry{Ticket: called})
	for i := 1; i < n; i++ {
		after = append(after, Entry{Ticket: before[i], Position: i, EstimatedWait: 10 * i})
	}
	return before, at, after
}

// place is a ticket's position and quote, as a fixture gives them.
type place struct {
	pos int
	q   Quote
}

// toldAt is what the tickets at places at were told.
func toldAt(at []place) told {
	pos := make([]int, len(at))
	for i := range at {
		pos[i] = at[i].pos
	}
	return told{pos: pos, quote: func(i int) Quote { return at[i].q }}
}

// A call moves one run of the line: Moved shares it with the entries, and
// appending to Moved cannot write into them.
func TestMovedSharesOneRunOfEntries(t *testing.T) {
	before, at, after := movedFixture(6)
	m := moved(before, toldAt(at), after)
	if len(m) != len(after) || &m[0] != &after[0] {
		t.Fatalf("moved %d entries, sharing %v; want all %d, shared", len(m), len(m) > 0 && &m[0] == &after[0], len(after))
	}
	if cap(m) != len(m) {
		t.Fatalf("cap(Moved) = %d, want %d: an append would write into Entries", cap(m), len(m))
	}
	entries := append([]Entry(nil), after...)
	_ = append(m, Entry{Ticket: Ticket{ID: "extra"}})
	for i := range after {
		if after[i].ID != entries[i].ID {
			t.Fatalf("entry %d became %q after an append to Moved", i, after[i].ID)
		}
	}
}

// Moved entries that are not one run are copied, in queue order.
func TestMovedCopiesScatteredEntries(t *testing.T) {
	before, at, after := movedFixture(6)
	// Only the called ticket and the third waiting one changed.
	for i := 1; i < len(after); i++ {
		after[i].Position, after[i].EstimatedWait = at[i].pos, at[i].q.Wait
	}
	after[3].EstimatedWait++
	m := moved(before, toldAt(at), after)
	if len(m) != 2 || m[0].ID != "t1" || m[1].ID != "t4" {
		t.Fatalf("moved = %v, want t1 and t4", m)
	}
	if &m[1] == &after[3] {
		t.Fatal("scattered entries are shared, want a copy")
	}
}

// A call moves every waiting ticket up one: moved works out none of the
// quotes they were told, only those of tickets whose position stayed.
func TestMovedWorksOutQuotesOnlyWherePositionsStayed(t *testing.T) {
	before, at, after := movedFixture(6)
	asked := 0
	tld := toldAt(at)
	quote := tld.quote
	tld.quote = func(i int) Quote { asked++; return quote(i) }
	if m := moved(before, tld, after); len(m) != len(after) || asked != 0 {
		t.Fatalf("a call: %d moved, %d quotes worked out; want %d and 0", len(m), asked, len(after))
	}
	for i := 1; i < len(after); i++ {
		after[i].Position, after[i].EstimatedWait = at[i].pos, at[i].q.Wait
	}
	if m := moved(before, tld, after); len(m) != 1 || asked != len(after)-1 {
		t.Fatalf("positions kept: %d moved, %d quotes worked out; want 1 and %d", len(m), asked, len(after)-1)
	}
}
