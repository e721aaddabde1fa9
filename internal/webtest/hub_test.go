package webtest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/webtest"
	"github.com/trilink/trilink/web"
)

// synthPicture is a node's picture that changes on its own: events whose
// track grows every 100 ms, published on the live hub as a node does.
type synthPicture struct {
	hub *httpapi.Hub

	mu     sync.Mutex // guards events and order
	events map[string]map[string]any
	order  []string
}

func (p *synthPicture) list() []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]any, 0, len(p.order))
	for _, id := range p.order {
		out = append(out, clone(p.events[id]))
	}
	return out
}

func clone(e map[string]any) map[string]any {
	c := make(map[string]any, len(e))
	for k, v := range e {
		c[k] = v
	}
	if tr, ok := e["track"].([]map[string]any); ok {
		c["track"] = append([]map[string]any(nil), tr...)
	}
	return c
}

// step advances every event by one measurement, and starts event id when
// it does not exist yet.
func (p *synthPicture) step(id string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.events[id]; !ok {
		p.events[id] = map[string]any{
			"id": id, "state": "tracking", "class": "IRBM", "measurements": 0,
			"launch": map[string]any{"time": now.UTC().Format(time.RFC3339Nano), "lat": 40.0, "lon": 127.0, "error_km": 4.0},
			"track":  []map[string]any{},
		}
		p.order = append(p.order, id)
	}
	for _, eid := range p.order {
		e := p.events[eid]
		m := e["measurements"].(int) + 1
		e["measurements"] = m
		tr := e["track"].([]map[string]any)
		e["track"] = append(tr, map[string]any{"t": now.UTC().Format(time.RFC3339Nano), "lat": 40.0 + 0.01*float64(m), "lon": 127.0 + 0.05*float64(m), "alt_km": float64(m)})
		p.hub.Publish(nation.JP, httpapi.LiveEvent, clone(e))
	}
}

// TestReconnectResumesHub runs the console against the node's own HTTP
// handler (internal/httpapi with its live hub), fed with a synthetic
// picture, so that the resume path is tested whatever fusion does: while
// the console is cut off, the events change and a new one starts; when it
// is back it resumes with Last-Event-ID (no new snapshot) and has every
// event, as up to date as the node.
func TestReconnectResumesHub(t *testing.T) {
	hub := httpapi.NewHub(10000)
	pic := &synthPicture{hub: hub, events: map[string]map[string]any{}}
	o := httpapi.Options{
		Status: func(context.Context) []share.NodeStatus {
			return []share.NodeStatus{{Nation: nation.JP, Ready: true, Links: []share.LinkStatus{
				{Partner: nation.KR, State: share.LinkUp, Since: time.Now()}, {Partner: nation.US, State: share.LinkUp, Since: time.Now()},
			}}}
		},
		Nations:  []nation.Nation{nation.JP},
		Hub:      hub,
		Events:   func(nation.Nation) []any { return pic.list() },
		Alerts:   func(nation.Nation) []any { return []any{} },
		Snapshot: func(nation.Nation) any { return map[string]any{"events": pic.list(), "alerts": []any{}} },
	}
	tok := testAuth(t, &o, "jp-ops", nation.JP)
	h := httpapi.New(o)
	// The console in front, as the node serves it (with its CSP), API to
	// the handler. (httpapi.Options.Console cannot be used yet: "GET /"
	// conflicts with the "/api/" pattern in its ServeMux.)
	mux := http.NewServeMux()
	mux.Handle("/api/", h)
	files := http.FileServerFS(web.Dist)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		files.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	demoPasswords.Store(srv.URL, "")
	tokens.Store(srv.URL+" jp-ops", tok)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	var (
		nextMu sync.Mutex // guards next
		next   = "E1"
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				nextMu.Lock()
				id := next
				nextMu.Unlock()
				pic.step(id, now)
			}
		}
	}()

	b := webtest.NewBrowser(t, webtest.Options{})
	open(t, b, srv.URL, "/?lang=en")
	waitJS(t, b, 10*time.Second, `document.body.dataset.conn === "live" && window.trilink.store.events.has("E1")`)
	if s := evalT[int](t, b, `window.trilink.store.liveSnapshots`); s != 1 {
		t.Fatalf("snapshots at start: %d, want 1", s)
	}
	setOffline(t, b, true)
	waitJS(t, b, 15*time.Second, `document.body.dataset.conn === "unreachable"`)
	nextMu.Lock()
	next = "E2" // starts while the console is cut off
	nextMu.Unlock()
	time.Sleep(2 * time.Second)
	setOffline(t, b, false)
	waitJS(t, b, 20*time.Second, `document.body.dataset.conn === "live"`)
	want := map[string]int{}
	for _, e := range pic.list() {
		m := e.(map[string]any)
		want[m["id"].(string)] = m["measurements"].(int)
	}
	if len(want) != 2 {
		t.Fatalf("node has %d events, want 2", len(want))
	}
	for id, m := range want {
		waitJS(t, b, 10*time.Second, fmt.Sprintf(`(() => { const e = window.trilink.store.events.get(%q); return e && e.measurements >= %d && e.track.length === e.measurements; })()`, id, m))
	}
	if r := evalT[int](t, b, `window.trilink.store.liveResumes`); r < 1 {
		t.Errorf("resumes with Last-Event-ID: %d, want ≥ 1", r)
	}
	if s := evalT[int](t, b, `window.trilink.store.liveSnapshots`); s != 1 {
		t.Errorf("snapshots: %d, want 1 (the reconnect must resume, not start over)", s)
	}
	b.Screenshot(t, "reconnect_hub", shotDir())
	noErrors(t, b)
}
