package call_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/call/calltest"
	"github.com/trilink/trilink/internal/nation"
)

var (
	offerOnce sync.Once
	offerSDP  string
)

// validOffer returns a real pion offer with four audio sections.
func validOffer(tb testing.TB) string {
	tb.Helper()
	offerOnce.Do(func() {
		api, err := call.NewAPI()
		if err != nil {
			tb.Fatal(err)
		}
		c, err := calltest.New(api, 4)
		if err != nil {
			tb.Fatal(err)
		}
		defer c.Close()
		if offerSDP, err = c.Offer(context.Background()); err != nil {
			tb.Fatal(err)
		}
	})
	return offerSDP
}

func body(t *testing.T, v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseJoinRequest(t *testing.T) {
	offer := validOffer(t)
	noAudio := strings.ReplaceAll(offer, "m=audio", "m=text")
	noFP := strings.NewReplacer("a=fingerprint:", "a=x-fp:").Replace(offer)
	many := offer
	for range call.MaxSlots {
		i := strings.Index(offer, "m=audio")
		many += offer[i:]
	}
	cases := []struct {
		name, body, field string
	}{
		{"ok", body(t, map[string]any{"type": "offer", "sdp": offer}), ""},
		{"ok with precedence", body(t, map[string]any{"type": "offer", "sdp": offer, "precedence": "FLASH", "video": true}), ""},
		{"not JSON", `{"type":`, "body"},
		{"trailing data", body(t, map[string]any{"type": "offer", "sdp": offer}) + "{}", "body"},
		{"answer", body(t, map[string]any{"type": "answer", "sdp": offer}), "type"},
		{"no type", body(t, map[string]any{"sdp": offer}), "type"},
		{"no sdp", body(t, map[string]any{"type": "offer"}), "sdp"},
		{"sdp a number", `{"type":"offer","sdp":5}`, "sdp"},
		{"video a string", `{"type":"offer","sdp":"v=0","video":"yes"}`, "video"},
		{"unknown field", `{"type":"offer","sdp":"v=0","candidate":"x"}`, "candidate"},
		{"empty field name", `{"":""}`, `""`},
		{"garbage sdp", body(t, map[string]any{"type": "offer", "sdp": "hello"}), "sdp"},
		{"no audio", body(t, map[string]any{"type": "offer", "sdp": noAudio}), "sdp"},
		{"no fingerprint", body(t, map[string]any{"type": "offer", "sdp": noFP}), "sdp"},
		{"too many slots", body(t, map[string]any{"type": "offer", "sdp": many}), "sdp"},
		{"too large", body(t, map[string]any{"type": "offer", "sdp": offer + strings.Repeat("a=x\r\n", call.MaxSDP/5)}), "sdp"},
		{"bad precedence", body(t, map[string]any{"type": "offer", "sdp": offer, "precedence": "urgent"}), "precedence"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := call.ParseJoinRequest([]byte(c.body))
			if c.field == "" {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				return
			}
			var ce *call.Error
			if !errors.As(err, &ce) || ce.Field != c.field || ce.HTTPStatus() != http.StatusBadRequest || !errors.Is(err, call.ErrMalformed) {
				t.Fatalf("err %v (%#v), want 400 naming %q", err, ce, c.field)
			}
			if !strings.HasPrefix(err.Error(), c.field+": ") {
				t.Errorf("message %q does not start with the field", err)
			}
		})
	}
}

func TestParseMediaRequest(t *testing.T) {
	cases := []struct {
		body, field string
		muted       *bool
	}{
		{`{"muted":true}`, "", ptr(true)},
		{`{"camera":false}`, "", nil},
		{`{}`, "muted", nil},
		{`{"muted":"yes"}`, "muted", nil},
		{`{"mute":true}`, "mute", nil},
	}
	for _, c := range cases {
		r, err := call.ParseMediaRequest([]byte(c.body))
		if c.field == "" {
			if err != nil || (c.muted != nil && (r.Muted == nil || *r.Muted != *c.muted)) {
				t.Errorf("%s: %+v %v", c.body, r, err)
			}
			continue
		}
		var ce *call.Error
		if !errors.As(err, &ce) || ce.Field != c.field {
			t.Errorf("%s: %v, want an error naming %q", c.body, err, c.field)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseTrunkMsg(t *testing.T) {
	cases := []struct{ body, typ, field string }{
		{`{"v":1,"type":"offer","epoch":"ab12","seq":1,"sdp":"v=0"}`, "offer", ""},
		{`{"v":2,"type":"offer","epoch":"ab12","seq":1,"sdp":"v=0"}`, "offer", "v"},
		{`{"v":1,"type":"answer","epoch":"ab12","seq":1,"sdp":"v=0"}`, "offer", "type"},
		{`{"v":1,"type":"offer","epoch":"A B","seq":1,"sdp":"v=0"}`, "offer", "epoch"},
		{`{"v":1,"type":"offer","epoch":"ab12","seq":0,"sdp":"v=0"}`, "offer", "seq"},
		{`{"v":1,"type":"offer","epoch":"ab12","seq":1,"sdp":""}`, "offer", "sdp"},
		{`[]`, "offer", "body"},
	}
	for _, c := range cases {
		_, err := call.ParseTrunkMsg([]byte(c.body), c.typ)
		var ce *call.Error
		if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &ce) || ce.Field != c.field) {
			t.Errorf("%s: %v, want field %q", c.body, err, c.field)
		}
	}
}

func TestParseRoster(t *testing.T) {
	ok := `{"v":1,"nation":"kr","sent":"2026-01-01T00:00:00Z","rooms":[{"room":"ops","call":"ab","precedence":"flash","started":"2026-01-01T00:00:00Z","participants":[{"member":"kr-ops","nation":"kr","joined":"2026-01-01T00:00:00Z","speaking":true,"muted":false,"camera":false,"connected":true}]}]}`
	cases := []struct{ name, body, field string }{
		{"ok", ok, ""},
		{"spoofed nation", strings.Replace(ok, `"nation":"kr","sent"`, `"nation":"jp","sent"`, 1), "nation"},
		{"foreign participant", strings.Replace(ok, `"member":"kr-ops","nation":"kr"`, `"member":"jp-ops","nation":"jp"`, 1), "rooms[0].participants[0]"},
		{"bad room", strings.Replace(ok, `"room":"ops"`, `"room":"../x"`, 1), "rooms[0]"},
		{"version", strings.Replace(ok, `"v":1`, `"v":7`, 1), "v"},
		{"unknown nation", strings.Replace(ok, `"nation":"kr","sent"`, `"nation":"xx","sent"`, 1), "body"},
	}
	for _, c := range cases {
		_, err := call.ParseRoster([]byte(c.body), nation.KR)
		var ce *call.Error
		if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &ce) || ce.Field != c.field) {
			t.Errorf("%s: %v, want field %q", c.name, err, c.field)
		}
	}
}

func FuzzParseJoinRequest(f *testing.F) {
	f.Add([]byte(`{"type":"offer","sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:x\r\na=fingerprint:sha-256 00\r\n"}`))
	f.Add([]byte(`{"type":"offer","sdp":"","precedence":"flash"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := call.ParseJoinRequest(b)
		if err == nil && (r.Type != "offer" || r.SDP == "") {
			t.Fatalf("accepted %+v", r)
		}
		var ce *call.Error
		if err != nil && (!errors.As(err, &ce) || ce.Field == "" || ce.HTTPStatus() != http.StatusBadRequest) {
			t.Fatalf("error %v without a field", err)
		}
	})
}

func FuzzParseTrunkMsg(f *testing.F) {
	f.Add([]byte(`{"v":1,"type":"offer","epoch":"ab12","seq":1,"sdp":"v=0"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := call.ParseTrunkMsg(b, "offer")
		var ce *call.Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *call.Error", err)
		}
		_ = m
	})
}

func FuzzParseRoster(f *testing.F) {
	f.Add([]byte(`{"v":1,"nation":"kr","sent":"2026-01-01T00:00:00Z","rooms":[{"room":"ops","call":"ab","precedence":"flash","started":"2026-01-01T00:00:00Z","participants":[{"member":"kr-ops","nation":"kr","joined":"2026-01-01T00:00:00Z"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := call.ParseRoster(b, nation.KR)
		if err != nil {
			return
		}
		for _, r := range m.Rooms {
			for _, p := range r.Participants {
				if p.Nation != nation.KR {
					t.Fatalf("accepted a participant of %s", p.Nation)
				}
			}
		}
	})
}
