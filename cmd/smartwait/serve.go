package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"smartwait/internal/auth"
	"smartwait/internal/privacy"
	"smartwait/internal/queue"
	"smartwait/internal/web"
)

// Timeouts of the HTTP server and of shutdown.
const (
	readHeaderTimeout = 10 * time.Second  // slow-loris guard; bodies are small
	idleTimeout       = 120 * time.Second // keep-alive connections
	sessionSweepEvery = 15 * time.Minute  // expired sessions are deleted this often
)

// serve runs the server until ctx is cancelled (SIGTERM/SIGINT), then shuts down
// gracefully: stop accepting, finish in-flight requests, stop background work,
// close the database.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return err
	}
	a := &app{cfg: cfg, log: newLogger(stderr, cfg.LogLevel)}
	addr, err := a.start(ctx, stdout)
	if err == nil {
		a.log.Info("started", "addr", addr, "version", version)
		<-ctx.Done()
		a.log.Info("shutting down", "cause", context.Cause(ctx))
	}
	// Shutdown gets its own deadline: ctx is already cancelled.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	err = errors.Join(err, a.shutdown(sctx))
	if err == nil {
		a.log.Info("stopped")
	}
	return err
}

// start opens and starts every part in dependency order, registering how to stop
// each, and prints where to find the pages. It returns the bound address. On error
// the parts already started are left for shutdown to stop.
func (a *app) start(ctx context.Context, stdout io.Writer) (string, error) {
	// Listen first: with --addr :0 the port is only known now, and the public URL
	// (SMS links, QR codes, the Socket.IO origin, the banner) must name it. A
	// taken port also fails before the database is touched.
	ln, err := a.listen(a.cfg.Addr)
	if err != nil {
		return "", err
	}
	if a.cfg.PublicURL == "" {
		a.cfg.PublicURL = defaultPublicURL(ln.Addr().String())
	}
	cfg := a.cfg

	db, err := openStore(ctx, cfg)
	if err != nil {
		return "", err
	}
	a.onStop("database", func(context.Context) error { return db.Close() })

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	users := &auth.Service{Store: db, Cost: cfg.BcryptCost}
	created, password, err := users.EnsureAdmin(ctx, cfg.AdminPassword)
	if err != nil {
		return "", fmt.Errorf("create admin account: %w", err)
	}

	// The dispatcher starts before the HTTP server so that it stops after it: the
	// last requests' texts are still sent during the drain.
	texts := a.startSMS(db, reg)
	hooks := a.startWebhooks(db, reg)
	queues := &queue.Service{Store: db, Config: queueConfig(cfg), Log: a.log, Hold: texts.disp}
	rt, err := a.startRealtime(ctx, reg, users, queues)
	if err != nil {
		return "", err
	}

	a.startLoop("session sweep", sessionSweepEvery, func(ctx context.Context) {
		n, err := db.DeleteExpiredSessions(ctx, time.Now())
		switch {
		case err != nil:
			a.log.Warn("session sweep failed", "err", err)
		case n > 0:
			a.log.Debug("expired sessions deleted", "count", n)
		}
	})

	a.startRetention(db, cfg.RetentionDays)
	a.startDelayAlerts(queues)

	// Every commit also wakes the SMS dispatcher, after whatever else publishes.
	queues.Publisher = texts.wakeAfter(queues.Publisher)
	// And the webhook dispatcher: the commit may have written webhook events.
	queues.Publisher = hooks.wakeAfter(queues.Publisher)

	srv, err := web.New(web.Deps{
		Queue: queues, Auth: users, Store: db, Messages: db,
		Audit: db, Eraser: &privacy.Eraser{Store: db, Region: cfg.PhoneRegion},
		Deliveries: queues, VerifyTwilio: texts.verify, SMSStatus: texts.status, SMSAlert: texts.alert,
		Config: web.Config{
			AllowedOrigins: cfg.AllowedOrigins, PublicURL: cfg.PublicURL, TrustProxy: cfg.TrustProxy,
			CheckinPerMinute: cfg.CheckinPerMinute, KioskDevices: cfg.KioskDevices, LoginPerMinute: cfg.LoginPerMinute, ClinicName: cfg.ClinicName,
			HealthWriteTimeout: cfg.HealthWriteTimeout,
			BodyTimeout:        cfg.BodyTimeout, RequestTimeout: cfg.RequestTimeout,
		},
		Webhooks: hooks.svc,
		Registry: reg, Log: a.log, Version: version, Catalog: cfg.Languages,
		Realtime:     rt.web(cfg),
		BrokerStatus: web.BrokerStatus(rt.broker), RealtimeStatus: web.RealtimeStatus(rt.hub),
	})
	if err != nil {
		return "", err
	}
	a.setMemoryLimit(cfg.MemoryLimit)
	addr := a.startHTTP(ln, srv.Handler())
	if cfg.PprofAddr != "" {
		if err := a.startPprof(cfg.PprofAddr); err != nil {
			return "", err
		}
	}
	// Registered after the HTTP server, so it runs before its drain: the open
	// streams end now rather than holding the drain until its deadline.
	a.onStop("real-time connections", rt.closeConnections)
	printBanner(stdout, cfg, addr, created, password)
	return addr, nil
}

// queueConfig maps the configuration onto the queue rules.
func queueConfig(cfg Config) queue.Config {
	return queue.Config{
		Estimator:        queue.Estimator{Prior: cfg.ServiceTime, Rooms: cfg.Rooms},
		GetReadyPosition: cfg.GetReadyPosition,
		FollowUpAfter:    cfg.FollowUpAfter,
		ClinicName:       cfg.ClinicName,
		PublicURL:        cfg.PublicURL,
		PhoneRegion:      cfg.PhoneRegion,
		Location:         cfg.Location,
		SMSCountries:     cfg.SMSCountries,
		CheckInsPerPhone: cfg.CheckinsPerPhone,
		CommitGather:     cfg.CommitGather,
		Languages:        cfg.Languages,
		SMSShiftTables:   cfg.SMSShiftTables,
		DelayAlertAfter:  time.Duration(cfg.DelayAlertMinutes) * time.Minute,
		// PostgreSQL locks a line's row, not the database, so lines commit in
		// parallel; SQLite has one writer, where one group commit is cheapest.
		ParallelLines: cfg.Database.Driver == "postgres",
	}
}

// listen opens the server's TCP listener. Its stop step closes it, for when start
// fails before the HTTP server takes it over (the server's own stop closes it too).
func (a *app) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	a.onStop("listener", func(context.Context) error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	return ln, nil
}

// startHTTP serves h on ln in the background and returns the bound address. Its
// stop step is http.Server.Shutdown: close the listener, then wait for in-flight
// requests. Long-lived streams (SSE, WebSocket) must be ended by their owners,
// which register with srv.RegisterOnShutdown or stop before this step runs.
func (a *app) startHTTP(ln net.Listener, h http.Handler) string {
	reads := &bodyReads{}
	srv := &http.Server{
		Handler:           reads.wrap(h),
		ConnContext:       connContext,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	a.onStop("http server", func(ctx context.Context) error {
		// Shutdown closes idle keep-alive connections at once and waits for the
		// requests in flight; those waiting on a client's body are cut first, as
		// that client may never finish.
		if n := reads.cutAll(); n > 0 {
			a.log.Info("shutdown: cut requests whose body was still arriving", "count", n)
		}
		err := srv.Shutdown(ctx)
		if err != nil {
			// The deadline passed with handlers still running: close their
			// connections rather than leave them to the closing database.
			err = errors.Join(err, srv.Close())
		}
		if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	})
	return ln.Addr().String()
}

// startLoop runs fn now and then every interval in the background until the app
// stops; the stop step waits for a running fn to return.
func (a *app) startLoop(name string, interval time.Duration, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	a.onStop(name, func(context.Context) error {
		cancel()
		wg.Wait()
		return nil
	})
}

// printBanner tells the operator where everything is and, on first start, the
// admin credentials. The "listening on" line's format is relied on by tests and
// scripts that start the binary on port 0.
func printBanner(w io.Writer, cfg Config, addr string, created bool, password string) {
	base := "http://" + displayAddr(addr)
	fmt.Fprintf(w, "SmartWait %s listening on %s\n", version, base)
	for _, p := range []struct{ name, path string }{
		{"Check-in", "/"}, {"Staff", "/staff"}, {"Display", "/display"}, {"Kiosk", "/kiosk"}, {"QR poster", "/qr"},
		{"Health", "/health"}, {"Metrics", "/metrics"},
	} {
		fmt.Fprintf(w, "  %-10s %s%s\n", p.name, base, p.path)
	}
	fmt.Fprintf(w, "  %-10s %s (links in SMS and QR codes)\n", "Public URL", cfg.PublicURL)
	fmt.Fprintf(w, "  %-10s %s\n", "Database", cfg.Database.Path)
	switch {
	case !created:
	case cfg.AdminPassword != "":
		fmt.Fprintf(w, "Admin account created: username %q, password from SMARTWAIT_ADMIN_PASSWORD\n", auth.AdminUsername)
	default:
		fmt.Fprintf(w, "Admin account created: username %q, password %q (shown only this once; change it with: smartwait staff passwd %s)\n",
			auth.AdminUsername, password, auth.AdminUsername)
	}
	fmt.Fprintln(w, bannerEnd)
}

// bannerEnd is the banner's last line; tools that read the banner stop there.
const bannerEnd = "Press Ctrl-C to stop."

// displayAddr turns a bound address into one a browser can open: the wildcard
// addresses become localhost.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
