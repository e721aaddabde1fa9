package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/share/sharetest"
)

// The three nations fuse the same scenario, with the jp–kr link cut
// mid-flight and healed: once the durable path has caught up, their
// pictures are identical — the same evidence and the same digest.
func TestPicturesAgreeAfterPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a scenario across a partition (~30 s)")
	}
	f := sharetest.Start(t, sharetest.Options{Proxied: true})
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clock := &SimClock{}
	hub := httpapi.NewHub(64)
	pics := map[share.Nation]*Picture{}
	pubs := map[share.Nation]*share.Publisher{}
	done := make(chan struct{}, 6)
	for _, n := range share.Nations {
		node, err := newNode(n, f.Conns[n], f.Servers[n], 1, log)
		if err != nil {
			t.Fatal(err)
		}
		pics[n] = newPicture(node, hub, clock.Now, log)
		pubs[n] = node.Pub
		go func() { _ = pics[n].Run(ctx); done <- struct{}{} }()
		go func() { _ = node.Links.Run(ctx); done <- struct{}{} }()
	}
	defer func() {
		cancel()
		for range 6 {
			<-done
		}
	}()
	_, run, err := loadRun("2019-07-25-kn23-pullup", nil)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := run.Span()
	run.Shift = time.Since(start)
	go func() {
		time.Sleep(3 * time.Second)
		f.Proxy(share.JP, share.KR).SetDown(true)
		time.Sleep(5 * time.Second)
		f.Proxy(share.JP, share.KR).SetDown(false)
	}()
	if err := Replay(ctx, run, 40, pubs, clock, log); err != nil {
		t.Fatal(err)
	}
	var last map[share.Nation]share.PictureStatus
	sharetest.Eventually(t, 90*time.Second, "identical digests in all three nations", func() bool {
		last = map[share.Nation]share.PictureStatus{}
		for n, p := range pics {
			last[n] = p.Agreement()
		}
		a, b, c := last[share.JP], last[share.KR], last[share.US]
		return a.Measurements > 0 && a.Evidence == b.Evidence && b.Evidence == c.Evidence && a.Picture == b.Picture && b.Picture == c.Picture
	})
	if len(pics[share.KR].Events()) != 1 {
		t.Fatalf("kr has %d events, want 1", len(pics[share.KR].Events()))
	}
	t.Logf("%d measurements fused in every nation; picture %s", last[share.JP].Measurements, last[share.JP].Picture[:12])
}
