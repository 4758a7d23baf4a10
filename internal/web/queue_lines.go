package web

import (
	"context"
	"errors"

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
// that line's version, as it always was). A line deleted between the listing
// and its read is left out.
func (s *Server) queueEntries(ctx context.Context) ([]queue.Entry, int64, error) {
	lines, err := s.d.Queue.LineIDs(ctx)
	if err != nil {
		return nil, 0, err
	}
	var all []queue.Entry
	var sum int64
	for _, id := range lines {
		entries, version, err := s.d.Queue.Queue(ctx, id)
		if isLineNotFound(err) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		all, sum = append(all, entries...), sum+version
	}
	return all, sum, nil
}

// isLineNotFound reports whether err is the Service's LINE_NOT_FOUND.
func isLineNotFound(err error) bool {
	var qe *queue.Error
	return errors.As(err, &qe) && qe.Code == queue.CodeLineNotFound
}
