package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"smartwait/internal/queue"
)

// post sends body with exactly the given Content-Type ("" sends none).
func (h *harness) post(path, contentType, body string, headers ...string) response {
	h.tb.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.serve(req)
}

// A cross-site page can make a browser POST text/plain or a form without a
// preflight: the JSON API must refuse every body that is not labelled JSON.
func TestJSONEndpointsRefuseOtherMediaTypes(t *testing.T) {
	h := newHarness(t)
	checkIn := `{"name":"Mallory","phone":"+14152000001","appointmentTime":"10:00"}`
	bearer := []string{"Authorization", "Bearer " + h.staff}
	tests := []struct {
		name, path, contentType, body string
		headers                       []string
	}{
		{"text/plain check-in", "/api/checkin", "text/plain", checkIn, nil},
		{"text/plain with charset", "/api/checkin", "text/plain;charset=UTF-8", checkIn, nil},
		{"form check-in", "/api/checkin", "application/x-www-form-urlencoded", "name=M&phone=%2B14152000001&appointmentTime=1", nil},
		{"multipart check-in", "/api/checkin", "multipart/form-data; boundary=x", checkIn, nil},
		{"no Content-Type", "/api/checkin", "", checkIn, nil},
		{"malformed Content-Type", "/api/checkin", "application/json; =;", checkIn, nil},
		{"text/plain login", "/api/staff/login", "text/plain", `{"username":"nurse","password":"correct horse"}`, nil},
		{"text/plain call-next", "/api/staff/call-next", "text/plain", `{"room":"2"}`, bearer},
		{"whitespace text/plain", "/api/staff/call-next", "text/plain", " ", bearer},
		{"form complete", "/api/staff/complete", "application/x-www-form-urlencoded", "patientId=x", bearer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.post(tt.path, tt.contentType, tt.body, tt.headers...).
				wantError(t, http.StatusUnsupportedMediaType, codeUnsupportedMedia)
			if res.Header.Get("Set-Cookie") != "" {
				t.Fatal("a refused request set a cookie")
			}
		})
	}
	if n := len(h.asStaff("GET", "/api/staff/queue", "").list(t, "data")); n != 0 {
		t.Fatalf("%d tickets after refused posts, want 0", n)
	}
}

func TestJSONEndpointsAcceptJSONAndEmptyBodies(t *testing.T) {
	h := newHarness(t)
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"} {
		body := `{"name":"Ana","phone":"` + phone(i) + `","appointmentTime":"10:00"}`
		h.post("/api/checkin", ct, body).want(t, http.StatusCreated)
	}
	// A bare POST has no body to mislabel: call-next's {room?} is optional, and
	// clients (curl -X POST, the e2e suites) send none, with or without a type.
	bearer := []string{"Authorization", "Bearer " + h.staff}
	for _, ct := range []string{"", "text/plain", "application/json"} {
		h.post("/api/staff/call-next", ct, "", bearer...).want(t, http.StatusOK)
	}
	h.post("/api/staff/call-next", "", "", bearer...).wantError(t, http.StatusNotFound, queue.CodeNoneWaiting)
}
