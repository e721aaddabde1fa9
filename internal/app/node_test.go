package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/share"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Three `trilink node` processes' worth of nodes, each with an embedded
// server and its own config file, find each other and become ready.
func TestEmbeddedNodesFederate(t *testing.T) {
	dir := t.TempDir()
	ports, err := share.FreePorts(9)
	if err != nil {
		t.Fatal(err)
	}
	idx := map[share.Nation]int{share.JP: 0, share.KR: 1, share.US: 2}
	client := func(n share.Nation) int { return ports[3*idx[n]] }
	leaf := func(n share.Nation) int { return ports[3*idx[n]+1] }
	httpPort := func(n share.Nation) int { return ports[3*idx[n]+2] }
	for _, pair := range [][2]share.Nation{{share.JP, share.KR}, {share.JP, share.US}, {share.KR, share.US}} {
		t.Setenv(fmt.Sprintf("TEST_LEAF_%s_%s", pair[0].Upper(), pair[1].Upper()), share.RandomSecret())
	}
	envName := func(a, b share.Nation) string {
		if idx[a] > idx[b] {
			a, b = b, a
		}
		return fmt.Sprintf("TEST_LEAF_%s_%s", a.Upper(), b.Upper())
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	outs := map[share.Nation]*syncBuffer{}
	errs := make(chan error, 3)
	// Each nation's audit key pair and hotline device keys; every node
	// needs the partners' public keys (one directory here).
	auditKeys, hotlineKeys := filepath.Join(dir, "audit-keys"), filepath.Join(dir, "hotline-keys")
	for _, n := range share.Nations {
		if err := app.AuditKeygen(auditKeys, n.String(), io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := app.HotlineKeygen(hotlineKeys, n.String(), io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	// us first, then kr, then jp: accepting nations before their dialers.
	for _, n := range []share.Nation{share.US, share.KR, share.JP} {
		var b strings.Builder
		fmt.Fprintf(&b, "nation: %s\nhttp: 127.0.0.1:%d\ndata_dir: %s\naudit: {keys_dir: %s}\nhotline: {keys_dir: %s}\nembedded:\n  client_listen: 127.0.0.1:%d\n  leaf_listen: 127.0.0.1:%d\n  partners:\n",
			n, httpPort(n), filepath.Join(dir, n.String()), auditKeys, hotlineKeys, client(n), leaf(n))
		for _, p := range n.Partners() {
			fmt.Fprintf(&b, "    %s: {leaf_url: \"nats-leaf://127.0.0.1:%d\", password_env: %s}\n", p, leaf(p), envName(n, p))
		}
		path := filepath.Join(dir, n.String()+".yaml")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		outs[n] = &syncBuffer{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := app.RunNode(ctx, app.NodeOptions{Nation: n.String(), ConfigFile: path}, slog.New(slog.DiscardHandler), outs[n]); err != nil {
				errs <- fmt.Errorf("%s: %w", n, err)
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	for _, n := range share.Nations {
		url := fmt.Sprintf("http://127.0.0.1:%d", httpPort(n))
		deadline := time.Now().Add(15 * time.Second)
		for {
			select {
			case err := <-errs:
				t.Fatal(err)
			default:
			}
			if strings.Contains(outs[n].String(), "http://") {
				if resp, body := get(t, url+"/readyz"); resp.StatusCode == 200 {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("%s node not ready within 15 s: %s", n, body)
				}
			} else if time.Now().After(deadline) {
				t.Fatalf("%s node did not start within 15 s", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
