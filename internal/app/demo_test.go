package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/share"
)

func startDemo(t *testing.T, dir string) (*app.Demo, string, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := app.NewDemo(ctx, app.DemoConfig{HTTP: "127.0.0.1:0", DataDir: dir, Speed: 1}, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	stop := func() { cancel(); <-done; d.Close() }
	t.Cleanup(stop)
	base := "http://" + d.Addr().String()
	demoPasswords.Store(base, d.Logins.Password)
	return d, base, stop
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	signRequest(t, req)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestDemoServesProbesMetricsAndStatus(t *testing.T) {
	_, base, _ := startDemo(t, t.TempDir())
	if resp, body := get(t, base+"/healthz"); resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz: %d %q", resp.StatusCode, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, body := get(t, base+"/readyz")
		if resp.StatusCode == 200 {
			break
		}
		if resp.StatusCode != 503 {
			t.Fatalf("/readyz: %d, want 200 or 503", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 within 5 s: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`trilink_link_up{nation="jp",partner="kr"} 1`,
		`trilink_link_up{nation="us",partner="kr"} 1`,
		`trilink_ready{nation="kr"} 1`,
		`trilink_stream_messages{nation="jp",stream="PICTURE"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	resp, body := get(t, base+"/api/v1/status")
	var st struct {
		Nations []share.NodeStatus `json:"nations"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("/api/v1/status: %v\n%s", err, body)
	}
	if len(st.Nations) != 3 || st.Nations[0].Nation != share.JP || len(st.Nations[0].Streams) != 4 {
		t.Fatalf("/api/v1/status: %+v", st.Nations)
	}
	if resp, body := get(t, base+"/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "<html") || !strings.Contains(body, "/assets/") {
		t.Fatalf("/: %d, want the console's index.html", resp.StatusCode)
	}
	resp, body = get(t, base+"/status/")
	if resp.StatusCode != 200 || !strings.Contains(body, "status.js") {
		t.Fatalf("/status/: %d", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("/status/ CSP = %q", csp)
	}
	if resp, _ := get(t, base+"/nope"); resp.StatusCode != 404 {
		t.Errorf("/nope: %d, want 404", resp.StatusCode)
	}
}

// Streams persist in --data across a restart of the demo.
func TestDemoRestartKeepsStreams(t *testing.T) {
	dir := t.TempDir()
	d, _, stop := startDemo(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	jp := d.Sys.Node(share.JP)
	for i := range 10 {
		if _, err := jp.Pub.Publish(ctx, share.Msg{Subject: "shared.jp.event.E1", ID: "E1:" + string(rune('a'+i)), Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	d2, _, _ := startDemo(t, dir)
	st, err := d2.Sys.Node(share.JP).JS.Stream(ctx, share.JP.RelStream())
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstreamFilter("shared.jp.event.>"))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.State.Subjects["shared.jp.event.E1"]; got != 10 {
		t.Fatalf("after restart JP_REL holds %d events, want 10", got)
	}
}

// The demo replays its scenario: each nation's sensors publish into its own
// system, and every PICTURE holds measurements of all three nations.
func TestDemoReplaysScenario(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d, err := app.NewDemo(ctx, app.DemoConfig{HTTP: "127.0.0.1:0", DataDir: t.TempDir(), Speed: 50, Scenario: "2022-10-04-irbm-overflight"}, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	defer func() { cancel(); <-done; d.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range share.Nations {
		js := d.Sys.Node(n).JS
		for {
			st, err := js.Stream(ctx, share.PictureStream)
			if err != nil {
				t.Fatal(err)
			}
			info, err := st.Info(ctx, jetstreamFilter("shared.*.meas.>"))
			if err != nil {
				t.Fatal(err)
			}
			from := map[string]bool{}
			for subj := range info.State.Subjects {
				from[strings.Split(subj, ".")[1]] = true
			}
			if len(from) == 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s PICTURE has measurements from %v only", n, from)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func TestDemoRejectsUnknownScenario(t *testing.T) {
	_, err := app.NewDemo(context.Background(), app.DemoConfig{HTTP: "127.0.0.1:0", DataDir: t.TempDir(), Speed: 1, Scenario: "no-such"}, slog.New(slog.DiscardHandler))
	var ue *app.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "no-such") {
		t.Fatalf("got %v, want a usage error naming the scenario", err)
	}
}
