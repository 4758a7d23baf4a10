package web

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// metricsText scrapes /metrics through the real stack.
func (h *harness) metricsText() string {
	h.tb.Helper()
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// series counts the series of one metric family in a /metrics scrape.
func series(scrape, family string) int {
	n := 0
	for _, line := range strings.Split(scrape, "\n") {
		if strings.HasPrefix(line, family+"{") {
			n++
		}
	}
	return n
}

// Any token is a valid HTTP method: a client must not be able to mint one metric
// series per request by inventing methods.
func TestRandomMethodsDoNotGrowMetrics(t *testing.T) {
	h := newHarness(t)
	for i := range 2000 {
		h.do(fmt.Sprintf("M%dX", i), "/api/checkin", "")
	}
	scrape := h.metricsText()
	// One series per (method label, route, code): here "other" × POST /api/checkin
	// or unmatched × 405, plus the GET /metrics scrape itself.
	if n := series(scrape, "smartwait_http_requests_total"); n > 4 {
		t.Fatalf("2,000 invented methods made %d request series, want a handful:\n%s", n, scrape)
	}
	if !strings.Contains(scrape, `method="other"`) {
		t.Fatalf("invented methods are not counted as other:\n%s", scrape)
	}
	if strings.Contains(scrape, "M1999X") {
		t.Fatal("an invented method reached /metrics")
	}
}

func TestHugeMethodStaysOutOfMetricsAndLogs(t *testing.T) {
	h := newHarness(t)
	huge := strings.Repeat("Q", 64<<10)
	res := h.do(huge, "/api/checkin", "")
	if res.Code != 405 {
		t.Fatalf("status %d, want 405: %.200s", res.Code, res.Raw)
	}
	needle := huge[:100]
	if strings.Contains(res.Raw, needle) {
		t.Fatal("the method is echoed in the response")
	}
	if strings.Contains(h.metricsText(), needle) {
		t.Fatal("the method is in /metrics")
	}
	if strings.Contains(h.logs.String(), needle) {
		t.Fatal("the method is in the log")
	}
	if !strings.Contains(h.logs.String(), `"method":"other"`) {
		t.Fatalf("the access log does not name the method other:\n%.500s", h.logs.String())
	}
}

// The path is logged at DEBUG (it may hold a patient id); even there a client
// must not be able to write kilobytes per request into the log.
func TestLongPathIsCappedInTheLog(t *testing.T) {
	logs := &syncBuffer{}
	h := newHarness(t, func(d *Deps) {
		d.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	long := "/api/" + strings.Repeat("é", 32<<10) // 64 KiB of two-byte characters
	h.do("GET", long, "").wantError(t, 404, codeNotFound)
	out := logs.String()
	if !strings.Contains(out, `"path":"/api/é`) || !strings.Contains(out, fmt.Sprintf("(%d bytes)", len(long))) {
		t.Fatalf("the path line is missing or not marked as cut:\n%.2000s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if len(line) > 2*maxLogField+512 {
			t.Fatalf("a log line of %d bytes: %.300s…", len(line), line)
		}
	}
}

func TestLogFieldCutsOnCharacterBoundaries(t *testing.T) {
	for _, s := range []string{"", "short", strings.Repeat("a", maxLogField), strings.Repeat("€", 200), strings.Repeat("x", 1<<20)} {
		got := logField(s)
		if len(s) <= maxLogField {
			if got != s {
				t.Fatalf("logField changed a short value %q to %q", s, got)
			}
			continue
		}
		kept, _, _ := strings.Cut(got, "…(")
		if len(kept) > maxLogField || !strings.HasPrefix(s, kept) || !strings.HasSuffix(got, fmt.Sprintf("(%d bytes)", len(s))) {
			t.Fatalf("logField(%d bytes) = %.80q…", len(s), got)
		}
		if !utf8Valid(got) {
			t.Fatalf("logField split a character: %.80q", got)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
