package web

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// The pages of several lines (issue 12, "Pages"): the check-in page's line
// picker, the kiosk, the staff's room picker and the display by line.

// TestCheckinLinePicker: one public line, no picker (today's page); several
// open, a picker with closed lines shown but not selectable; one open among
// several, sent without asking.
func TestCheckinLinePicker(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/checkin", "")
	wantPage(t, r, http.StatusOK)
	if strings.Contains(r.Raw, `name="line"`) || strings.Contains(r.Raw, `id="line-note"`) {
		t.Fatalf("a one-line clinic shows a line picker: %.2000s", r.Raw)
	}

	h.addLine("lab", "Lab", "L", nil)
	h.addLine("xray", "X-ray", "X", map[string]any{"hours": map[string]string{"mon": "08:00-12:00"}}) // the clock says Saturday
	h.addLine("doctor", "Doctor", "D", map[string]any{"public": false})
	r = h.do("GET", "/checkin", "")
	wantPage(t, r, http.StatusOK)
	for _, want := range []string{`<legend>Choose your line</legend>`, `value="default" required`, `value="lab" required`,
		`value="xray" disabled`, "opens Monday at 8:00 AM"} {
		if !strings.Contains(r.Raw, want) {
			t.Errorf("picker lacks %q", want)
		}
	}
	if strings.Contains(r.Raw, `value="doctor"`) {
		t.Error("a staff-only line is offered to patients")
	}

	form := func(line string) url.Values {
		v := url.Values{"name": {"Lena Lab"}, "phone": {phone(1)}, "appointmentTime": {"walk-in"}}
		if line != "" {
			v.Set("line", line)
		}
		return v
	}
	r = h.form("/checkin", form(""))
	wantPage(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Raw, `id="line-error"`) || !strings.Contains(r.Raw, "Choose the line you are here for") {
		t.Fatalf("no choice: %.3000s", r.Raw)
	}
	if !strings.Contains(r.Raw, `value="Lena Lab"`) {
		t.Error("the typed name is lost")
	}
	r = h.form("/checkin", form("lab"))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("check-in to lab: %d %.1000s", r.Code, r.Raw)
	}
	st := h.do("GET", "/api/position/"+strings.TrimPrefix(r.Header.Get("Location"), "/status/"), "").want(t, http.StatusOK)
	if got := st.str(t, "data.ticketNumber"); got != "L-001" {
		t.Fatalf("ticket %q, want L-001", got)
	}
	page := h.do("GET", r.Header.Get("Location"), "")
	if !strings.Contains(page.Raw, `data-line="lab"`) {
		t.Error("the status page does not say its line")
	}

	// One open line among several: no question, the line goes with the form.
	h.asAdmin("PATCH", "/api/staff/lines/default", `{"open":false}`).want(t, http.StatusOK)
	r = h.do("GET", "/checkin", "")
	if strings.Contains(r.Raw, `type="radio"`) || !strings.Contains(r.Raw, `<input type="hidden" name="line" value="lab">`) ||
		!strings.Contains(r.Raw, "checking in for <strong>Lab</strong>") || !strings.Contains(r.Raw, "X-ray: closed, opens Monday at 8:00 AM") {
		t.Fatalf("one open line: %.3000s", r.Raw)
	}
}

// TestKioskPage: the kiosk renders without inline code, gives the device a
// cookie once, and the QR code of a status page is never cached.
func TestKioskPage(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/kiosk", "")
	wantPage(t, r, http.StatusOK)
	for _, want := range []string{`id="kiosk-form"`, `<label for="kiosk-name">`, `<label for="kiosk-phone">`, `data-phone-required="true"`,
		`aria-live="assertive"`, `method="post"`, `id="kiosk-submit" disabled`} {
		if !strings.Contains(r.Raw, want) {
			t.Errorf("kiosk lacks %q", want)
		}
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("kiosk Cache-Control %q", got)
	}
	cs := (&http.Response{Header: http.Header{"Set-Cookie": r.Header.Values("Set-Cookie")}}).Cookies()
	if len(cs) != 1 || cs[0].Name != kioskCookie || len(cs[0].Value) != 32 || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode || cs[0].MaxAge <= 0 {
		t.Fatalf("device cookie %+v", cs)
	}
	if again := h.do("GET", "/kiosk", "", "Cookie", kioskCookie+"="+cs[0].Value); again.Header.Get("Set-Cookie") != "" {
		t.Errorf("a kiosk with a cookie got another: %q", again.Header.Get("Set-Cookie"))
	}
	if again := h.do("GET", "/kiosk", "", "Cookie", kioskCookie+"=made-up"); again.Header.Get("Set-Cookie") == "" {
		t.Error("a malformed device cookie is kept")
	}

	id := h.checkIn("Kim Kiosk", phone(1))
	q := h.do("GET", "/qr.png?status="+id, "")
	if q.Code != http.StatusOK || q.Header.Get("Content-Type") != "image/png" || q.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status QR: %d %q %q", q.Code, q.Header.Get("Content-Type"), q.Header.Get("Cache-Control"))
	}
	if _, err := png.Decode(bytes.NewReader([]byte(q.Raw))); err != nil {
		t.Fatal(err)
	}
	if got := h.server.pageURL("/status/" + id); got != testPublicURL+"/status/"+id {
		t.Fatalf("status URL %q", got)
	}
	if q := h.do("GET", "/qr.png?status=../../etc", ""); q.Code != http.StatusNotFound {
		t.Errorf("malformed id: %d", q.Code)
	}
}

// TestKioskRateLimitPerDevice: a kiosk's check-ins count against its device,
// not its address; at most Config.KioskDevices devices per address get a
// limit of their own, and a device is forgotten after kioskDeviceIdle.
func TestKioskRateLimitPerDevice(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.CheckinPerMinute, d.Config.KioskDevices = 2, DefaultKioskDevices })
	n := 0
	checkIn := func(device string) int {
		n++
		body := jsonOf(t, map[string]string{"name": "Pat " + itoa(n), "phone": phone(n), "appointmentTime": "walk-in"})
		var hs []string
		if device != "" {
			hs = []string{"Cookie", kioskCookie + "=" + device}
		}
		return h.do("POST", "/api/checkin", body, hs...).Code
	}
	dev := func(i int) string { return strings.Repeat(string(rune('a'+i)), 32) }
	want := func(device string, codes ...int) {
		t.Helper()
		for i, c := range codes {
			if got := checkIn(device); got != c {
				t.Fatalf("device %q, check-in %d: %d, want %d", device, i+1, got, c)
			}
		}
	}
	want(dev(0), 201, 201, 429)
	want("", 201, 201, 429) // the address's own limit is untouched by the kiosk
	want(dev(1), 201, 201, 429)
	want(dev(2), 201)
	want(dev(3), 201)
	want(dev(4), 429) // a fifth device behind one address counts as the address
	want(dev(0), 429)

	h.clock.Add(kioskDeviceIdle + time.Minute)
	want(dev(4), 201) // the others went idle: a device of its own again
}

// TestKioskDevicesOff: with SMARTWAIT_KIOSK_DEVICES_PER_IP=0 no device has a
// limit of its own: a kiosk's check-ins count against its address.
func TestKioskDevicesOff(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.CheckinPerMinute = 2 })
	for i, want := range []int{201, 201, 429} {
		body := jsonOf(t, map[string]string{"name": "Pat " + itoa(i), "phone": phone(i), "appointmentTime": "walk-in"})
		device := strings.Repeat(string(rune('a'+i)), 32) // a new device each time
		if got := h.do("POST", "/api/checkin", body, "Cookie", kioskCookie+"="+device).Code; got != want {
			t.Fatalf("check-in %d: %d, want %d", i+1, got, want)
		}
	}
}

// TestDisplayByLine: /api/display and /display follow chosen lines, with each
// line's calls in service, room by room.
func TestDisplayByLine(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	h.addRoom("Room 1", "default")
	h.addRoom("Lab bench", "lab")
	h.checkInTo("default", "Ann", phone(1), "walk-in")
	h.checkInTo("default", "Bob", phone(2), "walk-in")
	h.checkInTo("lab", "Cyd", phone(3), "walk-in")
	h.checkInTo("lab", "Dee", phone(4), "walk-in")
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1"}`).want(t, http.StatusOK)
	h.clock.Add(time.Minute)
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Lab bench"}`).want(t, http.StatusOK)

	all := h.do("GET", "/api/display", "").want(t, http.StatusOK)
	if got := len(all.list(t, "data.lines")); got != 2 {
		t.Fatalf("%d lines: %s", got, all.Raw)
	}
	if all.str(t, "data.nowServing.ticketNumber") != "L-001" || all.str(t, "data.nowServing.line") != "lab" || all.num(t, "data.waiting") != 2 {
		t.Fatalf("every line: %s", all.Raw)
	}
	if all.str(t, "data.lines.0.serving.0.ticketNumber") != "A-001" || all.str(t, "data.lines.0.serving.0.room") != "Room 1" ||
		all.str(t, "data.lines.1.serving.0.room") != "Lab bench" {
		t.Fatalf("serving by line: %s", all.Raw)
	}
	lab := h.do("GET", "/api/display?lines=lab", "").want(t, http.StatusOK)
	if len(lab.list(t, "data.lines")) != 1 || lab.num(t, "data.waiting") != 1 || len(lab.list(t, "data.recentCalls")) != 1 ||
		lab.str(t, "data.recentCalls.0.ticketNumber") != "L-001" {
		t.Fatalf("lab only: %s", lab.Raw)
	}
	h.do("GET", "/api/display?lines=nope", "").wantError(t, http.StatusNotFound, queue.CodeLineNotFound)
	h.do("GET", "/api/display?lines=Bad!", "").wantError(t, http.StatusBadRequest, queue.CodeValidation)

	page := h.do("GET", "/display", "")
	wantPage(t, page, http.StatusOK)
	for _, want := range []string{`class="tv tv-grouped"`, `data-line="lab"`, "Lab bench", `id="tv-single" hidden`} {
		if !strings.Contains(page.Raw, want) {
			t.Errorf("grouped display lacks %q", want)
		}
	}
	one := h.do("GET", "/display?lines=lab", "")
	wantPage(t, one, http.StatusOK)
	if !strings.Contains(one.Raw, `data-lines="lab"`) || strings.Contains(one.Raw, "tv-grouped") || !strings.Contains(one.Raw, "L-001") {
		t.Fatalf("one line: %.3000s", one.Raw)
	}
	if r := h.do("GET", "/display?lines=nope", ""); r.Code != http.StatusNotFound || !strings.Contains(r.Raw, "LINE_NOT_FOUND") {
		t.Fatalf("unknown line: %d %s", r.Code, r.Raw)
	}
	for _, leak := range []string{"Ann", "Bob", "Cyd", "Dee", "+1415"} {
		if strings.Contains(all.Raw+lab.Raw+page.Raw, leak) {
			t.Errorf("display shows %q", leak)
		}
	}
}

// TestDashboardRooms: without rooms the room is typed as before; with rooms a
// picker says which lines each serves. The admin page lists lines and rooms.
func TestDashboardRooms(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/staff", "", cookie(h.staff)...)
	wantPage(t, r, http.StatusOK)
	if !strings.Contains(r.Raw, `<input id="room" name="room" type="text"`) || !strings.Contains(r.Raw, `id="filter-field" hidden`) {
		t.Fatalf("dashboard without rooms: %.3000s", r.Raw)
	}
	h.addLine("lab", "Lab", "L", nil)
	h.addRoom("Room 1", "default", "lab")
	h.asAdmin("POST", "/api/staff/rooms", `{"name":"Lab bench","lines":["lab"],"open":false}`).want(t, http.StatusCreated)
	r = h.do("GET", "/staff", "", cookie(h.staff)...)
	wantPage(t, r, http.StatusOK)
	for _, want := range []string{`<select id="room" name="room">`, `Room 1 · Main queue, Lab</option>`, `Lab bench · Lab (closed)</option>`,
		`<option value="lab">Lab</option>`, `id="add-dialog"`, `id="transfer-dialog"`} {
		if !strings.Contains(r.Raw, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(r.Raw, `id="filter-field" hidden`) {
		t.Error("the line filter is hidden with two lines")
	}

	a := h.do("GET", "/staff/admin", "", cookie(h.admin)...)
	wantPage(t, a, http.StatusOK)
	for _, want := range []string{`<tr data-line="lab">`, `<tr data-room="Lab bench">`, "Main queue, Lab", `id="line-dialog"`, `id="room-dialog"`} {
		if !strings.Contains(a.Raw, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	if r := h.do("GET", "/staff/admin", "", cookie(h.staff)...); r.Code != http.StatusForbidden {
		t.Errorf("staff on the admin page: %d", r.Code)
	}
}

func TestHoursText(t *testing.T) {
	tests := []struct {
		hours string
		want  string
	}{
		{"", "No hours (open while open)"},
		{",,,,,,", "Closed every day"},
		{",08:00-17:00,08:00-17:00,08:00-17:00,08:00-17:00,08:00-17:00,09:00-12:00", "Mon–Fri 08:00-17:00; Sat 09:00-12:00"},
		{"10:00-14:00,08:00-12:00,,08:00-12:00,,,", "Mon 08:00-12:00; Wed 08:00-12:00; Sun 10:00-14:00"},
	}
	for _, tt := range tests {
		h, err := queue.ParseHours(tt.hours)
		if err != nil {
			t.Fatal(err)
		}
		if got := hoursText(i18n.Default().Printer(i18n.Base), h); got != tt.want {
			t.Errorf("hoursText(%q) = %q, want %q", tt.hours, got, tt.want)
		}
	}
}

func TestWhen(t *testing.T) {
	h := newHarness(t) // the clinic's zone is UTC; the clock says Saturday 2026-11-28 09:00
	now := h.clock.Now()
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(4 * time.Hour), "today at 13:00"},
		{now.Add(23 * time.Hour), "tomorrow at 08:00"},
		{now.Add(47 * time.Hour), "Monday at 08:00"},
	} {
		if got := h.deps.Queue.When(tt.at, now); got != tt.want {
			t.Errorf("when(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}
