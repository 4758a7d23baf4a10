package socketio

// Leftovers counts what the server holds for connections: our conns, and the
// engine's sessions and sockets. With no client connected every count is zero.
func Leftovers(s *Server) map[string]int {
	n := map[string]int{}
	s.mu.Lock()
	n["conns"] = len(s.conns)
	s.mu.Unlock()
	st := s.eio.Stats()
	n["engine sessions"] = int(st.Sessions)
	n["engine sockets"] = int(st.Sockets)
	n["engine polls"] = int(st.Polls)
	return n
}
