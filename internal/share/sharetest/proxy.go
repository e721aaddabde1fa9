// Package sharetest runs the three nations' NATS systems inside a test, on
// loopback, with cuttable links between them.
package sharetest

import (
	"testing"

	"github.com/trilink/trilink/internal/netproxy"
)

// Proxy is a loopback TCP proxy that can be cut (internal/netproxy).
type Proxy = netproxy.Proxy

// NewProxy starts a proxy on 127.0.0.1 forwarding to target. It is closed
// when tb ends.
func NewProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	p, err := netproxy.New(target)
	if err != nil {
		tb.Fatalf("proxy: %v", err)
	}
	tb.Cleanup(p.Close)
	return p
}
