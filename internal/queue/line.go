package queue

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A clinic runs several lines (queues) — walk-ins, booked visits, the lab — and
// rooms that serve some of them (docs/lines.md). A Queue row is a line: its id is
// the line's slug.

// MaxLineSlug bounds a line's slug: a-z, 0-9 and '-', at most this long.
const MaxLineSlug = 32

// DefaultGrace is how late after their appointment a booked patient may check in
// and still be due at the appointment time.
const DefaultGrace = 15 * time.Minute

// ValidSlug reports whether s can name a line: 1..MaxLineSlug of a-z, 0-9, '-'.
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > MaxLineSlug {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ValidPrefix reports whether p can prefix a line's ticket numbers: one or two
// upper-case letters.
func ValidPrefix(p string) bool {
	if len(p) < 1 || len(p) > 2 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 'A' || p[i] > 'Z' {
			return false
		}
	}
	return true
}

// Span is one opening period of a weekday, in minutes after local midnight:
// Open ≤ t < Close. The zero Span means closed that day.
type Span struct{ Open, Close int }

// IsZero reports whether the span is "closed all day".
func (s Span) IsZero() bool { return s.Open == 0 && s.Close == 0 }

// Hours are a line's opening hours per weekday (index time.Weekday) in the
// clinic's time zone. The zero Hours (Set false) means no hours: the line is
// open whenever its Open flag is set.
type Hours struct {
	Set  bool
	Days [7]Span
}

var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// String is the canonical text form both stores keep: "" for no hours, else
// seven comma-separated days from Sunday, each "HH:MM-HH:MM" or empty (closed).
func (h Hours) String() string {
	if !h.Set {
		return ""
	}
	var b strings.Builder
	for d, s := range h.Days {
		if d > 0 {
			b.WriteByte(',')
		}
		if !s.IsZero() {
			b.WriteString(clock(s.Open) + "-" + clock(s.Close))
		}
	}
	return b.String()
}

// ParseHours reads Hours.String's form.
func ParseHours(s string) (Hours, error) {
	if s == "" {
		return Hours{}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 7 {
		return Hours{}, fmt.Errorf("hours: want 7 days, got %d", len(parts))
	}
	h := Hours{Set: true}
	for d, p := range parts {
		if p == "" {
			continue
		}
		sp, err := ParseSpan(p)
		if err != nil {
			return Hours{}, err
		}
		h.Days[d] = sp
	}
	return h, nil
}

// HoursFromMap builds Hours from the API's form: weekday keys ("mon".."sun") to
// "HH:MM-HH:MM"; a day that is missing or "" is closed. The field names the
// weekday that failed.
func HoursFromMap(m map[string]string) (Hours, error) {
	h := Hours{Set: true}
	for k, v := range m {
		d := -1
		for i, w := range weekdayKeys {
			if w == k {
				d = i
			}
		}
		if d < 0 {
			return Hours{}, fmt.Errorf("unknown weekday %q (use mon, tue, wed, thu, fri, sat, sun)", k)
		}
		if v == "" {
			continue
		}
		sp, err := ParseSpan(v)
		if err != nil {
			return Hours{}, fmt.Errorf("%s: %w", k, err)
		}
		h.Days[d] = sp
	}
	return h, nil
}

// Map is the API's form of h (nil when no hours are set): open days only.
func (h Hours) Map() map[string]string {
	if !h.Set {
		return nil
	}
	m := map[string]string{}
	for d, s := range h.Days {
		if !s.IsZero() {
			m[weekdayKeys[d]] = clock(s.Open) + "-" + clock(s.Close)
		}
	}
	return m
}

// ParseSpan reads "HH:MM-HH:MM" (close after open, both within the day; "24:00"
// is the end of the day).
func ParseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf("hours %q: want HH:MM-HH:MM", s)
	}
	o, ok1 := parseClock(a, false)
	c, ok2 := parseClock(b, true)
	if !ok1 || !ok2 || c <= o {
		return Span{}, fmt.Errorf("hours %q: want HH:MM-HH:MM with the close after the open", s)
	}
	return Span{Open: o, Close: c}, nil
}

// ParseClock reads a 24-hour time of day "H:MM" or "HH:MM" as minutes after midnight.
func ParseClock(s string) (int, bool) { return parseClock(s, false) }

func parseClock(s string, endOfDay bool) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 {
		return 0, false
	}
	if hh == 24 && mm == 0 && endOfDay {
		return 24 * 60, true
	}
	if hh > 23 {
		return 0, false
	}
	return hh*60 + mm, true
}

func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// Room is a place where patients are seen (a desk, a consultation room). It
// serves Lines, slugs in order of preference: call-next for the room takes the
// patient due earliest among the heads of its open lines, ties going to the
// line listed first.
type Room struct {
	Name     string
	Lines    []string
	Open     bool
	Position int   // display order
	ClinicID int64 // the clinic it belongs to (0 when stored: DefaultClinicID); it serves only that clinic's lines
}

// JoinSlugs is the text form both stores keep a room's lines in: the slugs
// joined by commas (a slug never contains one).
func JoinSlugs(slugs []string) string { return strings.Join(slugs, ",") }

// SplitSlugs is the inverse of JoinSlugs; "" is no slugs (nil).
func SplitSlugs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Serves reports whether the room serves the line.
func (r Room) Serves(line string) bool { return slices.Contains(r.Lines, line) }

// MaxRoomName bounds a room's name, in bytes.
const MaxRoomName = 64

// Order keys. A ticket's Seq is its place in its line: positions are the rank of
// the waiting tickets by Seq. It encodes the ordering rule — urgent first, then
// due time, then check-in — as one integer, so that every store query, index and
// count that works by Seq keeps working: the due time in microseconds since the
// Unix epoch, plus normalBase unless the ticket is urgent. Two tickets due in the
// same microsecond are told apart by the store, which gives the later insert the
// next free key (Tx.InsertTicket).
const normalBase = int64(1) << 53

// OrderKey is the Seq a ticket due at due should get.
func OrderKey(urgent bool, due time.Time) int64 {
	k := due.UnixMicro()
	if !urgent {
		k += normalBase
	}
	return k
}
