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

	// A schedule: two rooms, one from 2 hours on; visits of 18 minutes from 3 h.
	out, err = run1("--json", "--patients", "30", "--rooms-schedule", "2@0,1@2h", "--service-step", "18@3h")
	if err != nil {
		t.Fatalf("simulate with schedules: %v\n%s", err, out)
	}
	var sched struct {
		Scenario struct {
			Rooms        int
			RoomSteps    []struct{ Value, At float64 }
			ServiceSteps []struct{ Value, At float64 }
		}
	}
	if err := json.Unmarshal([]byte(out), &sched); err != nil {
		t.Fatal(err)
	}
	if sc := sched.Scenario; sc.Rooms != 2 || len(sc.RoomSteps) != 2 || sc.RoomSteps[1].Value != 1 || sc.RoomSteps[1].At != 120 ||
		len(sc.ServiceSteps) != 1 || sc.ServiceSteps[0].Value != 18 || sc.ServiceSteps[0].At != 180 {
		t.Errorf("scenario with schedules: %+v", sc)
	}

	// Many days: one row per scenario, with the verdict on the targets.
	out, err = run1("--seeds", "1-2", "--scenario", "all", "--patients", "20")
	if err != nil {
		t.Fatalf("simulate --seeds: %v\n%s", err, out)
	}
	for _, name := range []string{"default", "room-closes", "bimodal", "appointments", "low-volume", "meets targets", "days ≤ 10%"} {
		if !strings.Contains(out, name) {
			t.Errorf("seeds report lacks %q:\n%s", name, out)
		}
	}

	for _, args := range [][]string{{"--rooms", "0"}, {"--patients", "many"}, {"--scenario", "moon"}, {"--utilisation", "-1"}, {"extra"},
		{"--scenario", "all"}, {"--seeds", "5-1"}, {"--rooms-schedule", "2@later"}, {"--service-step", "0@1h"}} {
		if out, err := run1(args...); err == nil {
			t.Errorf("simulate %v succeeded:\n%s", args, out)
		}
	}
}
