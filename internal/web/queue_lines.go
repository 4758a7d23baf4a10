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
		return nil, 0, lineNotFound(line)
	}
	entries, version, err := s.d.Queue.Queue(ctx, line)
	if isNotFound(err) { // the only row Queue looks up is the line's
		return nil, 0, lineNotFound(line)
	}
	return entries, version, err
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
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		all, sum = append(all, entries...), sum+version
	}
	return all, sum, nil
}

// isNotFound reports whether err is the Service's "not found" for a row it
// looked up (which it words as PATIENT_NOT_FOUND whatever the row).
func isNotFound(err error) bool {
	var qe *queue.Error
	return errors.As(err, &qe) && qe.Code == queue.CodePatientNotFound
}
