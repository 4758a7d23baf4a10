package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// fanout times call-next → queue_update (patient_called) on display streams
// of the same lines open on every instance: "local" on the instance that
// served the call, "remote" on the others (through the broker).
type fanout struct {
	apis    []*api      // per instance
	lines   []target    // the lines followed and called
	streams [][]*stream // [instance][line]
}

func openFanout(apis []*api, lines []target) (*fanout, error) {
	f := &fanout{apis: apis, lines: lines, streams: make([][]*stream, len(apis))}
	for i, a := range apis {
		for _, t := range lines {
			s, err := openDisplay(a.client, a.base, t.line)
			if err != nil {
				f.close()
				return nil, err
			}
			f.streams[i] = append(f.streams[i], s)
		}
	}
	return f, nil
}

func (f *fanout) close() {
	for _, ss := range f.streams {
		for _, s := range ss {
			s.close()
		}
	}
}

// samples are fan-out latencies, split by where the client was.
type samples struct {
	local, remote []time.Duration
}

// run makes call-next requests one at a time, the c-th on line c mod lines and
// served by instance (c div lines) mod instances (so every line is called
// through every instance), until max calls or until stop is closed.
func (f *fanout) run(max int, stop <-chan struct{}) (samples, error) {
	var out samples
	n, L := len(f.apis), len(f.lines)
	for c := range max {
		select {
		case <-stop:
			return out, nil
		default:
		}
		k, served := c%L, (c/L)%n
		marks := make([]int, n)
		for i := range n {
			marks[i] = f.streams[i][k].count()
		}
		t0 := time.Now()
		body := fmt.Sprintf(`{"room":"1","line":%q}`, f.lines[k].line)
		if err := f.apis[served].send("POST", "/api/staff/call-next", body, http.StatusOK); err != nil {
			// Under load the line may not have its first check-in yet: no sample.
			if stop != nil && strings.Contains(err.Error(), "NO_PATIENTS_WAITING") {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return out, err
		}
		for i := range n {
			at, err := f.streams[i][k].waitCalled(marks[i], 10*time.Second)
			if err != nil {
				return out, fmt.Errorf("instance %d, line %s: %w", i, f.lines[k].line, err)
			}
			if i == served {
				out.local = append(out.local, at.Sub(t0))
			} else {
				out.remote = append(out.remote, at.Sub(t0))
			}
		}
	}
	return out, nil
}

// stream is an SSE display stream of one line that timestamps every
// patient_called update.
type stream struct {
	resp   *http.Response
	mu     sync.Mutex
	called []time.Time
	wake   chan struct{}
}

func openDisplay(client *http.Client, base, line string) (*stream, error) {
	// No client timeout: the stream stays open for the whole run.
	c := &http.Client{Transport: client.Transport}
	resp, err := c.Get(base + "/api/events/display?lines=" + url.QueryEscape(line))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("display stream of %s: status %d: %s", line, resp.StatusCode, b)
	}
	s := &stream{resp: resp, wake: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var event string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "queue_update" && strings.Contains(line, `"patient_called"`):
				s.mu.Lock()
				s.called = append(s.called, time.Now())
				s.mu.Unlock()
				select {
				case s.wake <- struct{}{}:
				default:
				}
			case line == "":
				event = ""
			}
		}
	}()
	return s, nil
}

func (s *stream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.called)
}

// waitCalled returns when the stream saw its (mark+1)-th patient_called update.
func (s *stream) waitCalled(mark int, limit time.Duration) (time.Time, error) {
	deadline := time.After(limit)
	for {
		s.mu.Lock()
		if len(s.called) > mark {
			at := s.called[mark]
			s.mu.Unlock()
			return at, nil
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-deadline:
			return time.Time{}, errors.New("no patient_called event within the limit")
		}
	}
}

func (s *stream) close() { s.resp.Body.Close() }
