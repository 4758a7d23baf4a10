package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"smartwait/internal/queue"
)

// Benchmarks of the HTTP handlers on a real SQLite file (synchronous=NORMAL, WAL).
// Results are in docs/benchmarks.md under "HTTP handlers on SQLite".

// seed checks in n patients through the service (faster than HTTP, the same
// transactions) with phones from offset on, and returns their ids in order.
func (h *harness) seed(n, offset int) []string {
	h.tb.Helper()
	ids := make([]string, n)
	for i := range n {
		e, err := h.deps.Queue.CheckIn(context.Background(), queue.CheckInRequest{
			Name: fmt.Sprintf("Patient %d", i), Phone: phone(offset + i), AppointmentTime: "10:00"})
		if err != nil {
			h.tb.Fatal(err)
		}
		ids[i] = e.ID
	}
	return ids
}

func checkInBody(i int) string {
	return fmt.Sprintf(`{"name":"Patient %d","phone":"%s","appointmentTime":"10:00"}`, i, phone(i))
}

// serveBench runs one request through the server's own handler stack and
// fails unless it got want. It bypasses the harness's OpenAPI checker, which
// every test's responses pass through: validating a response costs more than
// a third of a check-in's time in process, and a benchmark measures the product.
func (h *harness) serveBench(b *testing.B, req *http.Request, want int) {
	rec := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
	}
}

// BenchmarkCheckIn checks patients in behind 10 and 10,000 waiting (the queue
// grows by one per iteration).
func BenchmarkCheckIn(b *testing.B) {
	for _, waiting := range []int{10, 2_000, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			h := newHarness(b)
			h.seed(waiting, 0)
			i := waiting
			for b.Loop() {
				req := httptest.NewRequest("POST", "/api/checkin", strings.NewReader(checkInBody(i)))
				req.Header.Set("Content-Type", "application/json")
				h.serveBench(b, req, http.StatusCreated)
				i++
			}
		})
	}
}

// BenchmarkCheckInLoopback is end-to-end throughput: concurrent clients over
// loopback TCP, each check-in its own committed transaction.
func BenchmarkCheckInLoopback(b *testing.B) {
	h := newHarness(b)
	srv := httptest.NewServer(h.server.Handler()) // without the test's OpenAPI checker, as serveBench
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 64
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			resp, err := srv.Client().Post(srv.URL+"/api/checkin", "application/json", strings.NewReader(checkInBody(i)))
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkins/s")
}

func BenchmarkPositionLookup(b *testing.B) {
	for _, waiting := range []int{10, 2_000, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			h := newHarness(b)
			ids := h.seed(waiting, 0)
			last := ids[len(ids)-1] // the deepest position: the most to count
			for b.Loop() {
				h.serveBench(b, httptest.NewRequest("GET", "/api/position/"+last, nil), http.StatusOK)
			}
		})
	}
}

func BenchmarkCallNext(b *testing.B) {
	for _, waiting := range []int{10, 2_000, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			h := newHarness(b)
			h.seed(waiting, 0)
			ctx := context.Background()
			next := waiting
			for b.Loop() {
				req := httptest.NewRequest("POST", "/api/staff/call-next", nil)
				req.Header.Set("Authorization", "Bearer "+h.staff)
				h.serveBench(b, req, http.StatusOK)
				// Keep the queue at its size: complete the called patient and
				// check in a new one, outside the measured time.
				b.StopTimer()
				entries, _, err := h.deps.Queue.Queue(ctx, "")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := h.deps.Queue.Complete(ctx, entries[0].ID); err != nil {
					b.Fatal(err)
				}
				h.seed(1, next)
				next++
				b.StartTimer()
			}
		})
	}
}
