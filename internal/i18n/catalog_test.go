package i18n

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// placeholder matches "{ticket}" and the SMS name slots "{ name}", "{, name}".
var placeholder = regexp.MustCompile(`\{[ ,]*[A-Za-z][A-Za-z0-9]*\}`)

func placeholders(m msg) []string {
	texts := []string{m.Text}
	for _, f := range m.Forms {
		texts = append(texts, f)
	}
	set := map[string]bool{}
	for _, t := range texts {
		for _, p := range placeholder.FindAllString(t, -1) {
			set[p] = true
		}
	}
	if m.By != "" {
		set["by:"+m.By] = true
	}
	return slices.Sorted(maps.Keys(set))
}

func englishOnly(key string) bool {
	for _, p := range EnglishOnly {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// TestEveryLanguageHasEveryKey is the translators' guard: a key one language has
// and another lacks, or a message whose placeholders differ between languages,
// fails here rather than on a patient's screen.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	langs := Available()
	if len(langs) < 2 || !slices.Contains(langs, Base) {
		t.Fatalf("catalogues %v: want English and at least one more", langs)
	}
	all := map[string]map[string]msg{}
	keys := map[string]bool{}
	for _, l := range langs {
		m, err := readFile(l)
		if err != nil {
			t.Fatal(err)
		}
		all[l] = m
		for k := range m {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		base, inBase := all[Base][k]
		if !inBase {
			t.Errorf("%s: missing in %s, the base every language falls back to", k, Base)
			continue
		}
		for _, l := range langs {
			m, ok := all[l][k]
			switch {
			case !ok && englishOnly(k):
				continue
			case !ok:
				t.Errorf("%s: missing in %s", k, l)
				continue
			}
			if got, want := placeholders(m), placeholders(base); !slices.Equal(got, want) {
				t.Errorf("%s: placeholders in %s are %v, in %s %v", k, l, got, Base, want)
			}
			if m.By != "" {
				// Every form the language's rules pick for a count must be written.
				tag := language.Make(l)
				for n := 0; n <= 1000; n++ {
					if f := plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0); m.Forms[f] == "" {
						t.Errorf("%s: %s lacks the plural form %v (for %d)", k, l, f, n)
						break
					}
				}
			}
		}
	}
	for _, l := range langs {
		if all[l]["language.name"].Text == "" {
			t.Errorf("%s: no language.name, the name its switch link shows", l)
		}
	}
}

func TestLoadRefusesWhatItCannotSpeak(t *testing.T) {
	for _, tc := range []struct {
		langs []string
		def   string
	}{
		{[]string{"en", "xx"}, "en"},
		{[]string{"en", "es"}, "fr"},
		{[]string{"en", "en"}, "en"},
	} {
		if _, err := Load(tc.langs, tc.def); err == nil {
			t.Errorf("Load(%v, %q) = nil error", tc.langs, tc.def)
		}
	}
	c := MustLoad([]string{"en", "es"}, "es")
	if got := c.Languages(); !slices.Equal(got, []string{"es", "en"}) {
		t.Errorf("Languages() = %v, want the default first", got)
	}
}

func TestMatchPicksTheBrowsersLanguage(t *testing.T) {
	c := MustLoad([]string{"en", "es"}, "en")
	for header, want := range map[string]string{
		"":                           "en",
		"es-MX,es;q=0.9,en;q=0.5":    "es",
		"es-419":                     "es",
		"fr-FR,fr;q=0.9,es;q=0.8":    "es",
		"fr-FR":                      "en",
		"en-GB,en;q=0.9,es;q=0.8":    "en",
		"de;q=0.9,es;q=0.1":          "es",
		"not a header;;;q=x":         "en",
		"ES":                         "es",
		"*":                          "en",
		"pt-BR,pt;q=0.9,en-US;q=0.8": "en",
	} {
		if got := c.Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
	if got := MustLoad([]string{"en", "es"}, "es").Match("fr"); got != "es" {
		t.Errorf("Match(fr) with Spanish default = %q", got)
	}
}

func TestPrinterFillsPluralsAndNumbers(t *testing.T) {
	p := &Printer{lang: "en", tag: language.English, base: map[string]msg{}, msgs: map[string]msg{
		"waiting": {By: "n", Forms: map[plural.Form]string{plural.One: "{n} person waiting", plural.Other: "{n} people waiting"}},
		"slot":    {Text: "Hi{, name}: ticket {ticket}"},
	}}
	p.num = Default().Printer("en").num
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 people waiting"}, {1, "1 person waiting"}, {2, "2 people waiting"}, {1234, "1,234 people waiting"}} {
		if got := p.T("waiting", "n", tc.n); got != tc.want {
			t.Errorf("T(waiting, %d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := p.T("slot", "ticket", "A-014"); got != "Hi{, name}: ticket A-014" {
		t.Errorf("T leaves the name slot to the SMS composer; got %q", got)
	}
	if got := p.T("nope"); got != "nope" {
		t.Errorf("a missing key shows itself; got %q", got)
	}
	es := Default().Printer("es")
	if got := es.Number(1234567); got != "1.234.567" {
		t.Errorf("Spanish Number = %q", got)
	}
	at := time.Date(2026, 12, 6, 14, 30, 0, 0, time.UTC)
	if got := es.Time(at); got != "14:30" {
		t.Errorf("Spanish Time = %q", got)
	}
	if got := Default().Printer("en").Time(at); got != "2:30 PM" {
		t.Errorf("English Time = %q", got)
	}
	if Default().Printer("xx").Lang() != "en" {
		t.Error("an unknown language should print in the default")
	}
}

// The staff figures agree in number with a single visit or patient: they said
// "1 completed visits" and "1 patients today; longest wait" when the strings
// moved to the catalogue.
func TestStaffFiguresAgreeInNumber(t *testing.T) {
	en := Default().Printer("en")
	for _, tc := range []struct {
		key, by string
		want    map[int]string
	}{
		{"staff.figures.errorNote", "samples", map[int]string{1: "· 1 completed visit", 2: "· 2 completed visits"}},
		{"staff.chart.summary", "n", map[int]string{1: "1 patient today; waited 9 minutes (A-001).", 2: "2 patients today; longest wait 9 minutes (A-001)."}},
	} {
		for n, want := range tc.want {
			got := en.T(tc.key, tc.by, n, "under", 10, "late", 0, "minutes", 9, "ticket", "A-001")
			if !strings.HasSuffix(got, want) {
				t.Errorf("%s with %s=%d: %q, want it to end %q", tc.key, tc.by, n, got, want)
			}
		}
	}
}
