package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimulateCommand(t *testing.T) {
	getenv := func(string) string { return "" }
	run1 := func(args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"simulate"}, args...), getenv, strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	svg := filepath.Join(t.TempDir(), "day.svg")
	out, err := run1("--patients", "40", "--seed", "7", "--scenario", "drift", "--svg", svg)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	for _, want := range []string{`Scenario "drift", seed 7: 40 patients`, "SmartWait", "fixed 15 min", "Through the day"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "simulating [") {
		t.Error("progress bar drawn on a non-terminal")
	}
	img, err := os.ReadFile(svg)
	if err != nil || !bytes.HasPrefix(img, []byte("<svg")) || !bytes.Contains(img, []byte("</svg>")) {
		t.Errorf("SVG file: %v, %.60q", err, img)
	}

	out, err = run1("--json", "--patients", "25", "--rooms", "3", "--service-mean", "12", "--prior", "10")
	if err != nil {
		t.Fatalf("simulate --json: %v\n%s", err, out)
	}
	var res struct {
		Scenario struct {
			Patients, Rooms    int
			ServiceMean, Prior float64
		}
		Patients []struct {
			Quote int
			Wait  float64
		}
		SmartWait struct{ MAE float64 }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%.200s", err, out)
	}
	if res.Scenario.Patients != 25 || res.Scenario.Rooms != 3 || res.Scenario.ServiceMean != 12 || res.Scenario.Prior != 10 || len(res.Patients) != 25 {
		t.Errorf("JSON scenario %+v with %d patients", res.Scenario, len(res.Patients))
	}

	for _, args := range [][]string{{"--rooms", "0"}, {"--patients", "many"}, {"--scenario", "moon"}, {"--utilisation", "-1"}, {"extra"}} {
		if out, err := run1(args...); err == nil {
			t.Errorf("simulate %v succeeded:\n%s", args, out)
		}
	}
}
