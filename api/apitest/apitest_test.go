package apitest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"smartwait/api/apitest"
)

func json(h http.Header) http.Header {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return h
}

const position = `{"success":true,"data":{"patientId":"0b0c7a58-0c2f-4a8e-9d4e-2f6f3b1f9a10","position":1,"status":"waiting",
"estimatedWait":0,"estimatedWaitMinutes":0,"estimatedWaitLow":0,"estimatedWaitHigh":0,"ticketNumber":"A-001",
"queueLength":1,"checkInTime":"2026-11-28T09:00:00.000Z","version":1,"line":"default"}}`

// TestCheckerCatchesDrift: the checks that keep the document honest fail on
// what drift looks like — a field the document does not name, a missing field,
// a wrong type, an undocumented status, an undocumented route, an event field.
func TestCheckerCatchesDrift(t *testing.T) {
	c, err := apitest.New()
	if err != nil {
		t.Fatal(err)
	}
	get := httptest.NewRequest("GET", "/api/position/0b0c7a58-0c2f-4a8e-9d4e-2f6f3b1f9a10", nil)
	if err := c.Response(get, 200, json(nil), []byte(position)); err != nil {
		t.Fatalf("a real response fails: %v", err)
	}
	bad := map[string]struct {
		req    *http.Request
		status int
		body   string
	}{
		"undocumented field": {get, 200, strings.Replace(position, `"version":1`, `"version":1,"secret":"x"`, 1)},
		"missing field":      {get, 200, strings.Replace(position, `"queueLength":1,`, ``, 1)},
		"wrong type":         {get, 200, strings.Replace(position, `"position":1`, `"position":"1"`, 1)},
		"bad timestamp":      {get, 200, strings.Replace(position, `09:00:00.000Z`, `09:00:00Z`, 1)},
		"undocumented code":  {get, 418, `{"success":false,"error":{"code":"NOT_FOUND","message":"x"}}`},
		"unknown error code": {get, 404, `{"success":false,"error":{"code":"NOPE","message":"x"}}`},
		"undocumented route": {httptest.NewRequest("GET", "/api/nope", nil), 200, `{"success":true,"data":null}`},
		"unknown route body": {httptest.NewRequest("GET", "/api/nope", nil), 404, `{"success":false,"error":{"code":"USER_NOT_FOUND","message":"x"}}`},
	}
	for name, tt := range bad {
		if err := c.Response(tt.req, tt.status, json(nil), []byte(tt.body)); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
	if err := c.Response(httptest.NewRequest("GET", "/api/nope", nil), 404, json(nil),
		[]byte(`{"success":false,"error":{"code":"NOT_FOUND","message":"No such route"}}`)); err != nil {
		t.Errorf("unknown route 404: %v", err)
	}

	ev := `{"type":"queue_update","queueLength":2,"nowServing":"A-001","timestamp":"2026-11-28T09:00:00.000Z","version":3,"line":"default"}`
	ev = strings.Replace(ev, `"queue_update"`, `"patient_called"`, 1)
	if err := c.Event("queue_update", []byte(ev)); err != nil {
		t.Fatalf("a real event fails: %v", err)
	}
	for name, p := range map[string]string{
		"public update naming a patient": strings.Replace(ev, `"queueLength"`, `"name":"Ann","queueLength"`, 1),
		"missing version":                strings.Replace(ev, `,"version":3`, ``, 1),
		"missing line":                   strings.Replace(ev, `,"line":"default"`, ``, 1),
	} {
		if err := c.Event("queue_update", []byte(p)); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
	if err := c.Event("no_such_event", []byte(`{}`)); err == nil {
		t.Error("an event without a schema passed")
	}
}
