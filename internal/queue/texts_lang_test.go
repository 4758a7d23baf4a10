package queue

import (
	"strings"
	"testing"

	"smartwait/internal/i18n"
)

func TestSegmentsCountsEachEncoding(t *testing.T) {
	for _, tc := range []struct {
		text  string
		shift bool
		n     int
		enc   Encoding
		units int
	}{
		{strings.Repeat("a", 160), false, 1, GSM7, 160},
		{strings.Repeat("a", 161), false, 2, GSM7, 161},
		{strings.Repeat("a", 306), false, 2, GSM7, 306},
		{strings.Repeat("a", 307), false, 3, GSM7, 307},
		{strings.Repeat("a", 79) + "€", false, 1, GSM7, 81}, // the extension table takes two septets
		{"número ñ ¿é?", false, 1, UCS2, 12},                // ú is not GSM-7 basic
		{"número ñ ¿é?", true, 1, GSM7Spanish, 13},
		{strings.Repeat("á", 77), true, 1, GSM7Spanish, 154},
		{strings.Repeat("á", 78), true, 2, GSM7Spanish, 156},
		{strings.Repeat("ú", 70), false, 1, UCS2, 70},
		{strings.Repeat("ú", 71), false, 2, UCS2, 71},
		{"Nguyễn", true, 1, UCS2, 6}, // no table has ễ
		{strings.Repeat("😀", 35), false, 1, UCS2, 70},
		{strings.Repeat("😀", 36), false, 2, UCS2, 72},
	} {
		n, enc, units := Segments(tc.text, tc.shift)
		if n != tc.n || enc != tc.enc || units != tc.units {
			t.Errorf("Segments(%.20q, shift=%v) = %d, %s, %d; want %d, %s, %d", tc.text, tc.shift, n, enc, units, tc.n, tc.enc, tc.units)
		}
	}
}

func spanishService(shift bool) *Service {
	s := textService("Clínica Sol", "https://sol.example")
	s.Config.SMSShiftTables = shift
	return s
}

// TestSpanishTextsSpeakSpanish: a Spanish ticket's texts are Spanish, keep their
// facts, and stay one segment — with their accents when the carrier has the
// Spanish shift table, without them otherwise.
func TestSpanishTextsSpeakSpanish(t *testing.T) {
	e := Entry{Ticket: Ticket{ID: NewID(), Number: "A-014", Name: "Ángela Ruiz", Language: "es", Room: "3"}, Position: 2, EstimatedWait: 25}
	for _, shift := range []bool{false, true} {
		s := spanishService(shift)
		texts := map[string]string{
			"confirm": s.confirmationText(Queue{}, e, false), "ready": s.confirmationText(Queue{}, e, true),
			"getReady": s.getReadyText(Queue{}, e), "called": s.calledText(Queue{}, e.Ticket), "followUp": s.followUpText(Queue{}, e.Ticket),
		}
		want := map[string][]string{
			"confirm":  {"Hola", "A-014", "2 en la fila", "25 min", "/status/" + e.ID},
			"ready":    {"A-014", "Prep", "/status/" + e.ID},
			"getReady": {"Prep", "A-014", "2 en la fila", "25 min"},
			"called":   {"Es su turno, ", "A-014", "consultorio 3"},
			"followUp": {"Recordatorio", "A-014", "consultorio 3"},
		}
		for k, body := range texts {
			mustContain(t, body, want[k]...)
			n, enc, _ := Segments(body, shift)
			if n != 1 {
				t.Errorf("shift=%v %s: %d segments: %q", shift, k, n, body)
			}
			if shift && enc == UCS2 || !shift && enc != GSM7 {
				t.Errorf("shift=%v %s: sent as %s: %q", shift, k, enc, body)
			}
		}
		if shift {
			mustContain(t, texts["confirm"], "número")
			mustContain(t, texts["called"], "Es su turno, Ángela!")
		} else {
			mustContain(t, texts["confirm"], "numero")
			mustContain(t, texts["called"], "Es su turno, Angela!")
		}
		if strings.Contains(strings.ToLower(texts["called"]), "your turn") {
			t.Errorf("a Spanish text in English: %q", texts["called"])
		}
	}
	if got, want := CalledMessage(e.Ticket), "¡Es su turno! Turno A-014, pase a consultorio 3 ahora, por favor."; got != want {
		t.Errorf("CalledMessage = %q, want %q", got, want)
	}
	if got := CalledMessage(Ticket{Number: "A-1", Room: "2"}); got != "It's your turn! Ticket A-1, please come to room 2 now." {
		t.Errorf("a ticket from before languages reads English; got %q", got)
	}
	if got := GetReadyMessage(e); !strings.HasPrefix(got, "Prepárese: es el número 2") {
		t.Errorf("GetReadyMessage = %q", got)
	}
}

// TestEveryTemplateFitsOneSegment is the segment report the languages need:
// every text template in every language, with realistic names, clinics and
// rooms, with and without the Spanish shift table. Each composed text must be
// one segment; the log (go test -v -run TestEveryTemplateFitsOneSegment) lists
// each template's length as written and which ones the composer had to write
// shorter or without accents (docs/languages.md has the table).
func TestEveryTemplateFitsOneSegment(t *testing.T) {
	names := []string{"Ana", "María José Fernández", "Guadalupe", "Nguyễn Thị Minh", "Bartholomew-Alexander"}
	clinics := []string{"Riverside Family Clinic", "Clínica de Salud Familiar San José del Valle"}
	rooms := []string{"3", "Consultorio 12", ""}
	for _, lang := range i18n.Available() {
		for _, shift := range []bool{false, true} {
			for _, clinic := range clinics {
				s := textService(clinic, "https://waitroom.riverside-clinic.example.org")
				s.Config.SMSShiftTables = shift
				for _, name := range names {
					for _, room := range rooms {
						e := Entry{Ticket: Ticket{ID: NewID(), Number: "A-114", Name: name, Language: lang, Room: room},
							Position: 12, EstimatedWait: 45}
						for tmpl, body := range map[string]string{
							"confirmation": s.confirmationText(Queue{}, e, false), "confirmation (ready)": s.confirmationText(Queue{}, e, true),
							"get ready": s.getReadyText(Queue{}, e), "called": s.calledText(Queue{}, e.Ticket), "follow-up": s.followUpText(Queue{}, e.Ticket),
						} {
							n, enc, units := Segments(body, shift)
							if n != 1 {
								t.Errorf("%s %s shift=%v: %d segments (%s, %d): %q", lang, tmpl, shift, n, enc, units, body)
							}
						}
					}
				}
			}
			// The report: each template's longest wording as written, with the
			// longer clinic and name, before the composer shortens anything.
			p := printer(lang)
			facts := p.T("sms.facts", "ticket", "A-114", "position", 12, "minutes", 45)
			link := "https://waitroom.riverside-clinic.example.org/status/" + NewID()
			w := where(p, "Consultorio 12")
			for key, text := range map[string]string{
				"sms.confirm.waitLink":  p.T("sms.confirm.waitLink", "facts", facts, "link", link),
				"sms.confirm.readyLink": p.T("sms.confirm.readyLink", "facts", facts, "link", link),
				"sms.getReady.long":     p.T("sms.getReady.long", "position", 12, "ticket", "A-114", "minutes", 45),
				"sms.called":            p.T("sms.called", "ticket", "A-114", "where", w),
				"sms.followUp.long":     p.T("sms.followUp.long", "ticket", "A-114", "where", w),
			} {
				full := fill(textService(clinics[1], "").signature(Queue{})+": "+text, "Ana")
				if n, enc, units := Segments(full, shift); n > 1 {
					t.Logf("report: %s %-22s shift=%-5v as written: %d segments (%s, %d units); sent shorter or unaccented",
						lang, key, shift, n, enc, units)
				}
			}
		}
	}
}

// TestRepliesFitOneSegment: every answer to a patient's text, in every
// language, with the longer clinic name, is one segment as sent.
func TestRepliesFitOneSegment(t *testing.T) {
	for _, lang := range i18n.Available() {
		p := printer(lang)
		for key := range p.Section("sms.reply.") {
			for _, shift := range []bool{false, true} {
				s := textService("Clínica de Salud Familiar San José del Valle", "https://waitroom.riverside-clinic.example.org")
				s.Config.SMSShiftTables = shift
				body := s.compose(Queue{}, "María", p.T("sms.reply."+key, "ticket", "A-114", "link", "https://waitroom.riverside-clinic.example.org/checkin",
					"facts", p.T("sms.facts", "ticket", "A-114", "position", 12, "minutes", 45)))
				if n, enc, units := Segments(body, shift); n != 1 {
					t.Errorf("%s sms.reply.%s shift=%v: %d segments (%s, %d): %q", lang, key, shift, n, enc, units, body)
				}
			}
		}
	}
}
