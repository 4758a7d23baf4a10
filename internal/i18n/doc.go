// Package i18n holds every word SmartWait shows or texts to a patient, in every
// language the deployment speaks, and picks the language a person reads.
//
// One JSON file per language under catalog/ is the whole of a language: adding
// one means adding its file (and naming it in SMARTWAIT_LANGUAGES). Messages use
// named placeholders ("{ticket}"), so a translation may put them in any order, and
// a message whose wording depends on a number is an object of CLDR plural forms
// ("one", "few", "many", "other"…) chosen by golang.org/x/text's plural rules for
// that language; numbers are formatted by golang.org/x/text/message. A test fails
// when any language lacks a key another has, or a message's placeholders differ
// between languages.
//
// The "staff" section is English-only for now: the staff pages read their strings
// from the catalogue too, and fall back to English in any language that lacks them.
package i18n
