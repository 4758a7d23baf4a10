package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServePublicURLFollowsBoundPort: without SMARTWAIT_PUBLIC_URL, a server on
// --addr :0 uses the port it really bound for its public URL, so the banner, the
// QR poster, the links in SMS and the Socket.IO origin allowance all name an
// address that answers, not the default port 3001.
func TestServePublicURLFollowsBoundPort(t *testing.T) {
	const pw = "open-the-clinic"
	srv := startServerArgs(t, []string{"serve", "--addr", ":0"}, map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "url.db"), "SMARTWAIT_ADMIN_PASSWORD": pw,
	})
	// The wildcard address is printed as localhost:PORT, and that is the public URL.
	public := srv.URL
	if !strings.HasPrefix(public, "http://localhost:") || strings.HasSuffix(public, ":3001") {
		t.Fatalf("listening on %s, want http://localhost:<free port>", public)
	}
	if banner := strings.Join(srv.Banner, "\n"); !strings.Contains(banner, "Public URL "+public+" (links in SMS and QR codes)") {
		t.Errorf("banner does not give the bound public URL %s:\n%s", public, banner)
	}
	// Requests go to 127.0.0.1, so only the public URL makes localhost an allowed origin.
	loopback := strings.Replace(public, "localhost", "127.0.0.1", 1)

	resp, err := http.Get(loopback + "/qr")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), public+"/checkin") {
		t.Errorf("the QR poster does not point at %s/checkin:\n%.2000s", public, page)
	}

	req, err := http.NewRequest("GET", loopback+"/socket.io/?EIO=4&transport=polling", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", public)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(hs), `"sid"`) {
		t.Errorf("Socket.IO handshake from the public URL's origin: status %d %s, want 200 with a sid", resp.StatusCode, hs)
	}

	c := &client{tb: t, base: loopback}
	var patient struct {
		PatientID string `json:"patientId"`
	}
	c.must(http.StatusCreated, "POST", "/api/checkin", map[string]string{"name": "Ann Lee", "phone": "+14155552671", "appointmentTime": "09:30"}, &patient)
	var login struct {
		Token string `json:"token"`
	}
	c.must(http.StatusOK, "POST", "/api/staff/login", map[string]string{"username": "admin", "password": pw}, &login)
	staff := &client{tb: t, base: loopback, token: login.Token}
	var texts []struct {
		Body string `json:"body"`
	}
	staff.must(http.StatusOK, "GET", "/api/staff/notifications?patientId="+patient.PatientID, nil, &texts)
	if len(texts) == 0 {
		t.Fatal("no text was written for the check-in")
	}
	if link := public + "/status/" + patient.PatientID; !strings.Contains(texts[0].Body, link) {
		t.Errorf("the check-in text %q does not link to %s", texts[0].Body, link)
	}
}
