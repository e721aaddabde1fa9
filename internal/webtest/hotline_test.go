package webtest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/trilink/trilink/internal/webtest"
)

// hotlineReady waits until the demo's hotline runs: nation jp has a
// finished link test (they start 2 s after the exchanges have caught up).
func hotlineReady(t *testing.T, base string) {
	t.Helper()
	webtest.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		code, body, err := get(base + "/api/v1/hotline/linktests?nation=jp")
		if err != nil {
			return err
		}
		if code == http.StatusNotFound {
			t.Skip("needs /api/v1/hotline")
		}
		var lts []struct {
			State string `json:"state"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &lts) != nil {
			return fmt.Errorf("linktests: %d %s", code, body)
		}
		for _, lt := range lts {
			if lt.State != "pending" {
				return nil
			}
		}
		return fmt.Errorf("no finished link test yet: %s", body)
	})
}

// postHotline posts a JSON body to the demo's API and decodes the answer.
func postHotline(t *testing.T, url string, body any, want int, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	c := http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequest("POST", url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sign(t, req)
	r, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer r.Body.Close()
	rb, _ := io.ReadAll(r.Body)
	if r.StatusCode != want {
		t.Fatalf("POST %s: %d %s, want %d", url, r.StatusCode, rb, want)
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			t.Fatalf("POST %s: %v in %s", url, err, rb)
		}
	}
}

// receiptState returns member's receipt state of message id in room as
// viewer's terminal sees it, "" when there is none.
func receiptState(t *testing.T, base, viewer, room, id, member string) string {
	t.Helper()
	code, body, err := get(fmt.Sprintf("%s/api/v1/rooms/%s/messages?member=%s&limit=200", base, room, viewer))
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET messages: %d %v %s", code, err, body)
	}
	var ms []struct {
		ID       string `json:"id"`
		Receipts []struct {
			Member string `json:"member"`
			State  string `json:"state"`
		} `json:"receipts"`
	}
	if err := json.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatalf("messages JSON: %v", err)
	}
	for _, m := range ms {
		if m.ID != id {
			continue
		}
		for _, r := range m.Receipts {
			if r.Member == member {
				return r.State
			}
		}
	}
	return ""
}

func click(t *testing.T, b *webtest.Browser, sel string) {
	t.Helper()
	if err := chromedp.Do(b.Ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// hotlineTexts are the hotline page's own texts (not the node's data), by
// where they are shown, for comparing languages.
const hotlineTexts = `(() => {
	const o = {};
	const one = (k, sel) => { const e = document.querySelector(sel); o[k] = e ? e.textContent.trim() : ""; };
	const all = (k, sel) => document.querySelectorAll(sel).forEach((e, i) => { o[k + i] = e.textContent.trim(); });
	one("tab", "#tab-hotline");
	one("heading", "#hotline-heading");
	one("acting", "#hl-member-label");
	one("note", "#hl-acting-note");
	one("rooms", "#hl-rooms-heading");
	one("room_title", "#hl-rooms [data-room=ops] .hl-room-title");
	one("room_count", "#hl-rooms [data-room=ops] .count");
	one("room_heading", "#hl-room-heading");
	one("members", "#hl-room-members .hl-label");
	one("compose", "#hl-compose-heading");
	one("prec", "#hl-prec-label");
	all("prec_opt", "#hl-prec option");
	one("body", "#hl-body-label");
	one("files", "#hl-files-label");
	one("send", "#hl-send");
	one("flash_confirm", "#hl-flash-confirm-text");
	one("flash_yes", "#hl-flash-yes");
	one("flash_no", "#hl-flash-no");
	one("search", "#hl-search-heading");
	one("search_go", "#hl-search-go");
	one("linktests", "#hl-linktests-heading");
	all("lt_th", "#hl-linktests th");
	one("lt_state", "#hl-linktests td.lt-state");
	one("badge", "#hl-messages .hl-msg:not(.linktest) .badge.prec");
	one("chip_state", "#hl-messages .hl-msg:not(.linktest) .chip .sr-only");
	one("deadline", "#hl-messages .hl-deadline");
	one("linktest_msg", "#hl-messages .hl-msg.linktest");
	return o;
})()`

// TestHotlinePage: jp-ops sends an IMMEDIATE message from the hotline
// page; kr-ops (the nation selector on kr) sees it from jp, it is marked
// read on display, and acknowledges it with the button; back on jp the kr
// receipt shows acknowledged. Also: FLASH asks for confirmation, an
// attachment downloads, search marks the match, every control has a
// label, and the page has all its texts in Japanese and Korean.
func TestHotlinePage(t *testing.T) {
	start := time.Now()
	base := newQuietDemo(t)
	hotlineReady(t, base)
	b := webtest.NewBrowser(t, webtest.Options{Width: 1280, Height: 1000})
	dumpOnFail(t, b)
	open(t, b, base, "/?lang=en&nation=jp#/hotline")
	waitJS(t, b, 10*time.Second, `document.getElementById("hotline-panel") && document.getElementById("hl-member").value === "jp-ops" && document.querySelector("#hl-rooms [data-room=ops] a")`)
	if got, _ := b.Text("#tab-hotline"); got != "Hotline" {
		t.Errorf("tab: %q", got)
	}
	if cur := evalT[string](t, b, `document.getElementById("tab-hotline").getAttribute("aria-current") || ""`); cur != "page" {
		t.Errorf("hotline tab aria-current %q, want page", cur)
	}
	// The operations centre is in the ops room only; the link tests are listed.
	if rooms := evalT[[]string](t, b, `[...document.querySelectorAll("#hl-rooms [data-room]")].map(e => e.dataset.room)`); strings.Join(rooms, ",") != "ops" {
		t.Errorf("rooms of jp-ops: %v, want [ops]", rooms)
	}
	waitJS(t, b, 10*time.Second, `document.querySelector("#hl-linktests tbody tr[data-state=ok]")`)

	click(t, b, "#hl-rooms [data-room=ops] a")
	waitJS(t, b, 10*time.Second, `location.hash === "#/hotline/ops" && !document.getElementById("hl-compose").hidden && window.trilink.hotline().messages >= 0`)
	// The link tests of the three nodes are in the room, compact.
	waitJS(t, b, 10*time.Second, `document.querySelectorAll("#hl-messages .hl-msg.linktest").length >= 3`)

	// FLASH asks first; cancelling sends nothing.
	setSelect(t, b, "hl-prec", "FLASH")
	if err := chromedp.Do(b.Ctx, chromedp.SendKeys(chromedp.CSS("#hl-body"), "not to be sent")); err != nil {
		t.Fatal(err)
	}
	click(t, b, "#hl-send")
	waitJS(t, b, 5*time.Second, `!document.getElementById("hl-flash-confirm").hidden && document.activeElement.id === "hl-flash-yes"`)
	click(t, b, "#hl-flash-no")
	waitJS(t, b, 5*time.Second, `document.getElementById("hl-flash-confirm").hidden`)

	// Send an IMMEDIATE message, typed into the form.
	text := fmt.Sprintf("Hotline browser test %d: confirm track\nsecond line", time.Now().UnixNano())
	setSelect(t, b, "hl-prec", "IMMEDIATE")
	evalT[bool](t, b, `(document.getElementById("hl-body").value = "", true)`)
	if err := chromedp.Do(b.Ctx, chromedp.SendKeys(chromedp.CSS("#hl-body"), text)); err != nil {
		t.Fatal(err)
	}
	click(t, b, "#hl-send")
	find := fmt.Sprintf(`[...document.querySelectorAll("#hl-messages .hl-msg")].find(e => e.querySelector(".hl-body") && e.querySelector(".hl-body").textContent === %s)`, webtest.JSString(text))
	waitJS(t, b, 10*time.Second, find)
	id := evalT[string](t, b, find+`.dataset.msg`)
	if got := evalT[string](t, b, `document.getElementById("hl-body").value`); got != "" {
		t.Errorf("the form kept the sent text %q", got)
	}
	if e := evalT[string](t, b, `document.getElementById("hl-compose-error").textContent`); e != "" {
		t.Errorf("compose error after sending: %q", e)
	}
	msg := fmt.Sprintf(`document.querySelector('#hl-messages [data-msg=%q]')`, id)
	for _, tt := range []struct{ name, expr, want string }{
		{"precedence", msg + `.dataset.prec`, "IMMEDIATE"},
		{"badge", msg + `.querySelector(".badge.prec").textContent`, "O IMMEDIATE"},
		{"sender", msg + `.dataset.sender`, "jp-ops"},
		{"mine", msg + `.classList.contains("mine") ? "yes" : "no"`, "yes"},
		{"no_ack_button", `document.getElementById("hl-ack-` + id + `") ? "yes" : "no"`, "no"},
		{"deadline", msg + `.querySelector(".hl-deadline").textContent.replace(/[0-9:]+$/, "")`, "Acknowledgement due in "},
		{"newest_last", `[...document.querySelectorAll("#hl-messages .hl-msg")].pop().dataset.msg`, id},
	} {
		if got := evalT[string](t, b, tt.expr); got != tt.want {
			t.Errorf("sent message %s: %q, want %q", tt.name, got, tt.want)
		}
	}
	chips := evalT[[]string](t, b, `[...`+msg+`.querySelectorAll(".chip")].map(c => c.dataset.member)`)
	if strings.Join(chips, ",") != "kr-ops,us-ops" {
		t.Errorf("receipt chips %v, want the addressees kr-ops, us-ops", chips)
	}

	// kr-ops sees it from jp, reads it by showing it, and acknowledges.
	switchUser(t, b, base, "kr-ops", "/?lang=en#/hotline/ops")
	waitJS(t, b, 10*time.Second, `document.getElementById("hotline-panel").dataset.nation === "kr" && document.getElementById("hl-member").value === "kr-ops"`)
	waitJS(t, b, 10*time.Second, msg)
	if got := evalT[string](t, b, msg+`.dataset.sender + " " + `+msg+`.querySelector(".hl-nation").textContent`); got != "jp-ops Japan" {
		t.Errorf("sender at kr: %q, want jp-ops Japan", got)
	}
	waitJS(t, b, 10*time.Second, fmt.Sprintf(`document.getElementById("hl-ack-%s")`, id))
	webtest.CheckFor(t, 10*time.Second, 200*time.Millisecond, func() error {
		if s := receiptState(t, base, "jp-ops", "ops", id, "kr-ops"); s != "read" {
			return fmt.Errorf("kr-ops receipt %q at jp, want read (the page marks shown messages read)", s)
		}
		return nil
	})
	if n := evalT[int](t, b, `Number((document.querySelector("#hl-rooms [data-room=ops] .badge.pending") || {}).dataset?.pending || 0)`); n < 1 {
		t.Errorf("pending badge of ops at kr-ops: %d, want ≥ 1", n)
	}
	b.Screenshot(t, "hotline_kr_before_ack", shotDir())
	click(t, b, "#hl-ack-"+id)
	waitJS(t, b, 10*time.Second, fmt.Sprintf(`!document.getElementById("hl-ack-%s") && %s.querySelector('.chip[data-member="kr-ops"]').dataset.state === "acknowledged"`, id, msg))
	// Focus went from the gone button to its message, not to the page.
	if f := evalT[string](t, b, `document.activeElement ? document.activeElement.id : ""`); f != "hl-msg-"+id {
		t.Errorf("focus after acknowledging: %q, want hl-msg-%s", f, id)
	}

	// Back at jp the kr receipt is acknowledged.
	switchUser(t, b, base, "jp-ops", "/?lang=en#/hotline/ops")
	waitJS(t, b, 10*time.Second, `document.getElementById("hotline-panel").dataset.nation === "jp" && document.getElementById("hl-member").value === "jp-ops"`)
	waitJS(t, b, 10*time.Second, msg+` && `+msg+`.querySelector('.chip[data-member="kr-ops"]').dataset.state === "acknowledged"`)
	if s := receiptState(t, base, "jp-ops", "ops", id, "kr-ops"); s != "acknowledged" {
		t.Errorf("kr-ops receipt at jp from the API: %q", s)
	}
	// us-ops has not acknowledged: the countdown goes on.
	if !evalT[bool](t, b, msg+`.querySelector(".hl-deadline") !== null`) {
		t.Errorf("no deadline countdown while us-ops has not acknowledged")
	}

	// An attachment (sent over the API by kr-ops) downloads byte for byte,
	// and search marks the match.
	payload := []byte("track file \x00\x01\x02 for the browser test")
	word := fmt.Sprintf("zq%dx", time.Now().UnixNano()%1e6)
	var sent struct {
		ID string `json:"id"`
	}
	postHotline(t, base+"/api/v1/rooms/ops/messages?member=kr-ops", map[string]any{
		"precedence": "ROUTINE", "body": "with attachment " + word,
		"attachments": []map[string]string{{"name": "track.bin", "type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(payload)}},
	}, http.StatusCreated, &sent)
	att := fmt.Sprintf(`document.querySelector('#hl-messages [data-msg=%q] .hl-attachments a')`, sent.ID)
	waitJS(t, b, 10*time.Second, att)
	href := evalT[string](t, b, att+`.href`)
	if code, body, err := get(href); err != nil || code != http.StatusOK || body != string(payload) {
		t.Errorf("attachment %s: %d %v, %q; want %q", href, code, err, body, payload)
	}
	if got := evalT[string](t, b, att+`.textContent`); got != "track.bin" {
		t.Errorf("attachment link text %q", got)
	}
	if err := chromedp.Do(b.Ctx, chromedp.SendKeys(chromedp.CSS("#hl-q"), strings.ToUpper(word)+"\r")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, 10*time.Second, fmt.Sprintf(`document.querySelector('#hl-results [data-msg=%q] mark')`, sent.ID))
	if got := evalT[string](t, b, fmt.Sprintf(`document.querySelector('#hl-results [data-msg=%q] mark').textContent`, sent.ID)); got != word {
		t.Errorf("search mark %q, want %q", got, word)
	}
	// An alternate's acknowledgement shows on the member's chip, "by" the alternate.
	postHotline(t, fmt.Sprintf("%s/api/v1/rooms/ops/messages/%s/ack?member=us-ops-deputy", base, sent.ID), map[string]any{}, http.StatusOK, nil)
	chip := fmt.Sprintf(`document.querySelector('#hl-messages [data-msg=%q] .chip[data-member="us-ops"]')`, sent.ID)
	waitJS(t, b, 10*time.Second, chip+` && `+chip+`.dataset.state === "acknowledged"`)
	if got := evalT[string](t, b, chip+`.dataset.by + "|" + `+chip+`.querySelector(".by").textContent`); got != "us-ops-deputy| by us-ops-deputy" {
		t.Errorf("us-ops chip after the deputy acknowledged: %q", got)
	}
	// Attachments from the form: over 4 MiB in total is refused with the
	// reason; a small file goes out (FileReader, base64) and downloads intact.
	dir := t.TempDir()
	big, small := filepath.Join(dir, "big.bin"), filepath.Join(dir, "note.txt")
	smallData := "note from the form\n\x00\xff end"
	if err := os.WriteFile(big, bytes.Repeat([]byte{'x'}, 4<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(small, []byte(smallData), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b.Ctx, chromedp.SetUploadFiles(chromedp.CSS("#hl-files"), []string{big})); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, 5*time.Second, `document.getElementById("hl-compose-error").textContent.includes("the limit is 4 MiB")`)
	evalT[bool](t, b, `(document.getElementById("hl-body").value = "too big", true)`)
	click(t, b, "#hl-send")
	if got := evalT[string](t, b, `document.getElementById("hl-compose-error").textContent`); !strings.Contains(got, "limit") {
		t.Errorf("compose error after sending too much: %q", got)
	}
	if got := evalT[string](t, b, `document.getElementById("hl-body").value`); got != "too big" {
		t.Errorf("the refused text was cleared: %q", got)
	}
	if err := chromedp.Do(b.Ctx, chromedp.SetUploadFiles(chromedp.CSS("#hl-files"), []string{small})); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, 5*time.Second, `document.getElementById("hl-compose-error").textContent === "" && document.getElementById("hl-files-info").textContent === "1 file, 25 B"`)
	formBody := fmt.Sprintf("with a file %d", time.Now().UnixNano())
	evalT[bool](t, b, fmt.Sprintf(`(document.getElementById("hl-body").value = %s, true)`, webtest.JSString(formBody)))
	click(t, b, "#hl-send")
	formAtt := fmt.Sprintf(`[...document.querySelectorAll("#hl-messages .hl-msg")].find(e => e.querySelector(".hl-body") && e.querySelector(".hl-body").textContent === %s)?.querySelector(".hl-attachments a")`, webtest.JSString(formBody))
	waitJS(t, b, 10*time.Second, formAtt)
	if name := evalT[string](t, b, formAtt+`.textContent`); name != "note.txt" {
		t.Errorf("form attachment name %q", name)
	}
	if code, body, err := get(evalT[string](t, b, formAtt+`.href`)); err != nil || code != http.StatusOK || body != smallData {
		t.Errorf("form attachment: %d %v %q, want %q", code, err, body, smallData)
	}

	// Following the hit focuses the message in its room.
	click(t, b, fmt.Sprintf(`#hl-results a[data-hit=%q]`, sent.ID))
	waitJS(t, b, 5*time.Second, fmt.Sprintf(`document.activeElement && document.activeElement.id === "hl-msg-%s"`, sent.ID))

	// Every control has a label.
	unlabelled := evalT[[]string](t, b, `[...document.querySelectorAll("#hotline-panel select, #hotline-panel input, #hotline-panel textarea")].filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map(e => e.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}
	// The page itself never scrolls (only the side panel and the message list).
	if sy := evalT[int](t, b, `document.scrollingElement.scrollHeight - document.scrollingElement.clientHeight`); sy > 0 {
		t.Errorf("the document overflows the window by %d px", sy)
	}
	evalT[bool](t, b, msg+`.scrollIntoView({block: "center"}) || true`)
	b.Screenshot(t, "hotline", shotDir())

	// The page in Japanese and Korean: every text of its own is translated
	// and no placeholder is left.
	// (With the FLASH confirmation shown, for its texts.)
	setSelect(t, b, "hl-prec", "FLASH")
	evalT[bool](t, b, `(document.getElementById("hl-body").value = "x", true)`)
	click(t, b, "#hl-send")
	waitJS(t, b, 5*time.Second, `!document.getElementById("hl-flash-confirm").hidden`)
	en := evalT[map[string]string](t, b, hotlineTexts)
	for k, v := range en {
		if v == "" {
			t.Errorf("en: %s is empty", k)
		}
	}
	for _, lang := range []string{"ja", "ko"} {
		setSelect(t, b, "lang", lang)
		waitJS(t, b, 5*time.Second, fmt.Sprintf(`document.documentElement.lang === %q`, lang))
		got := evalT[map[string]string](t, b, hotlineTexts)
		for k, v := range en {
			if got[k] == "" || got[k] == v {
				t.Errorf("%s: %s is %q (en %q): not translated", lang, k, got[k], v)
			}
		}
		if txt := evalT[string](t, b, `document.getElementById("hotline-panel").innerText`); strings.ContainsAny(txt, "{}") || strings.Contains(txt, "undefined") || strings.Contains(txt, "NaN") {
			t.Errorf("%s: the page shows a placeholder, undefined or NaN:\n%s", lang, txt)
		}
		b.Screenshot(t, "hotline_"+lang, shotDir())
	}
	click(t, b, "#hl-flash-no")

	// A missed link test is an alarm. The demo's links do not fail, so the
	// page is given a missed one (the node's answer, substituted in fetch)
	// and told of it as the live stream would.
	setSelect(t, b, "lang", "en")
	evalT[bool](t, b, `(() => {
		const real = window.fetch;
		window.fetch = (u, o) => String(u).includes("/api/v1/hotline/linktests")
			? Promise.resolve(new Response(JSON.stringify([{id: "lt-missed", from: "jp", sent: new Date().toISOString(), state: "missed",
				results: [{nation: "kr", ok: true, rtt_ms: 41.5}, {nation: "us", ok: false}]}]), {headers: {"Content-Type": "application/json"}}))
			: real(u, o);
		window.trilink.live.onHotline({kind: "link-test", id: "lt-missed", state: "missed"});
		return true;
	})()`)
	waitJS(t, b, 5*time.Second, `!document.getElementById("hl-linktest-alarm").hidden && document.querySelector('#hl-linktests tr.lt-missed[data-linktest="lt-missed"]')`)
	alarm, _ := b.Text("#hl-linktest-alarm")
	if !strings.Contains(alarm, "MISSED") || !strings.Contains(alarm, "United States") || strings.Contains(alarm, "Republic of Korea") {
		t.Errorf("link-test alarm %q: want MISSED naming the United States only", alarm)
	}
	if role := evalT[string](t, b, `document.getElementById("hl-linktest-alarm").getAttribute("role")`); role != "alert" {
		t.Errorf("alarm role %q, want alert", role)
	}
	if got, _ := b.Text(`#hl-linktests tr[data-linktest="lt-missed"] td:last-child`); got != "KR 41.5 ms, US no answer" {
		t.Errorf("link-test results %q", got)
	}

	// Signed in as the deputy, who is in the ops room as an alternate only:
	// no compose form, a note instead; the member is the signed-in one and
	// cannot be changed in the page.
	switchUser(t, b, base, "jp-ops-deputy", "/?lang=en#/hotline/ops")
	waitJS(t, b, 10*time.Second, `window.trilink.hotline().member === "jp-ops-deputy" && document.querySelector("#hl-rooms [data-room=ops] .hl-role") && document.getElementById("hl-compose").hidden && !document.getElementById("hl-alternate-note").hidden`)
	if opts := evalT[[]string](t, b, `[...document.getElementById("hl-member").options].map(o => o.value)`); len(opts) != 1 || opts[0] != "jp-ops-deputy" || !evalT[bool](t, b, `document.getElementById("hl-member").disabled`) {
		t.Errorf("member choice %v (want only jp-ops-deputy, disabled)", opts)
	}
	noErrors(t, b)
	t.Logf("hotline page test took %.1f s", time.Since(start).Seconds())
}
