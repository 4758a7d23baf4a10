package queue

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func textService(clinic, publicURL string) *Service {
	cfg := DefaultConfig()
	cfg.ClinicName, cfg.PublicURL = clinic, publicURL
	return &Service{Config: cfg}
}

// checkGSM fails unless body is one GSM-7 segment of basic characters.
func checkGSM(tb testing.TB, body string) {
	tb.Helper()
	if n := utf8.RuneCountInString(body); n > maxSMS {
		tb.Errorf("%d characters (max %d): %q", n, maxSMS, body)
	}
	for _, r := range body {
		if !strings.ContainsRune(gsmBasic, r) || r == '\n' || r == '\r' {
			tb.Errorf("character %q is not GSM-7 basic: %q", r, body)
			return
		}
	}
}

func mustContain(tb testing.TB, body string, facts ...string) {
	tb.Helper()
	for _, f := range facts {
		if !strings.Contains(body, f) {
			tb.Errorf("text lacks %q: %q", f, body)
		}
	}
}

var longClinic = "The Very Long Named Community Health and Family Medicine Centre of Riverside County North"

func TestTextsFitAndKeepFacts(t *testing.T) {
	names := []string{"Ana", "José García", "李小明", "O'Connor-Smith", "Łukasz Żółć",
		strings.Repeat("Wolfeschlegelsteinhausenberger", 3) + " Jr", "Zoë"}
	clinics := []string{"SmartWait", "Clínica São José", longClinic, "北京诊所"}
	rooms := []string{"", "3", "Room 12", "Desk B", "诊室 3", strings.Repeat("x", maxRoom)}
	urls := []string{"http://localhost:3001", "https://a-rather-long-subdomain.clinic-network.example.org/", ""}
	for _, clinic := range clinics {
		for _, url := range urls {
			s := textService(clinic, url)
			wantClinic := s.signature(Queue{})
			for _, name := range names {
				e := Entry{Ticket: Ticket{ID: NewID(), Number: "A-1234", Name: name}, Position: 999, EstimatedWait: 14985}
				t.Run(fmt.Sprintf("%.12s/%.10s/%.10s", clinic, url, name), func(t *testing.T) {
					for _, ready := range []bool{false, true} {
						body := s.confirmationText(Queue{}, e, ready)
						checkGSM(t, body)
						mustContain(t, body, "ticket A-1234", "number 999 in line", "about 14,985 min")
						if ready {
							mustContain(t, strings.ToLower(body), "get ready")
						}
						if len(wantClinic) < 60 {
							mustContain(t, body, wantClinic+": ")
						} else {
							mustContain(t, body, wantClinic[:40]) // shortened, not dropped
						}
					}
					body := s.getReadyText(Queue{}, e)
					checkGSM(t, body)
					mustContain(t, strings.ToLower(body), "get ready", "number 999 in line", "ticket a-1234", "about 14,985 min")
					for _, room := range rooms {
						tk := e.Ticket
						tk.Room = room
						for _, body := range []string{s.calledText(Queue{}, tk), s.followUpText(Queue{}, tk)} {
							checkGSM(t, body)
							mustContain(t, body, "your turn", "A-1234", where(printer("en"), room))
						}
						mustContain(t, s.followUpText(Queue{}, tk), "Reminder")
					}
				})
			}
		}
	}
}

func TestTextsNames(t *testing.T) {
	s := textService("Riverside Clinic", "") // no link: room for the name in the long wording
	tests := []struct{ name, want, not string }{
		{"José García", "Hi José,", "García"},
		{"Łukasz Nowak", "Hi Lukasz,", "Ł"},
		{"李小明", "Hi, you're", "李"},
		{"  Ana   Lima ", "Hi Ana,", "Lima"},
	}
	for _, tt := range tests {
		e := Entry{Ticket: Ticket{ID: NewID(), Number: "A-001", Name: tt.name}, Position: 2, EstimatedWait: 15}
		body := s.confirmationText(Queue{}, e, false)
		checkGSM(t, body)
		mustContain(t, body, tt.want, "Riverside Clinic: ")
		if strings.Contains(body, tt.not) {
			t.Errorf("%q: text has %q: %q", tt.name, tt.not, body)
		}
	}
}

func TestTextsStatusLinkWhenItFits(t *testing.T) {
	s := textService("Riverside Clinic", "https://clinic.example.com/")
	e := Entry{Ticket: Ticket{ID: NewID(), Number: "A-001", Name: "Ana"}, Position: 2, EstimatedWait: 15}
	mustContain(t, s.confirmationText(Queue{}, e, false), "https://clinic.example.com/status/"+e.ID)
	// A public URL with a character outside GSM-7's basic set is left out.
	s = textService("Riverside Clinic", "https://clinic.example.com/~wait")
	if body := s.confirmationText(Queue{}, e, false); strings.Contains(body, "status/") {
		t.Errorf("link with '~' included: %q", body)
	}
}

func TestWhere(t *testing.T) {
	for room, want := range map[string]string{
		"": "the front desk", " 3 ": "room 3", "Room 4": "Room 4", "desk b": "desk b", "诊室 3": "room 3", "诊室": "the front desk",
	} {
		if got := where(printer("en"), room); got != want {
			t.Errorf("where(%q) = %q, want %q", room, got, want)
		}
	}
}

func FuzzTexts(f *testing.F) {
	f.Add("Ana Lima", "SmartWait", "3", 1, 0)
	f.Add("李小明", longClinic, "诊室 3", 40, 600)
	f.Fuzz(func(t *testing.T, name, clinic, room string, pos, wait int) {
		if pos < 0 || wait < 0 || pos > 99999 || wait > 99999 {
			return
		}
		s := textService(clinic, "http://localhost:3001")
		e := Entry{Ticket: Ticket{ID: NewID(), Number: "A-001", Name: name, Room: room, CalledAt: time.Now()}, Position: pos, EstimatedWait: wait}
		for _, body := range []string{s.confirmationText(Queue{}, e, false), s.confirmationText(Queue{}, e, true), s.getReadyText(Queue{}, e), s.calledText(Queue{}, e.Ticket), s.followUpText(Queue{}, e.Ticket)} {
			checkGSM(t, body)
			mustContain(t, body, "A-001")
		}
	})
}
