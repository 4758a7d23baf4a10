package queue

import (
	"strings"
	"testing"

	"smartwait/internal/i18n"
)

// A clinic's texts keep the rules of every text (texts.go) with the clinic's
// own name — any script, up to MaxClinicName — and its longer links: one
// segment, the facts whole, the link the first thing to go.
func TestClinicTextsFitOneSegment(t *testing.T) {
	slug := strings.Repeat("n", MaxLineSlug)
	names := []string{"North", "Clínica São José", strings.Repeat("Community Health ", 5)[:MaxClinicName], "北京诊所"}
	for _, lang := range i18n.Available() {
		p := printer(lang)
		for _, name := range names {
			for _, shift := range []bool{false, true} {
				s := textService("Riverside Clinic", "https://waitroom.riverside-clinic.example.org")
				s.Config.SMSShiftTables = shift
				q := Queue{ID: "north-walk", Clinic: Clinic{ID: 2, Slug: slug, Name: name, SMSFrom: "+15005550111"}}
				e := Entry{Ticket: Ticket{ID: NewID(), Number: "N-1234", Name: "María José", Language: lang, Room: "Room 12"},
					Position: 999, EstimatedWait: 14985}
				bodies := map[string]string{
					"confirm": s.confirmationText(q, e, false), "ready": s.confirmationText(q, e, true),
					"getReady": s.getReadyText(q, e), "called": s.calledText(q, e.Ticket), "followUp": s.followUpText(q, e.Ticket),
				}
				for key := range p.Section("sms.reply.") {
					bodies["reply."+key] = s.compose(q, "María", p.T("sms.reply."+key, "ticket", "N-1234", "link", s.checkinLink(q),
						"facts", p.T("sms.facts", "ticket", "N-1234", "position", 999, "minutes", 14985)))
				}
				for what, body := range bodies {
					if n, enc, units := Segments(body, shift); n != 1 {
						t.Errorf("%s %.10s %s shift=%v: %d segments (%s, %d): %q", lang, name, what, shift, n, enc, units, body)
					}
					if strings.Contains(body, "/status/") && !strings.Contains(body, "/c/"+slug+"/status/"+e.ID) {
						t.Errorf("%s %s: a link outside the clinic's pages: %q", lang, what, body)
					}
					if strings.HasPrefix(body, "Riverside") {
						t.Errorf("%s %s: signed with the deployment's name: %q", lang, what, body)
					}
				}
			}
		}
	}
}

// The links of the default clinic's patients stay unprefixed; another
// clinic's are under /c/{slug}/.
func TestClinicLinks(t *testing.T) {
	s := textService("Riverside Clinic", "https://clinic.example/")
	north := Queue{Clinic: Clinic{ID: 2, Slug: "north", Name: "North"}}
	for _, tt := range []struct{ got, want string }{
		{s.statusLink(Queue{}, "id1"), "https://clinic.example/status/id1"},
		{s.checkinLink(Queue{}), "https://clinic.example/checkin"},
		{s.statusLink(north, "id1"), "https://clinic.example/c/north/status/id1"},
		{s.checkinLink(north), "https://clinic.example/c/north/"},
		// The default clinic, read with its id (as Clinics lists it), is unprefixed too.
		{s.statusLink(Queue{Clinic: Clinic{ID: DefaultClinicID, Slug: "main"}}, "id1"), "https://clinic.example/status/id1"},
		{textService("Riverside Clinic", "").statusLink(north, "id1"), ""},
	} {
		if tt.got != tt.want {
			t.Errorf("link %q, want %q", tt.got, tt.want)
		}
	}
	if got := s.signature(north); got != "North" {
		t.Errorf("north signs %q", got)
	}
	if got := s.signature(Queue{Clinic: Clinic{ID: 3, Slug: "bj", Name: "北京诊所"}}); got != "SmartWait" {
		t.Errorf("a name GSM-7 cannot write signs %q, want SmartWait", got)
	}
}
