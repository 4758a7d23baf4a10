package realtime

import (
	"maps"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// stats counts what the hub did, for Stats and the Prometheus collector.
type stats struct {
	mu          sync.Mutex
	connections map[string]int
	published   map[string]int64 // by event name
	dropped     map[string]int64 // by reason
}

func newStats() stats {
	return stats{connections: map[string]int{}, published: map[string]int64{}, dropped: map[string]int64{}}
}

func (s *stats) connect(transport string, d int) {
	s.mu.Lock()
	s.connections[transport] += d
	s.mu.Unlock()
}

// publish counts n published messages of event (none when n is 0).
func (s *stats) publish(event string, n int) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	s.published[event] += int64(n)
	s.mu.Unlock()
}

func (s *stats) drop(reason string) {
	s.mu.Lock()
	s.dropped[reason]++
	s.mu.Unlock()
}

func (s *stats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Connections: maps.Clone(s.connections), Dropped: maps.Clone(s.dropped)}
	for _, n := range s.published {
		st.Published += n
	}
	return st
}

var (
	connectionsDesc = prometheus.NewDesc("smartwait_realtime_connections",
		"Open real-time connections by transport.", []string{"transport"}, nil)
	publishedDesc = prometheus.NewDesc("smartwait_realtime_events_published_total",
		"Messages delivered to the hub, by event name.", []string{"event"}, nil)
	droppedDesc = prometheus.NewDesc("smartwait_realtime_subscribers_dropped_total",
		"Subscribers the hub disconnected, by reason (slow, failed, hub closed).", []string{"reason"}, nil)
	roomsDesc = prometheus.NewDesc("smartwait_realtime_rooms",
		"Rooms with at least one member.", nil, nil)
	replayBytesDesc = prometheus.NewDesc("smartwait_realtime_replay_bytes",
		"Size of the events kept for resuming streams (bounded by Config.ReplayBytes per stream).", nil, nil)
)

// Describe implements prometheus.Collector, so cmd/smartwait can register the hub
// on its own registry.
func (h *Hub) Describe(ch chan<- *prometheus.Desc) {
	ch <- connectionsDesc
	ch <- publishedDesc
	ch <- droppedDesc
	ch <- roomsDesc
	ch <- replayBytesDesc
}

// Collect implements prometheus.Collector.
func (h *Hub) Collect(ch chan<- prometheus.Metric) {
	h.mu.RLock()
	rooms := len(h.rooms)
	h.mu.RUnlock()
	ch <- prometheus.MustNewConstMetric(roomsDesc, prometheus.GaugeValue, float64(rooms))
	ch <- prometheus.MustNewConstMetric(replayBytesDesc, prometheus.GaugeValue, float64(h.replayBytes.Load()))
	h.stats.mu.Lock()
	defer h.stats.mu.Unlock()
	for t, n := range h.stats.connections {
		ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(n), t)
	}
	for e, n := range h.stats.published {
		ch <- prometheus.MustNewConstMetric(publishedDesc, prometheus.CounterValue, float64(n), e)
	}
	for r, n := range h.stats.dropped {
		ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(n), r)
	}
}
