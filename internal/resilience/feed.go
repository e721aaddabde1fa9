package resilience

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/sim"
)

// Measurements simulates a built-in scenario (or a run) and returns its
// measurements in time order, and the scenario's first launch.
func Measurements(ctx context.Context, run *sim.Run) ([]sensor.Measurement, error) {
	var out []sensor.Measurement
	err := run.Simulate(ctx, func(_ context.Context, m sensor.Measurement) error {
		m.SimTruth = nil
		out = append(out, m)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, err
}

// ScenarioRun resolves and plans a built-in scenario.
func ScenarioRun(name string) (*sim.Run, error) {
	sc, err := sim.Resolve(name)
	if err != nil {
		return nil, err
	}
	flights, err := sim.Plan(sc, nil)
	if err != nil {
		return nil, err
	}
	sensors, err := sim.Sensors(sc)
	if err != nil {
		return nil, err
	}
	return &sim.Run{Flights: flights, Sensors: sensors, Seed: sc.Seed}, nil
}

// Feeder plays each nation's sensors into that nation's node, as `trilink
// sim --nats` does: every measurement published with JetStream on
// shared.<n>.meas.<sensor> with the message id <sensor>:<time>, retried with
// the same id until its node stores it (also across a node's restart).
type Feeder struct {
	c *Cluster
	// Acked counts, per nation, the measurements its node acknowledged.
	acked map[share.Nation]*atomic.Int64
	// Sample: record the publish wall time of every Sample-th measurement,
	// by its id (<sensor>:<seq>:<time unix ns>), for latency figures.
	Sample      int
	mu          sync.Mutex // guards sent, first and last
	sent        map[string]time.Time
	first, last time.Time // first and last publication
}

// NewFeeder returns a feeder for c's nodes.
func NewFeeder(c *Cluster) *Feeder {
	f := &Feeder{c: c, acked: map[share.Nation]*atomic.Int64{}, sent: map[string]time.Time{}}
	for _, n := range share.Nations {
		f.acked[n] = &atomic.Int64{}
	}
	return f
}

// Acked returns how many of nation n's measurements its node stored.
func (f *Feeder) Acked(n share.Nation) int64 { return f.acked[n].Load() }

// SentAt returns when the measurement with id <sensor>:<seq>:<unix ns> was
// published (sampled ones only).
func (f *Feeder) SentAt(key string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.sent[key]
	return t, ok
}

// Play publishes ms, each nation's from its own goroutine, each at its
// place on the cluster's exercise clock, and returns when all are stored or
// ctx ends. window bounds the unacknowledged messages per nation.
func (f *Feeder) Play(ctx context.Context, ms []sensor.Measurement, window int) error {
	by := map[share.Nation][]sensor.Measurement{}
	for _, m := range ms {
		by[m.Nation] = append(by[m.Nation], m)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(share.Nations))
	for n, list := range by {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.play(ctx, n, list, window); err != nil {
				errs <- fmt.Errorf("resilience: feed %s: %w", n, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (f *Feeder) play(ctx context.Context, n share.Nation, ms []sensor.Measurement, window int) error {
	nc, err := f.c.Connect(n)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if window < 1 {
		window = 1
	}
	type inflight struct {
		m   *nats.Msg
		fut jetstream.PubAckFuture
	}
	var pending []inflight
	o := f.c.o
	// settle waits for the oldest in-flight message; a failure (node gone,
	// timeout) re-sends it with the same id until stored.
	settle := func() error {
		p := pending[0]
		for {
			select {
			case <-p.fut.Ok():
				f.acked[n].Add(1)
				pending = pending[1:]
				return nil
			case err := <-p.fut.Err():
				_ = err
			case <-time.After(5 * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
			for {
				fut, err := js.PublishMsgAsync(p.m)
				if err == nil {
					p.fut = fut
					pending[0] = p
					break
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}
	seq := map[string]uint64{}
	pubID := n.String() + "/feeder-" + share.RandomSecret()[:8]
	for i, m := range ms {
		due := o.WallStart.Add(time.Duration(float64(m.Time.Sub(o.ScenarioStart)) / o.Speed))
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		b, err := json.Marshal(&m)
		if err != nil {
			return err
		}
		subj := n.SharedPrefix() + "meas." + m.Sensor
		id := m.Sensor + ":" + strconv.FormatUint(m.Seq, 10) + ":" + strconv.FormatInt(m.Time.UnixNano(), 10) // as app.MeasurementID
		seq[subj]++
		msg := nats.NewMsg(subj)
		msg.Data = b
		msg.Header.Set(jetstream.MsgIDHeader, share.MsgID(n, id))
		msg.Header.Set(share.HeaderPub, pubID)
		msg.Header.Set(share.HeaderSeq, strconv.FormatUint(seq[subj], 10))
		now := time.Now()
		f.mu.Lock()
		if f.Sample > 0 && i%f.Sample == 0 {
			f.sent[id] = now
		}
		if f.first.IsZero() || now.Before(f.first) {
			f.first = now
		}
		if now.After(f.last) {
			f.last = now
		}
		f.mu.Unlock()
		for {
			fut, err := js.PublishMsgAsync(msg)
			if err == nil {
				pending = append(pending, inflight{msg, fut})
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		for len(pending) >= window {
			if err := settle(); err != nil {
				return err
			}
		}
	}
	for len(pending) > 0 {
		if err := settle(); err != nil {
			return err
		}
	}
	return nil
}
