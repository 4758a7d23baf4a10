package main

import (
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// env returns a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// load parses args and env the way every command does.
func load(tb testing.TB, args []string, vars map[string]string) (Config, error) {
	tb.Helper()
	fs := newFlagSet("test", io.Discard)
	if err := fs.Parse(args); err != nil {
		tb.Fatalf("parse %q: %v", args, err)
	}
	return loadConfig(fs, env(vars))
}

func TestConfigDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:               ":3001",
		Database:           DatabaseConfig{Driver: "sqlite", Path: "smartwait.db"},
		Twilio:             TwilioConfig{APIURL: "https://api.twilio.com"},
		PublicURL:          "http://localhost:3001",
		ClinicName:         "SmartWait",
		PhoneRegion:        "US",
		ServiceTime:        15 * time.Minute,
		Rooms:              1,
		GetReadyPosition:   3,
		FollowUpAfter:      10 * time.Minute,
		CheckinPerMinute:   120,
		KioskDevices:       4,
		LoginPerMinute:     10,
		BcryptCost:         12,
		Location:           time.Local,
		LogLevel:           slog.LevelInfo,
		SSEHeartbeat:       20 * time.Second,
		ShutdownTimeout:    20 * time.Second,
		HealthWriteTimeout: time.Second,
		CheckinsPerPhone:   3,
		CommitGather:       500 * time.Microsecond,
		DelayAlertMinutes:  15,
		RetentionDays:      30,

		ConfirmationsPerMinute: 60,
		WebhookMaxEndpoints:    20, WebhookTimeout: 10 * time.Second,
		BodyTimeout:         30 * time.Second,
		RequestTimeout:      10 * time.Second,
		MaxConnectionsPerIP: 20,
		SocketQueue:         256,
		CollectAfter:        1000,
		MemoryLimit:         64 << 20,
	}
	if c.Languages == nil || !slices.Equal(c.Languages.Languages(), []string{"en", "es"}) {
		t.Errorf("default languages: %v, want en (the default) and es", c.Languages)
	}
	c.Languages, c.languageList = nil, nil // a catalogue is compared by its languages, above
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c.Twilio.Enabled() {
		t.Error("Twilio enabled without credentials")
	}
}

// TestConfigParse sets one variable (or flag) at a time and checks the field it
// lands in.
func TestConfigParse(t *testing.T) {
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestConfigErrors checks that each bad value stops start-up with one line that
// names the variable (or flag) and does not leak secrets.
func TestConfigErrors(t *testing.T) {
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.args, tt.env)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.want.(string)) {
				t.Errorf("error %q does not start with %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			if pw := tt.env["SMARTWAIT_ADMIN_PASSWORD"]; pw != "" && strings.Contains(msg, pw) {
				t.Errorf("error %q leaks the password", msg)
			}
		})
	}
}

// TestEverySettingTested keeps the tables honest: a variable added to settings
// without a parse case and an error case fails here.
func TestEverySettingTested(t *testing.T) {
	uses := func(cases []configCase, s setting) bool {
		for _, c := range cases {
			if _, ok := c.env[s.env]; ok {
				return true
			}
			for _, a := range c.args {
				if s.flag != "" && strings.HasPrefix(a, "--"+s.flag) {
					return true
				}
			}
		}
		return false
	}
	for _, s := range settings {
		if !uses(parseCases, s) {
			t.Errorf("%s has no case in parseCases", s.env)
		}
		// Any text is a valid auth token: its only error is being absent.
		if s.env != "TWILIO_AUTH_TOKEN" && !uses(errorCases, s) {
			t.Errorf("%s has no case in errorCases", s.env)
		}
	}
}

// configCase is one row of the configuration tables.
type configCase struct {
	name  string
	args  []string
	env   map[string]string
	check func(c Config) any // the field under test (nil for error cases)
	want  any                // the field's value, or the start of the error
}

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

var parseCases = []configCase{
	{"PORT", nil, map[string]string{"PORT": "8080"}, func(c Config) any { return c.Addr }, ":8080"},
	{"--addr", []string{"--addr", "127.0.0.1:0"}, nil, func(c Config) any { return c.Addr }, "127.0.0.1:0"},
	{"--addr wins over PORT", []string{"--addr", ":9000"}, map[string]string{"PORT": "8080"}, func(c Config) any { return c.Addr }, ":9000"},
	// Without SMARTWAIT_PUBLIC_URL, links and QR codes follow the listen port.
	{"public URL follows PORT", nil, map[string]string{"PORT": "8090"}, func(c Config) any { return c.PublicURL }, "http://localhost:8090"},
	{"public URL follows --addr", []string{"--addr", "127.0.0.1:8090"}, nil, func(c Config) any { return c.PublicURL }, "http://127.0.0.1:8090"},
	{"public URL of a wildcard --addr", []string{"--addr", "0.0.0.0:8090"}, nil, func(c Config) any { return c.PublicURL }, "http://localhost:8090"},
	{"public URL waits for port 0", []string{"--addr", "127.0.0.1:0"}, nil, func(c Config) any { return c.PublicURL }, ""},
	{"PORT 00 is port 0", nil, map[string]string{"PORT": "00"}, func(c Config) any { return c.Addr + " " + c.PublicURL }, ":0 "},
	{"SMARTWAIT_PUBLIC_URL wins over PORT", nil, map[string]string{"PORT": "8090", "SMARTWAIT_PUBLIC_URL": "https://clinic.example/"}, func(c Config) any { return c.PublicURL }, "https://clinic.example"},
	{"DATABASE_URL sqlite absolute", nil, map[string]string{"DATABASE_URL": "sqlite:///var/lib/sw/x.db"}, func(c Config) any { return c.Database.Path }, "/var/lib/sw/x.db"},
	{"DATABASE_URL plain path", nil, map[string]string{"DATABASE_URL": "data/x.db"}, func(c Config) any { return c.Database.Path }, "data/x.db"},
	{"--database-url wins", []string{"--database-url", "sqlite:///tmp/f.db"}, map[string]string{"DATABASE_URL": "e.db"}, func(c Config) any { return c.Database.Path }, "/tmp/f.db"},
	{"REDIS_URL empty: in-process broker", nil, map[string]string{"REDIS_URL": ""}, func(c Config) any { return c.RedisURL }, ""},
	{"REDIS_URL", nil, map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/2"}, func(c Config) any { return c.RedisURL }, "redis://127.0.0.1:6379/2"},
	{"REDIS_URL cluster", nil, map[string]string{"REDIS_URL": "redis://:pw@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000"}, func(c Config) any { return c.RedisURL }, "redis://:pw@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000"},
	{"REDIS_URL cluster database 0", nil, map[string]string{"REDIS_URL": "rediss://10.0.0.1:7000/0?addr=10.0.0.2:7000"}, func(c Config) any { return c.RedisURL }, "rediss://10.0.0.1:7000/0?addr=10.0.0.2:7000"},
	{"DATABASE_URL postgres", nil, map[string]string{"DATABASE_URL": "postgres://sw:s3cret@db.internal:5432/smartwait?sslmode=require"}, func(c Config) any { return c.Database },
		DatabaseConfig{Driver: "postgres", Path: "postgres://sw@db.internal:5432/smartwait?sslmode=require", URL: "postgres://sw:s3cret@db.internal:5432/smartwait?sslmode=require"}},
	{"DATABASE_URL postgresql", nil, map[string]string{"DATABASE_URL": "postgresql://h/db"}, func(c Config) any { return c.Database.Driver }, "postgres"},
	{"ALLOWED_ORIGINS", nil, map[string]string{"ALLOWED_ORIGINS": "https://Clinic.example, http://localhost:3000/"}, func(c Config) any { return c.AllowedOrigins }, []string{"https://clinic.example", "http://localhost:3000"}},
	{"Twilio complete", nil, map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "tok", "TWILIO_PHONE_NUMBER": "+15005550006"}, func(c Config) any { return c.Twilio }, TwilioConfig{"AC1", "tok", "+15005550006", "https://api.twilio.com"}},
	{"TWILIO_PHONE_NUMBER messaging service", nil, map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "tok", "TWILIO_PHONE_NUMBER": "MG123"}, func(c Config) any { return c.Twilio.PhoneNumber }, "MG123"},
	{"TWILIO_API_URL", nil, map[string]string{"TWILIO_API_URL": "http://127.0.0.1:5555/"}, func(c Config) any { return c.Twilio.APIURL }, "http://127.0.0.1:5555"},
	{"SMARTWAIT_PUBLIC_URL", nil, map[string]string{"SMARTWAIT_PUBLIC_URL": "https://wait.clinic.example/"}, func(c Config) any { return c.PublicURL }, "https://wait.clinic.example"},
	{"SMARTWAIT_CLINIC_NAME", nil, map[string]string{"SMARTWAIT_CLINIC_NAME": "  Clínica São José "}, func(c Config) any { return c.ClinicName }, "Clínica São José"},
	{"SMARTWAIT_LANGUAGES", nil, map[string]string{"SMARTWAIT_LANGUAGES": " ES, en "}, func(c Config) any { return c.Languages.Languages() }, []string{"en", "es"}},
	{"SMARTWAIT_LANGUAGES one", nil, map[string]string{"SMARTWAIT_LANGUAGES": "en"}, func(c Config) any { return c.Languages.Supports("es") }, false},
	{"SMARTWAIT_DEFAULT_LANGUAGE", nil, map[string]string{"SMARTWAIT_DEFAULT_LANGUAGE": "es"}, func(c Config) any { return c.Languages.Languages() }, []string{"es", "en"}},
	{"SMARTWAIT_DEFAULT_LANGUAGE flag", []string{"--languages", "es", "--default-language", "es"}, nil, func(c Config) any { return c.Languages.Match("en-US") }, "es"},
	{"SMARTWAIT_DELAY_ALERT_MINUTES", nil, map[string]string{"SMARTWAIT_DELAY_ALERT_MINUTES": "0"}, func(c Config) any { return c.DelayAlertMinutes }, 0},
	{"SMARTWAIT_SMS_SHIFT_TABLES", nil, map[string]string{"SMARTWAIT_SMS_SHIFT_TABLES": "true"}, func(c Config) any { return c.SMSShiftTables }, true},
	{"SMARTWAIT_ADMIN_PASSWORD", nil, map[string]string{"SMARTWAIT_ADMIN_PASSWORD": "correct horse"}, func(c Config) any { return c.AdminPassword }, "correct horse"},
	{"SMARTWAIT_ADMIN_PASSWORD is not trimmed", nil, map[string]string{"SMARTWAIT_ADMIN_PASSWORD": " spaced out "}, func(c Config) any { return c.AdminPassword }, " spaced out "},
	{"SMARTWAIT_PHONE_REGION", nil, map[string]string{"SMARTWAIT_PHONE_REGION": "gb"}, func(c Config) any { return c.PhoneRegion }, "GB"},
	{"SMARTWAIT_SERVICE_MINUTES", nil, map[string]string{"SMARTWAIT_SERVICE_MINUTES": "7.5"}, func(c Config) any { return c.ServiceTime }, 7*time.Minute + 30*time.Second},
	{"SMARTWAIT_ROOMS", nil, map[string]string{"SMARTWAIT_ROOMS": "4"}, func(c Config) any { return c.Rooms }, 4},
	{"--rooms", []string{"--rooms=2"}, map[string]string{"SMARTWAIT_ROOMS": "4"}, func(c Config) any { return c.Rooms }, 2},
	{"SMARTWAIT_GET_READY_POSITION", nil, map[string]string{"SMARTWAIT_GET_READY_POSITION": "0"}, func(c Config) any { return c.GetReadyPosition }, 0},
	{"SMARTWAIT_FOLLOW_UP_AFTER", nil, map[string]string{"SMARTWAIT_FOLLOW_UP_AFTER": "90s"}, func(c Config) any { return c.FollowUpAfter }, 90 * time.Second},
	{"SMARTWAIT_FOLLOW_UP_AFTER off", nil, map[string]string{"SMARTWAIT_FOLLOW_UP_AFTER": "0"}, func(c Config) any { return c.FollowUpAfter }, time.Duration(0)},
	{"SMARTWAIT_CHECKIN_RATE_LIMIT", nil, map[string]string{"SMARTWAIT_CHECKIN_RATE_LIMIT": "0"}, func(c Config) any { return c.CheckinPerMinute }, 0},
	{"SMARTWAIT_KIOSK_DEVICES_PER_IP", nil, map[string]string{"SMARTWAIT_KIOSK_DEVICES_PER_IP": "0"}, func(c Config) any { return c.KioskDevices }, 0},
	{"SMARTWAIT_LOGIN_RATE_LIMIT", nil, map[string]string{"SMARTWAIT_LOGIN_RATE_LIMIT": "3"}, func(c Config) any { return c.LoginPerMinute }, 3},
	{"SMARTWAIT_SMS_COUNTRIES regions", nil, map[string]string{"SMARTWAIT_SMS_COUNTRIES": "us, ca"}, func(c Config) any { return c.SMSCountries.String() }, "US (+1), CA (+1)"},
	{"SMARTWAIT_SMS_COUNTRIES calling codes", nil, map[string]string{"SMARTWAIT_SMS_COUNTRIES": "1,+44"}, func(c Config) any { return c.SMSCountries.String() }, "+1, +44"},
	{"--sms-countries", []string{"--sms-countries=GB"}, map[string]string{"SMARTWAIT_SMS_COUNTRIES": "US"}, func(c Config) any { return c.SMSCountries.String() }, "GB (+44)"},
	{"SMARTWAIT_SMS_COUNTRIES unset", nil, nil, func(c Config) any { return c.SMSCountries.IsZero() }, true},
	{"SMARTWAIT_CHECKINS_PER_PHONE", nil, map[string]string{"SMARTWAIT_CHECKINS_PER_PHONE": "0"}, func(c Config) any { return c.CheckinsPerPhone }, 0},
	{"--checkins-per-phone", []string{"--checkins-per-phone=5"}, nil, func(c Config) any { return c.CheckinsPerPhone }, 5},
	{"SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE", nil, map[string]string{"SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE": "0"}, func(c Config) any { return c.ConfirmationsPerMinute }, 0},
	{"--sms-confirmations-per-minute", []string{"--sms-confirmations-per-minute=200"}, nil, func(c Config) any { return c.ConfirmationsPerMinute }, 200},
	{"SMARTWAIT_WEBHOOK_MAX_ENDPOINTS", nil, map[string]string{"SMARTWAIT_WEBHOOK_MAX_ENDPOINTS": "3"}, func(c Config) any { return c.WebhookMaxEndpoints }, 3},
	{"--webhook-allow-private", []string{"--webhook-allow-private=true"}, nil, func(c Config) any { return c.WebhookAllowPrivate }, true},
	{"SMARTWAIT_WEBHOOK_ALLOW_PRIVATE", nil, map[string]string{"SMARTWAIT_WEBHOOK_ALLOW_PRIVATE": "true"}, func(c Config) any { return c.WebhookAllowPrivate }, true},
	{"SMARTWAIT_WEBHOOK_TIMEOUT", nil, map[string]string{"SMARTWAIT_WEBHOOK_TIMEOUT": "2s"}, func(c Config) any { return c.WebhookTimeout }, 2 * time.Second},
	{"SMARTWAIT_TRUST_PROXY", nil, map[string]string{"SMARTWAIT_TRUST_PROXY": "true"}, func(c Config) any { return c.TrustProxy }, true},
	{"SMARTWAIT_BCRYPT_COST", nil, map[string]string{"SMARTWAIT_BCRYPT_COST": "4"}, func(c Config) any { return c.BcryptCost }, 4},
	{"SMARTWAIT_RETENTION_DAYS forever", nil, map[string]string{"SMARTWAIT_RETENTION_DAYS": "0"}, func(c Config) any { return c.RetentionDays }, 0},
	{"--retention-days", []string{"--retention-days=365"}, map[string]string{"SMARTWAIT_RETENTION_DAYS": "7"}, func(c Config) any { return c.RetentionDays }, 365},
	{"SMARTWAIT_SSE_HEARTBEAT", nil, map[string]string{"SMARTWAIT_SSE_HEARTBEAT": "1s"}, func(c Config) any { return c.SSEHeartbeat }, time.Second},
	{"SMARTWAIT_SHUTDOWN_TIMEOUT", nil, map[string]string{"SMARTWAIT_SHUTDOWN_TIMEOUT": "5s"}, func(c Config) any { return c.ShutdownTimeout }, 5 * time.Second},
	{"--shutdown-timeout", []string{"--shutdown-timeout", "1m"}, nil, func(c Config) any { return c.ShutdownTimeout }, time.Minute},
	{"SMARTWAIT_HEALTH_WRITE_TIMEOUT", nil, map[string]string{"SMARTWAIT_HEALTH_WRITE_TIMEOUT": "250ms"}, func(c Config) any { return c.HealthWriteTimeout }, 250 * time.Millisecond},
	{"--health-write-timeout", []string{"--health-write-timeout", "2s"}, nil, func(c Config) any { return c.HealthWriteTimeout }, 2 * time.Second},
	{"SMARTWAIT_SOCKET_QUEUE", nil, map[string]string{"SMARTWAIT_SOCKET_QUEUE": "64"}, func(c Config) any { return c.SocketQueue }, 64},
	{"--socket-queue", []string{"--socket-queue", "1024"}, nil, func(c Config) any { return c.SocketQueue }, 1024},
	{"SMARTWAIT_COLLECT_AFTER", nil, map[string]string{"SMARTWAIT_COLLECT_AFTER": "5000"}, func(c Config) any { return c.CollectAfter }, 5000},
	{"--collect-after never", []string{"--collect-after", "0"}, nil, func(c Config) any { return c.CollectAfter }, 0},
	{"SMARTWAIT_MEMORY_LIMIT", nil, map[string]string{"SMARTWAIT_MEMORY_LIMIT": "1GiB"}, func(c Config) any { return c.MemoryLimit }, int64(1 << 30)},
	{"SMARTWAIT_MEMORY_LIMIT off", nil, map[string]string{"SMARTWAIT_MEMORY_LIMIT": "0"}, func(c Config) any { return c.MemoryLimit }, int64(0)},
	{"--memory-limit bytes", []string{"--memory-limit", "100000000"}, nil, func(c Config) any { return c.MemoryLimit }, int64(100000000)},
	{"SMARTWAIT_BODY_TIMEOUT", nil, map[string]string{"SMARTWAIT_BODY_TIMEOUT": "5s"}, func(c Config) any { return c.BodyTimeout }, 5 * time.Second},
	{"--body-timeout", []string{"--body-timeout", "1m"}, nil, func(c Config) any { return c.BodyTimeout }, time.Minute},
	{"SMARTWAIT_REQUEST_TIMEOUT", nil, map[string]string{"SMARTWAIT_REQUEST_TIMEOUT": "2500ms"}, func(c Config) any { return c.RequestTimeout }, 2500 * time.Millisecond},
	{"--request-timeout", []string{"--request-timeout", "30s"}, nil, func(c Config) any { return c.RequestTimeout }, 30 * time.Second},
	{"SMARTWAIT_MAX_CONNECTIONS_PER_IP", nil, map[string]string{"SMARTWAIT_MAX_CONNECTIONS_PER_IP": "0"}, func(c Config) any { return c.MaxConnectionsPerIP }, 0},
	{"SMARTWAIT_CAP_LOOPBACK", nil, map[string]string{"SMARTWAIT_CAP_LOOPBACK": "true"}, func(c Config) any { return c.CapLoopback }, true},
	{"SMARTWAIT_COMMIT_GATHER", nil, map[string]string{"SMARTWAIT_COMMIT_GATHER": "0"}, func(c Config) any { return c.CommitGather }, time.Duration(0)},
	{"--commit-gather", []string{"--commit-gather", "2ms"}, nil, func(c Config) any { return c.CommitGather }, 2 * time.Millisecond},
	{"--cap-loopback", []string{"--cap-loopback=true"}, nil, func(c Config) any { return c.CapLoopback }, true},
	{"SMARTWAIT_MAX_CONNECTIONS", []string{"--max-connections", "500"}, nil, func(c Config) any { return c.MaxConnections }, 500},
	{"SMARTWAIT_TIMEZONE", nil, map[string]string{"SMARTWAIT_TIMEZONE": "Europe/Paris"}, func(c Config) any { return c.Location }, mustLocation("Europe/Paris")},
	{"SMARTWAIT_LOG_LEVEL", nil, map[string]string{"SMARTWAIT_LOG_LEVEL": "debug"}, func(c Config) any { return c.LogLevel }, slog.LevelDebug},
	{"SMARTWAIT_PPROF_ADDR", nil, map[string]string{"SMARTWAIT_PPROF_ADDR": "127.0.0.1:6060"}, func(c Config) any { return c.PprofAddr }, "127.0.0.1:6060"},
	{"--pprof-addr ::1", []string{"--pprof-addr", "[::1]:0"}, nil, func(c Config) any { return c.PprofAddr }, "[::1]:0"},
	{"--pprof-addr localhost", []string{"--pprof-addr", "localhost:6060"}, nil, func(c Config) any { return c.PprofAddr }, "localhost:6060"},
}

var errorCases = []configCase{
	{"SMARTWAIT_PPROF_ADDR wildcard", nil, map[string]string{"SMARTWAIT_PPROF_ADDR": ":6060"}, nil, `invalid SMARTWAIT_PPROF_ADDR ":6060": must be a loopback address`},
	{"SMARTWAIT_PPROF_ADDR public", nil, map[string]string{"SMARTWAIT_PPROF_ADDR": "0.0.0.0:6060"}, nil, `invalid SMARTWAIT_PPROF_ADDR "0.0.0.0:6060": must be a loopback address`},
	{"--pprof-addr name", []string{"--pprof-addr", "clinic.example:6060"}, nil, nil, `invalid --pprof-addr "clinic.example:6060": must be a loopback address`},
	{"SMARTWAIT_PPROF_ADDR no port", nil, map[string]string{"SMARTWAIT_PPROF_ADDR": "127.0.0.1"}, nil, `invalid SMARTWAIT_PPROF_ADDR "127.0.0.1": must be host:port`},
	{"SMARTWAIT_WEBHOOK_MAX_ENDPOINTS zero", nil, map[string]string{"SMARTWAIT_WEBHOOK_MAX_ENDPOINTS": "0"}, nil, `invalid SMARTWAIT_WEBHOOK_MAX_ENDPOINTS "0"`},
	{"SMARTWAIT_WEBHOOK_ALLOW_PRIVATE word", nil, map[string]string{"SMARTWAIT_WEBHOOK_ALLOW_PRIVATE": "maybe"}, nil, `invalid SMARTWAIT_WEBHOOK_ALLOW_PRIVATE "maybe"`},
	{"SMARTWAIT_WEBHOOK_TIMEOUT long", nil, map[string]string{"SMARTWAIT_WEBHOOK_TIMEOUT": "5m"}, nil, `invalid SMARTWAIT_WEBHOOK_TIMEOUT "5m"`},
	{"PORT word", nil, map[string]string{"PORT": "http"}, nil, `invalid PORT "http"`},
	{"PORT range", nil, map[string]string{"PORT": "70000"}, nil, `invalid PORT "70000"`},
	{"--addr no port", []string{"--addr", "localhost"}, nil, nil, `invalid --addr "localhost"`},
	{"--addr bad port", []string{"--addr", ":x"}, nil, nil, `invalid --addr ":x"`},
	{"DATABASE_URL postgres bad port", nil, map[string]string{"DATABASE_URL": "postgres://u:s3cret@h:port/db"}, nil, `invalid DATABASE_URL "(hidden)": must be postgres://`},
	{"DATABASE_URL postgres no host", nil, map[string]string{"DATABASE_URL": "postgres:///db"}, nil, `invalid DATABASE_URL "postgres:///db": must be postgres://`},
	{"DATABASE_URL scheme", nil, map[string]string{"DATABASE_URL": "mysql://h/db"}, nil, `invalid DATABASE_URL "mysql://h/db"`},
	{"DATABASE_URL query", nil, map[string]string{"DATABASE_URL": "sqlite:///x.db?mode=ro"}, nil, `invalid DATABASE_URL`},
	{"--database-url", []string{"--database-url", "ftp://x"}, nil, nil, `invalid --database-url "ftp://x"`},
	{"REDIS_URL scheme", nil, map[string]string{"REDIS_URL": "http://h"}, nil, `invalid REDIS_URL "http://h": must be redis://`},
	{"REDIS_URL database", nil, map[string]string{"REDIS_URL": "redis://:pw@127.0.0.1:6379/zero"}, nil, `invalid REDIS_URL "redis://:xxxxx@127.0.0.1:6379/zero": must be redis://`},
	{"REDIS_URL cluster addr without port", nil, map[string]string{"REDIS_URL": "redis://:pw@10.0.0.1:7000?addr=10.0.0.2"}, nil,
		`invalid REDIS_URL "redis://:xxxxx@10.0.0.1:7000?addr=10.0.0.2": must be redis://[user:pass@]host:port?addr=host2:port2&addr=... for a Redis Cluster, each addr a host:port and no other parameter`},
	{"REDIS_URL cluster unknown parameter", nil, map[string]string{"REDIS_URL": "redis://10.0.0.1:7000?addr=10.0.0.2:7000&cluster=yes"}, nil,
		`invalid REDIS_URL "redis://10.0.0.1:7000?addr=10.0.0.2:7000&cluster=yes": must be redis://[user:pass@]host:port?addr=`},
	{"REDIS_URL cluster database", nil, map[string]string{"REDIS_URL": "redis://10.0.0.1:7000/3?addr=10.0.0.2:7000"}, nil,
		`invalid REDIS_URL "redis://10.0.0.1:7000/3?addr=10.0.0.2:7000": must be redis://[user:pass@]host:port?addr=host2:port2&addr=... for a Redis Cluster, which has only database 0`},
	{"ALLOWED_ORIGINS path", nil, map[string]string{"ALLOWED_ORIGINS": "https://a.example/app"}, nil, `invalid ALLOWED_ORIGINS`},
	{"ALLOWED_ORIGINS star", nil, map[string]string{"ALLOWED_ORIGINS": "*"}, nil, `invalid ALLOWED_ORIGINS "*"`},
	{"TWILIO_ACCOUNT_SID alone", nil, map[string]string{"TWILIO_ACCOUNT_SID": "AC1"}, nil, `invalid TWILIO_AUTH_TOKEN: required`},
	{"TWILIO_PHONE_NUMBER missing", nil, map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, nil, `invalid TWILIO_PHONE_NUMBER: required`},
	{"TWILIO_PHONE_NUMBER not E.164", nil, map[string]string{"TWILIO_PHONE_NUMBER": "555-1234"}, nil, `invalid TWILIO_PHONE_NUMBER "555-1234"`},
	{"TWILIO_API_URL", nil, map[string]string{"TWILIO_API_URL": "api.twilio.com"}, nil, `invalid TWILIO_API_URL "api.twilio.com"`},
	{"SMARTWAIT_PUBLIC_URL", nil, map[string]string{"SMARTWAIT_PUBLIC_URL": "clinic.example"}, nil, `invalid SMARTWAIT_PUBLIC_URL "clinic.example"`},
	{"SMARTWAIT_CLINIC_NAME long", nil, map[string]string{"SMARTWAIT_CLINIC_NAME": strings.Repeat("x", 61)}, nil, `invalid SMARTWAIT_CLINIC_NAME`},
	{"SMARTWAIT_CLINIC_NAME control", nil, map[string]string{"SMARTWAIT_CLINIC_NAME": "a\x07b"}, nil, `invalid SMARTWAIT_CLINIC_NAME`},
	{"SMARTWAIT_LANGUAGES unknown", nil, map[string]string{"SMARTWAIT_LANGUAGES": "en,xx"}, nil, `invalid SMARTWAIT_LANGUAGES "en,xx": no catalogue for "xx"`},
	{"SMARTWAIT_LANGUAGES twice", nil, map[string]string{"SMARTWAIT_LANGUAGES": "en,es,EN"}, nil, `invalid SMARTWAIT_LANGUAGES "en,es,EN": "en" is listed twice`},
	{"SMARTWAIT_LANGUAGES empty", nil, map[string]string{"SMARTWAIT_LANGUAGES": " , "}, nil, `invalid SMARTWAIT_LANGUAGES`},
	{"SMARTWAIT_DEFAULT_LANGUAGE not enabled", nil, map[string]string{"SMARTWAIT_LANGUAGES": "es", "SMARTWAIT_DEFAULT_LANGUAGE": "en"}, nil, `invalid SMARTWAIT_DEFAULT_LANGUAGE "en": must be one of SMARTWAIT_LANGUAGES (es)`},
	{"SMARTWAIT_DELAY_ALERT_MINUTES", nil, map[string]string{"SMARTWAIT_DELAY_ALERT_MINUTES": "241"}, nil, `invalid SMARTWAIT_DELAY_ALERT_MINUTES "241"`},
	{"SMARTWAIT_SMS_SHIFT_TABLES", nil, map[string]string{"SMARTWAIT_SMS_SHIFT_TABLES": "maybe"}, nil, `invalid SMARTWAIT_SMS_SHIFT_TABLES "maybe"`},
	{"SMARTWAIT_ADMIN_PASSWORD short", nil, map[string]string{"SMARTWAIT_ADMIN_PASSWORD": "short"}, nil, `invalid SMARTWAIT_ADMIN_PASSWORD "(hidden)": must be 8-72 bytes`},
	{"SMARTWAIT_ADMIN_PASSWORD long", nil, map[string]string{"SMARTWAIT_ADMIN_PASSWORD": strings.Repeat("p", 73)}, nil, `invalid SMARTWAIT_ADMIN_PASSWORD "(hidden)"`},
	{"SMARTWAIT_PHONE_REGION", nil, map[string]string{"SMARTWAIT_PHONE_REGION": "XX"}, nil, `invalid SMARTWAIT_PHONE_REGION "XX"`},
	{"SMARTWAIT_SERVICE_MINUTES zero", nil, map[string]string{"SMARTWAIT_SERVICE_MINUTES": "0"}, nil, `invalid SMARTWAIT_SERVICE_MINUTES "0"`},
	{"SMARTWAIT_SERVICE_MINUTES word", nil, map[string]string{"SMARTWAIT_SERVICE_MINUTES": "fifteen"}, nil, `invalid SMARTWAIT_SERVICE_MINUTES "fifteen"`},
	{"SMARTWAIT_ROOMS zero", nil, map[string]string{"SMARTWAIT_ROOMS": "0"}, nil, `invalid SMARTWAIT_ROOMS "0": must be a whole number from 1 to 1000`},
	{"--rooms", []string{"--rooms", "-1"}, nil, nil, `invalid --rooms "-1"`},
	{"SMARTWAIT_GET_READY_POSITION", nil, map[string]string{"SMARTWAIT_GET_READY_POSITION": "3.5"}, nil, `invalid SMARTWAIT_GET_READY_POSITION "3.5"`},
	{"SMARTWAIT_FOLLOW_UP_AFTER unitless", nil, map[string]string{"SMARTWAIT_FOLLOW_UP_AFTER": "10"}, nil, `invalid SMARTWAIT_FOLLOW_UP_AFTER "10"`},
	{"SMARTWAIT_FOLLOW_UP_AFTER negative", nil, map[string]string{"SMARTWAIT_FOLLOW_UP_AFTER": "-1m"}, nil, `invalid SMARTWAIT_FOLLOW_UP_AFTER "-1m"`},
	{"SMARTWAIT_CHECKIN_RATE_LIMIT", nil, map[string]string{"SMARTWAIT_CHECKIN_RATE_LIMIT": "-5"}, nil, `invalid SMARTWAIT_CHECKIN_RATE_LIMIT "-5"`},
	{"SMARTWAIT_KIOSK_DEVICES_PER_IP", nil, map[string]string{"SMARTWAIT_KIOSK_DEVICES_PER_IP": "1001"}, nil, `invalid SMARTWAIT_KIOSK_DEVICES_PER_IP "1001"`},
	{"SMARTWAIT_LOGIN_RATE_LIMIT", nil, map[string]string{"SMARTWAIT_LOGIN_RATE_LIMIT": "many"}, nil, `invalid SMARTWAIT_LOGIN_RATE_LIMIT "many"`},
	{"SMARTWAIT_SMS_COUNTRIES region", nil, map[string]string{"SMARTWAIT_SMS_COUNTRIES": "US,UK"}, nil, `invalid SMARTWAIT_SMS_COUNTRIES "US,UK": "UK" is not a region code`},
	{"SMARTWAIT_SMS_COUNTRIES code", nil, map[string]string{"SMARTWAIT_SMS_COUNTRIES": "+999"}, nil, `invalid SMARTWAIT_SMS_COUNTRIES "+999": "+999" is not a country calling code`},
	{"SMARTWAIT_SMS_COUNTRIES empty list", nil, map[string]string{"SMARTWAIT_SMS_COUNTRIES": ","}, nil, `invalid SMARTWAIT_SMS_COUNTRIES ",": no country given`},
	{"SMARTWAIT_CHECKINS_PER_PHONE", nil, map[string]string{"SMARTWAIT_CHECKINS_PER_PHONE": "-1"}, nil, `invalid SMARTWAIT_CHECKINS_PER_PHONE "-1": must be a whole number`},
	{"SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE", nil, map[string]string{"SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE": "lots"}, nil, `invalid SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE "lots": must be a whole number`},
	{"SMARTWAIT_TRUST_PROXY", nil, map[string]string{"SMARTWAIT_TRUST_PROXY": "yes"}, nil, `invalid SMARTWAIT_TRUST_PROXY "yes": must be true or false`},
	{"SMARTWAIT_BCRYPT_COST", nil, map[string]string{"SMARTWAIT_BCRYPT_COST": "3"}, nil, `invalid SMARTWAIT_BCRYPT_COST "3": must be a whole number from 4 to 16`},
	{"SMARTWAIT_RETENTION_DAYS", nil, map[string]string{"SMARTWAIT_RETENTION_DAYS": "3651"}, nil, `invalid SMARTWAIT_RETENTION_DAYS "3651": must be a whole number from 0 to 3650`},
	{"SMARTWAIT_RETENTION_DAYS negative", nil, map[string]string{"SMARTWAIT_RETENTION_DAYS": "-1"}, nil, `invalid SMARTWAIT_RETENTION_DAYS "-1": must be a whole number from 0 to 3650`},
	{"SMARTWAIT_COMMIT_GATHER", nil, map[string]string{"SMARTWAIT_COMMIT_GATHER": "1s"}, nil, `invalid SMARTWAIT_COMMIT_GATHER "1s": must be a duration from 0s to 10ms, e.g. 30s`},
	{"SMARTWAIT_CAP_LOOPBACK", nil, map[string]string{"SMARTWAIT_CAP_LOOPBACK": "sometimes"}, nil, `invalid SMARTWAIT_CAP_LOOPBACK "sometimes": must be true or false`},
	{"SMARTWAIT_MAX_CONNECTIONS_PER_IP", nil, map[string]string{"SMARTWAIT_MAX_CONNECTIONS_PER_IP": "-1"}, nil, `invalid SMARTWAIT_MAX_CONNECTIONS_PER_IP "-1": must be a whole number from 0 to 1000000`},
	{"SMARTWAIT_MAX_CONNECTIONS", nil, map[string]string{"SMARTWAIT_MAX_CONNECTIONS": "lots"}, nil, `invalid SMARTWAIT_MAX_CONNECTIONS "lots"`},
	{"SMARTWAIT_SSE_HEARTBEAT", nil, map[string]string{"SMARTWAIT_SSE_HEARTBEAT": "30s"}, nil, `invalid SMARTWAIT_SSE_HEARTBEAT "30s": must be a duration from 1s to 25s, e.g. 20s`},
	{"SMARTWAIT_SHUTDOWN_TIMEOUT", nil, map[string]string{"SMARTWAIT_SHUTDOWN_TIMEOUT": "500ms"}, nil, `invalid SMARTWAIT_SHUTDOWN_TIMEOUT "500ms": must be a duration from 1s to 10m, e.g. 20s`},
	{"SMARTWAIT_HEALTH_WRITE_TIMEOUT", nil, map[string]string{"SMARTWAIT_HEALTH_WRITE_TIMEOUT": "5s"}, nil, `invalid SMARTWAIT_HEALTH_WRITE_TIMEOUT "5s": must be a duration from 100ms to 2s, e.g. 1s`},
	{"SMARTWAIT_MEMORY_LIMIT too small", nil, map[string]string{"SMARTWAIT_MEMORY_LIMIT": "8MiB"}, nil, `invalid SMARTWAIT_MEMORY_LIMIT "8MiB": must be 0 or a size from 32MiB to 1TiB`},
	{"SMARTWAIT_MEMORY_LIMIT unit", nil, map[string]string{"SMARTWAIT_MEMORY_LIMIT": "64MB"}, nil, `invalid SMARTWAIT_MEMORY_LIMIT "64MB"`},
	{"SMARTWAIT_COLLECT_AFTER negative", nil, map[string]string{"SMARTWAIT_COLLECT_AFTER": "-1"}, nil, `invalid SMARTWAIT_COLLECT_AFTER "-1": must be a whole number from 0 to 10000000`},
	{"SMARTWAIT_SOCKET_QUEUE too small", nil, map[string]string{"SMARTWAIT_SOCKET_QUEUE": "1"}, nil, `invalid SMARTWAIT_SOCKET_QUEUE "1"`},
	{"SMARTWAIT_BODY_TIMEOUT unitless", nil, map[string]string{"SMARTWAIT_BODY_TIMEOUT": "30"}, nil, `invalid SMARTWAIT_BODY_TIMEOUT "30": must be a duration from 1s to 10m0s`},
	{"SMARTWAIT_BODY_TIMEOUT zero", nil, map[string]string{"SMARTWAIT_BODY_TIMEOUT": "0s"}, nil, `invalid SMARTWAIT_BODY_TIMEOUT "0s"`},
	{"SMARTWAIT_REQUEST_TIMEOUT short", nil, map[string]string{"SMARTWAIT_REQUEST_TIMEOUT": "100ms"}, nil, `invalid SMARTWAIT_REQUEST_TIMEOUT "100ms": must be a duration from 1s to 10m0s`},
	{"--request-timeout long", []string{"--request-timeout", "1h"}, nil, nil, `invalid --request-timeout "1h"`},
	{"SMARTWAIT_TIMEZONE", nil, map[string]string{"SMARTWAIT_TIMEZONE": "Mars/Olympus"}, nil, `invalid SMARTWAIT_TIMEZONE "Mars/Olympus"`},
	{"SMARTWAIT_LOG_LEVEL", nil, map[string]string{"SMARTWAIT_LOG_LEVEL": "verbose"}, nil, `invalid SMARTWAIT_LOG_LEVEL "verbose"`},
}

// TestParallelLinesOnPostgres: lines commit in parallel on PostgreSQL (row
// locks) and through one group commit on SQLite (one writer).
func TestParallelLinesOnPostgres(t *testing.T) {
	for url, want := range map[string]bool{
		"":                                 false,
		"sqlite:///tmp/x.db":               false,
		"postgres://u:p@localhost:5432/db": true,
	} {
		cfg, err := load(t, nil, map[string]string{"DATABASE_URL": url})
		if err != nil {
			t.Fatalf("%q: %v", url, err)
		}
		if got := queueConfig(cfg).ParallelLines; got != want {
			t.Errorf("DATABASE_URL=%q: ParallelLines = %v, want %v", url, got, want)
		}
	}
}
