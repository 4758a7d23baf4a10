package socketio_test

import (
	"net/http"
	"strings"
	"testing"

	"smartwait/internal/socketio"
)

// TestOriginSchemeCounts: a page on https://<our host> is not the
// same origin as the plain-http server it calls (the check used to compare
// hosts only), while http://<our host> is.
func TestOriginSchemeCounts(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	for origin, want := range map[string]int{
		e.srv.URL: http.StatusOK,
		"https://" + strings.TrimPrefix(e.srv.URL, "http://"): http.StatusForbidden,
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/socket.io/?EIO=4&transport=polling", nil)
		req.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Origin %q: %d, want %d", origin, res.StatusCode, want)
		}
	}
}
