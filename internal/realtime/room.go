package realtime

// room holds the members of one room. Delivery walks them for every message
// of every batch, and most rooms are a patient's own, with one member: a
// map per room made each of a call-next's 2,000 messages start and step a
// map iteration, half of the hub's routing time in a profile of the running
// server. So the members are a slice, walked as such; a room that grows past
// roomIndexFrom members (the patients room, the display) also keeps an index
// of them, so that a leave stays O(1) however many watch.
type room struct {
	members []*Subscriber
	index   map[*Subscriber]int // position of each member in members; nil while small
}

// roomIndexFrom is the size from which a room indexes its members.
const roomIndexFrom = 16

// find returns s's position in members, or -1.
func (r *room) find(s *Subscriber) int {
	if r.index != nil {
		if i, ok := r.index[s]; ok {
			return i
		}
		return -1
	}
	for i, m := range r.members {
		if m == s {
			return i
		}
	}
	return -1
}

// add makes s a member; adding a member again changes nothing.
func (r *room) add(s *Subscriber) {
	if r.find(s) >= 0 {
		return
	}
	r.members = append(r.members, s)
	switch {
	case r.index != nil:
		r.index[s] = len(r.members) - 1
	case len(r.members) >= roomIndexFrom:
		r.index = make(map[*Subscriber]int, len(r.members))
		for i, m := range r.members {
			r.index[m] = i
		}
	}
}

// remove takes s out of the room (the last member takes its place) and
// reports whether the room is now empty.
func (r *room) remove(s *Subscriber) (empty bool) {
	i := r.find(s)
	if i < 0 {
		return len(r.members) == 0
	}
	last := len(r.members) - 1
	if i != last {
		r.members[i] = r.members[last]
		if r.index != nil {
			r.index[r.members[i]] = i
		}
	}
	r.members[last] = nil // let the subscriber go
	r.members = r.members[:last]
	if r.index != nil {
		delete(r.index, s)
	}
	return len(r.members) == 0
}
