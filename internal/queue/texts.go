package queue

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The SMS texts (CONTRACT §5). Each fits one 160-character GSM-7 segment: the facts
// (clinic, ticket, position, wait, room, link) are never cut; the patient's name is
// shortened to fit, or left out when it cannot be written in GSM-7. No text says
// anything medical.

const maxSMS = 160

func (s *Service) confirmationText(e Entry, ready bool) string {
	var facts string
	if ready {
		facts = fmt.Sprintf("%s: Hi{ name}, you're checked in (ticket %s, number %d in line). Please get ready, it's almost your turn.",
			s.clinic(), e.Number, e.Position)
	} else {
		facts = fmt.Sprintf("%s: Hi{ name}, you're checked in. Ticket %s, number %d in line, about %d min. We'll text you when to come back.",
			s.clinic(), e.Number, e.Position, e.EstimatedWait)
	}
	// The status link is a convenience: it goes when the facts need the room.
	if withLink := facts + " " + s.statusLink(e.ID); septets(fill(withLink, "")) <= maxSMS {
		facts = withLink
	}
	return fit(facts, e.Name)
}

func (s *Service) getReadyText(e Entry) string {
	return fit(fmt.Sprintf("%s: Please get ready{, name}: you're number %d in line (ticket %s), about %d min. Please come back to the waiting room.",
		s.clinic(), e.Position, e.Number, e.EstimatedWait), e.Name)
}

func (s *Service) calledText(t Ticket) string {
	return fit(fmt.Sprintf("%s: It's your turn{, name}! Ticket %s, please come to %s now.",
		s.clinic(), t.Number, where(t.Room)), t.Name)
}

func (s *Service) followUpText(t Ticket) string {
	return fit(fmt.Sprintf("%s: Reminder{, name}: it's your turn (ticket %s). Please come to %s or tell the front desk.",
		s.clinic(), t.Number, where(t.Room)), t.Name)
}

func where(room string) string {
	room = toGSM(strings.TrimSpace(room))
	if room == "" {
		return "the front desk"
	}
	if r := strings.ToLower(room); strings.HasPrefix(r, "room") || strings.HasPrefix(r, "desk") {
		return room
	}
	return "room " + room
}

func (s *Service) clinic() string {
	name := toGSM(strings.TrimSpace(s.Config.ClinicName))
	if name == "" {
		name = "SmartWait"
	}
	if r := []rune(name); len(r) > 30 {
		name = strings.TrimSpace(string(r[:30]))
	}
	return name
}

func (s *Service) statusLink(id string) string {
	return strings.TrimRight(s.Config.PublicURL, "/") + "/status/" + id
}

// fit puts the patient's first name into text's name slot — "{ name}" reads
// " Ana", "{, name}" reads ", Ana" — shortened so the whole text fits maxSMS, or
// leaves it out when it cannot be written in GSM-7 or there is no room.
func fit(text, name string) string {
	bare := fill(text, "")
	first := []rune(toGSM(firstName(name)))
	room := maxSMS - septets(bare) - 2
	if len(first) == 0 || room < 2 {
		return bare
	}
	if len(first) > room {
		first = first[:room]
	}
	return fill(text, string(first))
}

func fill(text, name string) string {
	if name == "" {
		return strings.NewReplacer("{ name}", "", "{, name}", "").Replace(text)
	}
	return strings.NewReplacer("{ name}", " "+name, "{, name}", ", "+name).Replace(text)
}

// septets counts GSM-7 characters; every rune toGSM lets through is one.
func septets(s string) int { return utf8.RuneCountInString(s) }

func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// gsmBasic is the GSM 03.38 basic character set that fits one 7-bit septet.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// toGSM returns s if every rune is in the GSM-7 basic set, with a few common
// accented letters folded to their GSM-7 neighbours; otherwise "" (a name in
// another script is left out rather than turning the SMS into 70-char UCS-2).
func toGSM(s string) string {
	var b strings.Builder
	for _, r := range s {
		if f, ok := gsmFold[r]; ok {
			r = f
		}
		if !strings.ContainsRune(gsmBasic, r) || r == '\n' || r == '\r' {
			return ""
		}
		b.WriteRune(r)
	}
	return b.String()
}

var gsmFold = map[rune]rune{
	'á': 'a', 'â': 'a', 'ã': 'a', 'í': 'i', 'î': 'i', 'ï': 'i', 'ó': 'o', 'ô': 'o', 'õ': 'o',
	'ú': 'u', 'û': 'u', 'ç': 'c', 'ê': 'e', 'ë': 'e', 'Á': 'A', 'Í': 'I', 'Ó': 'O', 'Ú': 'U',
	'À': 'A', 'È': 'E', 'Ì': 'I', 'Ò': 'O', 'Ù': 'U', 'Â': 'A', 'Ê': 'E', 'Ô': 'O', '’': '\'',
}
