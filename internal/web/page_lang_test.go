package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// The patient pages in the visitor's language (page_lang.go, docs/languages.md).

// english are words of the English pages that must not be left on the Spanish
// ones: the templates' and the scripts' texts both come from the catalogue.
var english = []string{
	"Check in", "Your name", "Mobile phone", "Appointment time", "We text you", "My check-ins",
	"Join the queue", "Your ticket", "Connecting…", "Position", "Estimated wait", "likely", "waiting in total",
	"Leave the queue", "Turn on turn alerts", "Keep this page open", "Back to check-in",
	"You are in the queue", "We will alert you", "Check-in not found", "This link does not match",
	"Now serving", "Recent calls", "No calls yet today", "Typical wait now", "Enable sound", "Listen for your ticket",
	"Scan the code", "Print this poster", "or open", "QR code that opens",
	"Tap your line", "if you have one", "Leave it empty", "Done", "Skip to content",
	"Live updates paused",
}

// pageText is the JSON block of strings a page's scripts read.
func pageText(tb testing.TB, raw string) map[string]any {
	tb.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="sw-text">(.*?)</script>`).FindStringSubmatch(raw)
	if m == nil {
		tb.Fatalf("no #sw-text block: %.500s", raw)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(m[1]), &out); err != nil {
		tb.Fatalf("#sw-text is not JSON: %v: %.300s", err, m[1])
	}
	return out
}

func TestPatientPagesInSpanish(t *testing.T) {
	h := newHarness(t)
	id := h.checkIn("Ana Torres", phone(1))
	tests := []struct {
		path string
		code int
		want []string
	}{
		{"/checkin?lang=es", http.StatusOK, []string{"<title>Registrarse · Test Clinic</title>", "Su nombre", "Teléfono móvil", "Hora de la cita",
			`placeholder="p. ej. 10:30 o sin cita"`, `<input type="hidden" name="language" value="es">`, "Saltar al contenido"}},
		{"/status/" + id + "?lang=es", http.StatusOK, []string{"Turno A-001", "Su turno", "Está en la fila", "Puesto", "Espera estimada",
			`entre <span id="wait-low">`, "Salir de la fila", "1 persona en espera en total."}},
		{"/status/00000000-0000-4000-8000-000000000000?lang=es", http.StatusNotFound, []string{"Registro no encontrado"}},
		{"/display?lang=es", http.StatusOK, []string{"Atendiendo ahora", "Últimos llamados", "Aún no hay llamados hoy", "Activar sonido", `data-speak="es"`}},
		{"/qr?lang=es", http.StatusOK, []string{"Regístrese con su teléfono", "o abra <strong>" + testPublicURL + "/checkin</strong>", "Imprimir este cartel"}},
		{"/kiosk?lang=es", http.StatusOK, []string{"Regístrese aquí", "Toque su fila", "Hora de la cita (si tiene una)", "Registrarme"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := h.do("GET", tt.path, "")
			wantPage(t, r, tt.code)
			body := html.UnescapeString(r.Raw)
			// The scripts' strings count by their texts, not their keys.
			var texts []string
			for _, v := range pageText(t, r.Raw) {
				b, _ := json.Marshal(v)
				texts = append(texts, string(b))
			}
			body = regexp.MustCompile(`(?s)<script type="application/json" id="sw-text">.*?</script>`).ReplaceAllString(body, strings.Join(texts, "\n"))
			if !strings.Contains(r.Raw, `<html lang="es">`) {
				t.Errorf("not <html lang=\"es\">: %.200s", r.Raw)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, en := range english {
				if strings.Contains(body, en) {
					t.Errorf("Spanish page shows the English %q", en)
				}
			}
			c := cookieNamed(r, langCookie)
			if c == nil || c.Value != "es" || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || c.MaxAge < 364*24*3600 {
				t.Errorf("language cookie %+v", c)
			}
			if got := r.Header.Get("Vary"); !strings.Contains(got, "Accept-Language") || !strings.Contains(got, "Cookie") {
				t.Errorf("Vary %q", got)
			}
			// The switch offers English, named in English, to this page.
			if !strings.Contains(r.Raw, `lang="en" hreflang="en">English</a>`) {
				t.Errorf("no switch to English: %.3000s", r.Raw)
			}
			text := pageText(t, r.Raw)
			if text["conn.live"] != "En vivo" {
				t.Errorf("script text conn.live = %v", text["conn.live"])
			}
		})
	}
}

func TestPageLanguageChoice(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		path    string
		headers []string
		lang    string // the page's
		cookie  string // the sw_lang cookie set, "" for none
	}{
		{"default", "/checkin", nil, "en", ""},
		{"browser", "/checkin", []string{"Accept-Language", "es-MX,es;q=0.9,en;q=0.5"}, "es", ""},
		{"browser speaks neither", "/checkin", []string{"Accept-Language", "fr-FR"}, "en", ""},
		{"cookie over browser", "/checkin", []string{"Cookie", "sw_lang=es", "Accept-Language", "en"}, "es", ""},
		{"query over cookie", "/checkin?lang=en", []string{"Cookie", "sw_lang=es"}, "en", "en"},
		{"unknown query ignored", "/checkin?lang=xx", []string{"Accept-Language", "es"}, "es", ""},
		{"unknown query keeps cookie", "/?lang=fr", []string{"Cookie", "sw_lang=es"}, "es", ""},
		{"bad cookie ignored", "/checkin", []string{"Cookie", "sw_lang=<script>", "Accept-Language", "es"}, "es", ""},
		{"query in capitals", "/qr?lang=ES", nil, "es", "es"},
		{"display's languages", "/display?lang=xx,es,en", nil, "es", "es"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do("GET", tt.path, "", tt.headers...)
			wantPage(t, r, http.StatusOK)
			if !strings.Contains(r.Raw, `<html lang="`+tt.lang+`">`) {
				t.Errorf("page is not in %s: %.120s", tt.lang, r.Raw)
			}
			c := cookieNamed(r, langCookie)
			switch {
			case tt.cookie == "" && c != nil:
				t.Errorf("cookie set: %+v", c)
			case tt.cookie != "" && (c == nil || c.Value != tt.cookie):
				t.Errorf("cookie %+v, want %s", c, tt.cookie)
			}
		})
	}
	// A cookie the page set is honoured on the next page.
	r := h.do("GET", "/checkin?lang=es", "")
	c := cookieNamed(r, langCookie)
	if c == nil {
		t.Fatal("no cookie")
	}
	if next := h.do("GET", "/display", "", "Cookie", c.Name+"="+c.Value); !strings.Contains(next.Raw, `<html lang="es">`) {
		t.Error("the chosen language is not remembered")
	}
	// The staff pages stay English, without a switch.
	staff := h.do("GET", "/staff/login", "", "Accept-Language", "es", "Cookie", "sw_lang=es")
	if !strings.Contains(staff.Raw, `<html lang="en">`) || strings.Contains(staff.Raw, `class="langs`) {
		t.Errorf("staff login page: %.500s", staff.Raw)
	}
}

func TestLanguageSwitchKeepsTheQuery(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	for _, tt := range []struct{ path, want string }{
		{"/checkin", `<a href="/checkin?lang=es" lang="es" hreflang="es">Español</a>`},
		{"/display?lines=lab&lang=es", `<a href="/display?lang=en&amp;lines=lab" lang="en" hreflang="en">English</a>`},
		// The display's languages stay, the link's first.
		{"/display?lang=en,es&lines=default,lab", `<a href="/display?lang=es%2Cen&amp;lines=default%2Clab" lang="es" hreflang="es">Español</a>`},
		{"/kiosk", `<a href="/kiosk?lang=es" lang="es" hreflang="es">Español</a>`},
	} {
		r := h.do("GET", tt.path, "")
		if !strings.Contains(r.Raw, tt.want) {
			t.Errorf("%s lacks %s: %.4000s", tt.path, tt.want, r.Raw)
		}
	}
	// A language the deployment does not speak is offered nowhere.
	en := newHarness(t, func(d *Deps) { d.Catalog = i18n.MustLoad([]string{"en"}, "en") })
	if r := en.do("GET", "/checkin?lang=es", ""); strings.Contains(r.Raw, `class="langs`) || !strings.Contains(r.Raw, `<html lang="en">`) {
		t.Errorf("English-only deployment: %.1000s", r.Raw)
	}
	es := newHarness(t, func(d *Deps) { d.Catalog = i18n.MustLoad([]string{"en", "es"}, "es") })
	if r := es.do("GET", "/checkin", "", "Accept-Language", "de"); !strings.Contains(r.Raw, `<html lang="es">`) {
		t.Errorf("Spanish default: %.200s", r.Raw)
	}
}

func TestDisplaySpeaksItsLanguages(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/display?lang=en,es", "")
	wantPage(t, r, http.StatusOK)
	if !strings.Contains(r.Raw, `<html lang="en">`) || !strings.Contains(r.Raw, `data-speak="en,es"`) {
		t.Fatalf("display: %.3000s", r.Raw)
	}
	text := pageText(t, r.Raw)
	for key, want := range map[string]string{
		"speech.en.room": "Ticket {ticket}, room {room}.",
		"speech.es.room": "Turno {ticket}, consultorio {room}.",
		"speech.es.desk": "Turno {ticket}, pase a recepción.",
		"display.noOne":  "No one called",
	} {
		if text[key] != want {
			t.Errorf("%s = %v, want %q", key, text[key], want)
		}
	}
}

func TestStatusScriptTextHasPlurals(t *testing.T) {
	h := newHarness(t)
	id := h.checkIn("Ana Torres", phone(1))
	text := pageText(t, h.do("GET", "/status/"+id+"?lang=es", "").Raw)
	if text["status.called.title"] != "¡Es su turno!" {
		t.Errorf("status.called.title = %v", text["status.called.title"])
	}
	forms, ok := text["status.waitingTotal"].(map[string]any)
	if !ok || forms["by"] != "n" || forms["one"] == nil || forms["other"] == nil {
		t.Errorf("status.waitingTotal = %v, want plural forms", text["status.waitingTotal"])
	}
}

func TestCheckinFormErrorsInTheFormsLanguage(t *testing.T) {
	h := newHarness(t)
	h.checkIn("Ana Torres", "(415) 555-2671")
	form := func(lang, name, ph, appt string) url.Values {
		v := url.Values{"name": {name}, "phone": {ph}, "appointmentTime": {appt}}
		if lang != "" {
			v.Set("language", lang)
		}
		return v
	}
	tests := []struct {
		name          string
		vals          url.Values
		code          int
		errorID, want string
		notWant       string
	}{
		{"bad phone", form("es", "Ben", "12345", "10:30"), http.StatusBadRequest, "phone-error", "Este número de teléfono no es válido", "not a valid"},
		{"no name", form("es", " ", phone(2), "10:30"), http.StatusBadRequest, "name-error", "Escriba su nombre", "required"},
		{"long name", form("es", strings.Repeat("n", 101), phone(2), "10:30"), http.StatusBadRequest, "name-error", "como máximo 100 caracteres", "at most"},
		{"no appointment", form("es", "Ben", phone(2), ""), http.StatusBadRequest, "appointmentTime-error", "Escriba la hora de su cita", "required"},
		{"long appointment", form("es", "Ben", phone(2), strings.Repeat("x", 51)), http.StatusBadRequest, "appointmentTime-error", "como máximo 50 caracteres", "characters"},
		{"duplicate", form("es", "Ana", "415-555-2671", "10:30"), http.StatusConflict, "phone-error", "ya está en la fila", "already"},
		{"country", form("es", "Ben", "+44 7911 123456", "10:30"), http.StatusBadRequest, "phone-error", "un país al que esta clínica envía mensajes: ", "must be"},
		// English stays as it was.
		{"English", form("en", "Ben", "12345", "10:30"), http.StatusBadRequest, "phone-error", "Phone is not a valid phone number", "Validation error"},
		{"English by default", form("", " ", phone(2), "10:30"), http.StatusBadRequest, "name-error", "Name is required", "Escriba"},
		// The form's language wins over the browser's.
		{"form over browser", form("es", "Ben", "12345", "10:30"), http.StatusBadRequest, "phone-error", "no es válido", "not a valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := []string{"Accept-Language", "en"}
			r := h.form("/checkin", tt.vals, hs...)
			wantPage(t, r, tt.code)
			m := regexp.MustCompile(`id="` + tt.errorID + `">([^<]*)<`).FindStringSubmatch(r.Raw)
			if m == nil {
				t.Fatalf("no %s: %.3000s", tt.errorID, r.Raw)
			}
			msg := html.UnescapeString(m[1])
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, tt.notWant) {
				t.Errorf("%s says %q, want %q", tt.errorID, msg, tt.want)
			}
			if lang := tt.vals.Get("language"); lang != "" && !strings.Contains(r.Raw, `<html lang="`+lang+`">`) {
				t.Errorf("the refused form is not in %s", lang)
			}
		})
	}
}

// TestCheckinErrorsEachHaveAMessage: every refusal of a check-in the API
// makes reads as a message of its own in every language, never the English
// API text nor the catch-all.
func TestCheckinErrorsEachHaveAMessage(t *testing.T) {
	lim := &queue.Error{Code: queue.CodeRateLimited, Message: "This phone number has checked in 3 times in the last hour",
		Details: map[string]string{"field": "phone"}, RetryAfter: 90e9}
	errs := map[string]error{
		"nameRequired":        validation(t, queue.CheckInRequest{Name: " ", Phone: phone(1), AppointmentTime: "10:00"}),
		"nameTooLong":         validation(t, queue.CheckInRequest{Name: strings.Repeat("n", 101), Phone: phone(1), AppointmentTime: "10:00"}),
		"nameInvalid":         validation(t, queue.CheckInRequest{Name: "A\u202Eb", Phone: phone(1), AppointmentTime: "10:00"}),
		"phoneRequired":       validation(t, queue.CheckInRequest{Name: "Ann", AppointmentTime: "10:00"}),
		"phoneInvalid":        validation(t, queue.CheckInRequest{Name: "Ann", Phone: "12", AppointmentTime: "10:00"}),
		"appointmentRequired": validation(t, queue.CheckInRequest{Name: "Ann", Phone: phone(1)}),
		"appointmentInvalid":  validation(t, queue.CheckInRequest{Name: "Ann", Phone: phone(1), AppointmentTime: "1\u202E"}),
		"lineUnavailable":     validation(t, queue.CheckInRequest{Name: "Ann", Phone: phone(1), AppointmentTime: "10:00", QueueID: "Bad!"}),
		"lineChoose":          invalidField("line", "choose the line you are here for"),
		"phoneDuplicate":      queue.Errorf(queue.CodeDuplicate, "This phone number is already in the queue"),
		"phoneLimit":          lim,
		"rateLimited":         &apiError{code: codeRateLimited, message: "Too many requests, please try again shortly"},
		"lineClosed":          &queue.Error{Code: queue.CodeLineClosed, Message: "Lab is closed."},
		"lineFull":            &queue.Error{Code: queue.CodeLineFull, Message: "The wait for Lab would run past closing"},
		"other":               queue.Errorf(queue.CodeNotActive, "This check-in is no longer active"),
	}
	for _, lang := range i18n.Default().Languages() {
		p := i18n.Default().Printer(lang)
		for key, err := range errs {
			_, info := classify(err)
			_, got := checkinError(p, err, info)
			want := p.T("pages.checkin.error."+key, "max", 0, "minutes", 2, "countries", "")
			if i := strings.IndexAny(want, "0123456789{"); i >= 0 {
				want = want[:i]
			}
			if !strings.HasPrefix(got, want) || (lang != i18n.Base && got == info.Message) {
				t.Errorf("%s %s: %q, want the message %q", lang, key, got, want)
			}
		}
	}
}

func validation(tb testing.TB, r queue.CheckInRequest) error {
	tb.Helper()
	_, err := r.Normalize("US")
	if err == nil {
		tb.Fatalf("%+v is valid", r)
	}
	return err
}

func cookieNamed(r response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: http.Header{"Set-Cookie": r.Header.Values("Set-Cookie")}}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestStatusPageSpeaksTheTicketsLanguage: a patient who checked in in Spanish
// gets a Spanish status page from the link in their text, on a phone whose
// browser asks for English; their own choice (?lang, the cookie) still wins.
func TestStatusPageSpeaksTheTicketsLanguage(t *testing.T) {
	h := newHarness(t)
	id := h.do("POST", "/api/checkin", `{"name":"María","phone":"`+phone(1)+`","appointmentTime":"9:30","language":"es"}`).want(t, 201).str(t, "data.patientId")
	for _, tc := range []struct {
		headers []string
		path    string
		lang    string
	}{
		{[]string{"Accept-Language", "en-US"}, "/status/" + id, "es"},
		{nil, "/status/" + id, "es"},
		{[]string{"Cookie", "sw_lang=en"}, "/status/" + id, "en"},
		{nil, "/status/" + id + "?lang=en", "en"},
	} {
		r := h.do("GET", tc.path, "", tc.headers...)
		wantPage(t, r, http.StatusOK)
		if !strings.Contains(r.Raw, `<html lang="`+tc.lang+`">`) {
			t.Errorf("%s %v: not in %s: %.120s", tc.path, tc.headers, tc.lang, r.Raw)
		}
	}
	en := h.do("POST", "/api/checkin", `{"name":"Bo","phone":"`+phone(2)+`","appointmentTime":"9:30"}`).want(t, 201).str(t, "data.patientId")
	if r := h.do("GET", "/status/"+en, "", "Accept-Language", "es"); !strings.Contains(r.Raw, `<html lang="en">`) {
		t.Errorf("an English ticket's page follows the ticket, not the browser: %.120s", r.Raw)
	}
}

// TestOfflineNoteSpeaksThePatientsLanguage: the page the service worker keeps
// for a patient page it has no copy of is in the visitor's language, and the
// worker itself holds no words (it shows that page, or the browser's own).
func TestOfflineNoteSpeaksThePatientsLanguage(t *testing.T) {
	h := newHarness(t)
	es := h.do("GET", "/offline", "", "Accept-Language", "es-MX")
	wantPage(t, es, http.StatusOK)
	if !strings.Contains(es.Raw, `<html lang="es">`) || !strings.Contains(es.Raw, "Sin conexión") {
		t.Errorf("offline note for a Spanish browser: %.300s", es.Raw)
	}
	if en := h.do("GET", "/offline", ""); !strings.Contains(en.Raw, "You are offline") {
		t.Errorf("offline note: %.300s", en.Raw)
	}
	sw, err := staticFS.ReadFile("static/sw.js")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`(?m)//.*$`).ReplaceAllString(string(sw), "") // comments may speak
	code = strings.ReplaceAll(code, "'use strict'", "")
	if m := regexp.MustCompile(`'[^'\n]*\b[A-Za-z]{2,} [a-z]{2,}\b[^'\n]*'`).FindString(code); m != "" {
		t.Errorf("sw.js holds words of its own: %s", m)
	}
	if !strings.Contains(code, "'/offline'") {
		t.Error("sw.js does not keep /offline")
	}
}
