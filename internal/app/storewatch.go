package app

import (
	"context"
	"github.com/trilink/trilink/internal/nation"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/share"
)

var (
	descStoreUsed  = prometheus.NewDesc("trilink_jetstream_store_bytes", "Bytes the nation's JetStream file store holds.", []string{"nation"}, nil)
	descStoreLimit = prometheus.NewDesc("trilink_jetstream_store_limit_bytes", "The JetStream file store's limit (0: none known).", []string{"nation"}, nil)
	descStoreFull  = prometheus.NewDesc("trilink_jetstream_store_full",
		"1 while the nation's JetStream store is full: new input (measurements, alerts, hotline messages) is refused. An alarm.", []string{"nation"}, nil)
	descFused    = prometheus.NewDesc("trilink_picture_measurements_total", "Measurements taken into the nation's fusion engine.", []string{"nation"}, nil)
	descRejected = prometheus.NewDesc("trilink_ingest_rejected_total", "Measurements refused by ingest, by reason.", []string{"nation", "reason"}, nil)
	descRecv     = prometheus.NewDesc("trilink_receiver_messages_total",
		"Measurements the picture's receiver saw, by path (fast, durable) and outcome (delivered, duplicate, late).", []string{"nation", "what"}, nil)
	descHeld = prometheus.NewDesc("trilink_receiver_held", "Measurements held back waiting for a gap in their publisher's sequence to fill.", []string{"nation"}, nil)
)

// storeFullMargin is how close to its limit the store counts as full: a
// sensor's measurement or a hotline message no longer fits.
const storeFullMargin = 64 << 10

// storeWatch watches a node's JetStream store. When it fills up the node
// refuses new input (the server refuses the writes; share.ErrStoreFull),
// and the watch raises the alarm: trilink_jetstream_store_full and an error
// in the log, once, and an info line when space is back.
type storeWatch struct {
	node *Node
	log  *slog.Logger

	mu          sync.Mutex // guards the fields below
	used, limit uint64
	full        bool
}

func newStoreWatch(node *Node, log *slog.Logger) *storeWatch {
	return &storeWatch{node: node, log: log.With("nation", node.Nation.String())}
}

// Run samples the store every second until ctx ends.
func (w *storeWatch) Run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		w.sample(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// usage reads the store's size and limit: from the embedded server, or the
// account's limits on an external cluster.
func (w *storeWatch) usage(ctx context.Context) (used, limit uint64, ok bool) {
	if srv := w.node.Server; srv != nil {
		jz, err := srv.Jsz(nil)
		if err != nil {
			return 0, 0, false
		}
		l := jz.Config.MaxStore
		if l < 0 {
			l = 0
		}
		return jz.Store, uint64(l), true
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ai, err := w.node.JS.AccountInfo(ctx)
	if err != nil {
		return 0, 0, false
	}
	l := ai.Limits.MaxStore
	if l < 0 {
		l = 0
	}
	return ai.Store, uint64(l), true
}

func (w *storeWatch) sample(ctx context.Context) {
	used, limit, ok := w.usage(ctx)
	if !ok {
		return
	}
	full := limit > 0 && used+storeFullMargin >= limit
	w.mu.Lock()
	was := w.full
	w.used, w.limit, w.full = used, limit, full
	w.mu.Unlock()
	switch {
	case full && !was:
		w.log.Error("ALARM: JetStream store full; new measurements, alerts and hotline messages are refused until space is freed",
			"used_bytes", used, "limit_bytes", limit, "err", share.ErrStoreFull)
	case !full && was:
		w.log.Info("JetStream store has room again", "used_bytes", used, "limit_bytes", limit)
	}
}

// Full reports whether the store was full at the last sample.
func (w *storeWatch) Full() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.full
}

func (w *storeWatch) Describe(ch chan<- *prometheus.Desc) {
	ch <- descStoreUsed
	ch <- descStoreLimit
	ch <- descStoreFull
}

func (w *storeWatch) Collect(ch chan<- prometheus.Metric) {
	w.mu.Lock()
	used, limit, full := w.used, w.limit, w.full
	w.mu.Unlock()
	n := w.node.Nation.String()
	ch <- prometheus.MustNewConstMetric(descStoreUsed, prometheus.GaugeValue, float64(used), n)
	ch <- prometheus.MustNewConstMetric(descStoreLimit, prometheus.GaugeValue, float64(limit), n)
	ch <- prometheus.MustNewConstMetric(descStoreFull, prometheus.GaugeValue, b2f(full), n)
}

// pictureCollector counts what each nation's picture took in and refused.
type pictureCollector struct{ pics map[nation.Nation]*Picture }

func (c *pictureCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descFused
	ch <- descRejected
	ch <- descRecv
	ch <- descHeld
}

func (c *pictureCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.pics {
		n := p.node.Nation.String()
		ch <- prometheus.MustNewConstMetric(descFused, prometheus.CounterValue, float64(p.eng.Stats().Accepted), n)
		if r := p.recv.Load(); r != nil {
			st := r.Stats()
			for what, v := range map[string]uint64{"fast": st.Fast, "durable": st.Durable, "delivered": st.Delivered, "duplicate": st.Duplicates, "late": st.Late} {
				ch <- prometheus.MustNewConstMetric(descRecv, prometheus.CounterValue, float64(v), n, what)
			}
			ch <- prometheus.MustNewConstMetric(descHeld, prometheus.GaugeValue, float64(st.Held), n)
		}
		for reason, v := range p.ingest.Rejected() {
			ch <- prometheus.MustNewConstMetric(descRejected, prometheus.CounterValue, float64(v), n, reason)
		}
	}
}
