package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/share"
)

const testPassword = "matrix test passphrase 1"

var (
	everyone   = auth.Roles
	hotlineers = []auth.Role{auth.RoleLeader, auth.RoleOfficial, auth.RoleWatch}
	admins     = []auth.Role{auth.RoleAdmin}
)

// matrix is the authorization policy, written independently of the
// server's route table: who may call each route. roles nil means public.
// Scoped routes act on a nation ({n} in the path or ?nation=) and answer
// only that nation's users; scopeDeny is the status of a refusal by scope
// (404 where a foreign account must not even be confirmed to exist).
var matrix = []struct {
	method, pattern, path string
	roles                 []auth.Role
	scoped                bool
	scopeDeny             int
}{
	{"GET", "GET /healthz", "/healthz", nil, false, 0},
	{"GET", "GET /readyz", "/readyz", nil, false, 0},
	{"GET", "GET /metrics", "/metrics", nil, false, 0},
	{"GET", "GET /cap/{nation}/alerts.atom", "/cap/{n}/alerts.atom", nil, false, 0},
	{"GET", "GET /cap/{nation}/alerts/{file}", "/cap/{n}/alerts/x.xml", nil, false, 0},
	{"GET", "GET /status/", "/status/", nil, false, 0},
	{"GET", "GET /{$}", "/", nil, false, 0},
	{"GET", "/api/", "/api/v1/nothing", nil, false, 0},
	{"POST", "POST /api/v1/auth/login", "/api/v1/auth/login", nil, false, 0},
	{"POST", "POST /api/v1/auth/logout", "/api/v1/auth/logout", nil, false, 0},
	{"POST", "POST /api/v1/auth/passkey/login/begin", "/api/v1/auth/passkey/login/begin", nil, false, 0},
	{"POST", "POST /api/v1/auth/passkey/login/finish", "/api/v1/auth/passkey/login/finish", nil, false, 0},
	{"GET", "GET /api/v1/auth/session", "/api/v1/auth/session", everyone, false, 0},
	{"POST", "POST /api/v1/auth/passkey/register/begin", "/api/v1/auth/passkey/register/begin", everyone, false, 0},
	{"POST", "POST /api/v1/auth/passkey/register/finish", "/api/v1/auth/passkey/register/finish", everyone, false, 0},
	{"GET", "GET /api/v1/status", "/api/v1/status", everyone, false, 0},
	{"GET", "GET /api/v1/live", "/api/v1/live?nation={n}", everyone, true, 403},
	{"GET", "GET /api/v1/events", "/api/v1/events?nation={n}", everyone, true, 403},
	{"GET", "GET /api/v1/events/{id}", "/api/v1/events/E1?nation={n}", everyone, true, 403},
	{"GET", "GET /api/v1/events/{id}/export", "/api/v1/events/E1/export?nation={n}&format=kml", everyone, true, 403},
	{"GET", "GET /api/v1/alerts", "/api/v1/alerts?nation={n}", everyone, true, 403},
	{"GET", "GET /api/v1/sensors", "/api/v1/sensors", everyone, false, 0},
	{"GET", "GET /api/v1/hotline/linktests", "/api/v1/hotline/linktests?nation={n}", everyone, true, 403},
	{"GET", "GET /api/v1/hotline/members", "/api/v1/hotline/members?nation={n}", hotlineers, true, 403},
	{"GET", "GET /api/v1/rooms", "/api/v1/rooms", hotlineers, false, 0},
	{"GET", "GET /api/v1/rooms/{room}/messages", "/api/v1/rooms/ops/messages", hotlineers, false, 0},
	{"POST", "POST /api/v1/rooms/{room}/messages", "/api/v1/rooms/ops/messages", hotlineers, false, 0},
	{"POST", "POST /api/v1/rooms/{room}/messages/{id}/read", "/api/v1/rooms/ops/messages/M/read", hotlineers, false, 0},
	{"POST", "POST /api/v1/rooms/{room}/messages/{id}/ack", "/api/v1/rooms/ops/messages/M/ack", hotlineers, false, 0},
	{"GET", "GET /api/v1/rooms/{room}/messages/{id}/attachments/{i}", "/api/v1/rooms/ops/messages/M/attachments/0", hotlineers, false, 0},
	{"GET", "GET /api/v1/hotline/search", "/api/v1/hotline/search?q=x", hotlineers, false, 0},
	{"GET", "GET /api/v1/rooms/{room}/call", "/api/v1/rooms/ops/call", hotlineers, false, 0},
	{"POST", "POST /api/v1/rooms/{room}/call", "/api/v1/rooms/ops/call", hotlineers, false, 0},
	{"DELETE", "DELETE /api/v1/rooms/{room}/call/{session}", "/api/v1/rooms/ops/call/S1", hotlineers, false, 0},
	{"POST", "POST /api/v1/rooms/{room}/call/{session}/media", "/api/v1/rooms/ops/call/S1/media", hotlineers, false, 0},
	{"GET", "GET /api/v1/hotline/escalations", "/api/v1/hotline/escalations", hotlineers, false, 0},
	{"POST", "POST /api/v1/hotline/envelopes", "/api/v1/hotline/envelopes?nation={n}", hotlineers, true, 403},
	{"POST", "POST /api/v1/hotline/receipts", "/api/v1/hotline/receipts?nation={n}", hotlineers, true, 403},
	{"GET", "GET /api/v1/hotline/transcript", "/api/v1/hotline/transcript?nation={n}", hotlineers, true, 403},
	{"GET", "GET /api/v1/admin/users", "/api/v1/admin/users", admins, false, 0},
	// Sensors only, by certificate: no session gives access.
	{"POST", "POST /api/v1/measurements", "/api/v1/measurements", []auth.Role{}, false, 0},
	{"POST", "POST /api/v1/admin/users", "/api/v1/admin/users", admins, false, 0},
	{"POST", "POST /api/v1/admin/users/{name}/disable", "/api/v1/admin/users/{n}-target/disable", admins, true, 404},
	{"POST", "POST /api/v1/admin/users/{name}/enable", "/api/v1/admin/users/{n}-target/enable", admins, true, 404},
	{"POST", "POST /api/v1/admin/users/{name}/password", "/api/v1/admin/users/{n}-target/password", admins, true, 404},
}

type matrixNode struct {
	h      http.Handler
	svc    *auth.Service
	reg    *prometheus.Registry
	tokens map[string]string // "jp/leader" → bearer token
}

func newMatrixNode(t *testing.T) *matrixNode {
	t.Helper()
	return newMatrixNodeWith(t, httpapi.Options{Nations: share.Nations})
}

// newMatrixNodeWith serves o with one user of every role in every nation.
func newMatrixNodeWith(t testing.TB, o httpapi.Options) *matrixNode {
	t.Helper()
	users := auth.NewUsers()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Config{Users: users, LoginBurst: 1000, LoginRate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	m := &matrixNode{reg: prometheus.NewRegistry(), tokens: map[string]string{}, svc: svc}
	for _, n := range share.Nations {
		if err := users.AddHashed(auth.User{Name: n.String() + "-target", Nation: n, Role: auth.RoleObserver, Hash: hash}); err != nil {
			t.Fatal(err)
		}
		for _, r := range auth.Roles {
			u := auth.User{Name: fmt.Sprintf("%s-%s", n, strings.ReplaceAll(string(r), "_", "-")), Nation: n, Role: r, Hash: hash}
			if slices.Contains(hotlineers, r) {
				u.Member = u.Name
			}
			if err := users.AddHashed(u); err != nil {
				t.Fatal(err)
			}
			tok, _, err := svc.Login(u.Name, testPassword, netip.MustParseAddr("127.0.0.1"))
			if err != nil {
				t.Fatal(err)
			}
			m.tokens[n.String()+"/"+string(r)] = tok
		}
	}
	o.Status = func(context.Context) []share.NodeStatus { return nil }
	o.Gatherer, o.Registerer, o.Auth = m.reg, m.reg, svc
	m.h = httpapi.New(o)
	return m
}

func (m *matrixNode) relogin(t testing.TB, key string) {
	own, role, _ := strings.Cut(key, "/")
	tok, _, err := m.svc.Login(own+"-"+strings.ReplaceAll(role, "_", "-"), testPassword, netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	m.tokens[key] = tok
}

func (m *matrixNode) do(method, path, token string, hdr ...string) *httptest.ResponseRecorder {
	var body *strings.Reader
	if method == "POST" {
		body = strings.NewReader("{}")
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	return rec
}

// TestAuthorizationMatrix calls every route as every role of every nation
// about every nation, and as nobody, and checks allow or deny against the
// matrix.
func TestAuthorizationMatrix(t *testing.T) {
	m := newMatrixNode(t)
	// Every route the server has is in the matrix, and the other way round.
	var registered []string
	for _, r := range httpapi.Routes(m.h) {
		registered = append(registered, r.Pattern)
	}
	for _, row := range matrix {
		if !slices.Contains(registered, row.pattern) {
			t.Errorf("matrix row %q: no such route", row.pattern)
		}
	}
	for _, p := range registered {
		if !slices.ContainsFunc(matrix, func(r struct {
			method, pattern, path string
			roles                 []auth.Role
			scoped                bool
			scopeDeny             int
		}) bool {
			return r.pattern == p
		}) {
			t.Errorf("route %q is not in the authorization matrix", p)
		}
	}
	denied := func(code int) bool { return code == http.StatusUnauthorized || code == http.StatusForbidden }
	cases := 0
	for _, row := range matrix {
		for _, target := range share.Nations {
			path := strings.ReplaceAll(row.path, "{n}", target.String())
			// Nobody signed in.
			rec := m.do(row.method, path, "")
			if row.roles == nil && denied(rec.Code) || row.roles != nil && rec.Code != http.StatusUnauthorized {
				t.Errorf("%s %s signed out: %d %s", row.method, path, rec.Code, rec.Body)
			}
			cases++
			for _, own := range share.Nations {
				for _, role := range auth.Roles {
					cases++
					key := own.String() + "/" + string(role)
					rec := m.do(row.method, path, m.tokens[key])
					if row.pattern == "POST /api/v1/auth/logout" {
						if _, err := m.svc.Session(m.tokens[key]); err == nil {
							t.Errorf("logout as %s left the session alive", key)
						}
						m.relogin(t, key)
					}
					allowRole := row.roles == nil || slices.Contains(row.roles, role)
					inScope := !row.scoped || own == target
					switch {
					case !allowRole:
						if rec.Code != http.StatusForbidden {
							t.Errorf("%s %s as %s %s: %d, want 403 (role) — %s", row.method, path, own, role, rec.Code, rec.Body)
						}
					case !inScope:
						if rec.Code != row.scopeDeny {
							t.Errorf("%s %s as %s %s: %d, want %d (another nation's) — %s", row.method, path, own, role, rec.Code, row.scopeDeny, rec.Body)
						}
					default:
						if denied(rec.Code) || (row.scopeDeny == 404 && rec.Code == 404) {
							t.Errorf("%s %s as %s %s: %d, want allowed — %s", row.method, path, own, role, rec.Code, rec.Body)
						}
					}
				}
			}
		}
	}
	t.Logf("%d routes, %d cases", len(matrix), cases)
	// Refusals are counted by route and reason.
	rec := m.do("GET", "/metrics", "")
	for _, want := range []string{
		`trilink_http_rejected_total{reason="unauthenticated",route="GET /api/v1/events"}`,
		`trilink_http_rejected_total{reason="forbidden",route="GET /api/v1/admin/users"}`,
		`trilink_http_rejected_total{reason="foreign_nation",route="GET /api/v1/alerts"}`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestHotlineMemberIsTheSignedInUser(t *testing.T) {
	m := newMatrixNode(t)
	rec := m.do("GET", "/api/v1/rooms?member=kr-leader", m.tokens["jp/leader"])
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "not you") {
		t.Fatalf("acting as another member: %d %s", rec.Code, rec.Body)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	m := newMatrixNode(t)
	tok := m.tokens["jp/admin"]
	for _, tt := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign Origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"same-origin fetch", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusBadRequest},
		{"no browser headers (a program)", nil, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := m.do("POST", "/api/v1/admin/users", tok, tt.hdr...)
			if rec.Code != tt.want {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
}

func TestLoginSetsAStrictHttpOnlyCookie(t *testing.T) {
	m := newMatrixNode(t)
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"name":"kr-observer","password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), `"token"`) {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	c := rec.Result().Cookies()
	if len(c) != 1 || c[0].Name != httpapi.SessionCookie || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != "/" {
		t.Fatalf("cookie %+v", c)
	}
	req = httptest.NewRequest("GET", "/api/v1/alerts", nil)
	req.AddCookie(c[0])
	rec = httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "no warning runs") {
		t.Fatalf("with the cookie: %d %s", rec.Code, rec.Body)
	}
	// A bad login says why without naming whether the user exists.
	for _, name := range []string{"kr-observer", "nobody"} {
		req = httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"name":"`+name+`","password":"wrong wrong wrong"}`))
		req.Header.Set("Content-Type", "application/json")
		rec = httptest.NewRecorder()
		m.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "wrong name or password") {
			t.Fatalf("bad login as %s: %d %s", name, rec.Code, rec.Body)
		}
	}
}

// TestDisabledUserCutOff: an administrator disables a user through the API;
// the user's open session is refused on its next request, and a jp admin
// cannot touch a kr user (it does not exist for them).
func TestDisabledUserCutOff(t *testing.T) {
	m := newMatrixNode(t)
	victim := m.tokens["jp/official"]
	if rec := m.do("GET", "/api/v1/events?nation=jp", victim); rec.Code == http.StatusUnauthorized {
		t.Fatalf("before: %d", rec.Code)
	}
	if rec := m.do("POST", "/api/v1/admin/users/kr-official/disable", m.tokens["jp/admin"]); rec.Code != http.StatusNotFound {
		t.Fatalf("jp admin disabling a kr user: %d %s", rec.Code, rec.Body)
	}
	if rec := m.do("POST", "/api/v1/admin/users/jp-official/disable", m.tokens["jp/admin"]); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"disabled": true`) {
		t.Fatalf("disable: %d %s", rec.Code, rec.Body)
	}
	if rec := m.do("GET", "/api/v1/events?nation=jp", victim); rec.Code != http.StatusUnauthorized {
		t.Fatalf("the disabled user's session: %d %s", rec.Code, rec.Body)
	}
	if rec := m.do("POST", "/api/v1/admin/users/jp-admin/disable", m.tokens["jp/admin"]); rec.Code != http.StatusBadRequest {
		t.Fatalf("an admin disabling themself: %d %s", rec.Code, rec.Body)
	}
	if rec := m.do("GET", "/api/v1/events?nation=kr", m.tokens["kr/official"]); rec.Code == http.StatusUnauthorized {
		t.Fatalf("kr's official was cut off too: %d", rec.Code)
	}
}

// With a scrape token, /metrics answers only that bearer token: not the
// signed-out, not a wrong token, not even an administrator's session.
func TestMetricsScrapeToken(t *testing.T) {
	const token = "scrape-token-for-the-test-0123456789"
	m := newMatrixNodeWith(t, httpapi.Options{Nations: share.Nations, MetricsToken: token})
	for _, c := range []struct {
		name, token string
		want        int
	}{
		{"signed out", "", http.StatusUnauthorized},
		{"wrong token", token + "x", http.StatusUnauthorized},
		{"an admin's session", m.tokens["jp/admin"], http.StatusUnauthorized},
		{"the scrape token", token, http.StatusOK},
	} {
		rec := m.do("GET", "/metrics", c.token)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d — %s", c.name, rec.Code, c.want, rec.Body)
		}
		if c.want == http.StatusUnauthorized && (rec.Header().Get("WWW-Authenticate") == "" || !strings.Contains(rec.Body.String(), "scrape token")) {
			t.Errorf("%s: refusal without WWW-Authenticate or reason: %v %s", c.name, rec.Header(), rec.Body)
		}
	}
	rec := m.do("GET", "/metrics", token)
	if want := `trilink_http_rejected_total{reason="unauthenticated",route="GET /metrics"} 3`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
	// The other public routes stay public.
	if rec := m.do("GET", "/healthz", ""); rec.Code != http.StatusOK {
		t.Errorf("/healthz: %d", rec.Code)
	}
}
