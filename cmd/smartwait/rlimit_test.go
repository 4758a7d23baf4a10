//go:build unix

package main

import (
	"syscall"
	"testing"
)

// TestRaiseOpenFiles lowers the soft open-files limit, then checks that
// raiseOpenFiles brings it back up to the hard limit and reports it.
func TestRaiseOpenFiles(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	low := orig
	low.Cur = min(orig.Max, 256)
	if low.Cur == orig.Max {
		t.Fatalf("hard limit %d leaves nothing to raise", orig.Max)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	got := raiseOpenFiles()
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil {
		t.Fatal(err)
	}
	if got != orig.Max || now.Cur != orig.Max {
		t.Errorf("raiseOpenFiles = %d, soft limit now %d; want both the hard limit %d", got, now.Cur, orig.Max)
	}
}
