package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(tb testing.TB) (master, slave *os.File) {
	tb.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		tb.Fatalf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		tb.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// TestStaffAddPromptsWithoutEcho runs `staff add` on a real terminal: it prompts
// twice, and what is typed at the prompts is not echoed back.
func TestStaffAddPromptsWithoutEcho(t *testing.T) {
	master, slave := openPTY(t)
	screen := &syncBuffer{}
	go func() {
		b := make([]byte, 256)
		for {
			n, err := master.Read(b)
			screen.Write(b[:n])
			if err != nil {
				return
			}
		}
	}()

	db := filepath.Join(t.TempDir(), "tty.db")
	done := make(chan error, 1)
	go func() {
		var out bytes.Buffer
		vars := withFastHashes(map[string]string{"DATABASE_URL": db})
		done <- run(context.Background(), []string{"staff", "add", "nurse"}, env(vars), slave, &out, slave)
	}()

	const secret = "typed-at-prompt-1"
	for _, prompt := range []string{"Password for nurse: ", "Repeat it: "} {
		waitFor(t, func() bool { return strings.Contains(screen.String(), prompt) && !echoOn(t, slave) }, "prompt "+prompt+" with echo off")
		if _, err := master.WriteString(secret + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("staff add: %v\nscreen: %q", err, screen.String())
	}
	if strings.Contains(screen.String(), secret) {
		t.Errorf("the password was echoed: %q", screen.String())
	}
	if !echoOn(t, slave) {
		t.Error("echo was not restored")
	}
	if _, err := login(t, db, "nurse", secret); err != nil {
		t.Errorf("login with the typed password: %v", err)
	}
}

func echoOn(tb testing.TB, f *os.File) bool {
	tb.Helper()
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		tb.Fatal(err)
	}
	return t.Lflag&unix.ECHO != 0
}

// waitFor polls cond until it holds, failing after a generous deadline: it waits
// for a state, it does not time anything.
func waitFor(tb testing.TB, cond func() bool, what string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
