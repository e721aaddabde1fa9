package webtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/webtest"
)

var update = flag.Bool("update", false, "also save screenshots into testdata/screenshots")

const scenario = "2022-10-04-irbm-overflight"

// shotDir is where -update saves screenshots.
func shotDir() string {
	if *update {
		return "testdata/screenshots"
	}
	return ""
}

// testWriter sends the demo's log to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newDemo starts `trilink demo` in-process on a loopback port, waits until
// it is ready and serves the console at /, and returns its base URL.
func newDemo(t *testing.T) string { return newDemoWith(t, scenario) }

// newQuietDemo runs the demo without a scenario, for tests that bring their
// own (synthetic) picture and must not see the replayed launch.
func newQuietDemo(t *testing.T) string { return newDemoWith(t, "") }

func newDemoWith(t *testing.T, scenario string) string {
	t.Helper()
	base, _ := startDemo(t, scenario)
	return base
}

// startDemo is newDemoWith that also returns the demo.
func startDemo(t *testing.T, scenario string) (string, *app.Demo) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := app.NewDemo(ctx, app.DemoConfig{HTTP: "127.0.0.1:0", DataDir: t.TempDir(), Speed: 20, Scenario: scenario}, log)
	if err != nil {
		cancel()
		t.Fatalf("start demo: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Errorf("demo did not stop within 20 s")
		}
		d.Close()
	})
	base := "http://" + d.Addr().String()
	demoPasswords.Store(base, d.Logins.Password)
	webtest.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		code, _, err := get(base + "/readyz")
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("/readyz: %d", code)
		}
		return nil
	})
	code, body, err := get(base + "/")
	if err != nil || code != http.StatusOK || !strings.Contains(body, `id="map"`) {
		t.Fatalf("the demo does not serve the console at / (status %d, err %v): mount web.Dist in internal/httpapi (Options.Console)", code, err)
	}
	return base, d
}

// get fetches url signed in as its actor (see actor) when it is a demo's.
func get(url string) (int, string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, "", err
	}
	sign(nopTB{}, req)
	r, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	return r.StatusCode, string(b), err
}

// needEvents skips t while the node has no events API (it answers 404).
func needEvents(t *testing.T, base string) {
	t.Helper()
	code, _, err := get(base + "/api/v1/events?nation=jp")
	if err != nil {
		t.Fatalf("GET /api/v1/events: %v", err)
	}
	if code == http.StatusNotFound {
		t.Skip("needs /api/v1/events")
	}
}

// open signs the browser in as the path's actor (its ?nation='s watch
// officer, else jp-ops), loads the console at path (relative to base) and
// waits until it has the node's status.
func open(t *testing.T, b *webtest.Browser, base, path string) {
	t.Helper()
	signInBrowser(t, b, base, actor(base+path))
	openSigned(t, b, base, path)
}

// openSigned loads the console at path with the browser's session as it is.
func openSigned(t *testing.T, b *webtest.Browser, base, path string) {
	t.Helper()
	if err := chromedp.Do(b.Ctx, chromedp.Navigate(base+path)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	waitJS(t, b, 20*time.Second, `window.trilink && window.trilink.store.status !== null && document.querySelectorAll("#links [data-partner]").length === 2`)
}

// waitJS waits until the JavaScript expression is truthy.
func waitJS(t *testing.T, b *webtest.Browser, timeout time.Duration, expr string) {
	t.Helper()
	webtest.CheckFor(t, timeout, 100*time.Millisecond, func() error {
		ok, err := webtest.Eval[bool](b, "!!("+expr+")")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("still false: " + expr)
		}
		return nil
	})
}

func evalT[T any](t *testing.T, b *webtest.Browser, expr string) T {
	t.Helper()
	v, err := webtest.Eval[T](b, expr)
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// noErrors fails t if the page logged console errors or threw, or the
// browser logged an error other than a failed request (a CSP violation,
// for example). Failed requests are expected here: API routes a node does
// not serve, and the unreachable-node tests.
func noErrors(t *testing.T, b *webtest.Browser) {
	t.Helper()
	for _, m := range b.Messages() {
		if (m.Type == chromedp.ConsoleError || m.IsException()) && m.Source != "network" {
			t.Errorf("console: %s %s:%d: %s", m.Type, m.URL, m.Line+1, m.String())
		}
	}
}

func setSelect(t *testing.T, b *webtest.Browser, id, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value; })()`, id, value)
	if got := evalT[string](t, b, js); got != value {
		t.Fatalf("select #%s: got %q, want %q", id, got, value)
	}
}

// emulateNetworkConditions is the protocol's Network.emulateNetworkConditions
// (deprecated in favour of emulateNetworkConditionsByRule, which this
// Chromium refuses without a URL pattern); offline fails every request and
// ends open connections, as an unreachable node would.
var emulateNetworkConditions = cdp.Command[emulateParams, cdp.Empty]{Method: "Network.emulateNetworkConditions"}

type emulateParams struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`
	DownloadThroughput float64 `json:"downloadThroughput"`
	UploadThroughput   float64 `json:"uploadThroughput"`
}

func setOffline(t *testing.T, b *webtest.Browser, offline bool) {
	t.Helper()
	_, err := chromedp.Call(b.Ctx, network.Enable, network.EnableParams{})
	if err == nil {
		_, err = chromedp.Call(b.Ctx, emulateNetworkConditions, emulateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
	}
	if err != nil {
		t.Fatalf("offline=%v: %v", offline, err)
	}
}

// TestConsoleLoads: the console loads from the demo's server with no
// console errors, draws the base map, and shows the link state to both
// partners and the live connection.
func TestConsoleLoads(t *testing.T) {
	base := newDemo(t)
	b := webtest.NewBrowser(t, webtest.Options{})
	open(t, b, base, "/?lang=en")
	waitJS(t, b, 15*time.Second, `performance.getEntriesByName("trilink:base-map").length > 0`)
	waitJS(t, b, 15*time.Second, `document.body.dataset.conn === "live" || document.body.dataset.conn === "polling"`)
	partners := evalT[[]string](t, b, `[...document.querySelectorAll("#links [data-partner]")].map(e => e.dataset.partner + ":" + e.dataset.state)`)
	if len(partners) != 2 || !strings.HasPrefix(partners[0], "kr:") || !strings.HasPrefix(partners[1], "us:") {
		t.Errorf("link badges of jp: got %v, want kr:… and us:…", partners)
	}
	for _, sel := range []string{"#map canvas", "#events-panel", "#nation", "#lang", "#map-layers input#layer-coverage", "#digest", "#conn"} {
		if n := evalT[int](t, b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)); n == 0 {
			t.Errorf("no %s", sel)
		}
	}
	// Every form control has a label.
	unlabelled := evalT[[]string](t, b, `[...document.querySelectorAll("select, input")].filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map(e => e.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}
	// Sensors are drawn and the coverage toggle works from the keyboard.
	waitJS(t, b, 10*time.Second, `window.trilink.store.sensors.length > 0`)
	evalT[bool](t, b, `(() => { const c = document.getElementById("layer-coverage"); c.focus(); return document.activeElement === c; })()`)
	if err := chromedp.Do(b.Ctx, chromedp.KeyEvent(" ")); err != nil {
		t.Fatalf("key: %v", err)
	}
	if !evalT[bool](t, b, `document.getElementById("layer-coverage").checked`) {
		t.Errorf("space on the focused coverage toggle did not turn it on")
	}
	attribution := evalT[string](t, b, `document.querySelector(".leaflet-control-attribution").textContent`)
	for _, want := range []string{"Natural Earth", "国土地理院", "통계청", "Census", "Marine Regions"} {
		if !strings.Contains(attribution, want) {
			t.Errorf("map attribution %q lacks %q", attribution, want)
		}
	}
	time.Sleep(time.Second)
	b.Screenshot(t, "console_loads", shotDir())
	noErrors(t, b)
	// No file of the console itself failed to load (API routes may be
	// missing on a node without fusion; that is shown in the page).
	for _, m := range b.Messages() {
		if m.Source == "network" && !strings.Contains(m.URL, "/api/") && !strings.Contains(m.URL, "/cap/") {
			t.Errorf("failed to load %s: %s", m.URL, m.Text)
		}
	}
}

// TestLanguageSwitch: switching language changes the visible texts, and
// the browser's language is the default.
func TestLanguageSwitch(t *testing.T) {
	base := newDemo(t)
	b := webtest.NewBrowser(t, webtest.Options{Lang: "ko-KR"})
	open(t, b, base, "/")
	texts := func() map[string]string {
		return evalT[map[string]string](t, b, `(() => {
			const o = {};
			for (const id of ["title", "tab-events", "tab-alerts", "nation-label", "lang-label", "events-heading", "layer-coverage-label", "digest", "conn"]) {
				const e = document.getElementById(id); o[id] = e ? e.textContent : "";
			}
			o.lang = document.documentElement.lang;
			o.link = document.querySelector("#links [data-partner]").textContent;
			o.zoom = document.querySelector(".leaflet-control-zoom-in").title;
			return o;
		})()`)
	}
	got := texts()
	if got["lang"] != "ko" || got["tab-alerts"] != "경보" {
		t.Errorf("default language from a ko-KR browser: lang %q, alerts tab %q; want ko, 경보", got["lang"], got["tab-alerts"])
	}
	want := map[string]map[string]string{
		"en": {"tab-events": "Events", "tab-alerts": "Alerts", "events-heading": "Launch events", "lang-label": "Language", "layer-coverage-label": "Sensor coverage", "zoom": "Zoom in"},
		"ja": {"tab-events": "事象", "tab-alerts": "警報", "events-heading": "発射事象", "lang-label": "言語", "layer-coverage-label": "センサー覆域", "zoom": "拡大"},
		"ko": {"tab-events": "사건", "tab-alerts": "경보", "events-heading": "발사 사건", "lang-label": "언어", "layer-coverage-label": "센서 탐지 범위", "zoom": "확대"},
	}
	prev := got
	for _, lang := range []string{"en", "ja", "ko"} {
		setSelect(t, b, "lang", lang)
		got := texts()
		if got["lang"] != lang {
			t.Errorf("%s: <html lang> is %q", lang, got["lang"])
		}
		for id, w := range want[lang] {
			if got[id] != w {
				t.Errorf("%s: #%s is %q, want %q", lang, id, got[id], w)
			}
		}
		if lang != "ko" || prev["lang"] != "ko" {
			for _, id := range []string{"title", "nation-label", "digest", "link"} {
				if got[id] == prev[id] {
					t.Errorf("%s: #%s stayed %q after switching from %s", lang, id, got[id], prev["lang"])
				}
			}
		}
		b.Screenshot(t, "language_"+lang, shotDir())
		prev = got
	}
	// The choice survives a reload.
	open(t, b, base, "/")
	if l := evalT[string](t, b, `document.documentElement.lang`); l != "ko" {
		t.Errorf("after reload: lang %q, want ko (stored)", l)
	}
	// Dates carry UTC in their title.
	bad := evalT[[]string](t, b, `[...document.querySelectorAll("time")].filter(e => !/UTC$/.test(e.title)).map(e => e.textContent)`)
	if len(bad) > 0 {
		t.Errorf("times without UTC on hover: %v", bad)
	}
	noErrors(t, b)
}

// TestNationSwitch: the nation switch changes whose node the alerts panel
// and the link badges show, and reconnects the live stream for it.
func TestNationSwitch(t *testing.T) {
	base := newDemo(t)
	b := webtest.NewBrowser(t, webtest.Options{})
	open(t, b, base, "/?lang=en#/alerts")
	waitJS(t, b, 10*time.Second, `document.getElementById("alerts-panel")`)
	for _, tt := range []struct {
		nation, name string
		partners     string
	}{
		{"jp", "Japan", "kr,us"},
		{"kr", "Republic of Korea", "jp,us"},
		{"us", "United States", "jp,kr"},
	} {
		t.Run(tt.nation, func(t *testing.T) {
			switchUser(t, b, base, tt.nation+"-ops", "/?lang=en#/alerts")
			waitJS(t, b, 10*time.Second, fmt.Sprintf(`document.getElementById("alerts-panel").dataset.nation === %q`, tt.nation))
			h, err := b.Text("#alerts-heading")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(h, tt.name) {
				t.Errorf("alerts heading %q does not name %s", h, tt.name)
			}
			waitJS(t, b, 10*time.Second, fmt.Sprintf(`[...document.querySelectorAll("#links [data-partner]")].map(e => e.dataset.partner).join() === %q`, tt.partners))
			waitJS(t, b, 10*time.Second, `document.body.dataset.conn === "live" || document.body.dataset.conn === "polling"`)
			if n := evalT[string](t, b, `window.trilink.store.nation`); n != tt.nation {
				t.Errorf("store nation %q, want %q", n, tt.nation)
			}
			// What the panel lists is what that node has.
			code, body, err := get(base + "/api/v1/alerts?nation=" + tt.nation)
			if err == nil && code == http.StatusOK {
				var r struct {
					Alerts []struct {
						ID string `json:"id"`
					} `json:"alerts"`
				}
				if err := json.Unmarshal([]byte(body), &r); err != nil {
					t.Fatalf("alerts JSON: %v", err)
				}
				for _, a := range r.Alerts {
					waitJS(t, b, 10*time.Second, fmt.Sprintf(`document.querySelector('#alerts-panel [data-alert=%q]')`, a.ID))
				}
			}
			b.Screenshot(t, "nation_"+tt.nation, shotDir())
		})
	}
	noErrors(t, b)
}

// TestNodeUnreachable: when the node cannot be reached the console says
// so, and it recovers by itself when the node is back.
func TestNodeUnreachable(t *testing.T) {
	base := newDemo(t)
	b := webtest.NewBrowser(t, webtest.Options{})
	open(t, b, base, "/?lang=en")
	waitJS(t, b, 10*time.Second, `document.body.dataset.conn === "live" || document.body.dataset.conn === "polling"`)
	if !evalT[bool](t, b, `document.getElementById("banner").hidden`) {
		t.Errorf("banner shown while the node is reachable")
	}
	setOffline(t, b, true)
	waitJS(t, b, 15*time.Second, `!document.getElementById("banner").hidden && document.body.dataset.conn === "unreachable"`)
	banner, _ := b.Text("#banner")
	if !strings.Contains(banner, "unreachable") {
		t.Errorf("banner %q does not say the node is unreachable", banner)
	}
	if role := evalT[string](t, b, `document.getElementById("banner").getAttribute("role")`); role != "alert" {
		t.Errorf("banner role %q, want alert", role)
	}
	b.Screenshot(t, "node_unreachable", shotDir())
	setOffline(t, b, false)
	waitJS(t, b, 20*time.Second, `document.getElementById("banner").hidden && (document.body.dataset.conn === "live" || document.body.dataset.conn === "polling")`)
	b.Screenshot(t, "node_recovered", shotDir())
	noErrors(t, b)
}

// firstEventID waits for the console to list an event and returns its id.
func firstEventID(t *testing.T, b *webtest.Browser, timeout time.Duration) string {
	t.Helper()
	waitJS(t, b, timeout, `document.querySelector("#events-table tbody tr[data-event]")`)
	return evalT[string](t, b, `document.querySelector("#events-table tbody tr[data-event]").dataset.event`)
}

// TestEventAppears: within 30 s of the scenario's launch (at demo speed
// 20) the event is in the list and on the map.
func TestEventAppears(t *testing.T) {
	base := newDemo(t)
	needEvents(t, base)
	start := time.Now()
	b := webtest.NewBrowser(t, webtest.Options{})
	dumpOnFail(t, b)
	open(t, b, base, "/?lang=en")
	id := firstEventID(t, b, 30*time.Second-time.Since(start))
	waitJS(t, b, 30*time.Second-time.Since(start), fmt.Sprintf(`window.trilink.eventsOnMap().includes(%q)`, id))
	t.Logf("event %s listed and on the map %.1f s after the demo started", id, time.Since(start).Seconds())
	if n := evalT[int](t, b, `document.querySelectorAll("#timeline .tl-item").length`); n == 0 {
		t.Errorf("event %s is not on the timeline", id)
	}
	b.Screenshot(t, "event_appears", shotDir())
	noErrors(t, b)
}

// dumpOnFail logs the console's picture when t fails, to tell a console
// fault from a picture that did not come.
func dumpOnFail(t *testing.T, b *webtest.Browser) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		s, err := webtest.Eval[string](b, `JSON.stringify({hash: location.hash, conn: document.body.dataset.conn, events: [...window.trilink.store.events.values()].map(e => ({id: e.id, state: e.state, launch: e.launch, apogee_km: e.apogee_km, measurements: e.measurements}))})`)
		t.Logf("console picture at failure: %s (err %v)", s, err)
	})
}

// TestEventPage: the event page shows the ministry-release figures and
// the three plots.
func TestEventPage(t *testing.T) {
	base := newDemo(t)
	needEvents(t, base)
	b := webtest.NewBrowser(t, webtest.Options{})
	dumpOnFail(t, b)
	open(t, b, base, "/?lang=en")
	firstEventID(t, b, 30*time.Second)
	// The event with a launch estimate (fusion may list a track before it
	// has one).
	waitJS(t, b, 30*time.Second, `[...window.trilink.store.events.values()].some(e => e.launch && e.launch.time)`)
	id := evalT[string](t, b, `[...window.trilink.store.events.values()].find(e => e.launch && e.launch.time).id`)
	if err := chromedp.Do(b.Ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#/events/" + encodeURIComponent(%q)`, id))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, 10*time.Second, fmt.Sprintf(`document.getElementById("event-page") && document.getElementById("event-page").dataset.event === %q`, id))
	// The estimates arrive over the flight; wait for the headline figures.
	figs := []string{"fig_launch_time", "fig_launch_point", "fig_number", "fig_class", "fig_apogee", "fig_range", "fig_flight_time", "fig_impact_point", "fig_impact_zone", "fig_overflight"}
	for _, f := range figs {
		waitJS(t, b, 60*time.Second, fmt.Sprintf(`(() => { const td = document.querySelector('#figures tr[data-fig=%q] td'); return td && td.textContent && !td.textContent.includes("not yet"); })()`, f))
	}
	apogee, _ := b.Text(`#figures tr[data-fig="fig_apogee"] td`)
	if !strings.Contains(apogee, "km") {
		t.Errorf("apogee %q has no km", apogee)
	}
	waitJS(t, b, 20*time.Second, `window.trilink.plotPoints().length === 3 && window.trilink.plotPoints().every(n => n >= 2)`)
	if n := evalT[int](t, b, `document.querySelectorAll("#plots figure.plot canvas").length`); n != 3 {
		t.Errorf("plots with a canvas: %d, want 3", n)
	}
	caps := evalT[[]string](t, b, `[...document.querySelectorAll("#plots figcaption")].map(e => e.textContent)`)
	wantCaps := []string{"Altitude against time", "Altitude against ground range", "Impact-ellipse size against time"}
	if strings.Join(caps, "|") != strings.Join(wantCaps, "|") {
		t.Errorf("plot captions %q, want %q", caps, wantCaps)
	}
	if n := evalT[int](t, b, `document.querySelectorAll("#convergence-table tbody tr").length`); n == 0 {
		t.Errorf("no convergence rows")
	}
	// The download links give the event as KML, CZML and GeoJSON.
	for _, f := range []string{"kml", "czml", "geojson"} {
		href := evalT[string](t, b, fmt.Sprintf(`document.getElementById("export-%s").getAttribute("href")`, f))
		code, body, err := get(base + href)
		if err != nil || code != http.StatusOK || !strings.Contains(body, id) {
			t.Errorf("export %s (%s): %d %v, event id in body: %v", f, href, code, err, strings.Contains(body, id))
		}
	}
	b.Screenshot(t, "event_page", shotDir())
	evalT[bool](t, b, `(document.getElementById("plots-heading").scrollIntoView(), true)`)
	b.Screenshot(t, "event_page_plots_demo", shotDir())
	noErrors(t, b)
}

// serverEvents returns the node's events: id → measurements.
func serverEvents(t *testing.T, base, nation string) map[string]int {
	t.Helper()
	code, body, err := get(base + "/api/v1/events?nation=" + nation)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET events: %d %v", code, err)
	}
	var r struct {
		Events []struct {
			ID           string `json:"id"`
			Measurements int    `json:"measurements"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("events JSON: %v", err)
	}
	out := map[string]int{}
	for _, e := range r.Events {
		out[e.ID] = e.Measurements
	}
	return out
}

// TestReconnectNoLoss: the console loses its connection while the picture
// changes; when it comes back it resumes the live stream (Last-Event-ID)
// and ends up with every event and alert the node has, as up to date.
func TestReconnectNoLoss(t *testing.T) {
	base := newDemo(t)
	needEvents(t, base)
	b := webtest.NewBrowser(t, webtest.Options{})
	dumpOnFail(t, b)
	open(t, b, base, "/?lang=en")
	firstEventID(t, b, 30*time.Second)
	waitJS(t, b, 10*time.Second, `document.body.dataset.conn === "live"`)
	before := evalT[int](t, b, `window.trilink.store.liveMessages`)
	setOffline(t, b, true)
	waitJS(t, b, 15*time.Second, `document.body.dataset.conn === "unreachable"`)
	time.Sleep(3 * time.Second) // the flight goes on meanwhile
	setOffline(t, b, false)
	waitJS(t, b, 20*time.Second, `document.body.dataset.conn === "live"`)
	if r := evalT[int](t, b, `window.trilink.store.liveResumes`); r < 1 {
		t.Errorf("live stream reconnected %d times with Last-Event-ID, want ≥ 1", r)
	}
	want := serverEvents(t, base, "jp")
	for id, m := range want {
		waitJS(t, b, 10*time.Second, fmt.Sprintf(`(() => { const e = window.trilink.store.events.get(%q); return e && (e.measurements ?? 0) >= %d; })()`, id, m))
	}
	code, body, err := get(base + "/api/v1/alerts?nation=jp")
	if err == nil && code == http.StatusOK {
		var r struct {
			Alerts []struct {
				ID string `json:"id"`
			} `json:"alerts"`
		}
		_ = json.Unmarshal([]byte(body), &r)
		for _, a := range r.Alerts {
			waitJS(t, b, 10*time.Second, fmt.Sprintf(`window.trilink.store.alerts.has(%q)`, a.ID))
		}
	}
	after := evalT[int](t, b, `window.trilink.store.liveMessages`)
	t.Logf("live messages: %d before the cut, %d after; %d events compared", before, after, len(want))
	b.Screenshot(t, "reconnect", shotDir())
	noErrors(t, b)
}

// TestEventPageSynthetic renders the event page from the console's own
// synthetic load (?bench=N), so that the figures, convergence table and
// plots are tested whatever the node's fusion does; it also checks that
// the plots follow a language switch.
func TestEventPageSynthetic(t *testing.T) {
	base := newQuietDemo(t)
	b := webtest.NewBrowser(t, webtest.Options{})
	open(t, b, base, "/?lang=en&bench=3#/events/BENCH-01")
	waitJS(t, b, 10*time.Second, `document.getElementById("event-page") && window.trilink.store.events.has("BENCH-01")`)
	for _, f := range []string{"fig_launch_time", "fig_launch_point", "fig_number", "fig_class", "fig_trajectory", "fig_apogee", "fig_range",
		"fig_flight_time", "fig_impact_time", "fig_impact_point", "fig_impact_zone", "fig_ellipse", "fig_overflight", "fig_first_detection", "fig_first_estimate"} {
		waitJS(t, b, 5*time.Second, fmt.Sprintf(`(() => { const td = document.querySelector('#figures tr[data-fig=%q] td'); return td && td.textContent && !td.textContent.includes("not yet"); })()`, f))
	}
	if got, _ := b.Text(`#figures tr[data-fig="fig_number"] td`); !strings.HasPrefix(got, "3 ") {
		t.Errorf("missiles launched: %q, want 3 (the synthetic salvo)", got)
	}
	waitJS(t, b, 10*time.Second, `window.trilink.plotPoints().length === 3 && window.trilink.plotPoints().every(n => n >= 2)`)
	if n := evalT[int](t, b, `document.querySelectorAll("#convergence-table tbody tr").length`); n < 2 {
		t.Errorf("convergence rows: %d, want ≥ 2", n)
	}
	// The map zooms to the selected event.
	if z := evalT[float64](t, b, `window.trilink.map.getZoom()`); z < 3 {
		t.Errorf("map zoom %v after selecting an event", z)
	}
	b.Screenshot(t, "event_page_synthetic", shotDir())
	evalT[bool](t, b, `(document.getElementById("plots-heading").scrollIntoView(), true)`)
	b.Screenshot(t, "event_page_plots", shotDir())
	setSelect(t, b, "lang", "ja")
	waitJS(t, b, 5*time.Second, `[...document.querySelectorAll("#plots figcaption")].map(e => e.textContent).join("|") === "高度と時間|高度と地上距離|落下誤差楕円の大きさと時間"`)
	waitJS(t, b, 5*time.Second, `window.trilink.plotPoints().length === 3`)
	if h, _ := b.Text("#event-heading"); h != "発射事象 BENCH-01" {
		t.Errorf("heading in ja: %q", h)
	}
	// Back to the list with the keyboard: the back link is a real link.
	// (Focused from the page, not by a DOM node id: the page may redraw
	// its header between a lookup and the key press.)
	webtest.CheckFor(t, 5*time.Second, 200*time.Millisecond, func() error {
		if !evalT[bool](t, b, `(() => { const e = document.getElementById("back"); if (!e) return false; e.focus(); return document.activeElement === e; })()`) {
			return errors.New("no #back to focus")
		}
		if err := chromedp.Do(b.Ctx, chromedp.KeyEvent("\r")); err != nil {
			return err
		}
		if !evalT[bool](t, b, `location.hash === "#/"`) {
			return errors.New("still on the event page")
		}
		return nil
	})
	waitJS(t, b, 5*time.Second, `document.getElementById("events-panel") && location.hash === "#/"`)
	noErrors(t, b)
}

// TestAlertsPanelSynthetic shows the alerts panel with the synthetic
// load's two alerts: one sent (with partner acknowledgements) and a
// partner's drill, marked as such; alerted regions are shaded on the map;
// the CAP dialog opens from the keyboard and gives focus back on close.
func TestAlertsPanelSynthetic(t *testing.T) {
	base := newQuietDemo(t)
	b := webtest.NewBrowser(t, webtest.Options{})
	open(t, b, base, "/?lang=en&bench=2#/alerts")
	waitJS(t, b, 10*time.Second, `document.querySelector('#alerts-sent [data-alert="BENCH-A1"]') && document.querySelector('#alerts-received [data-alert="BENCH-D1"]')`)
	for _, tt := range []struct {
		name, sel, want string
	}{
		{"actual_badge", `#alerts-sent [data-alert="BENCH-A1"] .badge.actual`, "ACTUAL"},
		{"drill_badge", `#alerts-received [data-alert="BENCH-D1"] .badge.drill`, "DRILL"},
		{"kind", `#alerts-sent [data-alert="BENCH-A1"] .badge.kind`, "Take shelter"},
		{"regions", `#alerts-sent [data-alert="BENCH-A1"] dd`, "Hokkaido, Aomori"},
		{"ack_kr", `#alerts-sent [data-alert="BENCH-A1"] [data-ack="kr"]`, "Republic of Korea"},
		{"ack_us", `#alerts-sent [data-alert="BENCH-A1"] [data-ack="us"]`, "United States"},
		{"no_ack", `#alerts-received [data-alert="BENCH-D1"] dd.acks`, "no acknowledgement yet"},
	} {
		got, err := b.Text(tt.sel)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q does not contain %q", tt.name, got, tt.want)
		}
	}
	waitJS(t, b, 5*time.Second, `window.trilink.alertedOnMap() === 3`)
	b.Screenshot(t, "alerts_panel", shotDir())

	// Open the CAP document with the keyboard, close it with Escape.
	if err := chromedp.Do(b.Ctx, chromedp.Focus(chromedp.CSS(`#cap-BENCH-A1`)), chromedp.KeyEvent("\r")); err != nil {
		t.Fatalf("open CAP: %v", err)
	}
	waitJS(t, b, 5*time.Second, `document.getElementById("cap-dialog").open && document.getElementById("cap-text").textContent !== "Loading…"`)
	if title, _ := b.Text("#cap-title"); title != "CAP document BENCH-A1" {
		t.Errorf("dialog title %q", title)
	}
	b.Screenshot(t, "alerts_cap_dialog", shotDir())
	if err := chromedp.Do(b.Ctx, chromedp.KeyEvent("\x1b")); err != nil {
		t.Fatalf("escape: %v", err)
	}
	waitJS(t, b, 5*time.Second, `!document.getElementById("cap-dialog").open && document.activeElement && document.activeElement.id === "cap-BENCH-A1"`)

	// In Korean, the drill mark is 훈련.
	setSelect(t, b, "lang", "ko")
	if got, _ := b.Text(`#alerts-received [data-alert="BENCH-D1"] .badge.drill`); got != "훈련" {
		t.Errorf("drill badge in ko: %q, want 훈련", got)
	}
	noErrors(t, b)
}
