package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed catalog/*.json
var files embed.FS

// Base is the language every other falls back to for the sections it may lack
// (see EnglishOnly); its catalogue must hold every key.
const Base = "en"

// EnglishOnly are the sections other languages need not translate yet: the staff
// pages stay English.
var EnglishOnly = []string{"staff."}

// msg is one catalogue entry: a plain text, or plural forms chosen by the number
// in the argument named by By.
type msg struct {
	Text  string
	By    string                 // the plural selector's argument name; "" for a plain text
	Forms map[plural.Form]string // at least plural.Other when By is set
}

// Catalog is the loaded catalogues of the enabled languages. It is read-only
// after Load and safe for concurrent use.
type Catalog struct {
	langs    []string // enabled, the default first
	tags     []language.Tag
	matcher  language.Matcher
	printers map[string]*Printer
}

// Available lists the languages that have a catalogue file, sorted.
func Available() []string {
	entries, _ := files.ReadDir("catalog")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(out)
	return out
}

// Load reads the catalogues of the enabled languages (e.g. ["en", "es"]); def is
// the language of a visitor whose browser asks for none of them. It fails on a
// language without a catalogue, or a default that is not enabled.
func Load(enabled []string, def string) (*Catalog, error) {
	return LoadFS(compiled, enabled, def)
}

// compiled is the catalogues compiled in: <lang>.json at its root.
var compiled, _ = fs.Sub(files, "catalog")

// LoadFS is Load from the catalogue files <lang>.json at the root of fsys
// rather than those compiled in. It is for tests that need a catalogue of
// their own: the web package's check that the staff pages show no word from
// outside the catalogue renders them with every message marked.
func LoadFS(fsys fs.FS, enabled []string, def string) (*Catalog, error) {
	if !slices.Contains(enabled, def) {
		return nil, fmt.Errorf("i18n: default language %q is not among the enabled %v", def, enabled)
	}
	for i, l := range enabled {
		if slices.Contains(enabled[:i], l) {
			return nil, fmt.Errorf("i18n: language %q listed twice", l)
		}
	}
	base, err := readFileFS(fsys, Base)
	if err != nil {
		return nil, err
	}
	c := &Catalog{printers: map[string]*Printer{}}
	c.langs = append([]string{def}, slices.DeleteFunc(slices.Clone(enabled), func(l string) bool { return l == def })...)
	for _, l := range c.langs {
		msgs := base
		if l != Base {
			if msgs, err = readFileFS(fsys, l); err != nil {
				return nil, err
			}
		}
		tag := language.Make(l)
		c.tags = append(c.tags, tag)
		c.printers[l] = &Printer{lang: l, tag: tag, msgs: msgs, base: base, num: message.NewPrinter(tag)}
	}
	c.matcher = language.NewMatcher(c.tags)
	return c, nil
}

// MustLoad is Load for fixed arguments known to be good (tests, defaults).
func MustLoad(enabled []string, def string) *Catalog {
	c, err := Load(enabled, def)
	if err != nil {
		panic(err)
	}
	return c
}

// Default is the catalogue of a deployment that sets nothing: English and
// Spanish, English by default.
func Default() *Catalog { return defaultCatalog }

var defaultCatalog = MustLoad([]string{"en", "es"}, "en")

// Languages are the enabled languages, the default first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// DefaultLanguage is the language of a visitor who asks for none we speak.
func (c *Catalog) DefaultLanguage() string { return c.langs[0] }

// Supports reports whether lang is enabled.
func (c *Catalog) Supports(lang string) bool { _, ok := c.printers[lang]; return ok }

// Match picks the enabled language an Accept-Language header prefers ("es-MX,
// es;q=0.9, en;q=0.5" → "es"), or the default when it names none of them: the
// matcher answers its first language, the default, when nothing matches.
func (c *Catalog) Match(acceptLanguage string) string {
	_, i := language.MatchStrings(c.matcher, acceptLanguage)
	return c.langs[i]
}

// Printer is the catalogue of one language. An unknown language gets the
// default's.
func (c *Catalog) Printer(lang string) *Printer {
	if p, ok := c.printers[lang]; ok {
		return p
	}
	return c.printers[c.langs[0]]
}

// readFile loads the compiled-in catalog/<lang>.json into flat dotted keys.
func readFile(lang string) (map[string]msg, error) { return readFileFS(compiled, lang) }

func readFileFS(fsys fs.FS, lang string) (map[string]msg, error) {
	b, err := fs.ReadFile(fsys, lang+".json")
	if err != nil {
		return nil, fmt.Errorf("i18n: no catalogue for language %q (have %v)", lang, Available())
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		return nil, fmt.Errorf("i18n: catalogue %s: %w", lang, err)
	}
	out := map[string]msg{}
	if err := flatten("", tree, out); err != nil {
		return nil, fmt.Errorf("i18n: catalogue %s: %w", lang, err)
	}
	return out, nil
}

// flatten walks the catalogue tree: a string is a message; an object with "by"
// is a plural message; any other object is a section.
func flatten(prefix string, tree map[string]any, out map[string]msg) error {
	for k, v := range tree {
		key := prefix + k
		switch v := v.(type) {
		case string:
			out[key] = msg{Text: v}
		case map[string]any:
			if by, ok := v["by"].(string); ok {
				m := msg{By: by, Forms: map[plural.Form]string{}}
				for f, s := range v {
					if f == "by" {
						continue
					}
					form, ok := pluralForms[f]
					text, isText := s.(string)
					if !ok || !isText {
						return fmt.Errorf("%s: bad plural form %q", key, f)
					}
					m.Forms[form] = text
				}
				if _, ok := m.Forms[plural.Other]; !ok {
					return fmt.Errorf("%s: plural message without \"other\"", key)
				}
				out[key] = m
				continue
			}
			if err := flatten(key+".", v, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: want a text or an object, got %T", key, v)
		}
	}
	return nil
}

var pluralForms = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

// All is the catalogue of every language there is a file for, English by
// default. Messages built where no deployment setting reaches (a ticket's
// events, built alike on every instance) read it: a ticket's language was
// checked against the enabled ones when it was stored.
func All() *Catalog { return allCatalog }

var allCatalog = MustLoad(Available(), Base)
