package queue

import (
	"context"
	"errors"
	"slices"
)

// CallRequest asks for the next patient for a room: across the lines the room
// serves, or from Line when it is named.
type CallRequest struct {
	Room string
	Line string // optional: call from this line only
}

// callAttempts bounds how often Call chooses again when the line it chose was
// emptied by another room between the choice and the call.
const callAttempts = 3

// Call calls the next patient for a room (docs/lines.md). For a room that is set
// up (Service.CreateRoom) it is the patient due earliest — urgent first — among
// the heads of the room's lines that are open or still have someone waiting, ties
// going to the line the room lists first; Line narrows it to one of them. A room
// that is not set up calls from Line, else the default line, as a one-line clinic
// always has — but once rooms are set up, an unknown room is refused, so that a
// typo cannot call from the wrong line. Errors: CodeValidation (unknown room or
// line, a line the room does not serve), CodeRoomClosed, CodeLineClosed (no line
// of the room is open or has anyone left), CodeNoneWaiting.
//
// Concurrent calls never call the same patient twice: the call itself locks one
// line and takes its head then; choosing the line reads without a lock, so two
// rooms may both choose a line with one patient, and the second then chooses
// again.
func (s *Service) Call(ctx context.Context, r CallRequest) (Entry, error) {
	if r.Line != "" && !ValidSlug(r.Line) {
		return Entry{}, validationError("line", "line must be a line's slug (a-z, 0-9, '-')")
	}
	var err error
	for range callAttempts {
		var line string
		if line, err = s.chooseLine(ctx, r); err != nil {
			return Entry{}, err
		}
		var e Entry
		e, err = s.CallNext(ctx, line, r.Room)
		var de *Error
		if !errors.As(err, &de) || de.Code != CodeNoneWaiting {
			return e, err
		}
	}
	return Entry{}, err
}

// chooseLine picks the line Call takes its patient from.
func (s *Service) chooseLine(ctx context.Context, r CallRequest) (string, error) {
	var line string
	err := s.Store.View(ctx, func(tx Tx) error {
		rooms, err := tx.Rooms(ctx)
		if err != nil {
			return err
		}
		var room *Room
		if i := slices.IndexFunc(rooms, func(x Room) bool { return x.Name == r.Room }); i >= 0 {
			room = &rooms[i]
		}
		if room == nil {
			if len(rooms) > 0 {
				return validationError("room", "there is no room %q", r.Room)
			}
			line = r.Line
			if line == "" {
				line = DefaultQueueID
			}
			return nil
		}
		if !room.Open {
			return Errorf(CodeRoomClosed, "%s is closed; open it to call patients", room.Name)
		}
		candidates := room.Lines
		if r.Line != "" {
			if !room.Serves(r.Line) {
				return validationError("line", "%s does not serve line %q", room.Name, r.Line)
			}
			candidates = []string{r.Line}
		}
		best, bestSeq, serving := "", int64(0), false
		for _, id := range candidates {
			q, err := tx.Queue(ctx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			head, err := tx.WaitingTickets(ctx, id, 1)
			if err != nil {
				return err
			}
			// A closed line stops taking patients; those already waiting are
			// still seen.
			if !q.Open && len(head) == 0 {
				continue
			}
			serving = true
			if len(head) > 0 && (best == "" || head[0].Seq < bestSeq) {
				best, bestSeq = id, head[0].Seq
			}
		}
		switch {
		case !serving:
			return Errorf(CodeLineClosed, "%s serves no open line", room.Name)
		case best == "":
			return Errorf(CodeNoneWaiting, "No patients waiting")
		}
		line = best
		return nil
	})
	return line, storeError(err)
}
