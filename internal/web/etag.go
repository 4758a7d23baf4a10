package web

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Conditional reads (issue 17): the pages re-read their REST state after a
// reconnect, a version gap, a tab coming back and a slow safety poll. Those
// reads are cheap to repeat: each answer carries an ETag and a request whose
// If-None-Match still matches gets 304 Not Modified with no body.
//
// The tag is "v<version>-<16 hex of sha256(body)>". The version alone is not
// enough: an estimate or a waiting time drifts with the clock while the queue
// version stands still, so the body's hash decides whether two answers are the
// same, and the version is there for people reading logs. The handler runs
// only after authentication and the lookup succeeded (staff middleware, a
// known patient id), so a 304 goes to exactly whom the 200 would have gone to.

// Cache-Control of tagged answers. cacheRevalidate lets a client keep an
// answer but makes it ask before each use; private keeps shared caches out (a
// patient's status carries their id). Staff answers (names, phones) stay
// no-store, as every other API answer: a reception PC is shared, and the
// dashboard and scripts keep their own copy and send If-None-Match themselves,
// which is all a 304 needs.
const (
	cacheRevalidate = "private, no-cache"
	cachePublic     = "no-cache"
	cacheStaff      = "no-store"
)

// tagged describes how one answer is tagged.
type tagged struct {
	version int64
	// weak marks a tag that holds across answers that differ only in what does
	// not matter to the client (the display's updatedAt); its hash is over key.
	weak bool
	key  any
	// cache is the Cache-Control header: cacheRevalidate by default.
	cache string
}

// writeTagged writes env as writeJSON does, with an ETag, or 304 with no body
// when the request's If-None-Match matches that tag.
func writeTagged(w http.ResponseWriter, r *http.Request, t tagged, env envelope) {
	var body bytes.Buffer
	_ = json.NewEncoder(&body).Encode(env) // our own views always encode
	hashed := body.Bytes()
	if t.key != nil {
		b, err := json.Marshal(t.key)
		if err == nil {
			hashed = b
		}
	}
	sum := sha256.Sum256(hashed)
	tag := `"v` + strconv.FormatInt(t.version, 10) + "-" + hex.EncodeToString(sum[:8]) + `"`
	if t.weak {
		tag = "W/" + tag
	}
	h := w.Header()
	h.Set("ETag", tag)
	h.Set("Cache-Control", cmp.Or(t.cache, cacheRevalidate))
	if noneMatch(r.Header.Values("If-None-Match"), tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes()) // the client may have gone; nothing to do
}

// noneMatch reports whether an If-None-Match field (its lines) matches tag, so
// that a GET gets 304 (RFC 9110 §13.1.2): "*" matches any current answer, else
// a comma-separated list of entity tags compared weakly (W/ ignored on both
// sides). A malformed list matches nothing from the first bad element on, so
// the client gets a full answer.
func noneMatch(lines []string, tag string) bool {
	want := strings.TrimPrefix(tag, "W/")
	for _, s := range lines {
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] == '*' {
				return true
			}
			s = strings.TrimPrefix(s, "W/")
			if s == "" || s[0] != '"' {
				break
			}
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				break
			}
			if s[:end+2] == want {
				return true
			}
			s = s[end+2:]
		}
	}
	return false
}
