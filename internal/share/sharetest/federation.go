package sharetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/share"
)

// Options shape a test federation.
type Options struct {
	// Proxied puts a cuttable proxy in front of every link (see Fed.Proxy).
	Proxied bool
	// Dir holds the stores; empty means tb.TempDir().
	Dir string
}

// Fed is a running three-nation federation inside a test.
type Fed struct {
	tb      testing.TB
	Spec    *share.Federation
	Servers map[share.Nation]*share.Server
	Conns   map[share.Nation]*nats.Conn
	JS      map[share.Nation]jetstream.JetStream
	proxies map[[2]share.Nation]*Proxy
}

// Start runs the three nations, waits for the three leaf links and creates
// every nation's streams. Everything stops when tb ends.
func Start(tb testing.TB, o Options) *Fed {
	tb.Helper()
	// The ports are picked free and then bound; another process may take
	// one in between. Pick again in that case.
	for attempt := 1; ; attempt++ {
		f, err := start(tb, o)
		if err == nil {
			return f
		}
		if !errors.Is(err, share.ErrListen) || attempt == 5 {
			tb.Fatal(err)
		}
		tb.Logf("loopback port taken (%v); picking new ports", err)
	}
}

func start(tb testing.TB, o Options) (*Fed, error) {
	tb.Helper()
	dir := o.Dir
	if dir == "" {
		dir = tb.TempDir()
	}
	spec, err := share.LoopbackFederation(dir)
	if err != nil {
		tb.Fatal(err)
	}
	f := &Fed{tb: tb, Spec: spec, Servers: map[share.Nation]*share.Server{}, Conns: map[share.Nation]*nats.Conn{},
		JS: map[share.Nation]jetstream.JetStream{}, proxies: map[[2]share.Nation]*Proxy{}}
	if o.Proxied {
		spec.Links = share.DefaultLinks(share.Nations)
		for i, l := range spec.Links {
			target := strings.TrimPrefix(spec.Spec(l.To).LeafURLs[0], "nats-leaf://")
			p := NewProxy(tb, target)
			f.proxies[[2]share.Nation{l.From, l.To}] = p
			spec.Links[i].URLs = []string{"nats-leaf://" + p.Addr()}
		}
	}
	// Accepting nations first, so the first dial of each link succeeds.
	for i := len(share.Nations) - 1; i >= 0; i-- {
		if err := f.startErr(share.Nations[i]); err != nil {
			for n := range f.Servers {
				f.Stop(n)
			}
			return nil, err
		}
	}
	f.WaitLinks(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, n := range share.Nations {
		if err := share.EnsureReleaseStreams(ctx, f.JS[n], n, 1, share.DefaultRetention); err != nil {
			tb.Fatal(err)
		}
	}
	for _, n := range share.Nations {
		if err := share.EnsurePicture(ctx, f.JS[n], n, n.Partners(), 1, share.DefaultRetention); err != nil {
			tb.Fatal(err)
		}
	}
	return f, nil
}

func (f *Fed) start(n share.Nation) {
	f.tb.Helper()
	if err := f.startErr(n); err != nil {
		f.tb.Fatal(err)
	}
}

func (f *Fed) startErr(n share.Nation) error {
	s, err := share.StartServer(f.Spec, n, 0, nil)
	if err != nil {
		return err
	}
	nc, err := s.ConnectApp()
	if err != nil {
		s.Stop()
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		s.Stop()
		return err
	}
	f.Servers[n], f.Conns[n], f.JS[n] = s, nc, js
	f.tb.Cleanup(func() { nc.Close(); s.Stop() })
	return nil
}

// Stop shuts nation n's server down (its store stays).
func (f *Fed) Stop(n share.Nation) {
	f.Conns[n].Close()
	f.Servers[n].Stop()
}

// Restart starts nation n's server again on the same store and ports.
func (f *Fed) Restart(n share.Nation) { f.start(n) }

// Proxy returns the proxy of the link between a and b (in either order);
// the federation must have been started with Proxied.
func (f *Fed) Proxy(a, b share.Nation) *Proxy {
	if p, ok := f.proxies[[2]share.Nation{a, b}]; ok {
		return p
	}
	return f.proxies[[2]share.Nation{b, a}]
}

// WaitLinks waits until every server has its leaf links to both partners.
func (f *Fed) WaitLinks(d time.Duration) {
	f.tb.Helper()
	deadline := time.Now().Add(d)
	for {
		ok := true
		for n, s := range f.Servers {
			for _, p := range n.Partners() {
				if !s.LeafConnected(p) {
					ok = false
				}
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.tb.Fatalf("leaf links not all up within %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Eventually polls cond every 50 ms until it holds or d passes.
func Eventually(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
