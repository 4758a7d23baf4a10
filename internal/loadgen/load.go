// Package loadgen drives a running SmartWait server the way a busy clinic does, over
// its real HTTP API and Socket.IO: many patients check in and keep a socket open
// on their own room while staff call the next patient at a set rate. It measures
// request throughput and latency, how long each call-next takes to reach every
// waiting patient as a position_update (or patient_called) event, and what failed.
//
// A run is bounded in patients and time, talks only to a loopback address, and
// leaves the queue as it found it: the patients it checked in are completed or
// cancelled at the end.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// Limits on one run, so a typo cannot turn a load test into a denial of service.
const (
	MaxPatients = 20000
	MaxDuration = 10 * time.Minute
	MaxCallRate = 1000.0
)

// Config is one load run.
type Config struct {
	URL         string        // server base URL; must be a loopback address
	Username    string        // staff account that calls patients
	Password    string        //
	Patients    int           // patients to check in, each with a socket
	Calls       int           // call-next requests to make (0: one per patient)
	CallRate    float64       // call-next requests per second
	Concurrency int           // parallel HTTP requests and socket handshakes
	Duration    time.Duration // hard bound on the whole run
	// Drain is how long to wait after the last call for events still in flight.
	Drain time.Duration
	// ConnectTimeout bounds one socket's handshake and room join; 0:
	// DefaultConnectTimeout. It never applies to a socket once it has joined.
	ConnectTimeout time.Duration
	// Progress, if not nil, receives one line per phase as the run goes.
	Progress io.Writer
}

// DefaultConnectTimeout is how long a socket may take to connect and join its
// room before the run counts it as failed.
const DefaultConnectTimeout = 15 * time.Second

// DefaultConfig is a run of 1,000 patients and 10 calls a second.
func DefaultConfig() Config {
	return Config{
		URL: "http://127.0.0.1:3001", Username: "admin",
		Patients: 1000, CallRate: 10, Concurrency: 32,
		Duration: 5 * time.Minute, Drain: 5 * time.Second,
	}
}

// Validate reports the first unusable field; it checks that the URL names a
// loopback address without resolving anything but "localhost".
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: want http://127.0.0.1:PORT", c.URL)
	}
	if !loopback(u.Hostname()) {
		return fmt.Errorf("url %q: load runs only against a loopback address (127.0.0.1, ::1, localhost)", c.URL)
	}
	switch {
	case c.Patients < 1 || c.Patients > MaxPatients:
		return fmt.Errorf("patients must be between 1 and %d", MaxPatients)
	case c.Calls < 0 || c.Calls > c.Patients:
		return errors.New("calls must be between 0 (one per patient) and the number of patients")
	case c.CallRate <= 0 || c.CallRate > MaxCallRate:
		return fmt.Errorf("call rate must be above 0 and at most %g per second", MaxCallRate)
	case c.Concurrency < 1 || c.Concurrency > 1000:
		return errors.New("concurrency must be between 1 and 1000")
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration must be above 0 and at most %s", MaxDuration)
	case c.Drain < 0 || c.Drain > time.Minute:
		return errors.New("drain must be between 0 and 1m")
	case c.ConnectTimeout < 0 || c.ConnectTimeout > time.Minute:
		return errors.New("connect timeout must be between 0 (the default) and 1m")
	case c.Username == "" || c.Password == "":
		return errors.New("a staff username and password are needed to call patients")
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run performs the load run and returns its report. It fails only when the run
// cannot go on (bad config, staff login refused, server rate-limiting
// check-ins); failed requests and lost events are counted in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Calls == 0 {
		cfg.Calls = cfg.Patients
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	r := newRunner(cfg)
	defer r.closeSockets()
	rep := &Report{Config: cfg}
	start := time.Now()
	err := r.run(ctx, rep)
	// Leave the queue as found, even after a failure or the time bound: with a
	// fresh context, since ctx may be what ended the run.
	cleanCtx, cancelClean := context.WithTimeout(context.Background(), time.Minute)
	defer cancelClean()
	r.cleanup(cleanCtx, rep)
	rep.Elapsed = time.Since(start)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		rep.TimedOut = true
		err = nil
	}
	return rep, err
}
