package socketio

// Leftovers counts what the server and the Socket.IO library hold for
// connections: our conns and connect gates, the library's namespace sockets
// and adapter rooms, and the engine's clients. With no client connected every
// count is zero.
func Leftovers(s *Server) map[string]int {
	n := map[string]int{}
	s.mu.Lock()
	n["conns"] = len(s.conns)
	s.mu.Unlock()
	s.gates.Range(func(any, any) bool { n["gates"]++; return true })
	nsp := s.io.Sockets()
	n["library sockets"] = nsp.Sockets().Len()
	n["library rooms"] = nsp.Adapter().Rooms().Len()
	n["library sids"] = nsp.Adapter().Sids().Len()
	n["engine clients"] = int(s.io.Engine().ClientsCount())
	return n
}
