package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// discardWriter is a ResponseWriter that keeps one header map and drops the body,
// so that measuring a middleware counts the middleware's allocations only.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// accessLogStack is the access log and metrics middleware around a mux with one
// route that answers 201, logging at level to io.Discard.
func accessLogStack(tb testing.TB, level slog.Level) (http.Handler, *http.Request, http.ResponseWriter) {
	tb.Helper()
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))}
	m, err := newMetrics(prometheus.NewRegistry(), s)
	if err != nil {
		tb.Fatal(err)
	}
	s.metrics = m
	body := []byte(`{"success":true}`)
	mux := http.NewServeMux()
	mux.Handle("POST /api/checkin", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	}))
	req := httptest.NewRequest("POST", "/api/checkin", nil)
	return s.accessLog(mux), req, &discardWriter{h: http.Header{}}
}

// BenchmarkAccessLog measures the access log line and request metrics of one
// request, with the line written (info) and filtered out (warn, as in bench runs).
func BenchmarkAccessLog(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		b.Run(level.String(), func(b *testing.B) {
			h, req, w := accessLogStack(b, level)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, req)
			}
		})
	}
}
