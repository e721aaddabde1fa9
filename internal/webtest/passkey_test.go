package webtest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/trilink/trilink/internal/webtest"
)

// TestPasskeyLogin: a leader signed in with the demo password enrols a
// passkey from the console (the DevTools virtual authenticator stands in
// for the platform authenticator), then signs in with it after signing
// out; from then on the password alone is refused.
func TestPasskeyLogin(t *testing.T) {
	base := newQuietDemo(t)
	// WebAuthn refuses IP addresses as relying party ids: use localhost.
	local := strings.Replace(base, "127.0.0.1", "localhost", 1)
	demoPasswords.Store(local, mustLoad(t, base))
	b := webtest.NewBrowser(t, webtest.Options{})
	dumpOnFail(t, b)
	if _, err := chromedp.Call(b.Ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	if _, err := chromedp.Call(b.Ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
		Options: &cdpwebauthn.VirtualAuthenticatorOptions{Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21,
			Transport: cdpwebauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true}}); err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	switchUser(t, b, local, "jp-leader", "/?lang=en")
	if cls := evalT[string](t, b, `document.getElementById("passkey-add").className`); cls != "attention" {
		t.Errorf("a leader without a passkey: button class %q, want attention", cls)
	}
	click(t, b, "#passkey-add")
	webtest.CheckFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		if msg := evalT[string](t, b, `(document.getElementById("user-msg") || {}).textContent || ""`); msg != "Passkey added." {
			return fmt.Errorf("after enrolling: message %q", msg)
		}
		return nil
	})
	b.Screenshot(t, "passkey_added", shotDir())

	// The password no longer signs the leader in.
	code, body := postJSON(t, local+"/api/v1/auth/login", `{"name":"jp-leader","password":"`+mustLoad(t, base)+`"}`)
	if code != http.StatusForbidden || !strings.Contains(body, "passkey") {
		t.Fatalf("password login after enrolment: %d %s", code, body)
	}

	// Signed out, the page asks to sign in; the passkey does it.
	if _, err := chromedp.Call(b.Ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.Ctx, chromedp.Navigate(local+"/?lang=en")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, 10*time.Second, `document.getElementById("login-dialog") && document.getElementById("login-dialog").open`)
	b.Screenshot(t, "login_form", shotDir())
	click(t, b, "#login-passkey")
	waitJS(t, b, 15*time.Second, `document.getElementById("user-name") && document.getElementById("user-name").dataset.user === "jp-leader"`)
	waitJS(t, b, 10*time.Second, `window.trilink && window.trilink.store.status !== null`)
	evalT[bool](t, b, `(fetch("/api/v1/auth/session").then(r => r.json()).then(j => window.__session = j.session.method + " " + j.session.user.passkeys), true)`)
	waitJS(t, b, 5*time.Second, `window.__session`)
	method := evalT[string](t, b, `window.__session`)
	if method != "passkey 1" {
		t.Errorf("session after the passkey sign-in: %q, want \"passkey 1\"", method)
	}
	noErrors(t, b)
}

func mustLoad(t *testing.T, base string) string {
	t.Helper()
	pw, ok := demoPasswords.Load(base)
	if !ok {
		t.Fatalf("no demo at %s", base)
	}
	return pw.(string)
}

func postJSON(t *testing.T, url, body string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	r, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	n, _ := r.Body.Read(buf)
	sb.Write(buf[:n])
	return r.StatusCode, sb.String()
}
