package queue

import (
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

// The texts are written in the ticket's language (i18n's "sms" section). A
// language whose letters GSM-7 lacks (Spanish: á, í, ó, ú) keeps them when the
// text still fits one segment — with the carrier's Spanish shift table
// (Config.SMSShiftTables) or, short enough, in UCS-2 — and otherwise is written
// without those accents, in GSM-7: one segment with the facts beats two with
// every accent (docs/languages.md).

// Every text is of one line's clinic (q): it is signed with the clinic's name
// and links to the clinic's pages (docs/clinics.md, "Texts"); the default
// clinic's texts are what they were before clinics.

func (s *Service) confirmationText(q Queue, e Entry, ready bool) string {
	p := printer(e.Language)
	facts := p.T("sms.facts", "ticket", e.Number, "position", e.Position, "minutes", e.EstimatedWait)
	link := s.statusLink(q, e.ID)
	var variants []string
	if ready {
		if link != "" {
			variants = append(variants, p.T("sms.confirm.readyLink", "facts", facts, "link", link))
		}
		variants = append(variants, p.T("sms.confirm.readyLong", "facts", facts), p.T("sms.confirm.readyShort", "facts", facts))
	} else {
		if link != "" {
			variants = append(variants, p.T("sms.confirm.waitLink", "facts", facts, "link", link))
		}
		variants = append(variants, p.T("sms.confirm.waitLong", "facts", facts), p.T("sms.confirm.waitShort", "facts", facts))
	}
	return s.compose(q, e.Name, variants...)
}

func (s *Service) getReadyText(q Queue, e Entry) string {
	p := printer(e.Language)
	return s.compose(q, e.Name, getReadyLong(p, e),
		p.T("sms.getReady.short", "position", e.Position, "ticket", e.Number, "minutes", e.EstimatedWait))
}

func (s *Service) calledText(q Queue, t Ticket) string {
	p := printer(t.Language)
	return s.compose(q, t.Name, p.T("sms.called", "ticket", t.Number, "where", where(p, t.Room)))
}

func (s *Service) followUpText(q Queue, t Ticket) string {
	p := printer(t.Language)
	w := where(p, t.Room)
	return s.compose(q, t.Name, p.T("sms.followUp.long", "ticket", t.Number, "where", w),
		p.T("sms.followUp.short", "ticket", t.Number, "where", w))
}

// compose prefixes q's clinic's name to the first variant that fits one segment
// with it whole — as written, or else without the accents GSM-7 lacks; when
// none does, to the last variant, unaccented, with the clinic name shortened.
// Then it fits the patient's name in.
func (s *Service) compose(q Queue, name string, variants ...string) string {
	clinic, shift := s.signature(q), s.Config.SMSShiftTables
	for _, v := range variants {
		text := clinic + ": " + v
		if oneSegment(fill(text, ""), shift) {
			return fit(text, name, shift)
		}
		if folded := foldAccents(text); folded != text && oneSegment(fill(folded, ""), shift) {
			return fit(folded, name, shift)
		}
	}
	v := foldAccents(variants[len(variants)-1])
	room := maxSMS - septets(fill(v, "")) - 2
	if short := shorten(clinic, room); short != "" {
		return fit(short+": "+v, name, shift)
	}
	return fit(v, name, shift)
}

// signature is the name of q's clinic in GSM-7; a name that cannot be
// written in GSM-7 becomes "SmartWait" rather than turning every text into
// 70-character UCS-2.
func (s *Service) signature(q Queue) string {
	name := toGSM(strings.Join(strings.Fields(s.clinicName(q)), " "))
	if name == "" {
		name = "SmartWait"
	}
	return name
}

// statusLink is the patient's status page, or "" when the public URL cannot be
// written in GSM-7's basic set: /status/{id} for the default clinic's
// patients, /c/{slug}/status/{id} for another clinic's.
func (s *Service) statusLink(q Queue, id string) string {
	return s.pageLink(q, "status/"+id)
}

// pageLink is the public URL of page (a path without the leading "/") of q's
// clinic — the default clinic's pages are unprefixed, another's are under
// /c/{slug}/ — or "" without a public URL or when it is not GSM-7.
func (s *Service) pageLink(q Queue, page string) string {
	base := strings.TrimRight(s.Config.PublicURL, "/")
	if slug := q.ClinicSlug(); slug != "" {
		base += "/c/" + slug
	}
	link := base + "/" + page
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
// " Ana", "{, name}" reads ", Ana" — shortened so the whole text stays one
// segment in its encoding, or leaves it out when it cannot be written in that
// encoding (a GSM-7 text takes names folded to GSM-7, a UCS-2 one any script)
// or there is no room for two letters.
func fit(text, name string, shift bool) string {
	bare := fill(text, "")
	enc, units := encode(bare, shift)
	first := firstName(name)
	if enc != UCS2 && !(shift && spanishLetters(first)) {
		// "Łukasz" → "Lukasz" rather than a text in UCS-2; a name with a
		// character outside GSM-7's basic set ("|", "€") is left out.
		first = toGSM(first)
	}
	r := []rune(first)
	for least := min(2, len(r)); len(r) > 0 && len(r) >= least; r = r[:len(r)-1] {
		e, n := encode(string(r), shift)
		total := enc
		switch {
		case enc == UCS2:
			n = utf16Len(string(r))
		case e == GSM7Spanish:
			total = GSM7Spanish // "Ángela" takes the shift table, and its smaller segment
		}
		if units+2+n <= capacity(total) {
			return fill(text, string(r))
		}
	}
	return bare
}

// spanishLetters reports whether s is written in GSM-7's basic set and the
// Spanish shift table's letters only ("Ángela").
func spanishLetters(s string) bool {
	for _, r := range s {
		if r == '\n' || r == '\r' || !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(spanishShift, r) {
			return false
		}
	}
	return true
}

// foldAccents writes s's accented letters as their GSM-7 neighbours (á → a),
// leaving every other character as it is.
func foldAccents(s string) string {
	return strings.Map(func(r rune) rune {
		if f, ok := gsmFold[r]; ok {
			return f
		}
		return r
	}, s)
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
