package queue

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The SMS texts (wording in docs/sms.md). Each fits one 160-character
// GSM-7 segment. The facts — ticket, position, wait, where to go — are never cut:
// a text has a few wordings, longest first, and the first that fits with the whole
// clinic name is used; the status link and friendly phrases are the first to go,
// then the clinic name is shortened at a word boundary. The patient's first name
// goes into what room is left, shortened, or is left out when it cannot be written
// in GSM-7. No text says anything medical.

const (
	maxSMS  = 160
	maxRoom = 50 // the web layer refuses longer rooms; this keeps other callers in bounds
)

func (s *Service) confirmationText(e Entry, ready bool) string {
	facts := fmt.Sprintf("ticket %s, number %d in line, about %d min", e.Number, e.Position, e.EstimatedWait)
	link := s.statusLink(e.ID)
	var variants []string
	if ready {
		if link != "" {
			variants = append(variants, "Hi{ name}, you're checked in: "+facts+". Please get ready. "+link)
		}
		variants = append(variants,
			"Hi{ name}, you're checked in: "+facts+". Please get ready, it's almost your turn.",
			"Checked in{, name}: "+facts+". Please get ready.")
	} else {
		if link != "" {
			variants = append(variants, "Hi{ name}, you're checked in: "+facts+". "+link)
		}
		variants = append(variants,
			"Hi{ name}, you're checked in: "+facts+". We'll text you when to come back.",
			"Checked in{, name}: "+facts+".")
	}
	return s.compose(e.Name, variants...)
}

func (s *Service) getReadyText(e Entry) string {
	return s.compose(e.Name,
		fmt.Sprintf(getReadyWording, e.Position, e.Number, e.EstimatedWait),
		fmt.Sprintf("Please get ready{, name}: number %d in line (ticket %s), about %d min.", e.Position, e.Number, e.EstimatedWait))
}

func (s *Service) calledText(t Ticket) string {
	return s.compose(t.Name,
		fmt.Sprintf(calledWording, t.Number, where(t.Room)))
}

func (s *Service) followUpText(t Ticket) string {
	return s.compose(t.Name,
		fmt.Sprintf("Reminder{, name}: it's your turn (ticket %s). Please come to %s or tell the front desk.", t.Number, where(t.Room)),
		fmt.Sprintf("Reminder{, name}: it's your turn (ticket %s). Please come to %s.", t.Number, where(t.Room)))
}

// compose prefixes the clinic name to the first variant that fits maxSMS with it
// whole; when none does, to the last variant with the clinic name shortened. Then
// it fits the patient's name in.
func (s *Service) compose(name string, variants ...string) string {
	clinic := s.clinic()
	for _, v := range variants {
		if text := clinic + ": " + v; septets(fill(text, "")) <= maxSMS {
			return fit(text, name)
		}
	}
	v := variants[len(variants)-1]
	room := maxSMS - septets(fill(v, "")) - 2
	if short := shorten(clinic, room); short != "" {
		return fit(short+": "+v, name)
	}
	return fit(v, name)
}

// where is the place a called patient goes, in GSM-7: "room 3", "Desk B", or the
// front desk when staff gave none. Characters GSM-7 lacks are dropped.
func where(room string) string {
	room = gsmOnly(room)
	if r := []rune(room); len(r) > maxRoom {
		room = strings.TrimSpace(string(r[:maxRoom]))
	}
	if room == "" {
		return "the front desk"
	}
	if r := strings.ToLower(room); strings.HasPrefix(r, "room") || strings.HasPrefix(r, "desk") {
		return room
	}
	return "room " + room
}

// clinic is the clinic's name in GSM-7; a name that cannot be written in GSM-7
// becomes "SmartWait" rather than turning every text into 70-character UCS-2.
func (s *Service) clinic() string {
	name := toGSM(strings.Join(strings.Fields(s.Config.ClinicName), " "))
	if name == "" {
		name = "SmartWait"
	}
	return name
}

// statusLink is the patient's status page, or "" when the public URL cannot be
// written in GSM-7's basic set.
func (s *Service) statusLink(id string) string {
	link := strings.TrimRight(s.Config.PublicURL, "/") + "/status/" + id
	if s.Config.PublicURL == "" || toGSM(link) != link {
		return ""
	}
	return link
}

// shorten cuts s to at most n characters, at a word boundary when there is one in
// the second half.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.-:;")
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

// fill puts name into text's placeholder. Two ReplaceAll, not a Replacer: a
// Replacer builds a lookup table on every call (a tenth of a check-in's
// allocations), and a template holds one placeholder.
func fill(text, name string) string {
	if name == "" {
		return strings.ReplaceAll(strings.ReplaceAll(text, "{ name}", ""), "{, name}", "")
	}
	return strings.ReplaceAll(strings.ReplaceAll(text, "{ name}", " "+name), "{, name}", ", "+name)
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

// gsmBasic is the GSM 03.38 basic character set: each is one 7-bit septet.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// toGSM returns s if every rune, after folding common accented Latin letters to
// their GSM-7 neighbours, is in the basic set (line breaks excluded); otherwise "":
// a name in another script is left out whole rather than mangled.
func toGSM(s string) string {
	var b strings.Builder
	for _, r := range s {
		r, ok := gsmRune(r)
		if !ok {
			return ""
		}
		b.WriteRune(r)
	}
	return b.String()
}

// gsmOnly folds s like toGSM but drops the runes GSM-7 lacks, and collapses the
// spaces left behind.
func gsmOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r, ok := gsmRune(r); ok {
			b.WriteRune(r)
		} else {
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func gsmRune(r rune) (rune, bool) {
	if f, ok := gsmFold[r]; ok {
		r = f
	}
	return r, r != '\n' && r != '\r' && strings.ContainsRune(gsmBasic, r)
}

var gsmFold = map[rune]rune{
	'á': 'a', 'â': 'a', 'ã': 'a', 'ā': 'a', 'ă': 'a', 'ą': 'a', 'Á': 'A', 'À': 'A', 'Â': 'A', 'Ã': 'A', 'Ā': 'A', 'Ă': 'A', 'Ą': 'A',
	'ç': 'c', 'ć': 'c', 'č': 'c', 'Ć': 'C', 'Č': 'C', 'ď': 'd', 'đ': 'd', 'Ď': 'D', 'Đ': 'D',
	'ê': 'e', 'ë': 'e', 'ē': 'e', 'ę': 'e', 'ě': 'e', 'È': 'E', 'Ê': 'E', 'Ë': 'E', 'Ē': 'E', 'Ę': 'E', 'Ě': 'E',
	'ğ': 'g', 'Ğ': 'G', 'í': 'i', 'î': 'i', 'ï': 'i', 'ī': 'i', 'ı': 'i', 'Í': 'I', 'Ì': 'I', 'Î': 'I', 'Ï': 'I', 'Ī': 'I', 'İ': 'I',
	'ł': 'l', 'Ł': 'L', 'ń': 'n', 'ň': 'n', 'Ń': 'N', 'Ň': 'N',
	'ó': 'o', 'ô': 'o', 'õ': 'o', 'ō': 'o', 'ő': 'o', 'Ó': 'O', 'Ò': 'O', 'Ô': 'O', 'Õ': 'O', 'Ō': 'O', 'Ő': 'O',
	'ř': 'r', 'Ř': 'R', 'ś': 's', 'š': 's', 'ş': 's', 'ș': 's', 'Ś': 'S', 'Š': 'S', 'Ş': 'S', 'Ș': 'S',
	'ť': 't', 'ț': 't', 'Ť': 'T', 'Ț': 'T', 'ú': 'u', 'û': 'u', 'ū': 'u', 'ů': 'u', 'ű': 'u', 'Ú': 'U', 'Ù': 'U', 'Û': 'U', 'Ū': 'U', 'Ů': 'U', 'Ű': 'U',
	'ý': 'y', 'ÿ': 'y', 'Ý': 'Y', 'ź': 'z', 'ż': 'z', 'ž': 'z', 'Ź': 'Z', 'Ż': 'Z', 'Ž': 'Z',
	'’': '\'', '‘': '\'', '“': '"', '”': '"', '–': '-', '—': '-',
}
