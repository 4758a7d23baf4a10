//go:build !linux

package main

import (
	"bufio"
	"os"
	"strings"
)

// readNoEcho reads one line from the terminal f. Off Linux the echo stays on:
// SmartWait's servers run on Linux, and this keeps the build portable.
func readNoEcho(f *os.File) (string, error) {
	line, err := bufio.NewReader(f).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}

// isTerminal reports whether f is a character device: a terminal, or /dev/null,
// which then reads as an empty password and is refused.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
