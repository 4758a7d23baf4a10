package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestAppShutdownDrainsInFlight: shutdown stops accepting connections, lets the
// request in flight finish with its full response, and only then runs the steps
// started before the HTTP server (the database, in serve).
func TestAppShutdownDrainsInFlight(t *testing.T) {
	a := &app{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var mu sync.Mutex
	var order []string
	record := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, name)
	}

	entered, release, served := make(chan struct{}), make(chan struct{}), make(chan struct{})
	answered := make(chan string, 1)
	a.onStop("database", func(context.Context) error {
		record("database")
		// The server's side: the handler has written its whole response. (The
		// client may still be reading it; that it got all of it is checked below.)
		select {
		case <-served:
		default:
			t.Error("the database closed before the in-flight request was answered")
		}
		return nil
	})
	ln, err := a.listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := a.startHTTP(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(served)
		close(entered)
		<-release
		io.WriteString(w, "finished")
	}))
	a.onStop("after http", func(context.Context) error { record("after http"); return nil })

	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			answered <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- string(b)
	}()
	<-entered

	done := make(chan error, 1)
	go func() { done <- a.shutdown(context.Background()) }()

	// New connections are refused once shutdown has closed the listener.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections during shutdown")
		}
		time.Sleep(10 * time.Millisecond) // polling, not synchronising: the loop waits for a state
	}
	close(release)

	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if body := <-answered; body != "finished" {
		t.Errorf("in-flight request got %q, want the full response", body)
	}
	if want := []string{"after http", "database"}; !slices.Equal(order, want) {
		t.Errorf("stop order %v, want %v", order, want)
	}
}

// TestAppShutdownContinuesAfterFailure: a failing step is reported and the steps
// before it still run.
func TestAppShutdownContinuesAfterFailure(t *testing.T) {
	a := &app{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	closed := false
	a.onStop("database", func(context.Context) error { closed = true; return nil })
	boom := errors.New("boom")
	a.onStop("dispatcher", func(context.Context) error { return boom })
	err := a.shutdown(context.Background())
	if !errors.Is(err, boom) || !closed {
		t.Errorf("err = %v, database closed = %v; want boom and closed", err, closed)
	}
}

// TestStartLoop: the loop runs at once, and its stop step waits for it to end.
func TestStartLoop(t *testing.T) {
	a := &app{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ran := make(chan struct{}, 1)
	var stopped bool
	a.startLoop("sweep", time.Hour, func(ctx context.Context) {
		select {
		case ran <- struct{}{}:
		default:
		}
		<-ctx.Done() // a long sweep: shutdown must cancel it and wait
		stopped = true
	})
	<-ran
	if err := a.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !stopped {
		t.Error("shutdown returned before the loop's run ended")
	}
}
