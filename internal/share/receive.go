package share

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ReceiverConfig configures a Receiver.
type ReceiverConfig struct {
	// Subjects filter what is received, e.g. "shared.*.alert.>". Empty
	// means every released subject ("shared.>").
	Subjects []string
	// Durable names the receiver's consumer on PICTURE. It keeps its place
	// across restarts: a restarted receiver resumes after the last message
	// it acknowledged.
	Durable string
	// MaxHold bounds how long a message that arrived ahead of a gap waits
	// for the gap to fill before its successors are delivered anyway; the
	// missing messages then arrive marked Late. Zero means 30 s: longer than
	// a kicked catch-up, short enough that a stalled source does not hold
	// partner warnings back for long.
	MaxHold time.Duration
	// Handler receives each message exactly once, in its publisher's order
	// on its subject, from one goroutine. Required.
	Handler func(Delivery)
	Logger  *slog.Logger
}

// ReceiverStats counts what a receiver has seen.
type ReceiverStats struct {
	Fast, Durable, Delivered, Duplicates, Late uint64
	Held                                       int64
}

// Receiver merges a nation's two delivery paths — the core import of
// partners' releases (fast) and its PICTURE stream (durable) — into one
// stream of messages without loss, without duplicates and, per publisher and
// subject, in order (research/nats.md §5.5). Across subjects, messages arrive
// in publication order except after an outage, when the missed ones come
// from the durable path behind newer ones on other subjects.
type Receiver struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	cfg ReceiverConfig
	log *slog.Logger

	fast, durable, delivered, dups, late atomic.Uint64
	held                                 atomic.Int64
}

// NewReceiver returns a receiver on the national account connection nc.
func NewReceiver(nc *nats.Conn, js jetstream.JetStream, cfg ReceiverConfig) (*Receiver, error) {
	if cfg.Handler == nil {
		return nil, errors.New("share: receiver needs a handler")
	}
	if cfg.Durable == "" {
		return nil, errors.New("share: receiver needs a durable name")
	}
	if len(cfg.Subjects) == 0 {
		cfg.Subjects = []string{"shared.>"}
	}
	if cfg.MaxHold == 0 {
		cfg.MaxHold = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Receiver{nc: nc, js: js, cfg: cfg, log: cfg.Logger}, nil
}

// Stats returns the receiver's counters. Safe for concurrent use.
func (r *Receiver) Stats() ReceiverStats {
	return ReceiverStats{Fast: r.fast.Load(), Durable: r.durable.Load(), Delivered: r.delivered.Load(),
		Duplicates: r.dups.Load(), Late: r.late.Load(), Held: r.held.Load()}
}

// dropDups counts duplicates and acknowledges their durable copies.
func (r *Receiver) dropDups(dups []Delivery) {
	for _, d := range dups {
		r.dups.Add(1)
		if d.ack != nil {
			d.ack()
		}
	}
}

// Run receives until ctx ends. It returns nil on cancellation.
func (r *Receiver) Run(ctx context.Context) error {
	fastCh := make(chan *nats.Msg, 1<<16)
	var subs []*nats.Subscription
	defer func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}()
	for _, subj := range r.cfg.Subjects {
		// A full channel drops fast-path messages (a slow consumer); the
		// durable path still brings them.
		s, err := r.nc.ChanSubscribe(subj, fastCh)
		if err != nil {
			return fmt.Errorf("share: receiver subscribe %s: %w", subj, err)
		}
		_ = s.SetPendingLimits(-1, -1)
		subs = append(subs, s)
	}
	cons, err := r.js.CreateOrUpdateConsumer(ctx, PictureStream, jetstream.ConsumerConfig{
		Durable:        r.cfg.Durable,
		FilterSubjects: r.cfg.Subjects,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        r.cfg.MaxHold + 30*time.Second,
		MaxAckPending:  100_000,
	})
	if err != nil {
		return fmt.Errorf("share: receiver consumer %s: %w", r.cfg.Durable, err)
	}
	durCh := make(chan jetstream.Msg, 4096)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case durCh <- m:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(2048))
	if err != nil {
		return fmt.Errorf("share: receiver consume: %w", err)
	}
	defer cc.Stop()

	g := newMerger(r.cfg.MaxHold)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var out []Delivery
		select {
		case <-ctx.Done():
			return nil
		case m := <-fastCh:
			r.fast.Add(1)
			var dups []Delivery
			out, dups = g.offer(newDelivery(m, PathFast, time.Now()))
			r.dropDups(dups)
		case m := <-durCh:
			r.durable.Add(1)
			nm := &nats.Msg{Subject: m.Subject(), Data: m.Data(), Header: m.Headers()}
			d := newDelivery(nm, PathDurable, time.Now())
			d.ack = func() { _ = m.Ack() }
			var dups []Delivery
			out, dups = g.offer(d)
			r.dropDups(dups)
		case now := <-tick.C:
			out = g.expire(now)
		}
		for _, d := range out {
			if d.Late {
				r.late.Add(1)
			}
			r.cfg.Handler(d)
			r.delivered.Add(1)
			if d.ack != nil {
				d.ack()
			}
		}
		r.held.Store(int64(g.heldCount()))
	}
}
