package webtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/webtest"
)

// callFlags give Chromium a fake microphone and camera (a beep and a test
// pattern) granted without a prompt, real host candidates instead of mDNS
// names, and ICE on the loopback interface, where the nodes' SFUs listen.
var callFlags = map[string]any{
	"use-fake-device-for-media-stream":  true,
	"use-fake-ui-for-media-stream":      true,
	"allow-loopback-in-peer-connection": true,
	"disable-features":                  "Translate,BlinkGenPropertyTrees,WebRtcHideLocalIpsWithMdns",
	"autoplay-policy":                   "no-user-gesture-required",
	"mute-audio":                        true,
}

// actAs signs the browser in as member (of nation n) and opens room's
// hotline page.
func actAs(t *testing.T, b *webtest.Browser, base string, n nation.Nation, member, room string) {
	t.Helper()
	switchUser(t, b, base, member, fmt.Sprintf("/?lang=en&nation=%s#/hotline/%s", n, room))
	waitJS(t, b, 15*time.Second, `document.getElementById("hotline-panel").dataset.member === `+webtest.JSString(member)+` && !document.getElementById("call-bar").hidden && !document.getElementById("call-join").hidden`)
}

// inbound is one inbound-rtp audio stream's counters.
type inbound struct {
	Mid    string  `json:"mid"`
	Bytes  float64 `json:"bytes"`
	Level  float64 `json:"level"`
	Energy float64 `json:"energy"`
}

// evalAwait evaluates an expression that gives a promise, and decodes its value.
func evalAwait[T any](b *webtest.Browser, expr string) (T, error) {
	return chromedp.Run(b.Ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

func audioStats(b *webtest.Browser) ([]inbound, error) {
	return evalAwait[[]inbound](b, `(async () => {
		const c = window.trilink.call();
		if (!c.pc) return [];
		const r = await c.pc.getStats();
		const out = [];
		r.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "audio") out.push({mid: String(s.mid), bytes: s.bytesReceived || 0, level: s.audioLevel || 0, energy: s.totalAudioEnergy || 0}); });
		return out;
	})()`)
}

// hearing waits until deadline for b to receive want audio streams whose
// bytes and total audio energy rise and whose audio level is above zero
// (the fake microphone beeps).
func hearing(t *testing.T, b *webtest.Browser, who string, want int, deadline time.Time) {
	t.Helper()
	first := map[string]inbound{}
	level := map[string]float64{}
	for {
		st, err := audioStats(b)
		if err != nil {
			t.Fatalf("%s: getStats: %v", who, err)
		}
		ok := 0
		for _, s := range st {
			f, seen := first[s.Mid]
			if !seen {
				first[s.Mid] = s
				continue
			}
			level[s.Mid] = max(level[s.Mid], s.Level)
			if s.Bytes > f.Bytes && level[s.Mid] > 0 && s.Energy > f.Energy {
				ok++
			}
		}
		if ok >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s hears %d of %d partners 3 s after the join: %+v (max levels %v)", who, ok, want, st, level)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func participants(t *testing.T, b *webtest.Browser) string {
	t.Helper()
	return evalT[string](t, b, `[...document.querySelectorAll("#call-participants li")].map((li) => li.dataset.member).join(",")`)
}

// TestThreeNationCall: a jp, a kr and a us member join one call in the
// operations room, each through its own nation's node; each hears the
// others within 3 s of joining; kr leaves and rejoins; a member of another
// room cannot join; malformed signalling is refused naming the field; and
// when everyone has left no media session is left open.
func TestThreeNationCall(t *testing.T) {
	base, demo := startDemo(t, "")
	hotlineReady(t, base)
	who := []struct {
		n      nation.Nation
		member string
	}{{nation.JP, "jp-ops"}, {nation.KR, "kr-ops"}, {nation.US, "us-ops"}}
	bs := make([]*webtest.Browser, len(who))
	var wg sync.WaitGroup
	for i, w := range who {
		bs[i] = webtest.NewBrowser(t, webtest.Options{Flags: callFlags})
		wg.Add(1)
		go func() { defer wg.Done(); actAs(t, bs[i], base, w.n, w.member, "ops") }()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, b := range bs {
		defer dumpOnFail(t, b)
	}

	// Join one after another: everyone in the call hears the newcomer,
	// and the newcomer hears everyone, within 3 s. jp starts a FLASH call.
	setSelect(t, bs[0], "call-prec", "FLASH")
	for i := range who {
		// As a member would: join once the call in progress shows in the
		// page. (Two nations starting at once are internal/call's
		// TestSimultaneousStart.)
		for j := 0; j < i; j++ {
			waitJS(t, bs[i], 10*time.Second, `document.querySelector("#call-participants li[data-member=`+who[j].member+`]")`)
		}
		joined := time.Now()
		click(t, bs[i], "#call-join")
		for j := 0; j <= i; j++ {
			hearing(t, bs[j], who[j].member, i, joined.Add(3*time.Second))
		}
		t.Logf("%s joined; everyone hears everyone %v after the click", who[i].member, time.Since(joined).Round(time.Millisecond))
	}
	for i, w := range who {
		webtest.CheckFor(t, 5*time.Second, 100*time.Millisecond, func() error {
			if got := participants(t, bs[i]); got != "jp-ops,kr-ops,us-ops" {
				return fmt.Errorf("%s lists %q", w.member, got)
			}
			return nil
		})
	}
	// The fake microphone beeps: someone is shown speaking.
	waitJS(t, bs[0], 5*time.Second, `document.querySelector("#call-participants li[data-speaking=true]")`)
	// Connection quality is measured (the grade depends on the machine's load).
	waitJS(t, bs[0], 5*time.Second, `["good", "fair", "poor"].includes(document.getElementById("call-quality").dataset.level) && /round trip \d+ ms/.test(document.getElementById("call-quality").textContent)`)
	t.Logf("jp's connection: %s", evalT[string](t, bs[0], `document.getElementById("call-quality").textContent`))
	bs[0].Screenshot(t, "call", shotDir())
	// jp mutes: kr's list shows it (the roster crosses the backbone).
	click(t, bs[0], "#call-mute")
	waitJS(t, bs[1], 5*time.Second, `document.querySelector("#call-participants li[data-member=jp-ops][data-muted=true]")`)
	click(t, bs[0], "#call-mute")
	// jp turns its camera on: us receives decoded video frames through
	// jp's node, the trunk and us's node.
	click(t, bs[0], "#call-camera")
	waitJS(t, bs[2], 5*time.Second, `document.querySelector("#call-participants li[data-member=jp-ops][data-camera=true]")`)
	webtest.CheckFor(t, 8*time.Second, 200*time.Millisecond, func() error {
		n, err := evalAwait[float64](bs[2], `(async () => {
			let n = 0;
			(await window.trilink.call().pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") n += s.framesDecoded || 0; });
			return n;
		})()`)
		if err != nil {
			return err
		}
		if n < 5 {
			return fmt.Errorf("us decoded %v video frames from jp", n)
		}
		return nil
	})

	// kr leaves: the others no longer list kr, and kr's node holds no session.
	click(t, bs[1], "#call-leave")
	waitJS(t, bs[0], 5*time.Second, `[...document.querySelectorAll("#call-participants li")].map((li) => li.dataset.member).join(",") === "jp-ops,us-ops"`)
	webtest.CheckFor(t, 5*time.Second, 100*time.Millisecond, func() error {
		if st := demo.CallStats(nation.KR); st.Sessions != 0 {
			return fmt.Errorf("kr after leaving: %+v", st)
		}
		return nil
	})
	// … and rejoins.
	rejoined := time.Now()
	click(t, bs[1], "#call-join")
	hearing(t, bs[1], "kr-ops again", 2, rejoined.Add(3*time.Second))
	for _, j := range []int{0, 2} {
		hearing(t, bs[j], who[j].member+" (kr back)", 2, rejoined.Add(3*time.Second))
	}
	waitJS(t, bs[0], 5*time.Second, `[...document.querySelectorAll("#call-participants li")].map((li) => li.dataset.member).join(",") === "jp-ops,kr-ops,us-ops"`)

	// A member of another room cannot join the operations room's call:
	// signed in as kr-leader (a bearer token, in kr's page).
	status, err := evalAwait[string](bs[1], `(async () => {
		const pc = new RTCPeerConnection();
		pc.addTransceiver("audio");
		await pc.setLocalDescription(await pc.createOffer());
		await new Promise((r) => setTimeout(r, 300));
		const res = await fetch("/api/v1/rooms/ops/call", {method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer `+token(t, base, "kr-leader")+`"},
			body: JSON.stringify({type: "offer", sdp: pc.localDescription.sdp})});
		pc.close();
		return res.status + " " + (await res.json()).error;
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(status, "403 ") || !strings.Contains(status, "kr-leader") {
		t.Errorf("kr-leader joining the ops call: %s, want 403", status)
	}

	// Malformed signalling: 400 naming the field.
	for _, c := range []struct{ body, field string }{
		{`{"type":"answer","sdp":"v=0"}`, "type"},
		{`{"type":"offer","sdp":"hello"}`, "sdp"},
		{`{"type":"offer","sdp":"v=0","precedence":"urgent"}`, "precedence"},
		{`{"type":"offer","sdp":1}`, "sdp"},
		{`{"type":"offer","spd":"v=0"}`, "spd"},
	} {
		req, err := http.NewRequest("POST", base+"/api/v1/rooms/ops/call?member=jp-ops", bytes.NewBufferString(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		sign(t, req)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		var e struct{ Error string }
		_ = json.Unmarshal(b, &e)
		if r.StatusCode != http.StatusBadRequest || !strings.HasPrefix(e.Error, c.field+":") {
			t.Errorf("POST %s: %d %s, want 400 naming %q", c.body, r.StatusCode, b, c.field)
		}
	}

	// Everyone leaves (us by closing its tab): no session is left open,
	// and only the trunks (two out, two in per nation) remain.
	click(t, bs[0], "#call-leave")
	click(t, bs[1], "#call-leave")
	if err := chromedp.Do(bs[2].Ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	webtest.CheckFor(t, 15*time.Second, 200*time.Millisecond, func() error {
		for _, w := range who {
			if st := demo.CallStats(w.n); st.Sessions != 0 || st.PeerConnections != 4 || st.Sources != 0 {
				return fmt.Errorf("%s: %+v", w.n, st)
			}
		}
		return nil
	})
	// The call's start, joins, leaves and end are signed hotline messages
	// in the room; the start is FLASH and awaits kr's acknowledgement.
	var ids []string
	webtest.CheckFor(t, 10*time.Second, 200*time.Millisecond, func() error {
		code, body, err := get(base + "/api/v1/rooms/ops/messages?member=kr-ops&limit=200")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("messages: %d %v", code, err)
		}
		var ms []struct {
			ID         string `json:"id"`
			Kind       string `json:"kind"`
			Precedence string `json:"precedence"`
			Body       string `json:"body"`
			NeedsAck   bool   `json:"needs_ack"`
		}
		if err := json.Unmarshal([]byte(body), &ms); err != nil {
			return err
		}
		seen := map[string]int{}
		ids = nil
		for _, m := range ms {
			for _, k := range []string{"start", "join", "leave", "end"} {
				if strings.Contains(m.Body, "[call "+k+" ") {
					seen[k]++
					ids = append(ids, m.ID)
					if k == "start" && (m.Kind != "text" || m.Precedence != "FLASH" || !m.NeedsAck) {
						return fmt.Errorf("call start %+v: want a FLASH text message kr-ops must acknowledge", m)
					}
					if k != "start" && m.Kind != "call" {
						return fmt.Errorf("call %s has kind %q", k, m.Kind)
					}
				}
			}
		}
		if seen["start"] != 1 || seen["join"] != 4 || seen["leave"] != 4 || seen["end"] != 1 {
			return fmt.Errorf("call messages %v, want 1 start, 4 joins, 4 leaves, 1 end", seen)
		}
		return nil
	})
	// … and each is in every nation's audit log.
	webtest.CheckFor(t, 10*time.Second, 200*time.Millisecond, func() error {
		for _, n := range nation.Nations {
			b, err := os.ReadFile(filepath.Join(demo.DataDir, "audit", n.String(), "entries"))
			if err != nil {
				return err
			}
			for _, id := range ids {
				if !bytes.Contains(b, []byte(id)) {
					return fmt.Errorf("call message %s is not in %s's audit log", id, n)
				}
			}
		}
		return nil
	})
	// /metrics shows the SFUs idle: no session, the trunks only.
	_, metrics, err := get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`trilink_call_sessions{nation="kr"} 0`, `trilink_call_peer_connections{nation="us"} 4`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
