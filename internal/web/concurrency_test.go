package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// These tests fire real concurrent HTTP requests at a real server over one SQLite
// file and assert exact outcomes: no lost, doubled or misnumbered operations.

// liveServer serves the harness's handler over loopback.
func (h *harness) liveServer() *httptest.Server {
	h.tb.Helper()
	srv := httptest.NewServer(h.handler)
	h.tb.Cleanup(srv.Close)
	return srv
}

type result struct {
	code int
	body map[string]any
}

// parallel sends n requests at once (released together) and returns the results
// in request order.
func parallel(tb testing.TB, n int, send func(i int) (*http.Response, error)) []result {
	tb.Helper()
	out := make([]result, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := send(i)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			out[i].code = resp.StatusCode
			if err := json.Unmarshal(raw, &out[i].body); err != nil {
				errs[i] = fmt.Errorf("request %d: %v: %s", i, err, raw)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

func post(srv *httptest.Server, path, token, body string) (*http.Response, error) {
	req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return srv.Client().Do(req)
}

func codes(rs []result) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.code]++
	}
	return m
}

func data(r result, field string) any {
	d, _ := r.body["data"].(map[string]any)
	return d[field]
}

func TestConcurrentCheckIns(t *testing.T) {
	h := newHarness(t)
	srv := h.liveServer()
	const n = 100
	rs := parallel(t, n, func(i int) (*http.Response, error) {
		return post(srv, "/api/checkin", "", fmt.Sprintf(`{"name":"Patient %d","phone":"%s","appointmentTime":"10:00"}`, i, phone(i)))
	})
	if c := codes(rs); c[201] != n {
		t.Fatalf("codes %v, want %d × 201", c, n)
	}
	var positions []int
	tickets := map[string]bool{}
	for _, r := range rs {
		positions = append(positions, int(data(r, "position").(float64)))
		tickets[data(r, "ticketNumber").(string)] = true
	}
	slices.Sort(positions)
	for i, p := range positions {
		if p != i+1 {
			t.Fatalf("positions %v, want exactly 1..%d", positions, n)
		}
	}
	if len(tickets) != n {
		t.Fatalf("%d distinct ticket numbers, want %d", len(tickets), n)
	}
	if got := h.asStaff("GET", "/api/staff/queue", "").want(t, 200).num(t, "count"); got != n {
		t.Fatalf("queue holds %d, want %d", got, n)
	}
}

func TestConcurrentIdenticalCheckIns(t *testing.T) {
	for name, phones := range map[string][]string{
		"identical bodies": slices.Repeat([]string{"+14155552671"}, 5),
		// The same person, typing the number five ways.
		"one phone, five spellings": {"(415) 555-2671", "415-555-2671", "+14155552671", "4155552671", "+1 415 555 2671"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			srv := h.liveServer()
			rs := parallel(t, len(phones), func(i int) (*http.Response, error) {
				return post(srv, "/api/checkin", "", `{"name":"Ana","phone":"`+phones[i]+`","appointmentTime":"10:00"}`)
			})
			if c := codes(rs); c[201] != 1 || c[409] != 4 {
				t.Fatalf("codes %v, want one 201 and four 409", c)
			}
			for _, r := range rs {
				if r.code == 409 {
					e := r.body["error"].(map[string]any)
					if e["code"] != "DUPLICATE_CHECKIN" || !strings.Contains(e["message"].(string), "already in the queue") {
						t.Fatalf("409 body %v", r.body)
					}
				}
			}
			if got := h.asStaff("GET", "/api/staff/queue", "").want(t, 200).num(t, "count"); got != 1 {
				t.Fatalf("queue holds %d, want 1", got)
			}
		})
	}
}

func TestConcurrentCallNext(t *testing.T) {
	h := newHarness(t)
	srv := h.liveServer()
	waiting := map[string]bool{}
	for i := range 5 {
		waiting[h.checkIn(fmt.Sprintf("P%d", i), phone(i))] = true
	}
	rs := parallel(t, 10, func(int) (*http.Response, error) {
		return post(srv, "/api/staff/call-next", h.staff, "")
	})
	if c := codes(rs); c[200] != 5 || c[404] != 5 {
		t.Fatalf("codes %v, want five 200 and five 404", c)
	}
	called := map[string]bool{}
	for _, r := range rs {
		switch r.code {
		case 200:
			id := data(r, "patientId").(string)
			if called[id] || !waiting[id] {
				t.Fatalf("patient %s called twice or unknown", id)
			}
			called[id] = true
		case 404:
			if r.body["error"].(map[string]any)["code"] != "NO_PATIENTS_WAITING" {
				t.Fatalf("404 body %v", r.body)
			}
		}
	}
	if len(called) != 5 {
		t.Fatalf("%d distinct patients called, want 5", len(called))
	}
}

func TestConcurrentCompletes(t *testing.T) {
	h := newHarness(t)
	srv := h.liveServer()
	id := h.checkIn("Ana", phone(1))
	h.asStaff("POST", "/api/staff/call-next", "").want(t, 200)
	rs := parallel(t, 3, func(int) (*http.Response, error) {
		return post(srv, "/api/staff/complete", h.staff, `{"patientId":"`+id+`"}`)
	})
	if c := codes(rs); c[200] != 1 || c[404] != 2 {
		t.Fatalf("codes %v, want one 200 and two 404", c)
	}
	st := h.asStaff("GET", "/api/staff/stats", "").want(t, 200)
	if st.num(t, "data.totalCompleted") != 1 {
		t.Fatalf("completed %d times: %s", st.num(t, "data.totalCompleted"), st.Raw)
	}
}
