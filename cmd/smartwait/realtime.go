package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"smartwait/internal/auth"
	"smartwait/internal/connlimit"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/realtime/redisbroker"
	"smartwait/internal/socketio"
	"smartwait/internal/web"
)

// realtimeParts are the real-time pieces serve wires together: the hub, the
// broker that feeds it, and the Socket.IO server on it.
type realtimeParts struct {
	hub       *realtime.Hub
	broker    realtime.Broker
	sio       *socketio.Server
	limiter   *connlimit.Limiter
	openFiles uint64 // the open-files limit in force; 0: unknown
}

// startRealtime builds the hub, the broker and the estimate-drift ticker between
// them, makes the queue service publish to the broker and staff logouts end
// their connections, and builds the Socket.IO server. The broker's stop step
// flushes what is still queued; it runs after the HTTP drain, so changes
// committed by in-flight requests still go out. The ticker stops before it.
func (a *app) startRealtime(ctx context.Context, reg *prometheus.Registry, users *auth.Service, queues *queue.Service) (*realtimeParts, error) {
	broker, err := a.newBroker(queues)
	if err != nil {
		return nil, err
	}
	// A broker that shards carries to this instance only the shards its
	// clients follow; the hub tells it which.
	follower, _ := broker.(realtime.ShardFollower)
	collectAfter := a.cfg.CollectAfter
	if collectAfter == 0 {
		collectAfter = -1 // never (the hub's zero is its default)
	}
	hub := realtime.NewHub(realtime.Config{Log: a.log, Follower: follower, CollectAfter: collectAfter})
	if err := reg.Register(hub); err != nil {
		return nil, fmt.Errorf("register real-time metrics: %w", err)
	}
	// The broker delivers through drift, which learns what each patient was
	// last pushed and, once a minute, pushes the estimates that moved with
	// time to this instance's hub (docs/realtime.md, "Estimates that drift").
	drift := &events.Drift{Queues: queues, Next: hub, Now: queues.Now, Log: a.log}
	if err := broker.Start(ctx, drift); err != nil {
		return nil, fmt.Errorf("start event broker: %w", err)
	}
	a.onStop("event broker", broker.Close)
	drift.Start()
	a.onStop("estimate drift", drift.Stop)

	queues.Publisher = &web.Events{Broker: broker, Log: a.log}
	users.OnLogout = func(sessionIDs ...string) {
		if err := realtime.EndSessions(broker, sessionIDs...); err != nil {
			a.log.Warn("could not end the real-time connections of a session", "err", err)
		}
	}
	openFiles := raiseOpenFiles()
	total := a.cfg.MaxConnections
	if total == 0 && openFiles > 0 {
		total = connlimit.DefaultMax(openFiles)
	}
	limiter := connlimit.New(connlimit.Config{PerIP: a.cfg.MaxConnectionsPerIP, Max: total, TrustProxy: a.cfg.TrustProxy, ExemptLoopback: !a.cfg.CapLoopback})
	a.log.Info("connection limits", "openFiles", openFiles, "maxConnections", total, "perIP", a.cfg.MaxConnectionsPerIP)
	sio, err := socketio.New(socketio.Config{
		Hub: hub, Auth: users, Patients: queues, Log: a.log, Limiter: limiter,
		AllowedOrigins: append([]string{originOf(a.cfg.PublicURL)}, a.cfg.AllowedOrigins...),
		QueueSize:      a.cfg.SocketQueue, BodyTimeout: a.cfg.BodyTimeout,
		MayJoinClinic: web.ClinicGate(),
	})
	if err != nil {
		return nil, err
	}
	if err := reg.Register(sio); err != nil {
		return nil, fmt.Errorf("register Socket.IO metrics: %w", err)
	}
	return &realtimeParts{hub: hub, broker: broker, sio: sio, limiter: limiter, openFiles: openFiles}, nil
}

// newBroker returns the Redis broker when REDIS_URL is set (several instances
// share events), else the in-process one. The Redis broker lists every shard
// (every clinic's) from queues for a client that follows them all.
func (a *app) newBroker(queues *queue.Service) (realtime.Broker, error) {
	if a.cfg.RedisURL == "" {
		return realtime.NewMemoryBroker(), nil
	}
	shards := func(ctx context.Context) ([]string, error) {
		clinics, err := queues.Clinics(ctx)
		out := make([]string, 0, len(clinics))
		for _, c := range clinics {
			out = append(out, events.Shard(queue.Queue{Clinic: c}.ClinicSlug()))
		}
		return out, err
	}
	b, err := redisbroker.New(a.cfg.RedisURL, redisbroker.Options{Log: a.log, Shards: shards})
	if err != nil {
		return nil, fmt.Errorf("event broker: %w", err)
	}
	return b, nil
}

// web returns the real-time dependencies of the HTTP layer.
func (rt *realtimeParts) web(cfg Config) web.Realtime {
	return web.Realtime{Hub: rt.hub, Broker: rt.broker, SocketIO: rt.sio.Handler(), Heartbeat: cfg.SSEHeartbeat,
		Limiter: rt.limiter, OpenFiles: rt.openFiles, MayJoinClinic: web.ClinicGate()}
}

// closeConnections disconnects every socket and ends every event stream.
func (rt *realtimeParts) closeConnections(context.Context) error {
	rt.sio.Close()
	rt.hub.Close()
	return nil
}

// originOf returns the scheme://host[:port] of an absolute URL.
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + strings.ToLower(p.Host)
}
