package realtime

import (
	"slices"
	"testing"
)

// A room keeps each member once, through the size at which it starts to
// index them and back, and a leave (the last member taking its place) keeps
// every other member and the index true.
func TestRoomAddsAndRemovesAcrossItsIndex(t *testing.T) {
	subs := make([]*Subscriber, 3*roomIndexFrom)
	for i := range subs {
		subs[i] = &Subscriber{}
	}
	var r room
	check := func(want []*Subscriber) {
		t.Helper()
		if len(r.members) != len(want) {
			t.Fatalf("%d members, want %d", len(r.members), len(want))
		}
		for _, s := range want {
			if !slices.Contains(r.members, s) {
				t.Fatalf("a member is missing")
			}
		}
		if r.index != nil {
			if len(r.index) != len(r.members) {
				t.Fatalf("index of %d for %d members", len(r.index), len(r.members))
			}
			for i, s := range r.members {
				if r.index[s] != i {
					t.Fatalf("member %d indexed at %d", i, r.index[s])
				}
			}
		}
	}
	for i, s := range subs {
		r.add(s)
		r.add(s) // again: no change
		check(subs[:i+1])
		if (r.index != nil) != (i+1 >= roomIndexFrom) {
			t.Fatalf("with %d members, indexed %v", i+1, r.index != nil)
		}
	}
	// Leave from the middle, the front and the back, then everyone.
	left := slices.Clone(subs)
	for _, i := range []int{len(subs) / 2, 0, len(subs) - 3} {
		s := left[i]
		if r.remove(s) {
			t.Fatal("the room says it is empty")
		}
		left = slices.Delete(left, i, i+1)
		check(left)
		if r.find(s) >= 0 {
			t.Fatal("a member that left is still found")
		}
	}
	if r.remove(&Subscriber{}) {
		t.Fatal("removing a stranger emptied the room")
	}
	check(left)
	for i, s := range left {
		if empty := r.remove(s); empty != (i == len(left)-1) {
			t.Fatalf("after %d of %d left, empty = %v", i+1, len(left), empty)
		}
	}
	check(nil)
}
