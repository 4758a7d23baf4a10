package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"time"

	"smartwait/internal/queue"
)

// BrokerHealth is the event broker's part of /health.
type BrokerHealth struct {
	Status string `json:"status"` // "ok", "degraded", "error" or "disabled"
	Kind   string `json:"kind"`   // "memory", "redis", …
	// Mode is how batches travel: "local" (one instance), "sharded" (Redis
	// SPUBLISH/SSUBSCRIBE, a channel per shard) or "channels" (the same
	// channels with PUBLISH/SUBSCRIBE, Redis before 7). Empty when disabled.
	Mode string `json:"mode,omitempty"`
	// Shards is how many shards (lines) this instance receives events of.
	Shards int `json:"shards"`
}

// RealtimeHealth is the real-time hub's part of /health.
type RealtimeHealth struct {
	Status           string         `json:"status"`
	ConnectedClients int            `json:"connectedClients"`
	Transports       map[string]int `json:"transports,omitempty"` // connected clients by transport
	Rooms            int            `json:"rooms"`
}

// SMSHealth is the SMS dispatcher's part of /health.
type SMSHealth struct {
	Status   string `json:"status"`
	Provider string `json:"provider"` // "twilio", "log", …
	Pending  int    `json:"pending"`  // outbox messages not yet sent
	// Reason says why Status is not "ok", e.g. that the breaker on confirmation
	// texts is holding them; empty when ok.
	Reason string `json:"reason,omitempty"`
}

// LimitsHealth is /health's "limits": the open-files limit and the caps on
// long-lived connections (SSE streams + Socket.IO sessions), with how many
// are open. Zero caps mean none.
type LimitsHealth struct {
	OpenFiles        uint64 `json:"openFiles"`        // RLIMIT_NOFILE in force; 0: unknown
	MaxConnections   int    `json:"maxConnections"`   // SMARTWAIT_MAX_CONNECTIONS or derived
	ConnectionsPerIP int    `json:"connectionsPerIP"` // SMARTWAIT_MAX_CONNECTIONS_PER_IP
	Connections      int    `json:"connections"`      // open now, holding a slot
}

type dbHealth struct {
	Status   string `json:"status"`   // "ok"; "down": it answers, but a write cannot commit; "error": no answer
	Writable bool   `json:"writable"` // a write committed within the probe's deadline, in the last second
}

type health struct {
	Status   string         `json:"status"` // "ok", "degraded" (a side part is failing), "down" (no writes) or "error" (no database)
	Version  string         `json:"version"`
	Uptime   int64          `json:"uptime"` // seconds
	Database dbHealth       `json:"database"`
	Broker   BrokerHealth   `json:"broker"`
	Realtime RealtimeHealth `json:"realtime"`
	SMS      SMSHealth      `json:"sms"`
	Limits   *LimitsHealth  `json:"limits,omitempty"`
}

// healthTimeout bounds how long /health waits for any one part: a health check
// that hangs is worse than one that says "error".
const healthTimeout = 2 * time.Second

func (s *Server) health(ctx context.Context) health {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	h := health{Version: s.d.Version, Uptime: int64(s.d.Now().Sub(s.started) / time.Second),
		Database: dbHealth{Status: "ok"}}
	if err := s.d.Store.Ping(ctx); err != nil {
		h.Database.Status = "error"
		s.log.Warn("health: database ping failed", "error", err.Error())
	} else if err := s.writes.check(ctx); err != nil {
		h.Database.Status = "down" // the probe logs the cause when it changes
	} else {
		h.Database.Writable = true
	}
	h.Broker = BrokerHealth{Status: "disabled", Kind: "none"}
	if s.d.BrokerStatus != nil {
		h.Broker = s.d.BrokerStatus(ctx)
	}
	h.Realtime = RealtimeHealth{Status: "disabled"}
	if s.d.RealtimeStatus != nil {
		h.Realtime = s.d.RealtimeStatus(ctx)
	}
	if s.d.SMSStatus != nil {
		h.SMS = s.d.SMSStatus(ctx)
	} else {
		h.SMS = SMSHealth{Status: "disabled", Provider: "none"}
		if s.d.Messages != nil && h.Database.Status == "ok" {
			h.SMS.Pending, _ = s.d.Messages.CountMessages(ctx, queue.MessagePending)
		}
	}
	if l := s.d.Realtime.Limiter; l != nil {
		c := l.Config()
		h.Limits = &LimitsHealth{OpenFiles: s.d.Realtime.OpenFiles, MaxConnections: c.Max, ConnectionsPerIP: c.PerIP, Connections: l.Open()}
	}
	h.Status = "ok"
	for _, part := range []string{h.Broker.Status, h.Realtime.Status, h.SMS.Status} {
		if part == "error" || part == "degraded" {
			h.Status = "degraded"
		}
	}
	switch h.Database.Status {
	case "down":
		h.Status = "down"
	case "error":
		h.Status = "error"
	}
	return h
}

// healthBody is the health report both flat (what load balancers and monitors
// read: {"status": …}) and inside the success envelope's data, for API clients.
type healthBody[T any] struct {
	ok     bool
	report T
}

func (b healthBody[T]) MarshalJSON() ([]byte, error) {
	flat, err := json.Marshal(b.report)
	if err != nil {
		return nil, err
	}
	out := fmt.Appendf(nil, `{"success":%t,"data":%s`, b.ok, flat)
	if len(flat) > 2 { // the report's own fields follow, flat
		out = append(append(out, ','), flat[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

func healthCode(h health) int {
	if h.Database.Status != "ok" {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// handleHealth serves GET /health: 200 while the database answers and a write
// commits, else 503.
func (s *Server) handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := s.health(r.Context())
		writeJSON(w, healthCode(h), healthBody[health]{h.Database.Status == "ok", h})
	})
}

// handleHealthDetailed serves GET /health/detailed (staff): /health plus the
// process's memory and goroutines and today's ticket and outbox counts.
func (s *Server) handleHealthDetailed() http.Handler {
	type memory struct {
		AllocBytes     uint64 `json:"allocBytes"`
		HeapInuseBytes uint64 `json:"heapInuseBytes"`
		SysBytes       uint64 `json:"sysBytes"`
		NumGC          uint32 `json:"numGC"`
	}
	type detailed struct {
		health
		Memory     memory         `json:"memory"`
		Goroutines int            `json:"goroutines"`
		Tickets    map[string]int `json:"tickets,omitempty"`  // today, by status
		Messages   map[string]int `json:"messages,omitempty"` // outbox, by status
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := detailed{health: s.health(r.Context()), Goroutines: runtime.NumGoroutine()}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		d.Memory = memory{ms.Alloc, ms.HeapInuse, ms.Sys, ms.NumGC}
		if d.Database.Status != "error" { // reads still work when writes do not
			if st, _, err := s.d.Queue.ClinicStats(r.Context()); err == nil { // every line's
				d.Tickets = map[string]int{
					string(queue.StatusWaiting): st.TotalWaiting, string(queue.StatusCalled): st.TotalCalled,
					string(queue.StatusCompleted): st.TotalCompleted, string(queue.StatusNoShow): st.TotalNoShow,
					string(queue.StatusCancelled): st.TotalCancelled,
				}
			}
			if s.d.Messages != nil {
				d.Messages = map[string]int{}
				for _, st := range messageStatuses {
					if n, err := s.d.Messages.CountMessages(r.Context(), st); err == nil {
						d.Messages[string(st)] = n
					}
				}
			}
		}
		writeJSON(w, healthCode(d.health), healthBody[detailed]{d.Database.Status == "ok", d})
	})
}

var messageStatuses = []queue.MessageStatus{
	queue.MessagePending, queue.MessageSent, queue.MessageDelivered,
	queue.MessageUndelivered, queue.MessageFailed, queue.MessageCancelled,
}
