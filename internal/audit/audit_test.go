package audit_test

import (
	"strings"
	"testing"

	"smartwait/internal/audit"
)

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"+14155552671": "…71", "+4915112345678": "…78", "7": "…", "": "…"} {
		if got := audit.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKnown(t *testing.T) {
	for _, a := range audit.Actions {
		if !audit.Known(a) {
			t.Errorf("%s is not Known", a)
		}
	}
	for _, a := range []audit.Action{"", "LOGIN", "drop_table"} {
		if audit.Known(a) {
			t.Errorf("%q is Known", a)
		}
	}
}

func TestClean(t *testing.T) {
	e := audit.Entry{Actor: "a\x00b\r\nc\u202ed\u200be", Detail: strings.Repeat("é", 400), Result: "ok\xff"}.Clean()
	if e.Actor != "abcde" {
		t.Errorf("actor %q", e.Actor)
	}
	if n := len([]rune(e.Detail)); n != audit.MaxDetail || !strings.HasSuffix(e.Detail, "…") {
		t.Errorf("detail of %d characters, ending %q", n, e.Detail[len(e.Detail)-3:])
	}
	if e.Result != "ok\uFFFD" {
		t.Errorf("invalid UTF-8 kept: %q", e.Result)
	}
}
