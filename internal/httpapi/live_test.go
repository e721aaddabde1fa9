package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
)

type sse struct{ id, event, data string }

// readSSE reads n server-sent events.
func readSSE(t *testing.T, url, token, lastID string, n int) []sse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content type %q (status %d)", ct, resp.StatusCode)
		return nil
	}
	var out []sse
	var cur sse
	sc := bufio.NewScanner(resp.Body)
	for len(out) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.event != "" {
				out = append(out, cur)
			}
			cur = sse{}
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			cur.data = line[6:]
		}
	}
	return out
}

func TestLiveResumesWithoutLoss(t *testing.T) {
	hub := httpapi.NewHub(3)
	o := httpapi.Options{
		Status: func(context.Context) []share.NodeStatus { return nil }, Gatherer: prometheus.NewRegistry(),
		Nations: []nation.Nation{nation.JP, nation.KR}, Hub: hub,
		Snapshot: func(n nation.Nation) any { return map[string]string{"snapshot_of": n.String()} },
	}
	tok := signIn(t, &o, nation.KR)
	srv := httptest.NewServer(httpapi.New(o))
	defer srv.Close()
	url := srv.URL + "/api/v1/live?nation=kr"

	// A new client gets a snapshot first, then live messages.
	got := make(chan []sse, 1)
	go func() { got <- readSSE(t, url, tok, "", 2) }()
	time.Sleep(100 * time.Millisecond)
	hub.Publish(nation.KR, httpapi.LiveEvent, map[string]string{"id": "E1"})
	first := <-got
	if len(first) != 2 || first[0].event != "snapshot" || !strings.Contains(first[0].data, `"kr"`) || first[1].event != "event" || !strings.Contains(first[1].data, "E1") {
		t.Fatalf("first connection: %+v", first)
	}
	// Messages published while the client is away are replayed on resume.
	hub.Publish(nation.KR, httpapi.LiveEvent, map[string]string{"id": "E2"})
	hub.Publish(nation.JP, httpapi.LiveEvent, map[string]string{"id": "J1"}) // another nation: not replayed to kr
	hub.Publish(nation.KR, httpapi.LiveAlert, map[string]string{"id": "A1"})
	again := readSSE(t, url, tok, first[1].id, 2)
	if len(again) != 2 || !strings.Contains(again[0].data, "E2") || !strings.Contains(again[1].data, "A1") {
		t.Fatalf("resume: %+v", again)
	}
	// Too old for the ring (size 3): a snapshot instead.
	for i := range 5 {
		hub.Publish(nation.KR, httpapi.LiveStatus, i)
	}
	old := readSSE(t, url, tok, first[1].id, 1)
	if len(old) != 1 || old[0].event != "snapshot" {
		t.Fatalf("stale resume: %+v", old)
	}
}

func TestAPIErrorsAreJSON(t *testing.T) {
	o := httpapi.Options{
		Status: func(context.Context) []share.NodeStatus { return nil }, Gatherer: prometheus.NewRegistry(),
		Nations: []nation.Nation{nation.US},
		Events:  func(nation.Nation) []any { return nil },
		Event:   func(nation.Nation, string) (any, bool) { return nil, false },
	}
	tok := signIn(t, &o, nation.US)
	h := httpapi.New(o)
	for _, tt := range []struct {
		url  string
		code int
		want string
	}{
		{"/api/v1/events?nation=xx", 400, "nation"},
		{"/api/v1/events?nation=jp", 403, "us users may not read or act for jp"},
		{"/api/v1/events/E9", 404, `no event \"E9\"`},
		{"/api/v1/alerts", 404, "no warning"},
		{"/api/v1/nope", 404, "no such API route"},
		{"/api/v1/live?nation=kp", 400, "nation"},
		{"/api/v1/events", 200, `"events":[]`},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", tt.url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		body := strings.Join(strings.Fields(rec.Body.String()), "")
		if rec.Code != tt.code || !strings.Contains(body, strings.ReplaceAll(tt.want, " ", "")) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.url, rec.Code, rec.Body, tt.code, tt.want)
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Errorf("%s: not JSON: %v", tt.url, err)
		}
	}
}

// TestLiveEndsWithTheSession: a disabled user's open live stream ends
// within a recheck, and its reconnect is refused.
func TestLiveEndsWithTheSession(t *testing.T) {
	defer httpapi.SetSessionRecheck(100 * time.Millisecond)()
	hub := httpapi.NewHub(16)
	o := httpapi.Options{Status: func(context.Context) []share.NodeStatus { return nil }, Gatherer: prometheus.NewRegistry(),
		Nations: []nation.Nation{nation.JP}, Hub: hub}
	tok := signIn(t, &o, nation.JP)
	srv := httptest.NewServer(httpapi.New(o))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/live", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ended := make(chan time.Time, 1)
	go func() {
		_, _ = io.Copy(io.Discard, resp.Body)
		ended <- time.Now()
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case <-ended:
		t.Fatal("the stream ended while the session was good")
	default:
	}
	disabled := time.Now()
	if err := o.Auth.Disable("test", "jp-watch", true); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-ended:
		t.Logf("stream ended %v after the user was disabled", at.Sub(disabled).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("the disabled user's stream still open after 3 s")
	}
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reconnect: %d, want 401", again.StatusCode)
	}
}
