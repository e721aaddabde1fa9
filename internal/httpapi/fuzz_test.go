package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
)

// nullHotline accepts everything and returns nothing: the fuzz target
// exercises the routes' own parsing, not a hotline.
type nullHotline struct{}

func (nullHotline) Members(nation.Nation) any                                  { return []any{} }
func (nullHotline) Rooms(string) (any, error)                                  { return []any{}, nil }
func (nullHotline) Messages(string, string, int) (any, error)                  { return []any{}, nil }
func (nullHotline) Mark(context.Context, string, string, string, string) error { return nil }
func (nullHotline) Search(string, string, int) (any, error)                    { return []any{}, nil }
func (nullHotline) Escalations(string) (any, error)                            { return []any{}, nil }
func (nullHotline) LinkTests(nation.Nation) any                                { return []any{} }
func (nullHotline) Transcript(nation.Nation, uint64, int) (any, error)         { return []any{}, nil }
func (nullHotline) Send(_ context.Context, _, _ string, req httpapi.SendRequest) (any, error) {
	return map[string]int{"attachments": len(req.Attachments)}, nil
}
func (nullHotline) Attachment(string, string, string, int) (string, string, []byte, error) {
	return "a.txt", "text/plain", []byte("x"), nil
}
func (nullHotline) SubmitEnvelope(context.Context, nation.Nation, []byte) (any, error) {
	return nil, nil
}
func (nullHotline) SubmitReceipt(context.Context, nation.Nation, []byte) (any, error) {
	return nil, nil
}

// FuzzAPI sends arbitrary methods, paths, query strings and bodies to the
// node's handler as a signed-in watch officer and as nobody: every answer
// is a status below 500 with a JSON body (or the console's files), and
// nothing panics.
func FuzzAPI(f *testing.F) {
	for _, s := range []struct{ method, path, body string }{
		{"POST", "/api/v1/rooms/ops/messages", `{"precedence":"FLASH","body":"x","attachments":[{"name":"a","type":"text/plain","data":"eA=="}]}`},
		{"POST", "/api/v1/auth/login", `{"name":"jp-watch","password":"matrix test passphrase 1"}`},
		{"POST", "/api/v1/admin/users", `{"name":"x","role":"observer","password":"0123456789abcdef"}`},
		{"GET", "/api/v1/events?nation=jp", ""},
		{"GET", "/api/v1/hotline/transcript?after=18446744073709551615&limit=-1", ""},
		{"POST", "/api/v1/rooms/ops/messages/%ff/ack", `{}`},
		{"GET", "/cap/xx/alerts/..%2f..%2fetc%2fpasswd.xml", ""},
		{"POST", "/api/v1/measurements", `{"kind":"radar"}`},
	} {
		f.Add(s.method, s.path, s.body, true)
	}
	o := httpapi.Options{Nations: []nation.Nation{nation.JP}, Hotline: nullHotline{},
		Events: func(nation.Nation) []any { return nil }, Event: func(nation.Nation, string) (any, bool) { return nil, false }}
	m := newMatrixNodeWith(f, o)
	tok := m.tokens["jp/watch_officer"]
	f.Fuzz(func(t *testing.T, method, path, body string, signed bool) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t") {
			return // not a request line a client can send
		}
		switch method {
		case "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH":
		default:
			return
		}
		req, err := http.NewRequest(method, "http://node"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if signed {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		m.h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusNotImplemented && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		if strings.HasPrefix(req.URL.Path, "/api/") && method != "HEAD" && rec.Code != http.StatusNoContent && (rec.Code < 300 || rec.Code >= 400) && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: %d, not JSON: %q", method, path, rec.Code, rec.Body)
		}
	})
}
