package main

import (
	"strings"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 200; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if got := pct(ds, 0.50); got != 100 {
		t.Errorf("p50 of 1..200 ms = %v, want 100", got)
	}
	if got := pct(ds, 0.99); got != 198 {
		t.Errorf("p99 of 1..200 ms = %v, want 198", got)
	}
	if got := pct(nil, 0.99); got != 0 {
		t.Errorf("p99 of nothing = %v, want 0", got)
	}
}

func TestSummarizeTakesMediansPerLabel(t *testing.T) {
	in := `{"label":"one","rate":100,"cpu":{"instance0":0.5,"postgres":0.4},"loadBefore":1,"loadAfter":2}
{"label":"two","rate":900,"cpu":{"instance0":0.3,"instance1":0.3},"loadBefore":3,"loadAfter":3}
{"label":"one","rate":300,"cpu":{"instance0":0.7,"postgres":0.6},"loadBefore":1.5,"loadAfter":1}
{"label":"one","rate":200,"cpu":{"instance0":0.6,"postgres":0.5},"loadBefore":1,"loadAfter":4}
`
	var out strings.Builder
	if err := summarize(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(rows) != 4 {
		t.Fatalf("want a header, a rule and 2 rows, got:\n%s", out.String())
	}
	if !strings.HasPrefix(rows[2], "| one | 3 | **200** (100, 300, 200) |") || !strings.Contains(rows[2], "| 0.60 · 0.50 ·") || !strings.HasSuffix(rows[2], "| 1.0–4.0 |") {
		t.Errorf("row of one: %s", rows[2])
	}
	if !strings.HasPrefix(rows[3], "| two | 1 | **900** (900) |") || !strings.Contains(rows[3], "| 0.60 · 0.00 ·") {
		t.Errorf("row of two (instances summed): %s", rows[3])
	}
	if err := summarize(strings.NewReader("not json\n"), &out); err == nil {
		t.Error("a bad line was accepted")
	}
}
