package queue

import "sync"

// Preparing a large change while it commits. A call-next with 2,000 waiting
// moves 2,000 patients, and building their events took about as long as the
// commit that precedes it (a millisecond each on the 2-core bench machine);
// every patient waited for both before the first event was written. The
// change is final once its operation has run, so a Publisher that implements
// Preparer builds its events on a goroutine of their own while the group's
// transaction commits, and hands them on after the commit. If the transaction
// fails, what was prepared is dropped unseen: nothing is published before
// its commit.

// Preparer is a Publisher that can do its work on a change before the change
// has committed.
type Preparer interface {
	Publisher
	// Prepare does the work of publishing c, which has not committed yet, and
	// returns what publishes it: called once after the commit, in commit
	// order, or never if the transaction fails. Prepare runs concurrently
	// with the commit and with other publishes, so it may only read c.
	Prepare(c Change) (publish func())
}

// prepareAfter is the number of moved patients from which a change is
// prepared while it commits. Below it the build is shorter than handing it to
// a goroutine is worth.
const prepareAfter = 256

// prepared is a change being prepared on a goroutine of its own.
type prepared struct {
	done    sync.WaitGroup
	publish func() // set by the goroutine; nil if Prepare panicked
}

// prepare starts preparing o's change when it is large and the Publisher can
// prepare; settle publishes it (publishOp).
func (s *Service) prepare(o *op) {
	p, ok := s.Publisher.(Preparer)
	if !ok || len(o.ch.Moved) < prepareAfter || len(o.ch.Also) > 0 {
		return
	}
	pr := &prepared{}
	pr.done.Add(1)
	ch := o.ch // the goroutine reads its own copy: settle changes o.ch
	go func() {
		defer pr.done.Done()
		defer s.recoverPublisher(ch)
		pr.publish = p.Prepare(ch)
	}()
	o.prepared = pr
}

// publishOp publishes the changes of an operation that committed: the other
// lines' first, then its own, prepared or not.
func (s *Service) publishOp(o *op) {
	for _, also := range o.ch.Also {
		s.publish(also)
	}
	o.ch.Also = nil
	pr := o.prepared
	o.prepared = nil
	if pr == nil {
		s.publish(o.ch)
		return
	}
	pr.done.Wait()
	if pr.publish != nil {
		defer s.recoverPublisher(o.ch)
		pr.publish()
	}
}
