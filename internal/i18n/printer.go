package i18n

import (
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Printer writes the messages of one language.
type Printer struct {
	lang string
	tag  language.Tag
	msgs map[string]msg
	base map[string]msg // English, for the EnglishOnly sections
	num  *message.Printer
}

// Lang is the printer's language code, e.g. "es".
func (p *Printer) Lang() string { return p.lang }

// Has reports whether key is a message of this language (or of its English
// fallback).
func (p *Printer) Has(key string) bool { _, ok := p.lookup(key); return ok }

// T is the message key with its placeholders filled from args, given as name,
// value pairs: T("sms.called", "ticket", "A14", "where", "room 2"). Integers are
// formatted for the language; a plural message picks its form by the number named
// in its "by". A missing key yields the key itself, so a slip shows on the page
// instead of a blank (and the catalogue test catches it).
func (p *Printer) T(key string, args ...any) string {
	m, ok := p.lookup(key)
	if !ok {
		return key
	}
	text := m.Text
	if m.By != "" {
		text = m.Forms[plural.Other]
		if n, ok := intArg(args, m.By); ok {
			if f, ok := m.Forms[plural.Cardinal.MatchPlural(p.tag, abs(n), 0, 0, 0, 0)]; ok {
				text = f
			}
		}
	}
	if len(args) == 0 || !strings.Contains(text, "{") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(text[:i])
		if v, ok := arg(args, text[i+1:i+j]); ok {
			b.WriteString(p.format(v))
		} else {
			b.WriteString(text[i : i+j+1]) // not ours to fill: e.g. the SMS name slot
		}
		text = text[i+j+1:]
	}
	b.WriteString(text)
	return b.String()
}

// Time is the clock time t shows in its own location, as the language writes it
// ("2:30 PM", "14:30").
func (p *Printer) Time(t time.Time) string { return t.Format(p.T("format.time")) }

// Number is n as the language writes it ("1,234", "1234").
func (p *Printer) Number(n int) string { return p.num.Sprint(n) }

// Section is every message under prefix (e.g. "pages.status."), keyed without
// the prefix, as the pages' scripts read it: a plain text as a string, a plural
// message as an object of its CLDR forms plus "by". English fills the sections
// the language need not translate.
func (p *Printer) Section(prefix string) map[string]any {
	out := map[string]any{}
	add := func(msgs map[string]msg) {
		for k, m := range msgs {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			k = strings.TrimPrefix(k, prefix)
			if _, done := out[k]; done {
				continue
			}
			if m.By == "" {
				out[k] = m.Text
				continue
			}
			forms := map[string]string{"by": m.By}
			for name, f := range pluralForms {
				if s, ok := m.Forms[f]; ok {
					forms[name] = s
				}
			}
			out[k] = forms
		}
	}
	add(p.msgs)
	add(p.base)
	return out
}

func (p *Printer) lookup(key string) (msg, bool) {
	if m, ok := p.msgs[key]; ok {
		return m, true
	}
	for _, s := range EnglishOnly {
		if strings.HasPrefix(key, s) {
			m, ok := p.base[key]
			return m, ok
		}
	}
	return msg{}, false
}

func (p *Printer) format(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return p.num.Sprint(v) // numbers as the language writes them
}

func arg(args []any, name string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if s, ok := args[i].(string); ok && s == name {
			return args[i+1], true
		}
	}
	return nil, false
}

func intArg(args []any, name string) (int, bool) {
	v, ok := arg(args, name)
	if !ok {
		return 0, false
	}
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	}
	return 0, false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
