package webtest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/webtest"
)

// demoPasswords holds each started demo's password by base URL; tokens the
// session tokens of users signed in to it.
var demoPasswords, tokens sync.Map

// actor is the demo user a request or page acts as: its ?member=, else the
// watch officer of its ?nation=, else jp-ops.
func actor(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "jp-ops"
	}
	q := u.Query()
	if m := q.Get("member"); m != "" {
		return m
	}
	if n := q.Get("nation"); n != "" {
		return n + "-ops"
	}
	return "jp-ops"
}

// token signs user in to the demo at base (once) and returns the session
// token, or "" when base is no demo of these tests.
func token(t testing.TB, base, user string) string {
	t.Helper()
	pw, ok := demoPasswords.Load(base)
	if !ok {
		return ""
	}
	if tok, ok := tokens.Load(base + " " + user); ok {
		return tok.(string)
	}
	body, _ := json.Marshal(map[string]any{"name": user, "password": pw, "bearer": true})
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
		return ""
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("sign in as %s: %d %s %v", user, resp.StatusCode, out.Error, err)
		return ""
	}
	tokens.Store(base+" "+user, out.Token)
	return out.Token
}

// sign adds the bearer token of the request's actor.
func sign(t testing.TB, req *http.Request) {
	base := req.URL.Scheme + "://" + req.URL.Host
	if tok := token(t, base, actor(req.URL.String())); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
}

// signInBrowser gives the browser user's session cookie for base.
func signInBrowser(t *testing.T, b *webtest.Browser, base, user string) {
	t.Helper()
	tok := token(t, base, user)
	if tok == "" {
		return
	}
	httpOnly := true
	if _, err := chromedp.Call(b.Ctx, network.SetCookie, network.SetCookieParams{Name: httpapi.SessionCookie, Value: tok,
		URL: base + "/", Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteStrict}); err != nil {
		t.Fatalf("set the session cookie: %v", err)
	}
}

// switchUser signs the browser in as user and loads path afresh.
func switchUser(t *testing.T, b *webtest.Browser, base, user, path string) {
	t.Helper()
	signInBrowser(t, b, base, user)
	// Leave the page first: loading the same URL again would only move
	// within the document.
	if err := chromedp.Do(b.Ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	openSigned(t, b, base, path)
	if got := evalT[string](t, b, `document.getElementById("user-name").dataset.user`); got != user {
		t.Fatalf("signed in as %q, want %q", got, user)
	}
}

// hashOf returns the fragment of a path ("#/alerts"), or "".
func hashOf(path string) string {
	if i := strings.Index(path, "#"); i >= 0 {
		return path[i:]
	}
	return ""
}

// nopTB lets get sign requests outside a test's goroutine; a failed sign-in
// leaves the request unsigned, and the caller sees the 401.
type nopTB struct{ testing.TB }

func (nopTB) Helper()               {}
func (nopTB) Fatalf(string, ...any) {}

// testAuth gives o a sign-in service with one watch officer, user of
// nation n, and returns that user's session token.
func testAuth(t *testing.T, o *httpapi.Options, user string, n nation.Nation) string {
	t.Helper()
	const pw = "web test passphrase 1"
	users := auth.NewUsers()
	svc, err := auth.New(auth.Config{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add(auth.User{Name: user, Nation: n, Role: auth.RoleWatch, Member: user}, pw); err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.Login(user, pw, netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	o.Auth = svc
	return tok
}

// TestRolesInTheConsole: an observer sees the picture and is told the
// hotline is not theirs, with no request refused along the way; a watch
// officer of kr sees kr's node only.
func TestRolesInTheConsole(t *testing.T) {
	base := newQuietDemo(t)
	b := webtest.NewBrowser(t, webtest.Options{})
	dumpOnFail(t, b)
	switchUser(t, b, base, "us-observer", "/?lang=en#/hotline")
	waitJS(t, b, 10*time.Second, `document.getElementById("hl-error") && document.getElementById("hl-error").textContent.includes("not a hotline member")`)
	if role := evalT[string](t, b, `document.getElementById("user-name").dataset.role`); role != "observer" {
		t.Errorf("role %q", role)
	}
	if n := evalT[string](t, b, `window.trilink.store.nation + " " + [...document.getElementById("nation").options].map(o => o.value).join()`); n != "us us" {
		t.Errorf("nation and choices %q, want us only", n)
	}
	noErrors(t, b)
}
