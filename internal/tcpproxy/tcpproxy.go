// Package tcpproxy is a TCP proxy for tests that need a real server to go away and
// come back — PostgreSQL or Redis "down" without stopping the shared test server:
// Stop closes the listener and every proxied connection (clients see the server
// vanish), Start listens again on the same address, and Blackhole silences open
// connections and accepts new ones without ever answering (a network partition).
package tcpproxy

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards connections from Addr to a target address. Its methods are safe
// for concurrent use.
type Proxy struct {
	target string
	addr   string

	mu        sync.Mutex
	ln        net.Listener
	conns     map[net.Conn]struct{}
	blackhole bool
	frozen    atomic.Bool // open connections carry nothing (Blackhole)
	wg        sync.WaitGroup
}

// New starts a proxy to target on a free 127.0.0.1 port; it is closed when the
// test ends.
func New(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("tcpproxy: listen: %v", err)
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	tb.Cleanup(p.Close)
	return p
}

// Addr is the host:port clients connect to; it stays the same across Stop/Start.
func (p *Proxy) Addr() string { return p.addr }

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() { p.accept(ln) })
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.handle(c)
	}
}

func (p *Proxy) handle(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return
	}
	p.conns[c] = struct{}{}
	if p.blackhole {
		return // held open, never answered, closed by Stop or Close
	}
	p.wg.Go(func() {
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.drop(c)
			return
		}
		p.mu.Lock()
		if _, ok := p.conns[c]; !ok {
			p.mu.Unlock()
			up.Close()
			return
		}
		p.conns[up] = struct{}{}
		p.mu.Unlock()
		done := make(chan struct{}, 2)
		go func() { p.pipe(up, c); done <- struct{}{} }()
		go func() { p.pipe(c, up); done <- struct{}{} }()
		<-done
		p.drop(c)
		p.drop(up)
	})
}

// pipe copies src to dst until src fails, dropping what it reads while the proxy
// is a black hole: the connection stays open and silent, as across a partition.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// Stop closes the listener and every connection: new connections are refused and
// open ones reset, as when the server stops.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Start listens on Addr again after Stop, forwarding normally.
func (p *Proxy) Start(tb testing.TB) {
	tb.Helper()
	p.mu.Lock()
	wasBlackhole := p.blackhole
	p.blackhole = false
	running := p.ln != nil
	p.mu.Unlock()
	if wasBlackhole {
		p.Stop() // the held connections carried nothing: reset them
		p.frozen.Store(false)
	} else if running {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		tb.Fatalf("tcpproxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// Blackhole is a network partition: open connections stay open but carry nothing
// more, and new ones are accepted and never answered. Start ends it (resetting
// the connections it held).
func (p *Proxy) Blackhole(tb testing.TB) {
	tb.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen.Store(true)
	p.blackhole = true
	if p.ln == nil {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			tb.Fatalf("tcpproxy: listen again on %s: %v", p.addr, err)
		}
		p.ln = ln
		p.wg.Go(func() { p.accept(ln) })
	}
}

// Close stops the proxy for good and waits for its goroutines.
func (p *Proxy) Close() {
	p.Stop()
	p.wg.Wait()
}
