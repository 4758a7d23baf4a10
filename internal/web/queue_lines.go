package web

import (
	"context"

	"smartwait/internal/queue"
)

// lineEntries is the active queue of one line and its version; an unknown
// line is 404 LINE_NOT_FOUND.
func (s *Server) lineEntries(ctx context.Context, line string) ([]queue.Entry, int64, error) {
	if !queue.ValidSlug(line) {
		return nil, 0, queue.LineNotFound(line)
	}
	return s.d.Queue.Queue(ctx, line) // LINE_NOT_FOUND when there is no such line
}

// queueEntries is every line's active queue, line after line by position,
// and the sum of the lines' versions: each grows with every change of its
// line, so the sum does whenever any line changes (and with one line it is
// that line's version, as it always was). The lines are read in one
// transaction: one moment of the clinic. only names the lines (nil: every
// line), as scopeLines gives them.
func (s *Server) queueEntries(ctx context.Context, only []string) ([]queue.Entry, int64, error) {
	lines, err := s.d.Queue.Queues(ctx, only)
	if err != nil {
		return nil, 0, err
	}
	var all []queue.Entry
	var sum int64
	for _, l := range lines {
		all, sum = append(all, l.Entries...), sum+l.Version
	}
	return all, sum, nil
}
