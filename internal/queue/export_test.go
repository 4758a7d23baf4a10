package queue

// QueuedOperations is how many operations wait for the next group commit.
func QueuedOperations(s *Service) int {
	s.commits.mu.Lock()
	defer s.commits.mu.Unlock()
	return len(s.commits.waiting)
}
