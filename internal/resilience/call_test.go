package resilience_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/call/calltest"
	"github.com/trilink/trilink/internal/resilience"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
)

// TestCallAcrossNodeProcesses: jp's and kr's operations centres join the
// ops room's call at their own nations' node processes; jp's audio reaches
// kr through jp's SFU, the trunk and kr's SFU — across processes, with the
// trunk negotiated over the backbone.
func TestCallAcrossNodeProcesses(t *testing.T) {
	needBinary(t)
	c := startCluster(t, []sensor.Measurement{{Time: time.Now()}}, 1, time.Hour, resilience.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	api, err := call.NewAPI()
	if err != nil {
		t.Fatal(err)
	}
	join := func(n share.Nation) *calltest.Client {
		t.Helper()
		cl, err := calltest.New(api, 3)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cl.Close() })
		offer, err := cl.Offer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ans call.JoinResponse
		if _, err := c.Do(ctx, n, "POST", "/api/v1/rooms/ops/call", call.JoinRequest{Type: "offer", SDP: offer}, &ans); err != nil {
			t.Fatalf("%s joins: %v", n, err)
		}
		// The node's media is on the one UDP port of its calls: section.
		want := fmt.Sprintf(" 127.0.0.1 %d typ ", c.MediaPort(n))
		for l := range strings.Lines(ans.SDP) {
			if strings.HasPrefix(l, "a=candidate:") && !strings.Contains(l, want) {
				t.Errorf("%s's node offers %q, want only%s", n, strings.TrimSpace(l), want)
			}
		}
		if !strings.Contains(ans.SDP, want) {
			t.Errorf("%s's node offers no candidate on 127.0.0.1:%d", n, c.MediaPort(n))
		}
		if err := cl.Answer(ans.SDP); err != nil {
			t.Fatal(err)
		}
		if err := cl.Connected(ctx); err != nil {
			t.Fatalf("%s: not connected to its node: %v", n, err)
		}
		return cl
	}
	jp := join(share.JP)
	kr := join(share.KR)
	go jp.Talk(ctx)
	start := time.Now()
	for {
		if p, _ := kr.Received(); p > 0 {
			t.Logf("kr hears jp %v after both joined (%d packets)", time.Since(start).Round(time.Millisecond), p)
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("kr heard nothing from jp within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
