package queue

// QueuedOperations is how many operations wait for the next group commit, in
// every lane.
func QueuedOperations(s *Service) int {
	s.lanes.mu.Lock()
	defer s.lanes.mu.Unlock()
	n := 0
	for _, c := range s.lanes.lanes {
		c.mu.Lock()
		n += len(c.waiting)
		c.mu.Unlock()
	}
	return n
}
