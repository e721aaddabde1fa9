package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/share/sharetest"
)

func post(t *testing.T, url, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	signRequest(t, req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type apiMessage struct {
	ID          string `json:"id"`
	Sender      string `json:"sender"`
	Precedence  string `json:"precedence"`
	Kind        string `json:"kind"`
	Body        string `json:"body"`
	NeedsAck    bool   `json:"needs_ack"`
	Attachments []struct {
		Name string `json:"name"`
		Size int    `json:"size"`
	} `json:"attachments"`
	Receipts []struct {
		Member         string `json:"member"`
		State          string `json:"state"`
		AcknowledgedBy string `json:"acknowledged_by"`
	} `json:"receipts"`
}

func messages(t *testing.T, base, member, room string) []apiMessage {
	t.Helper()
	resp, body := get(t, base+"/api/v1/rooms/"+room+"/messages?member="+member)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("messages as %s: %d %s", member, resp.StatusCode, body)
	}
	var ms []apiMessage
	if err := json.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

func find(ms []apiMessage, id string) (apiMessage, bool) {
	for _, m := range ms {
		if m.ID == id {
			return m, true
		}
	}
	return apiMessage{}, false
}

// The demo's hotline through its HTTP API: jp's watch officer sends a FLASH
// with an attachment, kr's reads, acknowledges and downloads it, jp sees the
// receipt; the link tests have run; search finds the message in Japanese;
// bad requests are refused with the reason; the audit log verifies.
func TestDemoHotlineAPI(t *testing.T) {
	data := t.TempDir()
	_, base, stop := startDemo(t, data)
	sharetest.Eventually(t, 20*time.Second, "link tests ok", func() bool {
		_, body := get(t, base+"/api/v1/hotline/linktests?nation=kr")
		return strings.Contains(body, `"state": "ok"`)
	})
	att := base64.StdEncoding.EncodeToString([]byte("%PDF-1.7 assessment"))
	code, body := post(t, base+"/api/v1/rooms/ops/messages?member=jp-ops", "application/json",
		`{"precedence":"FLASH","body":"ミサイル発射を確認。評価を求む / assessment requested","attachments":[{"name":"assessment.pdf","type":"application/pdf","data":"`+att+`"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("send: %d %s", code, body)
	}
	var sent struct{ ID, Precedence string }
	_ = json.Unmarshal([]byte(body), &sent)
	if sent.Precedence != "FLASH" || len(sent.ID) != 32 {
		t.Fatalf("send answered %s", body)
	}
	var got apiMessage
	sharetest.Eventually(t, 10*time.Second, "kr-ops has the message", func() bool {
		var ok bool
		got, ok = find(messages(t, base, "kr-ops", "ops"), sent.ID)
		return ok
	})
	if got.Sender != "jp-ops" || got.Precedence != "FLASH" || !got.NeedsAck || len(got.Attachments) != 1 || got.Attachments[0].Name != "assessment.pdf" {
		t.Fatalf("kr-ops sees %+v", got)
	}
	resp, file := get(t, base+"/api/v1/rooms/ops/messages/"+sent.ID+"/attachments/0?member=kr-ops")
	if resp.StatusCode != http.StatusOK || file != "%PDF-1.7 assessment" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("attachment: %d %q %v", resp.StatusCode, file, resp.Header)
	}
	if code, body := post(t, base+"/api/v1/rooms/ops/messages/"+sent.ID+"/ack?member=kr-ops", "application/json", "{}"); code != http.StatusOK {
		t.Fatalf("ack: %d %s", code, body)
	}
	sharetest.Eventually(t, 10*time.Second, "jp sees kr's acknowledgement", func() bool {
		m, _ := find(messages(t, base, "jp-ops", "ops"), sent.ID)
		for _, r := range m.Receipts {
			if r.Member == "kr-ops" && r.State == "acknowledged" && r.AcknowledgedBy == "kr-ops" {
				return true
			}
		}
		return false
	})
	sharetest.Eventually(t, 10*time.Second, "kr-ops no longer asked to acknowledge", func() bool {
		m, _ := find(messages(t, base, "kr-ops", "ops"), sent.ID)
		return !m.NeedsAck
	})
	_, hits := get(t, base+"/api/v1/hotline/search?member=us-ops&q=発射")
	if !strings.Contains(hits, sent.ID) || !strings.Contains(hits, "[発射]") {
		t.Errorf("search for 発射 as us-ops: %s", hits)
	}

	for _, tc := range []struct {
		name, url, ctype, body string
		code                   int
		want                   string
	}{
		{"unknown member (no such login)", "/api/v1/rooms/ops/messages?member=xx-ops", "application/json", `{"precedence":"ROUTINE","body":"x"}`, 401, "not signed in"},
		{"bad precedence", "/api/v1/rooms/ops/messages?member=jp-ops", "application/json", `{"precedence":"URGENT","body":"x"}`, 400, "precedence"},
		{"unknown field", "/api/v1/rooms/ops/messages?member=jp-ops", "application/json", `{"precedence":"ROUTINE","text":"x"}`, 400, "unknown field"},
		{"not a member of the room", "/api/v1/rooms/leaders/messages?member=jp-ops", "application/json", `{"precedence":"ROUTINE","body":"x"}`, 403, "not a member"},
		{"unknown room", "/api/v1/rooms/nowhere/messages?member=jp-ops", "application/json", `{"precedence":"ROUTINE","body":"x"}`, 404, "unknown room"},
		{"form post", "/api/v1/rooms/ops/messages?member=jp-ops", "application/x-www-form-urlencoded", `body=x`, 415, "application/json"},
		{"oversized", "/api/v1/rooms/ops/messages?member=jp-ops", "application/json", `{"precedence":"ROUTINE","body":"` + strings.Repeat("x", 9<<20) + `"}`, 413, "larger than 8388608 bytes"},
		{"ack in the wrong room", "/api/v1/rooms/leaders/messages/" + sent.ID + "/ack?member=kr-ops", "application/json", `{}`, 404, "not in room"},
		{"body over limit", "/api/v1/rooms/ops/messages?member=jp-ops", "application/json", `{"precedence":"ROUTINE","body":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too large"},
		{"ack unknown message", "/api/v1/rooms/ops/messages/00000000000000000000000000000000/ack?member=kr-ops", "application/json", `{}`, 404, "unknown message"},
		{"bad message id", "/api/v1/rooms/ops/messages/zz/ack?member=kr-ops", "application/json", `{}`, 400, "message id"},
		{"junk envelope", "/api/v1/hotline/envelopes?nation=jp", "application/json", `{"v":1,"id":"x"}`, 400, "malformed"},
	} {
		code, body := post(t, base+tc.url, tc.ctype, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d containing %q", tc.name, code, trim(body), tc.code, tc.want)
		}
	}
	// A message near the attachment limit (4 MiB) crosses the backbone.
	big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA5}, 4<<20-64))
	if code, body := post(t, base+"/api/v1/rooms/ops/messages?member=us-ops", "application/json",
		`{"precedence":"ROUTINE","body":"","attachments":[{"name":"radar.bin","type":"application/octet-stream","data":"`+big+`"}]}`); code != http.StatusCreated {
		t.Fatalf("4 MiB attachment: %d %s", code, trim(body))
	}
	sharetest.Eventually(t, 20*time.Second, "jp-ops has the 4 MiB attachment", func() bool {
		for _, m := range messages(t, base, "jp-ops", "ops") {
			if len(m.Attachments) == 1 && m.Attachments[0].Name == "radar.bin" && m.Attachments[0].Size == 4<<20-64 {
				return true
			}
		}
		return false
	})
	// The refusals are counted, and the link tests are in /metrics.
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{`trilink_hotline_submissions_total{nation="jp",result="refused"}`, `trilink_hotline_link_test_ok{nation="kr"} 1`,
		`trilink_hotline_rejected_total{nation="us"} 0`, `trilink_hotline_link_test_rtt_seconds{nation="jp",partner="kr"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, `trilink_hotline_submissions_total{nation="jp",result="refused"} 0`) {
		t.Error("jp's refused submissions not counted")
	}
	// Nothing refused reached anyone.
	for _, m := range messages(t, base, "us-ops", "ops") {
		if m.Body == "x" {
			t.Errorf("a refused message was stored: %+v", m)
		}
	}
	stop()
	var out bytes.Buffer
	if err := app.VerifyAudit(data, "", &out); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out.String())
	}
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
