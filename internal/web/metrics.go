package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"smartwait/internal/queue"
)

// metrics are the server's Prometheus series. Requests are labelled by route
// pattern, never by path (a path may hold a patient id and would explode the
// series count).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	ops      *prometheus.HistogramVec
	// auditFailures counts audit entries that could not be written (audit.go).
	auditFailures prometheus.Counter

	// The series of each label set, looked up once: WithLabelValues hashes the
	// labels on every call and the status code needs formatting. The label sets
	// come from fixed sets (routeOf, methodLabel, the handlers' status codes, the
	// operation names and error codes), so the maps stay small.
	mu       sync.RWMutex
	reqs     map[requestLabels]requestSeries
	opSeries map[[2]string]prometheus.Observer
}

// requestLabels is the label set of one request's series.
type requestLabels struct {
	method, route string
	code          int
}

// requestSeries are the series a request with given labels records to.
type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func newMetrics(reg *prometheus.Registry, s *Server) (*metrics, error) {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartwait_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "smartwait_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
		ops: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "smartwait_queue_operation_duration_seconds",
			Help:    "Latency of queue and auth operations by operation and result (ok or the error code).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"operation", "result"}),
		auditFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smartwait_audit_write_failures_total",
			Help: "Staff actions whose audit entry could not be written (each is logged at ERROR with its request id).",
		}),
		reqs:     map[requestLabels]requestSeries{},
		opSeries: map[[2]string]prometheus.Observer{},
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.ops, m.auditFailures, queueCollector{s}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// request records one request. method must already be a methodLabel and route a
// routeOf: both come from fixed sets, so the series count is bounded whatever
// clients send.
func (m *metrics) request(method, route string, code int, d time.Duration) {
	k := requestLabels{method, route, code}
	m.mu.RLock()
	rs, ok := m.reqs[k]
	m.mu.RUnlock()
	if !ok {
		rs = requestSeries{
			count:   m.requests.WithLabelValues(method, route, strconv.Itoa(code)),
			latency: m.latency.WithLabelValues(method, route),
		}
		m.mu.Lock()
		m.reqs[k] = rs
		m.mu.Unlock()
	}
	rs.count.Inc()
	rs.latency.Observe(d.Seconds())
}

// op records the latency of one queue or auth operation with its result.
func (m *metrics) op(name, result string, d time.Duration) {
	k := [2]string{name, result}
	m.mu.RLock()
	o, ok := m.opSeries[k]
	m.mu.RUnlock()
	if !ok {
		o = m.ops.WithLabelValues(name, result)
		m.mu.Lock()
		m.opSeries[k] = o
		m.mu.Unlock()
	}
	o.Observe(d.Seconds())
}

// methodLabel maps a request method to a fixed set, for metric labels and log
// fields: any token is a valid HTTP method, so a client could otherwise mint one
// series (and one log field) per request, up to the header limit in size.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// observe runs op and records its latency under name, with its outcome.
func (s *Server) observe(name string, op func() error) error {
	start := time.Now()
	err := op()
	result := "ok"
	if err != nil {
		result = "error"
		var c coded
		if errors.As(err, &c) {
			result = c.ErrorCode()
		}
	}
	s.metrics.op(name, result, time.Since(start))
	return err
}

// handleMetrics serves GET /metrics in the Prometheus text format.
func (s *Server) handleMetrics() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg})
}

// queueCollector reads the queue sizes and the outbox at scrape time, so the
// gauges are exact whichever instance made the change.
type queueCollector struct{ s *Server }

var (
	ticketsDesc = prometheus.NewDesc("smartwait_queue_tickets",
		"Active tickets in the default queue by status.", []string{"status"}, nil)
	messagesDesc = prometheus.NewDesc("smartwait_sms_messages",
		"SMS outbox messages by status.", []string{"status"}, nil)
)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- ticketsDesc
	ch <- messagesDesc
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	if entries, _, err := c.s.d.Queue.Queue(ctx, ""); err == nil {
		var waiting, called int
		for _, e := range entries {
			if e.Status == queue.StatusCalled {
				called++
			} else {
				waiting++
			}
		}
		ch <- prometheus.MustNewConstMetric(ticketsDesc, prometheus.GaugeValue, float64(waiting), string(queue.StatusWaiting))
		ch <- prometheus.MustNewConstMetric(ticketsDesc, prometheus.GaugeValue, float64(called), string(queue.StatusCalled))
	}
	if c.s.d.Messages == nil {
		return
	}
	for _, st := range messageStatuses {
		if n, err := c.s.d.Messages.CountMessages(ctx, st); err == nil {
			ch <- prometheus.MustNewConstMetric(messagesDesc, prometheus.GaugeValue, float64(n), string(st))
		}
	}
}
