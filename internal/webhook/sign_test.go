package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"smartwait/internal/webhook"
)

// verifySmartWait is the Go snippet of docs/integrations.md, copied verbatim
// between its markers (TestDocsSnippetIsTested checks the copy): what a
// receiver writes, checked here against what the sender signs.
//
// --- snippet start ---
func verifySmartWait(secret, header string, body []byte, tolerance time.Duration) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := time.Since(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return false // too old or from the future: a replay
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// --- snippet end ---

func TestSignatureMatchesDocsSnippet(t *testing.T) {
	body := []byte(`{"id":"e1","type":"ticket.created","clinic":"Riverside Clinic"}`)
	now := time.Now()
	h := webhook.Sign("whsec_abc", now, body)
	if !strings.HasPrefix(h, "t="+strconv.FormatInt(now.Unix(), 10)+",v1=") {
		t.Fatalf("header = %q", h)
	}
	if !verifySmartWait("whsec_abc", h, body, 5*time.Minute) {
		t.Error("the docs' snippet refuses the sender's signature")
	}
	if err := webhook.Verify("whsec_abc", h, body, now, webhook.DefaultTolerance); err != nil {
		t.Errorf("Verify: %v", err)
	}
	for name, tc := range map[string]struct {
		secret, header string
		body           []byte
		want           error
	}{
		"other secret":   {"whsec_other", h, body, webhook.ErrBadSignature},
		"changed body":   {"whsec_abc", h, append([]byte{' '}, body...), webhook.ErrBadSignature},
		"old (a replay)": {"whsec_abc", webhook.Sign("whsec_abc", now.Add(-6*time.Minute), body), body, webhook.ErrStale},
		"from the future": {"whsec_abc", webhook.Sign("whsec_abc", now.Add(6*time.Minute), body), body,
			webhook.ErrStale},
		"no timestamp": {"whsec_abc", "v1=00", body, webhook.ErrMalformed},
	} {
		if err := webhook.Verify(tc.secret, tc.header, tc.body, now, webhook.DefaultTolerance); !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", name, err, tc.want)
		}
		if verifySmartWait(tc.secret, tc.header, tc.body, 5*time.Minute) {
			t.Errorf("%s: the docs' snippet accepts it", name)
		}
	}
	// A fixed vector, computed outside Go:
	// printf '1767225600.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
	fixed := webhook.Sign("whsec_test", time.Unix(1767225600, 0), []byte(`{"a":1}`))
	if fixed != "t=1767225600,v1="+vector {
		t.Errorf("fixed vector: %s", fixed)
	}
}

// vector is HMAC-SHA256("whsec_test", `1767225600.{"a":1}`), from openssl.
const vector = "6d204545ff126a339c00513d93603299c984074ce1331c3537c3f6c976b49019"

// TestDocsHoldTheGoSnippet: docs/integrations.md shows verifySmartWait as
// this file has it, so the tested code is the documented code.
func TestDocsHoldTheGoSnippet(t *testing.T) {
	src, err := os.ReadFile("sign_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(src), "// --- snippet start ---\n")
	snippet, _, _ := strings.Cut(after, "\n// --- snippet end ---")
	doc, err := os.ReadFile("../../docs/integrations.md")
	if err != nil {
		t.Fatal(err)
	}
	if snippet = strings.TrimSpace(snippet); snippet == "" || !strings.Contains(string(doc), snippet) {
		t.Error("docs/integrations.md does not hold verifySmartWait as sign_test.go has it")
	}
}
