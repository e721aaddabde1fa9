package resilience

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/share"
)

// State is what one nation's node holds, as the invariants compare it.
type State struct {
	Nation share.Nation
	// Rel is the number of measurements in the nation's own release
	// stream; Picture, per origin, the measurements in its PICTURE.
	Rel     uint64
	Picture map[share.Nation]uint64
	// Evidence and Digest are the picture digest; Agreement the state of
	// the comparison with each partner.
	Evidence, Digest string
	Measurements     int
	Agreement        map[share.Nation]string
	// Alerts are the alert ids the node lists (its own and partners'),
	// with their origin; AlertDups the ids listed more than once.
	Alerts    map[string]share.Nation
	AlertDups []string
	// Hotline are the message ids the nation's operations centre member
	// holds in the ops room; HotlineDups the ids held more than once.
	Hotline     map[string]bool
	HotlineDups []string
}

// Snapshot reads nation n's state through its HTTP API and its NATS
// system.
func (c *Cluster) Snapshot(ctx context.Context, n share.Nation) (*State, error) {
	st := &State{Nation: n, Picture: map[share.Nation]uint64{}, Agreement: map[share.Nation]string{},
		Alerts: map[string]share.Nation{}, Hotline: map[string]bool{}}
	nc, err := c.Connect(n)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	if st.Rel, err = Count(ctx, js, n.RelStream(), n.SharedPrefix()+"meas.>"); err != nil {
		return nil, fmt.Errorf("resilience: %s REL: %w", n, err)
	}
	for _, o := range share.Nations {
		if st.Picture[o], err = Count(ctx, js, share.PictureStream, o.SharedPrefix()+"meas.>"); err != nil {
			return nil, fmt.Errorf("resilience: %s PICTURE: %w", n, err)
		}
	}
	var status struct {
		Nations []share.NodeStatus `json:"nations"`
	}
	if _, err := c.Do(ctx, n, "GET", "/api/v1/status", nil, &status); err != nil {
		return nil, err
	}
	if len(status.Nations) != 1 || status.Nations[0].Picture == nil {
		return nil, fmt.Errorf("resilience: %s status has no picture", n)
	}
	p := status.Nations[0].Picture
	st.Evidence, st.Digest, st.Measurements = p.Evidence, p.Picture, p.Measurements
	for _, a := range p.Partners {
		st.Agreement[a.Partner] = a.State
	}
	var alerts struct {
		Alerts []struct {
			ID     string       `json:"id"`
			Origin share.Nation `json:"origin"`
		} `json:"alerts"`
	}
	if _, err := c.Do(ctx, n, "GET", "/api/v1/alerts?nation="+n.String(), nil, &alerts); err != nil {
		return nil, err
	}
	for _, a := range alerts.Alerts {
		if _, dup := st.Alerts[a.ID]; dup {
			st.AlertDups = append(st.AlertDups, a.ID)
		}
		st.Alerts[a.ID] = a.Origin
	}
	if !c.o.NoHotline {
		ids, err := c.HotlineIDs(ctx, n)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if st.Hotline[id] {
				st.HotlineDups = append(st.HotlineDups, id)
			}
			st.Hotline[id] = true
		}
	}
	return st, nil
}

// HotlineIDs lists the message ids in the ops room as nation n's
// operations centre member holds them.
func (c *Cluster) HotlineIDs(ctx context.Context, n share.Nation) ([]string, error) {
	var msgs []struct {
		ID string `json:"id"`
	}
	q := url.Values{"member": {n.String() + "-ops"}, "limit": {"1000"}}
	if _, err := c.Do(ctx, n, "GET", "/api/v1/rooms/ops/messages?"+q.Encode(), nil, &msgs); err != nil {
		return nil, err
	}
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out, nil
}

// SendHotline sends a FLASH message into the ops room from nation n's
// operations centre and returns its id once n's node accepted it.
func (c *Cluster) SendHotline(ctx context.Context, n share.Nation, body string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	q := url.Values{"member": {n.String() + "-ops"}}
	_, err := c.Do(ctx, n, "POST", "/api/v1/rooms/ops/messages?"+q.Encode(), map[string]string{"precedence": "FLASH", "body": body}, &out)
	return out.ID, err
}

// Expect is what the invariants require beyond agreement between nodes.
type Expect struct {
	// Acked, per nation, the measurements its node acknowledged to its
	// sensors: every one must be in every PICTURE, once.
	Acked map[share.Nation]int64
	// Hotline ids accepted by some node: every ops member must hold each.
	Hotline []string
	// Alerts ids seen at any time during the run (e.g. while cut off):
	// every node must list each.
	Alerts []string
	// Unknown counts, per nation, publishes whose acknowledgement was lost:
	// each may or may not be stored, so REL may hold up to that many more
	// than Acked.
	Unknown map[share.Nation]int64
	// CountsOnly checks the measurement counts alone (no evidence,
	// digest, alert or hotline comparison).
	CountsOnly bool
}

// Check compares the three nations' states and returns every broken
// invariant (none: all held):
//   - every measurement a node acknowledged is in every nation's PICTURE,
//     exactly once (counts equal the origin's REL and its acknowledgements);
//   - the three nodes fused the same evidence, and each node says "agree"
//     for each partner's picture digest (same evidence, same instant);
//   - every alert any nation issued is listed by every nation, once;
//   - every accepted hotline message is held by every operations centre,
//     once.
func Check(states map[share.Nation]*State, e Expect) []string {
	var bad []string
	badf := func(f string, a ...any) { bad = append(bad, fmt.Sprintf(f, a...)) }
	for _, o := range share.Nations {
		rel := states[o].Rel
		if want, ok := e.Acked[o]; ok && (int64(rel) < want || int64(rel) > want+e.Unknown[o]) {
			badf("%s REL holds %d measurements, its sensors had %d acknowledged (and %d unknown)", o, rel, want, e.Unknown[o])
		}
		for _, n := range share.Nations {
			if got := states[n].Picture[o]; got != rel {
				badf("%s PICTURE holds %d of %s's measurements, %s REL %d", n, got, o, o, rel)
			}
		}
	}
	if e.CountsOnly {
		return bad
	}
	ref := states[share.JP]
	for _, n := range share.Nations {
		s := states[n]
		// The pictures themselves are compared by the nodes, for the same
		// evidence at the same instant of the fusion clock (the harness
		// reads the three at slightly different instants).
		if s.Evidence != ref.Evidence {
			badf("%s evidence %.12s (%d measurements fused) differs from jp's %.12s (%d)", n, s.Evidence, s.Measurements,
				ref.Evidence, ref.Measurements)
		}
		for _, p := range n.Partners() {
			if s.Agreement[p] != "agree" {
				badf("%s says %q about %s's picture", n, s.Agreement[p], p)
			}
		}
		if len(s.AlertDups) > 0 {
			badf("%s lists alerts more than once: %v", n, s.AlertDups)
		}
		if len(s.HotlineDups) > 0 {
			badf("%s-ops holds hotline messages more than once: %v", n, s.HotlineDups)
		}
	}
	all := map[string]share.Nation{}
	for _, s := range states {
		for id, o := range s.Alerts {
			all[id] = o
		}
	}
	for _, id := range e.Alerts {
		if _, ok := all[id]; !ok {
			all[id] = 0
		}
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, n := range share.Nations {
		var missing []string
		for _, id := range ids {
			if _, ok := states[n].Alerts[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			badf("%s does not list alerts %s", n, strings.Join(missing, ", "))
		}
		var lost []string
		for _, id := range e.Hotline {
			if !states[n].Hotline[id] {
				lost = append(lost, id)
			}
		}
		if len(lost) > 0 {
			badf("%s-ops does not hold hotline messages %s", n, strings.Join(lost, ", "))
		}
	}
	return bad
}

// Snapshots reads every nation's state.
func (c *Cluster) Snapshots(ctx context.Context) (map[share.Nation]*State, error) {
	out := map[share.Nation]*State{}
	for _, n := range share.Nations {
		s, err := c.Snapshot(ctx, n)
		if err != nil {
			return nil, err
		}
		out[n] = s
	}
	return out, nil
}

// Converge polls until Check passes or the deadline in ctx; it returns the
// last problems (nil when converged).
// logf, when not nil, is told each time the set of problems changes.
func (c *Cluster) Converge(ctx context.Context, e Expect, logf func(format string, args ...any)) []string {
	var last []string
	start := time.Now()
	for {
		var now []string
		// Each poll has its own deadline: a JetStream API request that gets
		// no answer (a server shedding its API queue under a flood) costs
		// one poll, not the whole wait.
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		states, err := c.Snapshots(pctx)
		cancel()
		if err == nil {
			now = Check(states, e)
		} else {
			now = []string{err.Error()}
		}
		if logf != nil && strings.Join(now, "\n") != strings.Join(last, "\n") {
			logf("after %.1f s: %d problems: %s", time.Since(start).Seconds(), len(now), strings.Join(now, "; "))
		}
		last = now
		if len(last) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(500 * time.Millisecond):
		}
	}
}
