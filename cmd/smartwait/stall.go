package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// bodyReads tracks the requests whose handler may still read the request body,
// so that shutdown can cut the ones a client is trickling. http.Server.Shutdown
// waits for every request in flight; a client that sends its body one byte a
// second would otherwise hold the whole shutdown until its deadline, and the
// database would close under the parts stopped after it. Handlers busy with their
// own work (a transaction, a send) are not touched: only reads from the client
// are cut, so in-flight work still finishes.
//
// It needs the http.Server's ConnContext set to connContext. The zero value is
// ready to use; it is safe for concurrent use.
type bodyReads struct {
	mu      sync.Mutex
	cutting bool                      // shutdown began: cut every body read at once
	open    map[*watchedBody]struct{} // the bodies of the requests in handlers
}

type connKey struct{}

// connContext is the http.Server's ConnContext: it lets a request's body find its
// connection, whose read deadline is what cuts a read in progress.
func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// wrap returns h with each request body tracked while the handler runs.
func (b *bodyReads) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		if c == nil || r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		wb := &watchedBody{ReadCloser: r.Body, conn: c}
		b.add(wb)
		defer b.remove(wb)
		r.Body = wb
		h.ServeHTTP(w, r)
	})
}

func (b *bodyReads) add(wb *watchedBody) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.open == nil {
		b.open = map[*watchedBody]struct{}{}
	}
	b.open[wb] = struct{}{}
	if b.cutting {
		wb.cut()
	}
}

func (b *bodyReads) remove(wb *watchedBody) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.open, wb)
}

// cutAll makes every body read that has not reached the end of its body fail at
// once, and so every one that starts later, and returns how many it cut. The
// handlers see a read error (the API answers 400 INVALID_JSON to a client that is
// gone anyway) and return, which lets http.Server.Shutdown finish.
func (b *bodyReads) cutAll() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cutting = true
	n := 0
	for wb := range b.open {
		if wb.cut() {
			n++
		}
	}
	return n
}

// watchedBody is a request body that knows its connection and whether it has been
// read to its end.
type watchedBody struct {
	io.ReadCloser
	conn  net.Conn
	ended atomic.Bool // a Read returned an error (io.EOF included)
}

// Read reads from the body and notes when the body is over.
func (wb *watchedBody) Read(p []byte) (int, error) {
	n, err := wb.ReadCloser.Read(p)
	if err != nil {
		wb.ended.Store(true)
	}
	return n, err
}

// cut ends a body read in progress by moving the connection's read deadline to
// the past. A body read to its end is left alone: after it, net/http reads the
// connection in the background to notice a client hanging up, and a deadline
// there would cancel the request's context, i.e. the handler's own work.
func (wb *watchedBody) cut() bool {
	if wb.ended.Load() {
		return false
	}
	_ = wb.conn.SetReadDeadline(time.Unix(1, 0))
	return true
}
