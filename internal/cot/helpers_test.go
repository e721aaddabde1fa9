package cot_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/cottest"
	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/export/exporttest"
	"github.com/trilink/trilink/internal/fusion"
)

// t0 is the salvo's first launch.
var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// newTestServer starts a server on a loopback port with the clock at t0 +
// 300 s (unless o.Now is set) and returns it with its address and clock.
func newTestServer(tb testing.TB, o cot.Options) (*cot.Server, string, *clock) {
	tb.Helper()
	clk := &clock{t: t0.Add(300 * time.Second)}
	if o.Now == nil {
		o.Now = clk.Now
	}
	s := cot.NewServer(o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		if err := <-done; !errors.Is(err, cot.ErrServerClosed) {
			tb.Errorf("Serve: %v, want ErrServerClosed", err)
		}
	})
	return s, ln.Addr().String(), clk
}

func dial(tb testing.TB, addr string) *cottest.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := cottest.Dial(ctx, addr, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func negotiate(tb testing.TB, c *cottest.Client) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Negotiate(ctx); err != nil {
		tb.Fatal(err)
	}
}

// salvo is the test's salvo of n missiles.
func salvo(n int) []exporttest.Launch { return exporttest.Salvo(n, t0) }

// picture is the salvo as the fused picture shows it at t, with areas and
// alerts if asked.
func picture(ls []exporttest.Launch, t time.Time, warn bool) cot.Picture {
	var p cot.Picture
	for _, l := range ls {
		p.Events = append(p.Events, l.At(t))
	}
	if warn {
		p.Areas = exporttest.Areas()
		p.Alerts = []export.AlertText{{ID: "JP-ALERT-1", EventID: ls[0].ID, State: "shelter", Sent: t,
			Headline: map[string]string{"en": "Missile launch: take shelter", "ja": "ミサイル発射。避難してください"}, Areas: []string{"JP-01"}}}
	}
	return p
}

// collect reads events into pic until done(pic) holds, and returns the
// events read.
func collect(tb testing.TB, c *cottest.Client, pic cottest.Picture, done func(cottest.Picture) bool) []cot.Event {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var evs []cot.Event
	for !done(pic) {
		ev, err := c.Next(ctx)
		if err != nil {
			tb.Fatalf("after %d events (%d items): %v", len(evs), len(pic), err)
		}
		evs = append(evs, ev)
		pic.Apply(ev)
	}
	return evs
}

func size(n int) func(cottest.Picture) bool {
	return func(p cottest.Picture) bool { return len(p) >= n }
}

// barrier pings and reads until the pong, returning the events before it:
// the server answers in order, so they are all it had sent.
func barrier(tb testing.TB, c *cottest.Client) []cot.Event {
	tb.Helper()
	if err := c.Ping(); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var evs []cot.Event
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if ev.Type == cot.TypePong {
			return evs
		}
		evs = append(evs, ev)
	}
}

// checkFor polls f until it returns nil or the timeout passes.
func checkFor(tb testing.TB, timeout time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func uid(id, suffix string) string { return "trilink." + id + suffix }

func closed(ev fusion.Event) fusion.Event {
	ev.State = fusion.StateClosed
	return ev
}

func typesOf(evs []cot.Event) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[e.Type]++
	}
	return m
}

var _ = fmt.Sprint
