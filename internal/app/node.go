package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/share"
)

// Node is one nation's process: its connection to its own NATS system
// (embedded or an external cluster), its publisher and its partner links.
type Node struct {
	Nation share.Nation
	NC     *nats.Conn
	JS     jetstream.JetStream
	Pub    *share.Publisher
	Links  *share.LinkMonitor
	// Server is the embedded server, or nil for an external cluster.
	Server *share.Server

	replicas int
	log      *slog.Logger

	meter *share.RateMeter
}

// newNode wires a node on an open connection.
func newNode(n share.Nation, nc *nats.Conn, srv *share.Server, replicas int, log *slog.Logger) (*Node, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("%s: jetstream: %w", n, err)
	}
	node := &Node{Nation: n, NC: nc, JS: js, Server: srv, Pub: share.NewPublisher(js, n), replicas: replicas,
		log: log.With("nation", n.String()), meter: share.NewRateMeter()}
	cfg := share.LinkMonitorConfig{Nation: n, Logger: node.log}
	if srv != nil {
		cfg.LeafConnected = srv.LeafConnected
	}
	node.Links = share.NewLinkMonitor(nc, js, cfg)
	return node, nil
}

// Run runs the node's background work until ctx ends.
func (n *Node) Run(ctx context.Context) error {
	return n.Links.Run(ctx)
}

// Close closes the connection and, if embedded, stops the server.
func (n *Node) Close() {
	if n.NC != nil {
		n.NC.Close()
	}
	if n.Server != nil {
		n.Server.Stop()
	}
}

// Status reports the node's links and streams, and whether it is ready: all
// streams exist and every partner link is up.
func (n *Node) Status(ctx context.Context) share.NodeStatus {
	return share.Status(ctx, n.JS, n.Nation, n.Links.Links(), n.meter)
}

// ErrNotReady is returned when a node or system does not become ready in time.
var ErrNotReady = errors.New("app: not ready")
