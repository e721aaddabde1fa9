package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
)

// noHotline satisfies httpapi.Hotline for routes that only need one to
// exist.
type noHotline struct{ httpapi.Hotline }

type statusErr struct {
	code int
	msg  string
}

func (e statusErr) Error() string   { return e.msg }
func (e statusErr) HTTPStatus() int { return e.code }

// fakeCalls records what the routes pass on.
type fakeCalls struct{ got []string }

func (f *fakeCalls) Join(_ context.Context, member, room string, body []byte) (any, error) {
	f.got = append(f.got, "join "+member+" "+room+" "+string(body))
	if strings.Contains(string(body), "bad") {
		return nil, statusErr{400, "sdp: call: malformed request: bad"}
	}
	return map[string]string{"type": "answer", "session": "s1"}, nil
}

func (f *fakeCalls) Leave(member, room, session string) error {
	f.got = append(f.got, "leave "+member+" "+room+" "+session)
	if session != "s1" {
		return statusErr{404, "session: no such session"}
	}
	return nil
}

func (f *fakeCalls) Media(member, room, session string, body []byte) error {
	f.got = append(f.got, "media "+member+" "+room+" "+session+" "+string(body))
	return nil
}

func (f *fakeCalls) State(member, room string) (any, error) {
	f.got = append(f.got, "state "+member+" "+room)
	return map[string]any{"room": room, "call": "", "participants": []any{}}, nil
}

func TestCallRoutes(t *testing.T) {
	calls := &fakeCalls{}
	o := httpapi.Options{Status: func(context.Context) []share.NodeStatus { return nil }, Gatherer: prometheus.NewRegistry(),
		Hotline: noHotline{}, Calls: calls}
	tok := signIn(t, &o, nation.JP) // jp-watch, acting as member jp-ops
	h := httpapi.New(o)
	o.Calls = nil
	without := httpapi.New(o)
	json := "application/json"
	cases := []struct {
		name         string
		h            http.Handler
		method, path string
		ctype, body  string
		code         int
		contains     string
		got          string
	}{
		{"state", h, "GET", "/api/v1/rooms/ops/call?member=jp-ops", "", "", 200, `"room": "ops"`, "state jp-ops ops"},
		{"join", h, "POST", "/api/v1/rooms/ops/call?member=jp-ops", json, `{"type":"offer"}`, 201, `"session": "s1"`, `join jp-ops ops {"type":"offer"}`},
		{"join refused", h, "POST", "/api/v1/rooms/ops/call?member=jp-ops", json, `bad`, 400, `sdp: call: malformed`, "join jp-ops ops bad"},
		{"join not JSON", h, "POST", "/api/v1/rooms/ops/call?member=jp-ops", "text/plain", `{}`, 415, "Content-Type", ""},
		{"join as another member", h, "POST", "/api/v1/rooms/ops/call?member=kr-ops", json, `{}`, 403, "is not you", ""},
		{"leave", h, "DELETE", "/api/v1/rooms/ops/call/s1?member=jp-ops", "", "", 200, `"left"`, "leave jp-ops ops s1"},
		{"leave unknown", h, "DELETE", "/api/v1/rooms/ops/call/s9?member=jp-ops", "", "", 404, "no such session", "leave jp-ops ops s9"},
		{"media", h, "POST", "/api/v1/rooms/ops/call/s1/media?member=jp-ops", json, `{"muted":true}`, 200, `"s1"`, `media jp-ops ops s1 {"muted":true}`},
		{"no calls", without, "GET", "/api/v1/rooms/ops/call?member=jp-ops", "", "", 404, "no calls on this node", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls.got = nil
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			c.h.ServeHTTP(rec, req)
			if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.contains) {
				t.Errorf("%d %s, want %d containing %q", rec.Code, rec.Body, c.code, c.contains)
			}
			if got := strings.Join(calls.got, "; "); got != c.got {
				t.Errorf("passed on %q, want %q", got, c.got)
			}
		})
	}
}
