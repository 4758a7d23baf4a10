package queue

import (
	"context"
	"errors"
	"slices"
)

// Which clinic a staff request acts at: the web layer's authorization
// (docs/clinics.md, "Staff and clinics") asks here before it lets a request
// through. Each answer is one read-only transaction of primary-key reads, so
// the check costs one cheap lookup on top of the request's own work.

// LineClinic is a line's slug and the id of its clinic (never 0).
type LineClinic struct {
	Line     string
	ClinicID int64
}

// AllLineClinics returns every line with its clinic, by position.
func (s *Service) AllLineClinics(ctx context.Context) ([]LineClinic, error) {
	var out []LineClinic
	err := s.Store.View(ctx, func(tx Tx) error {
		lines, err := tx.Lines(ctx)
		for _, q := range lines {
			out = append(out, LineClinic{Line: q.ID, ClinicID: q.ClinicID()})
		}
		return err
	})
	return out, storeError(err)
}

// LineClinicID returns the clinic id of line ("" = the default line), or a
// CodeLineNotFound error.
func (s *Service) LineClinicID(ctx context.Context, line string) (int64, error) {
	if line == "" {
		line = DefaultQueueID
	}
	if !ValidSlug(line) {
		return 0, LineNotFound(line)
	}
	var id int64
	err := s.Store.View(ctx, func(tx Tx) error {
		q, err := tx.Queue(ctx, line)
		id = q.ClinicID()
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return 0, LineNotFound(line)
	}
	return id, storeError(err)
}

// TicketClinicIDs returns the clinic id of each ticket named (its line's
// clinic); an unknown or malformed id is left out, and so is a finished
// ticket whose line has since been removed (its clinic is unknown).
func (s *Service) TicketClinicIDs(ctx context.Context, ids ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	err := s.Store.View(ctx, func(tx Tx) error {
		lines := map[string]int64{}
		for _, id := range ids {
			if !ValidID(id) {
				continue
			}
			t, err := tx.Ticket(ctx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			c, seen := lines[t.QueueID]
			if !seen {
				q, err := tx.Queue(ctx, t.QueueID)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				c = 0
				if err == nil {
					c = q.ClinicID()
				}
				lines[t.QueueID] = c
			}
			if c != 0 {
				out[id] = c
			}
		}
		return nil
	})
	return out, storeError(err)
}

// RoomClinicID returns the clinic id of the room with the name, or a
// CodeLineNotFound error ("There is no room"), as UpdateRoom answers.
func (s *Service) RoomClinicID(ctx context.Context, name string) (int64, error) {
	rooms, err := s.Rooms(ctx)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(rooms, func(r Room) bool { return r.Name == name })
	if i < 0 {
		return 0, &Error{Code: CodeLineNotFound, Message: "There is no room " + name}
	}
	return ClinicIDOf(rooms[i].ClinicID), nil
}

// CallClinicID returns the clinic a call (Call) would take its patient at:
// the room's when it is a room that is set up, else its line's (the default
// line when none). A request Call would refuse (an unknown line, or an
// unknown room once rooms are set up) answers 0 and no error: Call then
// gives its own error, and no clinic's patient is touched.
func (s *Service) CallClinicID(ctx context.Context, r CallRequest) (int64, error) {
	var id int64
	err := s.Store.View(ctx, func(tx Tx) error {
		rooms, err := tx.Rooms(ctx)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(rooms, func(x Room) bool { return x.Name == r.Room }); i >= 0 {
			id = ClinicIDOf(rooms[i].ClinicID)
			return nil
		}
		if len(rooms) > 0 {
			return nil
		}
		line := r.Line
		if line == "" {
			line = DefaultQueueID
		}
		if !ValidSlug(line) {
			return nil
		}
		q, err := tx.Queue(ctx, line)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		id = q.ClinicID()
		return err
	})
	return id, storeError(err)
}

// A staff request limited to some clinics carries them in its context
// (WithClinics), and every queue operation run with that context checks the
// clinic of each line it locks, inside its own transaction. The web layer's
// check before the operation reads the ticket's clinic in a transaction of
// its own; a ticket transferred to another clinic in between would otherwise
// be changed by staff of the clinic it left.

type clinicScope struct {
	may    func(clinicID int64) bool
	refuse *Error
}

type scopeKey struct{}

// WithClinics returns ctx whose queue operations may change only lines of the
// clinics may accepts (clinic ids as Queue.ClinicID gives them); an operation
// that locks another clinic's line fails with refuse, and writes nothing.
func WithClinics(ctx context.Context, may func(clinicID int64) bool, refuse *Error) context.Context {
	return context.WithValue(ctx, scopeKey{}, &clinicScope{may: may, refuse: refuse})
}

func scopeFrom(ctx context.Context) *clinicScope {
	sc, _ := ctx.Value(scopeKey{}).(*clinicScope)
	return sc
}

// check refuses line q outside the scope; a nil scope allows every line.
func (sc *clinicScope) check(q Queue) error {
	if sc == nil || sc.may(q.ClinicID()) {
		return nil
	}
	return sc.refuse
}
