package queue

import "strings"

// How much of one SMS segment a text takes (3GPP TS 23.038 and 23.040). A text
// goes in GSM-7 when every character is in its basic set or extension table
// (an extension character takes two septets), else — when the carrier honours
// national language single-shift tables and the text fits GSM-7 with the
// Spanish one (á, í, ó, ú, ç… two septets each, and a 3-octet header that
// leaves 155 septets) — in GSM-7 with that table, else in UCS-2 at 70 UTF-16
// units. A longer text is split into segments of 153, 149 and 67 units.

// Encoding names how a text is sent.
type Encoding string

// The encodings a text may go in.
const (
	GSM7        Encoding = "GSM-7"
	GSM7Spanish Encoding = "GSM-7+es-shift"
	UCS2        Encoding = "UCS-2"
)

// gsmExtension are the basic set's escape-table characters: two septets each.
const gsmExtension = "^{}\\[~]|€\f"

// spanishShift are the characters the Spanish single-shift table adds (3GPP TS
// 23.038 A.2.2) beyond the default extension table: two septets each.
const spanishShift = "çÁÍÓÚáíóú"

// Segments is how many segments text takes, in what encoding, and the units it
// counts (septets or UTF-16 units). shift says the carrier honours the Spanish
// single-shift table.
func Segments(text string, shift bool) (n int, enc Encoding, units int) {
	enc, units = encode(text, shift)
	single, multi := capacity(enc), 153
	switch enc {
	case GSM7Spanish:
		multi = 149
	case UCS2:
		multi = 67
	}
	if units <= single {
		return 1, enc, units
	}
	return (units + multi - 1) / multi, enc, units
}

// encode picks the encoding of text and counts its units.
func encode(text string, shift bool) (Encoding, int) {
	septets, enc := 0, GSM7
	for _, r := range text {
		switch {
		case r != '\n' && r != '\r' && strings.ContainsRune(gsmBasic, r), r == '\n', r == '\r':
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		case shift && strings.ContainsRune(spanishShift, r):
			septets += 2
			enc = GSM7Spanish
		default:
			return UCS2, utf16Len(text)
		}
	}
	return enc, septets
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// oneSegment reports whether text fits one segment.
func oneSegment(text string, shift bool) bool {
	n, _, _ := Segments(text, shift)
	return n == 1
}

// capacity is how many units one segment of enc holds.
func capacity(enc Encoding) int {
	switch enc {
	case GSM7Spanish:
		return 155
	case UCS2:
		return 70
	}
	return 160
}
