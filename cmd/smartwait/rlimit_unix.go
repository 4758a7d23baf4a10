//go:build unix

package main

import "syscall"

// raiseOpenFiles raises the process's soft RLIMIT_NOFILE to its hard limit
// and returns the limit now in force: every open stream or socket holds a
// descriptor, and a soft limit of 1,024 let one client's streams starve the
// API. (The Go runtime does the same at start; doing it here makes the limit
// explicit and reportable.) 0 means the limit could not be read.
func raiseOpenFiles() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = raised.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	return lim.Cur
}
