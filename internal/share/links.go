package share

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// LinkState is the health of the link to one partner.
//
// The values are shown to users and exported as metrics: do not reorder.
type LinkState int

const (
	LinkUnknown LinkState = iota
	// LinkUp: the partner's heartbeats arrive on the fast path and its
	// releases reach PICTURE.
	LinkUp
	// LinkDegraded: the link is connected but heartbeats are late, or the
	// durable path lags behind what the partner says it has released.
	LinkDegraded
	// LinkDown: the leaf link is disconnected or the partner is silent.
	LinkDown
)

var linkStateNames = [...]string{"unknown", "up", "degraded", "down"}

func (s LinkState) String() string {
	if s < 0 || int(s) >= len(linkStateNames) {
		return "unknown"
	}
	return linkStateNames[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s LinkState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *LinkState) UnmarshalText(b []byte) error {
	for i, n := range linkStateNames {
		if n == string(b) {
			*s = LinkState(i)
			return nil
		}
	}
	return fmt.Errorf("share: unknown link state %q", b)
}

// LinkStatus is what a nation knows of its link to one partner.
type LinkStatus struct {
	Partner Nation    `json:"partner"`
	State   LinkState `json:"state"`
	Since   time.Time `json:"since"`
	// LeafConnected is nil when the leaf connection cannot be observed
	// (an external cluster); heartbeats then decide alone.
	LeafConnected *bool     `json:"leaf_connected,omitempty"`
	LastHeartbeat time.Time `json:"last_heartbeat,omitzero"`
	// Behind is how many of the partner's released messages PICTURE still
	// lacks, by the partner's own last heartbeat.
	Behind uint64 `json:"behind"`
	Kicks  int    `json:"kicks"`
}

// Heartbeat is what each nation publishes every HeartbeatInterval on
// shared.<n>.status.heartbeat.
type Heartbeat struct {
	Nation Nation    `json:"nation"`
	Sent   time.Time `json:"sent"`
	// RelLastSeq is the last sequence of the sender's release stream when it
	// sent this heartbeat: the receivers' gap audit compares it with what
	// their PICTURE holds (research/nats.md §8).
	RelLastSeq uint64 `json:"rel_last_seq"`
}

// HeartbeatSubject returns the subject of n's heartbeats.
func HeartbeatSubject(n Nation) string { return n.SharedPrefix() + "status.heartbeat" }

// LinkMonitorConfig configures a LinkMonitor.
type LinkMonitorConfig struct {
	Nation Nation
	// Partners to watch; nil means the other two nations.
	Partners []Nation
	// LeafConnected, when set, observes the leaf connection to a partner
	// (embedded servers can; clients of an external cluster cannot).
	LeafConnected func(Nation) bool
	// Interval of heartbeats and checks; zero means 1 s.
	Interval time.Duration
	// DegradedAfter and DownAfter are the heartbeat silences that make a
	// link degraded and down; zero means 3 and 10 intervals.
	DegradedAfter, DownAfter time.Duration
	// StallAfter is how long the durable path may lag behind a partner's
	// heartbeat before the source is kicked and the link marked degraded;
	// zero means 10 s.
	StallAfter time.Duration
	// OnChange, if set, is called (from the monitor's goroutine) on each
	// change of a link's state.
	OnChange func(LinkStatus)
	Logger   *slog.Logger
}

// LinkMonitor publishes this nation's heartbeats, watches the partners',
// reports each link as up, degraded or down with since-when, and restarts
// durable sourcing (Kick) when a link returns or the durable path stalls.
type LinkMonitor struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	cfg LinkMonitorConfig
	log *slog.Logger

	mu    sync.Mutex // guards links and hbs
	links map[Nation]*LinkStatus
	hbs   map[Nation]hbSeen
	// audit holds, per partner, a heartbeat at least two intervals old: the
	// durable path must have caught up with it, whereas the newest one has
	// only just left on the fast path.
	audit  map[Nation]hbSeen
	stalls map[Nation]time.Time // owned by Run's goroutine
	// wake asks Run for an early check: a heartbeat arrived from a partner
	// whose link is not up.
	wake    chan struct{}
	started time.Time
}

type hbSeen struct {
	at time.Time
	hb Heartbeat
}

// NewLinkMonitor returns a monitor on the national account connection nc.
func NewLinkMonitor(nc *nats.Conn, js jetstream.JetStream, cfg LinkMonitorConfig) *LinkMonitor {
	if cfg.Partners == nil {
		cfg.Partners = cfg.Nation.Partners()
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.DegradedAfter == 0 {
		cfg.DegradedAfter = 3 * cfg.Interval
	}
	if cfg.DownAfter == 0 {
		cfg.DownAfter = 10 * cfg.Interval
	}
	if cfg.StallAfter == 0 {
		cfg.StallAfter = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &LinkMonitor{nc: nc, js: js, cfg: cfg, log: cfg.Logger, links: map[Nation]*LinkStatus{}, hbs: map[Nation]hbSeen{}, audit: map[Nation]hbSeen{}, stalls: map[Nation]time.Time{}, wake: make(chan struct{}, 1), started: time.Now()}
	now := time.Now()
	for _, p := range cfg.Partners {
		m.links[p] = &LinkStatus{Partner: p, State: LinkUnknown, Since: now}
	}
	return m
}

// Links returns the state of every partner link, in canonical order. Safe
// for concurrent use.
func (m *LinkMonitor) Links() []LinkStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]LinkStatus, 0, len(m.links))
	for _, p := range Nations {
		if l, ok := m.links[p]; ok {
			out = append(out, *l)
		}
	}
	return out
}

// Run publishes and watches until ctx ends.
func (m *LinkMonitor) Run(ctx context.Context) error {
	sub, err := m.nc.Subscribe("shared.*.status.heartbeat", func(msg *nats.Msg) {
		var hb Heartbeat
		if err := json.Unmarshal(msg.Data, &hb); err != nil {
			m.log.Warn("bad heartbeat", "subject", msg.Subject, "err", err)
			return
		}
		if o, ok := originOf(msg.Subject); !ok || o != hb.Nation || o == m.cfg.Nation {
			return
		}
		now := time.Now()
		m.mu.Lock()
		if prev, ok := m.hbs[hb.Nation]; ok {
			if a, ok := m.audit[hb.Nation]; !ok || now.Sub(a.at) > 2*m.cfg.Interval {
				m.audit[hb.Nation] = prev
			}
		}
		m.hbs[hb.Nation] = hbSeen{at: now, hb: hb}
		l := m.links[hb.Nation]
		notUp := l != nil && l.State != LinkUp
		m.mu.Unlock()
		if notUp {
			select {
			case m.wake <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		return fmt.Errorf("share: link monitor subscribe: %w", err)
	}
	defer sub.Unsubscribe()
	// For the first seconds heartbeats go out ten times as often: interest
	// in them takes some milliseconds to cross the leaf links, and a node
	// should not wait a whole interval to learn that its partners are there.
	t := time.NewTicker(m.cfg.Interval / 10)
	defer t.Stop()
	fastUntil := time.Now().Add(5 * m.cfg.Interval)
	m.beat(ctx)
	for {
		if !fastUntil.IsZero() && time.Now().After(fastUntil) {
			t.Reset(m.cfg.Interval)
			fastUntil = time.Time{}
		}
		m.check(ctx, time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-m.wake:
			// A partner whose link is not up has spoken: answer at once, so
			// that it need not wait an interval to hear from us (our first
			// heartbeat may have gone out before it listened). Wakes come
			// only while a link is not up, at most one per partner heartbeat.
			m.beat(ctx)
		case <-t.C:
			m.beat(ctx)
		}
	}
}

// beat publishes one heartbeat. Heartbeats expire from the streams after a
// minute: they are liveness, not history.
func (m *LinkMonitor) beat(ctx context.Context) {
	hb := Heartbeat{Nation: m.cfg.Nation, Sent: time.Now().UTC()}
	cctx, cancel := context.WithTimeout(ctx, m.cfg.Interval)
	defer cancel()
	if st, err := m.js.Stream(cctx, m.cfg.Nation.RelStream()); err == nil {
		hb.RelLastSeq = st.CachedInfo().State.LastSeq
	}
	b, _ := json.Marshal(hb)
	msg := nats.NewMsg(HeartbeatSubject(m.cfg.Nation))
	msg.Data = b
	msg.Header.Set(jetstream.MsgTTLHeader, "1m")
	if err := m.nc.PublishMsg(msg); err != nil {
		m.log.Warn("heartbeat publish", "err", err)
	}
}

// check re-evaluates every link at time now.
func (m *LinkMonitor) check(ctx context.Context, now time.Time) {
	for _, p := range m.cfg.Partners {
		m.mu.Lock()
		seen, ok := m.hbs[p]
		audit, auditOK := m.audit[p]
		m.mu.Unlock()
		var leaf *bool
		if m.cfg.LeafConnected != nil {
			c := m.cfg.LeafConnected(p)
			leaf = &c
		}
		behind := uint64(0)
		if auditOK && audit.hb.RelLastSeq > 0 && now.Sub(audit.at) >= m.cfg.Interval {
			if got, err := m.pictureOriginSeq(ctx, p); err == nil && got < audit.hb.RelLastSeq {
				behind = audit.hb.RelLastSeq - got
			}
		}
		state := LinkUp
		silent := !ok || now.Sub(seen.at) > m.cfg.DownAfter
		switch {
		case leaf != nil && !*leaf:
			state = LinkDown
		case !ok && now.Sub(m.started) < m.cfg.DownAfter:
			state = LinkUnknown // not heard yet, but not silent long enough to say down
		case silent:
			state = LinkDown
		case now.Sub(seen.at) > m.cfg.DegradedAfter:
			state = LinkDegraded
		}
		kick := false
		if behind > 0 {
			if first, ok := m.stalls[p]; !ok {
				m.stalls[p] = now
			} else if now.Sub(first) > m.cfg.StallAfter {
				if state == LinkUp {
					state = LinkDegraded
				}
				kick = true
				m.stalls[p] = now // kick again only after another StallAfter
				m.log.Warn("durable path stalled", "partner", p.String(), "behind", behind)
			}
		} else {
			delete(m.stalls, p)
		}

		m.mu.Lock()
		l := m.links[p]
		prev := l.State
		l.LeafConnected, l.LastHeartbeat, l.Behind = leaf, seen.at, behind
		if prev != state {
			l.State, l.Since = state, now
			// A source whose first attempt failed (the server recovered the
			// stream before the link was up) would otherwise wait out a
			// backoff of up to two minutes: kick on every return to up.
			if state == LinkUp {
				kick = true
			}
		}
		if kick {
			l.Kicks++
		}
		snapshot := *l
		m.mu.Unlock()
		if prev != state {
			m.log.Info("partner link", "partner", p.String(), "state", state.String(), "was", prev.String())
			if m.cfg.OnChange != nil {
				m.cfg.OnChange(snapshot)
			}
		}
		if kick {
			if err := Kick(ctx, m.js, p); err != nil {
				m.log.Warn("kick", "partner", p.String(), "err", err)
			}
		}
	}
}

// pictureOriginSeq returns the origin sequence of the newest heartbeat of p
// in PICTURE: how far the durable path has come.
func (m *LinkMonitor) pictureOriginSeq(ctx context.Context, p Nation) (uint64, error) {
	st, err := m.js.Stream(ctx, PictureStream)
	if err != nil {
		return 0, err
	}
	raw, err := st.GetLastMsgForSubject(ctx, HeartbeatSubject(p))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(raw.Header.Get("Nats-Stream-Source"))
	if len(f) < 2 {
		return 0, fmt.Errorf("share: picture message without source header")
	}
	// The heartbeat itself was stored right after the sequence it reports.
	seq, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return seq, nil
}
