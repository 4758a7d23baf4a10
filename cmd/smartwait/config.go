package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nyaruka/phonenumbers"

	"smartwait/internal/auth"
	"smartwait/internal/i18n"
	"smartwait/internal/privacy"
	"smartwait/internal/queue"
	"smartwait/internal/realtime/redisbroker"
	"smartwait/internal/sqlite"
	"smartwait/internal/web"
)

// Config is the whole configuration of one SmartWait process, read once at
// start-up from flags and environment variables (README, Configuration). Nothing else in the
// program reads either: every other part gets what it needs from here.
type Config struct {
	Addr string // listen address, host:port

	Database DatabaseConfig
	RedisURL string // empty: in-process event broker

	AllowedOrigins []string // exact origins ("https://clinic.example"); empty: same origin only
	Twilio         TwilioConfig

	PublicURL     string // absolute base URL, no trailing slash; empty until the port is bound (--addr :0)
	ClinicName    string
	AdminPassword string // empty: random, printed once on first start
	PhoneRegion   string // ISO 3166 region for numbers without "+country"

	Languages         *i18n.Catalog // the languages patients may use, the default first
	languageList      []string      // SMARTWAIT_LANGUAGES as parsed, for SMARTWAIT_DEFAULT_LANGUAGE
	SMSShiftTables    bool          // the carrier honours GSM-7 national language shift tables
	DelayAlertMinutes int           // quote growth past what a text told that earns a delay alert; 0 = off

	ServiceTime      time.Duration // prior per-visit time before there is history
	Rooms            int
	GetReadyPosition int
	FollowUpAfter    time.Duration // 0: no follow-up SMS

	CheckinPerMinute int // per client IP; 0 = off
	KioskDevices     int // anonymous kiosk devices per client IP with a check-in limit of their own; 0 = none
	LoginPerMinute   int // per client IP; 0 = off
	TrustProxy       bool
	BcryptCost       int // work factor of new password hashes
	// RetentionDays is how long a finished visit's personal data is kept
	// (internal/privacy); 0 keeps it forever.
	RetentionDays int

	Location *time.Location // clinic time zone: ticket numbers and stats are per local day
	LogLevel slog.Level

	SSEHeartbeat time.Duration // comment sent on idle Server-Sent Event streams

	ShutdownTimeout time.Duration // bound on the graceful shutdown after SIGTERM

	HealthWriteTimeout time.Duration // how long /health waits for its write probe

	// Against SMS pumping (toll fraud): docs/sms.md.
	SMSCountries           queue.Countries // who may check in and be texted; zero: the country of PhoneRegion
	CheckinsPerPhone       int             // check-ins per phone number per hour; 0 = off
	CommitGather           time.Duration   // group commit: a busy server's wait for concurrent operations; 0 = none
	ConfirmationsPerMinute int             // confirmation texts per minute per instance; 0 = off

	// Outbound webhooks: docs/integrations.md.
	WebhookMaxEndpoints int           // endpoints an admin may register
	WebhookAllowPrivate bool          // admit loopback, private and link-local receivers
	WebhookTimeout      time.Duration // bound on one delivery

	BodyTimeout    time.Duration // time to receive a request body
	RequestTimeout time.Duration // time for a handler's work after the body (not event streams)

	MaxConnectionsPerIP int  // open SSE streams + Socket.IO sessions per client IP; 0 = no cap
	CapLoopback         bool // apply MaxConnectionsPerIP to loopback clients too
	MaxConnections      int  // the same, in total; 0 = derived from the open-files limit
	SocketQueue         int  // packets that may wait for one Socket.IO client before it is dropped as slow
	CollectAfter        int  // fan-out size (Socket.IO clients) after which the heap is looked at and maybe collected; 0: never

	PprofAddr string // loopback host:port serving Go's profiler; empty: off

	MemoryLimit int64 // soft limit of the Go runtime's memory, bytes; 0: the runtime's own
}

// DatabaseConfig says which store to open.
type DatabaseConfig struct {
	Driver string // "sqlite" or "postgres"
	Path   string // the SQLite file; for PostgreSQL the URL without its password, for display
	URL    string // the PostgreSQL URL as given (secret: it may hold a password)
}

// TwilioConfig holds the Twilio credentials; all empty means the log-only sender.
type TwilioConfig struct {
	AccountSID  string
	AuthToken   string
	PhoneNumber string
	APIURL      string
}

// Enabled reports whether real SMS go out through Twilio.
func (t TwilioConfig) Enabled() bool { return t.AccountSID != "" }

// setting is one configuration variable: its environment name, its flag (if it
// has one: secrets have none, so they never show up in `ps`), its default, and how
// its text is parsed into Config. Parse errors name no variable; loadConfig adds it.
type setting struct {
	env   string
	flag  string
	def   string
	usage string
	parse func(c *Config, v string) error
}

// settings lists every variable of the README's configuration table, including SMARTWAIT_TIMEZONE and
// SMARTWAIT_LOG_LEVEL, in the order the README documents them.
var settings = []setting{
	{"PORT", "", "3001", "listen port (use --addr for host:port)", parsePort},
	{"DATABASE_URL", "database-url", "", "sqlite:///path/file.db or a file path; empty: ./smartwait.db", parseDatabaseURL},
	{"REDIS_URL", "redis-url", "", "redis://host:6379/0 (or a cluster: redis://host:7000?addr=host2:7000) for fan-out between instances; empty: in-process", parseRedisURL},
	{"ALLOWED_ORIGINS", "allowed-origins", "", "comma-separated CORS / WebSocket origins; empty: same origin only", parseOrigins},
	{"TWILIO_ACCOUNT_SID", "", "", "Twilio account SID; empty: log-only SMS sender", func(c *Config, v string) error {
		c.Twilio.AccountSID = v
		return nil
	}},
	{"TWILIO_AUTH_TOKEN", "", "", "Twilio auth token", func(c *Config, v string) error {
		c.Twilio.AuthToken = v
		return nil
	}},
	{"TWILIO_PHONE_NUMBER", "", "", "Twilio sender number (E.164) or messaging service SID", parseTwilioFrom},
	{"TWILIO_API_URL", "twilio-api-url", "https://api.twilio.com", "Twilio API base URL (tests point it at a fake)", func(c *Config, v string) error {
		u, err := parseHTTPURL(v)
		c.Twilio.APIURL = u
		return err
	}},
	{"SMARTWAIT_PUBLIC_URL", "public-url", "", "absolute base URL for links in SMS, QR codes and webhook signatures; empty: http://localhost:<listen port>", func(c *Config, v string) error {
		if v == "" {
			c.PublicURL = "" // derived from the listen address below
			return nil
		}
		u, err := parseHTTPURL(v)
		c.PublicURL = u
		return err
	}},
	{"SMARTWAIT_CLINIC_NAME", "clinic-name", "SmartWait", "clinic name used in SMS and pages", parseClinicName},
	{"SMARTWAIT_LANGUAGES", "languages", "en,es", "languages patients may use, comma-separated, from those with a catalogue (" + strings.Join(i18n.Available(), ", ") + ")", parseLanguages},
	{"SMARTWAIT_DEFAULT_LANGUAGE", "default-language", "en", "language of a visitor whose browser asks for none of SMARTWAIT_LANGUAGES, and of a check-in that names none", func(c *Config, v string) (err error) {
		c.Languages, err = i18n.Load(c.languageList, v)
		if err != nil {
			return fmt.Errorf("must be one of SMARTWAIT_LANGUAGES (%s)", strings.Join(c.languageList, ", "))
		}
		return nil
	}},
	{"SMARTWAIT_DELAY_ALERT_MINUTES", "delay-alert-minutes", "15", "a waiting patient whose quote grows this many minutes past what a text told them gets one running-late text (at most every 30 min); 0 = off", func(c *Config, v string) (err error) {
		c.DelayAlertMinutes, err = parseInt(v, 0, 240)
		return err
	}},
	{"SMARTWAIT_SMS_SHIFT_TABLES", "sms-shift-tables", "false", "the SMS carrier honours GSM-7 national language shift tables, so Spanish texts keep their accents in one segment (docs/languages.md)", func(c *Config, v string) (err error) {
		c.SMSShiftTables, err = parseBool(v)
		return err
	}},
	{"SMARTWAIT_ADMIN_PASSWORD", "", "", "password of the bootstrap admin account (first start only); empty: random, printed once", parseAdminPassword},
	{"SMARTWAIT_PHONE_REGION", "phone-region", "US", "region for phone numbers typed without +country", parseRegion},
	{"SMARTWAIT_SERVICE_MINUTES", "service-minutes", "15", "prior minutes per visit before there is history", parseServiceMinutes},
	{"SMARTWAIT_ROOMS", "rooms", "1", "rooms/providers serving in parallel", func(c *Config, v string) (err error) {
		c.Rooms, err = parseInt(v, 1, 1000)
		return err
	}},
	{"SMARTWAIT_GET_READY_POSITION", "get-ready-position", "3", "position at which the get-ready notice goes out; 0 = never", func(c *Config, v string) (err error) {
		c.GetReadyPosition, err = parseInt(v, 0, 1000)
		return err
	}},
	{"SMARTWAIT_FOLLOW_UP_AFTER", "follow-up-after", "10m", "follow-up SMS delay for a called patient (Go duration); 0 = none", parseFollowUp},
	{"SMARTWAIT_CHECKIN_RATE_LIMIT", "checkin-rate-limit", "120", "check-ins per minute per client IP; 0 = off", func(c *Config, v string) (err error) {
		c.CheckinPerMinute, err = parseInt(v, 0, 1_000_000)
		return err
	}},
	{"SMARTWAIT_KIOSK_DEVICES_PER_IP", "kiosk-devices-per-ip", strconv.Itoa(web.DefaultKioskDevices), "anonymous kiosk tablets behind one client IP whose check-ins are limited per tablet rather than per IP; 0 = none", func(c *Config, v string) (err error) {
		c.KioskDevices, err = parseInt(v, 0, 1000)
		return err
	}},
	{"SMARTWAIT_LOGIN_RATE_LIMIT", "login-rate-limit", "10", "login attempts per minute per client IP; 0 = off", func(c *Config, v string) (err error) {
		c.LoginPerMinute, err = parseInt(v, 0, 1_000_000)
		return err
	}},
	{"SMARTWAIT_SMS_COUNTRIES", "sms-countries", "", "countries whose phones may check in and get texts: regions (US,CA) or calling codes (+1,+44), comma-separated; empty: the country of SMARTWAIT_PHONE_REGION", func(c *Config, v string) (err error) {
		if v == "" {
			return nil
		}
		c.SMSCountries, err = queue.ParseCountries(v)
		return err
	}},
	{"SMARTWAIT_CHECKINS_PER_PHONE", "checkins-per-phone", "3", "check-ins per phone number per hour; 0 = off", func(c *Config, v string) (err error) {
		c.CheckinsPerPhone, err = parseInt(v, 0, 1_000_000)
		return err
	}},
	{"SMARTWAIT_COMMIT_GATHER", "commit-gather", "500us", "under load, how long a queue operation waits for concurrent ones to share its commit (Go duration, 0-10ms; 0 = never; an idle server never waits)", func(c *Config, v string) (err error) {
		c.CommitGather, err = parseDurationIn(v, 0, 10*time.Millisecond)
		return err
	}},
	{"SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE", "sms-confirmations-per-minute", "60", "confirmation texts sent per minute by one instance; the rest wait in the outbox; 0 = off", func(c *Config, v string) (err error) {
		c.ConfirmationsPerMinute, err = parseInt(v, 0, 1_000_000)
		return err
	}},
	{"SMARTWAIT_WEBHOOK_MAX_ENDPOINTS", "webhook-max-endpoints", "20", "webhook endpoints an admin may register (1-1000)", func(c *Config, v string) (err error) {
		c.WebhookMaxEndpoints, err = parseInt(v, 1, 1000)
		return err
	}},
	{"SMARTWAIT_WEBHOOK_ALLOW_PRIVATE", "webhook-allow-private", "false", "deliver webhooks to loopback, private and link-local addresses too (refused by default against SSRF)", func(c *Config, v string) (err error) {
		c.WebhookAllowPrivate, err = parseBool(v)
		return err
	}},
	{"SMARTWAIT_WEBHOOK_TIMEOUT", "webhook-timeout", "10s", "bound on one webhook delivery: connect, send, response headers (Go duration, 1s-30s)", func(c *Config, v string) (err error) {
		c.WebhookTimeout, err = parseDurationIn(v, time.Second, 30*time.Second)
		return err
	}},
	{"SMARTWAIT_TRUST_PROXY", "trust-proxy", "false", "take the client IP from X-Forwarded-For (only behind your own proxy)", func(c *Config, v string) (err error) {
		c.TrustProxy, err = parseBool(v)
		return err
	}},
	{"SMARTWAIT_BCRYPT_COST", "bcrypt-cost", "12", "bcrypt work factor for new passwords (4-16; 12 is ~300 ms; lower only on slow hardware or in tests)", func(c *Config, v string) (err error) {
		c.BcryptCost, err = parseInt(v, 4, 16)
		return err
	}},
	{"SMARTWAIT_RETENTION_DAYS", "retention-days", strconv.Itoa(privacy.DefaultDays), "days a finished visit's names, phone numbers and texts are kept (and the audit log's IP addresses); 0 = forever", func(c *Config, v string) (err error) {
		c.RetentionDays, err = parseInt(v, 0, privacy.MaxDays)
		return err
	}},
	{"SMARTWAIT_SSE_HEARTBEAT", "sse-heartbeat", "20s", "heartbeat comment interval on idle event streams (Go duration, 1s-25s)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 25*time.Second {
			return errors.New("must be a duration from 1s to 25s, e.g. 20s")
		}
		c.SSEHeartbeat = d
		return nil
	}},
	{"SMARTWAIT_SHUTDOWN_TIMEOUT", "shutdown-timeout", "20s", "bound on the graceful shutdown: in-flight requests, then the SMS drain (Go duration, 1s-10m)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			return errors.New("must be a duration from 1s to 10m, e.g. 20s")
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{"SMARTWAIT_HEALTH_WRITE_TIMEOUT", "health-write-timeout", "1s", "how long /health waits for a write to commit before answering 503 down (Go duration, 100ms-2s)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > 2*time.Second {
			return errors.New("must be a duration from 100ms to 2s, e.g. 1s")
		}
		c.HealthWriteTimeout = d
		return nil
	}},
	{"SMARTWAIT_BODY_TIMEOUT", "body-timeout", "30s", "time to receive a request body before 408 and closing the connection (Go duration, 1s-10m)", func(c *Config, v string) (err error) {
		c.BodyTimeout, err = parseDurationIn(v, time.Second, 10*time.Minute)
		return err
	}},
	{"SMARTWAIT_REQUEST_TIMEOUT", "request-timeout", "10s", "time for a request's work after its body before 503 (Go duration, 1s-10m; event streams exempt)", func(c *Config, v string) (err error) {
		c.RequestTimeout, err = parseDurationIn(v, time.Second, 10*time.Minute)
		return err
	}},
	{"SMARTWAIT_MAX_CONNECTIONS_PER_IP", "max-connections-per-ip", "20", "open event streams and Socket.IO connections per client IP; 0 = no cap", func(c *Config, v string) (err error) {
		c.MaxConnectionsPerIP, err = parseInt(v, 0, 1_000_000)
		return err
	}},
	{"SMARTWAIT_CAP_LOOPBACK", "cap-loopback", "false", "apply SMARTWAIT_MAX_CONNECTIONS_PER_IP to loopback clients (127.0.0.0/8, ::1) too; off, because behind an untrusted same-host proxy every patient is loopback", func(c *Config, v string) (err error) {
		c.CapLoopback, err = parseBool(v)
		return err
	}},
	{"SMARTWAIT_MAX_CONNECTIONS", "max-connections", "0", "open event streams and Socket.IO connections in total; 0 = derived from the open-files limit (3/4 of it, keeping at least 256 for the API)", func(c *Config, v string) (err error) {
		c.MaxConnections, err = parseInt(v, 0, 10_000_000)
		return err
	}},
	{"SMARTWAIT_SOCKET_QUEUE", "socket-queue", "256", "packets that may wait to be written to one Socket.IO client (a poll away, or not reading) before it is disconnected as slow (16-65536)", func(c *Config, v string) (err error) {
		c.SocketQueue, err = parseInt(v, 16, 65536)
		return err
	}},
	{"SMARTWAIT_COLLECT_AFTER", "collect-after", "1000", "after a change reaches at least this many Socket.IO clients, collect garbage at once when the next such burst would bring the heap near the collector's goal, so that the collection runs between changes rather than during one; 0 = never", func(c *Config, v string) (err error) {
		c.CollectAfter, err = parseInt(v, 0, 10_000_000)
		return err
	}},
	{"SMARTWAIT_MEMORY_LIMIT", "memory-limit", "64MiB", "soft limit of the Go runtime's memory (heap, stacks): past it the collector runs more often, nothing fails; 0 = none of ours (GOMEMLIMIT applies)", parseMemoryLimit},
	{"SMARTWAIT_TIMEZONE", "timezone", "", "clinic time zone (IANA name, e.g. America/New_York); empty: the machine's local zone", parseTimezone},
	{"SMARTWAIT_PPROF_ADDR", "pprof-addr", "", "loopback host:port (127.0.0.1:6060) serving Go's profiler at /debug/pprof/ on its own listener; empty = off", parsePprofAddr},
	{"SMARTWAIT_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", func(c *Config, v string) error {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return errors.New("must be debug, info, warn or error")
		}
		return nil
	}},
}

// addConfigFlags registers a flag for every setting that has one, plus --addr, on
// fs. The flags' values are only read back by loadConfig.
func addConfigFlags(fs *flag.FlagSet) {
	fs.String("addr", "", "listen address host:port (overrides PORT), e.g. 127.0.0.1:0 for any free port")
	for _, s := range settings {
		if s.flag != "" {
			fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def))
		}
	}
}

// loadConfig builds the Config from fs (already parsed, with addConfigFlags) and
// the environment. A flag that was set wins over its environment variable, which
// wins over the default. The first bad value is reported as one line naming the
// variable, which is all an operator needs to fix it.
func loadConfig(fs *flag.FlagSet, getenv func(string) string) (Config, error) {
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = f.Value.String() })

	c := Config{}
	for _, s := range settings {
		v, name := s.def, s.env
		if e := getenv(s.env); e != "" {
			v = e
		}
		if f, ok := set[s.flag]; ok && s.flag != "" {
			v, name = f, "--"+s.flag
		}
		if s.env != "SMARTWAIT_ADMIN_PASSWORD" {
			// Stray spaces from .env files and YAML are never meant, except in a
			// password, where trimming would change what the admin must type.
			v = strings.TrimSpace(v)
		}
		if err := s.parse(&c, v); err != nil {
			return Config{}, fmt.Errorf("invalid %s %q: %w", name, redact(s.env, v), err)
		}
	}
	if a, ok := set["addr"]; ok {
		addr, err := parseAddr(a)
		if err != nil {
			return Config{}, fmt.Errorf("invalid --addr %q: %w", a, err)
		}
		c.Addr = addr
	}
	if c.PublicURL == "" {
		c.PublicURL = defaultPublicURL(c.Addr)
	}
	if err := c.checkTwilio(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// redact hides secrets in error messages: a bad password must not end up in logs.
func redact(env, v string) string {
	switch env {
	case "SMARTWAIT_ADMIN_PASSWORD", "TWILIO_AUTH_TOKEN":
		return "(hidden)"
	case "DATABASE_URL", "REDIS_URL": // URLs may carry a password
		if u, err := url.Parse(v); err == nil {
			return u.Redacted()
		}
		return "(hidden)"
	}
	return v
}

// checkTwilio refuses a half-configured Twilio: silently falling back to the log
// sender would mean patients get no texts while staff think they do.
func (c *Config) checkTwilio() error {
	t := c.Twilio
	vars := []struct{ name, v string }{
		{"TWILIO_ACCOUNT_SID", t.AccountSID}, {"TWILIO_AUTH_TOKEN", t.AuthToken}, {"TWILIO_PHONE_NUMBER", t.PhoneNumber},
	}
	n := 0
	for _, v := range vars {
		if v.v != "" {
			n++
		}
	}
	if n == 0 || n == len(vars) {
		return nil
	}
	for _, v := range vars {
		if v.v == "" {
			return fmt.Errorf("invalid %s: required when any TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_PHONE_NUMBER is set", v.name)
		}
	}
	return nil
}

func parsePort(c *Config, v string) error {
	n, err := parseInt(v, 0, 65535)
	if err != nil {
		return err
	}
	c.Addr = ":" + strconv.Itoa(n) // canonical, so "00" is port 0 everywhere
	return nil
}

// defaultPublicURL is the public URL when SMARTWAIT_PUBLIC_URL is not set: the
// listen address as a browser on this machine opens it (the wildcard host is
// localhost), so links and QR codes follow PORT and --addr. It is empty while the
// port is 0: serve fills it in from the port the listener really bound.
func defaultPublicURL(addr string) string {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "0" {
		return ""
	}
	return "http://" + displayAddr(addr)
}

func parseAddr(v string) (string, error) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", errors.New("must be host:port, e.g. :3001 or 127.0.0.1:0")
	}
	n, err := parseInt(port, 0, 65535)
	if err != nil {
		return "", fmt.Errorf("port %w", err)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// parseDatabaseURL accepts empty (./smartwait.db), whatever sqlite.ParseURL accepts
// (sqlite:///abs/path, sqlite://rel/path, a plain file path), and postgres:// or
// postgresql:// URLs for the PostgreSQL store.
func parseDatabaseURL(c *Config, v string) error {
	lower := strings.ToLower(v)
	switch {
	case v == "":
		c.Database = DatabaseConfig{Driver: "sqlite", Path: "smartwait.db"}
		return nil
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		// Errors must not echo v: it may carry the password.
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			return errors.New("must be postgres://user:password@host:port/database")
		}
		if _, err := pgxpool.ParseConfig(v); err != nil {
			return errors.New("must be postgres://user:password@host:port/database (with valid libpq parameters)")
		}
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		c.Database = DatabaseConfig{Driver: "postgres", Path: u.Redacted(), URL: v}
		return nil
	}
	path, err := sqlite.ParseURL(v)
	if err != nil {
		return errors.New("must be sqlite:///path/file.db or a file path (without '?' or '#')")
	}
	c.Database = DatabaseConfig{Driver: "sqlite", Path: path}
	return nil
}

// parseRedisURL accepts empty (the in-process broker), a redis:// / rediss://
// URL of one server, or a Redis Cluster's (addr= parameters naming more
// nodes): the broker's own check, so that what starts is what it accepts.
func parseRedisURL(c *Config, v string) error {
	c.RedisURL = ""
	if v == "" {
		return nil
	}
	if err := redisbroker.CheckURL(v); err != nil {
		return err
	}
	c.RedisURL = v
	return nil
}

func parseOrigins(c *Config, v string) error {
	c.AllowedOrigins = nil
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("%q is not an origin like https://clinic.example or http://localhost:3000", o)
		}
		c.AllowedOrigins = append(c.AllowedOrigins, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return nil
}

func parseTwilioFrom(c *Config, v string) error {
	c.Twilio.PhoneNumber = v
	if v == "" || strings.HasPrefix(v, "MG") {
		return nil // a messaging service SID
	}
	n, err := phonenumbers.Parse(v, "")
	if err != nil || !strings.HasPrefix(v, "+") {
		return errors.New("must be an E.164 number like +15005550006 or a messaging service SID (MG…)")
	}
	c.Twilio.PhoneNumber = phonenumbers.Format(n, phonenumbers.E164)
	return nil
}

// parseHTTPURL checks for an absolute http(s) URL and drops a trailing slash, so
// callers can append paths.
func parseHTTPURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("must be an absolute http:// or https:// URL without query")
	}
	return strings.TrimRight(v, "/"), nil
}

func parseClinicName(c *Config, v string) error {
	if v == "" || len([]rune(v)) > 60 {
		return errors.New("must be 1-60 characters")
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return errors.New("must not contain control characters")
		}
	}
	c.ClinicName = v
	return nil
}

// parseAdminPassword applies the same bounds as staff passwords: bcrypt reads at
// most 72 bytes, so a longer one would silently be truncated.
func parseAdminPassword(c *Config, v string) error {
	if v != "" && (len(v) < auth.MinPasswordLen || len(v) > auth.MaxPasswordLen) {
		return fmt.Errorf("must be %d-%d bytes", auth.MinPasswordLen, auth.MaxPasswordLen)
	}
	c.AdminPassword = v
	return nil
}

func parseRegion(c *Config, v string) error {
	r := strings.ToUpper(v)
	if _, ok := phonenumbers.GetSupportedRegions()[r]; !ok {
		return errors.New("must be a two-letter region code libphonenumber knows, e.g. US, GB, DE")
	}
	c.PhoneRegion = r
	return nil
}

func parseServiceMinutes(c *Config, v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 24*60 {
		return errors.New("must be a number of minutes above 0 and at most 1440")
	}
	c.ServiceTime = time.Duration(f * float64(time.Minute))
	return nil
}

func parseFollowUp(c *Config, v string) error {
	if v == "0" {
		c.FollowUpAfter = 0
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 24*time.Hour {
		return errors.New("must be a duration like 10m or 90s (0 = no follow-up), at most 24h")
	}
	c.FollowUpAfter = d
	return nil
}

func parseTimezone(c *Config, v string) error {
	if v == "" {
		c.Location = time.Local
		return nil
	}
	l, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		return errors.New("must be an IANA time zone name like Europe/Paris or UTC")
	}
	c.Location = l
	return nil
}

// parseDurationIn parses a Go duration from lo to hi.
// parseBool accepts what strconv.ParseBool does: true/false, 1/0, t/f.
func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errors.New("must be true or false")
	}
	return b, nil
}

func parseDurationIn(v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, fmt.Errorf("must be a duration from %s to %s, e.g. 30s", lo, hi)
	}
	return d, nil
}

// parsePprofAddr accepts an empty value (the profiler is off) or host:port with
// a loopback host: profiles and goroutine dumps show request data and cost CPU,
// so only someone on the machine itself may ask for them.
func parsePprofAddr(c *Config, v string) error {
	if v == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("must be host:port, e.g. 127.0.0.1:6060")
	}
	if _, err := parseInt(port, 0, 65535); err != nil {
		return errors.New("must be host:port with a port from 0 to 65535")
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("must be a loopback address (127.0.0.1, ::1 or localhost): the profiler is for this machine only")
	}
	c.PprofAddr = v
	return nil
}

func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// parseLanguages reads SMARTWAIT_LANGUAGES: language codes with a catalogue
// (internal/i18n/catalog), comma-separated, each once.
func parseLanguages(c *Config, v string) error {
	c.languageList = nil
	for _, l := range strings.Split(v, ",") {
		l = strings.ToLower(strings.TrimSpace(l))
		switch {
		case l == "":
			continue
		case !slices.Contains(i18n.Available(), l):
			return fmt.Errorf("no catalogue for %q; have %s", l, strings.Join(i18n.Available(), ", "))
		case slices.Contains(c.languageList, l):
			return fmt.Errorf("%q is listed twice", l)
		}
		c.languageList = append(c.languageList, l)
	}
	if len(c.languageList) == 0 {
		return errors.New("must name at least one language, e.g. en,es")
	}
	return nil
}
