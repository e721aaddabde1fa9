package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/share"
)

// System is the set of nations one process serves: three in the demo, one
// for a node.
type System struct {
	Nodes []*Node
	log   *slog.Logger
}

// StartLoopback starts the three nations' embedded NATS servers in this
// process, linked on loopback, each storing under dataDir/<nation>, and
// creates their streams. It returns once every leaf link is up and every
// stream exists.
func StartLoopback(ctx context.Context, dataDir string, log *slog.Logger) (*System, error) {
	// The ports are picked free and then bound; another process may take
	// one in between. Pick again in that case.
	for attempt := 1; ; attempt++ {
		sys, err := startLoopbackOnce(ctx, dataDir, log)
		if err == nil || !errors.Is(err, share.ErrListen) || attempt == 5 {
			return sys, err
		}
		log.Warn("loopback port taken; picking new ports", "attempt", attempt, "err", err)
	}
}

func startLoopbackOnce(ctx context.Context, dataDir string, log *slog.Logger) (*System, error) {
	fed, err := share.LoopbackFederation(dataDir)
	if err != nil {
		return nil, err
	}
	sys := &System{log: log}
	byNation := map[share.Nation]*Node{}
	// Accepting nations start first so that each link's first dial succeeds.
	for i := len(share.Nations) - 1; i >= 0; i-- {
		n := share.Nations[i]
		srv, err := share.StartServer(fed, n, 0, log)
		if err != nil {
			sys.Close()
			return nil, err
		}
		nc, err := srv.ConnectApp()
		if err != nil {
			srv.Stop()
			sys.Close()
			return nil, fmt.Errorf("%s: connect: %w", n, err)
		}
		node, err := newNode(n, nc, srv, 1, log)
		if err != nil {
			nc.Close()
			srv.Stop()
			sys.Close()
			return nil, err
		}
		byNation[n] = node
		sys.Nodes = append(sys.Nodes, node)
	}
	// Canonical order for everything that is shown.
	sys.Nodes = sys.Nodes[:0]
	for _, n := range share.Nations {
		sys.Nodes = append(sys.Nodes, byNation[n])
	}
	if err := sys.waitLeafs(ctx, 10*time.Second); err != nil {
		sys.Close()
		return nil, err
	}
	for _, node := range sys.Nodes {
		if err := share.EnsureReleaseStreams(ctx, node.JS, node.Nation, node.replicas, share.DefaultRetention); err != nil {
			sys.Close()
			return nil, err
		}
	}
	for _, node := range sys.Nodes {
		if err := share.EnsurePicture(ctx, node.JS, node.Nation, node.Nation.Partners(), node.replicas, share.DefaultRetention); err != nil {
			sys.Close()
			return nil, err
		}
	}
	return sys, nil
}

func (s *System) waitLeafs(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		missing := ""
		for _, node := range s.Nodes {
			for _, p := range node.Nation.Partners() {
				if node.Server != nil && !node.Server.LeafConnected(p) {
					missing = node.Nation.String() + "→" + p.String()
				}
			}
		}
		if missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: leaf link %s not up within %v", ErrNotReady, missing, d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Run runs every node until ctx ends.
func (s *System) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.Nodes))
	for i, node := range s.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = node.Run(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Status returns every node's status, in canonical order.
func (s *System) Status(ctx context.Context) []share.NodeStatus {
	out := make([]share.NodeStatus, len(s.Nodes))
	for i, node := range s.Nodes {
		out[i] = node.Status(ctx)
	}
	return out
}

// Node returns the node of nation n, or nil.
func (s *System) Node(n share.Nation) *Node {
	for _, node := range s.Nodes {
		if node.Nation == n {
			return node
		}
	}
	return nil
}

// Close stops every node.
func (s *System) Close() {
	for _, node := range s.Nodes {
		node.Close()
	}
}
