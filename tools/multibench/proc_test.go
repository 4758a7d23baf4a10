package main

import "testing"

func TestParseStat(t *testing.T) {
	// A command name with a space and a parenthesis, as the kernel prints it.
	s := "4242 (post gres) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 150 30 20 20 0 1 0 123 0 0\n"
	self, children, ppid, err := parseStat(s)
	if err != nil {
		t.Fatal(err)
	}
	if self != 4 || children != 0.5 || ppid != 17 {
		t.Fatalf("got self %v children %v ppid %d, want 4, 0.5, 17", self, children, ppid)
	}
	if _, _, _, err := parseStat("12 (x) S 1 2"); err == nil {
		t.Fatal("a short line parsed")
	}
}

func TestParseCPULine(t *testing.T) {
	// user nice system idle iowait irq softirq steal: idle and iowait are not busy.
	busy, err := parseCPULine("cpu  100 10 50 9000 300 5 5 30 0 0")
	if err != nil {
		t.Fatal(err)
	}
	if busy != 2 {
		t.Fatalf("busy %v s, want 2", busy)
	}
	if _, err := parseCPULine("cpu0 1 2 3"); err == nil {
		t.Fatal("a per-core or short line parsed")
	}
}
