package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// startPprof serves Go's profiler (/debug/pprof/) on its own listener at addr, a
// loopback address (config checks it), so that the profile of the running
// server under load is one curl away, as docs/benchmarks.md uses it. It is off
// unless SMARTWAIT_PPROF_ADDR is set, and never on the public listener. The
// handlers are registered on a mux of its own: importing net/http/pprof also
// registers them on http.DefaultServeMux, which SmartWait never serves.
func (a *app) startPprof(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("profiler: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	a.log.Info("profiler listening", "addr", ln.Addr().String())
	a.onStop("profiler", func(context.Context) error {
		// A CPU profile in progress holds its request for its whole duration:
		// close rather than wait for it.
		err := srv.Close()
		if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	})
	return nil
}
