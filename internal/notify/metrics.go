package notify

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what the dispatcher does. A nil *Metrics records nothing.
type Metrics struct {
	Sent    *prometheus.CounterVec // messages the provider accepted, by kind
	Failed  *prometheus.CounterVec // messages marked failed, by kind and reason
	Retried *prometheus.CounterVec // temporary failures scheduled for another attempt, by kind
	Latency prometheus.Histogram   // duration of one Sender.Send call, whatever its outcome
	Trips   prometheus.Counter     // times the breaker on confirmation texts opened
	Held    *prometheus.CounterVec // messages held back by the breaker, by kind (one message may be held more than once)
}

// NewMetrics creates the dispatcher's metrics and registers them on reg (a
// registry made in run, not the global one).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartwait_sms_sent_total", Help: "SMS accepted by the provider.",
		}, []string{"kind"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartwait_sms_failed_total", Help: "SMS marked failed (permanent error or retries exhausted).",
		}, []string{"kind", "reason"}),
		Retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartwait_sms_retried_total", Help: "Temporary SMS send failures scheduled for another attempt.",
		}, []string{"kind"}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "smartwait_sms_send_duration_seconds",
			Help:    "Duration of one send request to the SMS provider.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		Trips: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smartwait_sms_breaker_trips_total",
			Help: "Times the circuit breaker on confirmation texts opened (SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE reached).",
		}),
		Held: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smartwait_sms_held_total", Help: "SMS held back in the outbox by the circuit breaker (each time one is held).",
		}, []string{"kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.Sent, m.Failed, m.Retried, m.Latency, m.Trips, m.Held)
	}
	return m
}

func (m *Metrics) sent(kind string) {
	if m != nil {
		m.Sent.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) failed(kind, reason string) {
	if m != nil {
		m.Failed.WithLabelValues(kind, reason).Inc()
	}
}

func (m *Metrics) retried(kind string) {
	if m != nil {
		m.Retried.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) latency(d time.Duration) {
	if m != nil {
		m.Latency.Observe(d.Seconds())
	}
}

func (m *Metrics) tripped() {
	if m != nil {
		m.Trips.Inc()
	}
}

func (m *Metrics) held(kind string) {
	if m != nil {
		m.Held.WithLabelValues(kind).Inc()
	}
}
