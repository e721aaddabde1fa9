package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/cottest"
	"github.com/trilink/trilink/internal/export"
)

// The demo's TAK endpoint serves jp's picture of the replayed launch to a
// TAK client that negotiates protocol v1: the missile track, its launch
// point and impact prediction arrive, marked as an exercise; and the console's
// export route gives the same event as KML that passes the KML check.
func TestDemoTAKAndExport(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d, err := app.NewDemo(ctx, app.DemoConfig{HTTP: "127.0.0.1:0", TAK: "127.0.0.1:0", DataDir: t.TempDir(), Speed: 50,
		Scenario: "2022-10-04-irbm-overflight"}, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; d.Close() })

	cctx, ccancel := context.WithTimeout(ctx, 90*time.Second)
	defer ccancel()
	c, err := cottest.Dial(cctx, d.TAKAddr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Negotiate(cctx); err != nil {
		t.Fatalf("negotiate v1: %v", err)
	}
	if !c.V1() {
		t.Fatal("still on protocol v0 after negotiation")
	}
	seen := map[string]cot.Event{}
	_, err = c.Until(cctx, func(ev cot.Event) bool {
		seen[ev.Type] = ev
		_, track := seen["a-h-A-W-M-S-S"]
		_, launch := seen["b-d-l"]
		_, impact := seen["b-m-p-s-m"]
		return track && launch && impact
	})
	if err != nil {
		t.Fatalf("no track, launch point and impact prediction: %v (saw %d types)", err, len(seen))
	}
	tr := seen["a-h-A-W-M-S-S"]
	if !strings.HasPrefix(tr.UID, "trilink.jp.") || tr.Opex != "e-trilink-demo" {
		t.Errorf("track uid %q opex %q", tr.UID, tr.Opex)
	}

	base := "http://" + d.Addr().String()
	demoPasswords.Store(base, d.Logins.Password)
	var id string
	for _, ev := range []cot.Event{tr, seen["b-d-l"]} {
		if i := strings.Index(ev.UID, "E-"); i >= 0 && id == "" {
			id = strings.SplitN(ev.UID[i:], ".", 2)[0]
		}
	}
	if id == "" {
		t.Fatalf("no event id in uid %q", tr.UID)
	}
	resp, body := get(t, base+"/api/v1/events/"+id+"/export?format=kml&nation=jp")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != export.FormatKML.MediaType() {
		t.Fatalf("export kml: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), trim(body))
	}
	if err := export.CheckKML([]byte(body)); err != nil {
		t.Errorf("exported KML: %v", err)
	}
	if resp, body := get(t, base+"/api/v1/events/"+id+"/export?format=kmz"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "kmz") {
		t.Errorf("bad format: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, base+"/api/v1/events/nope/export?format=kml"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown event: %d", resp.StatusCode)
	}
}
