package fusion

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/ballistic/estimate"
	"github.com/trilink/trilink/internal/sensor"
)

// Errors of Add, each wrapped with the measurement's identity; callers
// branch on them with errors.Is.
var (
	// ErrDuplicate means the measurement (same sensor, sequence number and
	// time) was already added; it is ignored.
	ErrDuplicate = errors.New("fusion: duplicate measurement")
	// ErrInvalid means the measurement fails sensor.Measurement.Validate.
	ErrInvalid = errors.New("fusion: invalid measurement")
	// ErrFuture means the measurement's time is more than Config.MaxFuture
	// after the newest measurement seen (or the latest Advance).
	ErrFuture = errors.New("fusion: measurement time too far in the future")
	// ErrTooOld means the measurement is older than the replay horizon
	// (Config.Retain before the picture's time): it can no longer be
	// merged into the picture.
	ErrTooOld = errors.New("fusion: measurement older than the replay horizon")
)

// Config tunes an Engine. Zero fields take the defaults given.
type Config struct {
	// ReorderWindow: measurements are processed once they are this old
	// (Advance's now minus the window). Default 2 s.
	ReorderWindow time.Duration
	// CheckpointEvery is the spacing, in measurement time, of the copies
	// of the picture a late measurement re-runs from. Default 10 s.
	CheckpointEvery time.Duration
	// MaxFuture rejects measurements this far beyond the newest one seen
	// or the latest Advance's now: a sensor clock gone wrong. Launches are
	// minutes apart, so the default is 1 h.
	MaxFuture time.Duration
	// Retain is how far back late measurements can still be merged, and
	// how long closed events stay in the picture. Default 2 h.
	Retain time.Duration
	// Gate is the probability of the χ² association gate on the
	// innovation of a confirmed track. Default 1 − 10⁻⁹: objects apart are thousands of
	// gate units apart, and a tight gate loses an object's own plots at
	// burnout.
	Gate float64
	// ConfirmPlots radar plots spanning ConfirmSpan confirm a tentative
	// track (M-of-N with N given by TentativeTimeout). Defaults 3 and 1 s.
	ConfirmPlots int
	ConfirmSpan  time.Duration
	// TentativeTimeout drops a tentative track without a plot for this
	// long. Default 10 s.
	TentativeTimeout time.Duration
	// LostAfter declares an event lost after this long without a
	// measurement while no impact is predicted. Default 30 s.
	LostAfter time.Duration
	// ImpactGrace: an event is impacted this long after its predicted
	// impact time if no measurement came since. Default 5 s.
	ImpactGrace time.Duration
	// CloseAfter closes an impacted or lost event. Default 10 min.
	CloseAfter time.Duration
	// IPPEvery is the least measurement time between two impact
	// predictions of a track, stretched to a hundredth of the time left to
	// impact (at most ten times IPPEvery). Default 1 s.
	IPPEvery time.Duration
	// LaunchEvery is the least measurement time between two launch-point
	// back-propagations of a track. Default 10 s.
	LaunchEvery time.Duration
	// PathStep is the spacing of predicted path points. Default 10 s.
	PathStep time.Duration
	// Estimator tunes the track filters.
	Estimator estimate.Config
}

func (c Config) withDefaults() Config {
	d := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	d(&c.ReorderWindow, 2*time.Second)
	d(&c.CheckpointEvery, 10*time.Second)
	d(&c.MaxFuture, time.Hour)
	d(&c.Retain, 2*time.Hour)
	d(&c.ConfirmSpan, time.Second)
	d(&c.TentativeTimeout, 10*time.Second)
	d(&c.LostAfter, 30*time.Second)
	d(&c.ImpactGrace, 5*time.Second)
	d(&c.CloseAfter, 10*time.Minute)
	d(&c.IPPEvery, time.Second)
	d(&c.PathStep, 10*time.Second)
	d(&c.LaunchEvery, 10*time.Second)
	if c.Gate == 0 {
		c.Gate = 1 - 1e-9
	}
	if c.ConfirmPlots == 0 {
		c.ConfirmPlots = 3
	}
	return c
}

// Stats counts what the engine did with its input.
type Stats struct {
	Accepted   int            // measurements taken by Add
	Duplicates int            // ignored as duplicates
	Rejected   map[string]int // by reason: "invalid", "future", "too_old"
	Processed  int            // measurements processed into the picture
	Reruns     int            // re-runs from a checkpoint for late measurements
	// From the current picture's processing:
	Unassociated int // lines of sight that matched no track
	Dropped      int // tentative tracks that expired unconfirmed
	Merged       int // duplicate tracks merged
}

// mkey identifies a measurement for duplicate detection.
type mkey struct {
	sensor string
	seq    uint64
	t      int64
}

// checkpoint is a copy of the picture before done[pos] was processed.
type checkpoint struct {
	pos int
	t   time.Time
	st  *state
}

// Engine fuses every nation's measurements into one picture of launch
// events. It is deterministic: the same set of measurements gives the
// same events and digest in whatever order they were added, as long as
// each was added before the picture moved past its time by more than
// Retain. It reads no clock: time comes from the measurements and from
// Advance's argument. It is safe for concurrent use.
type Engine struct {
	mu      sync.Mutex // guards everything below
	cfg     Config
	pending []sensor.Measurement
	done    []sensor.Measurement // processed, in canonical order
	seen    map[mkey]struct{}
	cps     []checkpoint
	st      *state
	newest  time.Time // newest accepted measurement
	pruned  bool      // measurements have been forgotten (prune)
	// cutoffs are the instants process advanced the picture's clock to,
	// ascending, back to the retention horizon.
	cutoffs []time.Time
	now     time.Time // latest Advance
	// evidence is the XOR of the SHA-256 of every processed measurement
	// and n their number: a hash of the set, whatever the order.
	evidence [sha256.Size]byte
	n        int
	stats    Stats
}

// New returns an engine with an empty picture.
func New(cfg Config) *Engine {
	return &Engine{cfg: cfg.withDefaults(), seen: map[mkey]struct{}{}, st: &state{}, stats: Stats{Rejected: map[string]int{}}}
}

// less is the canonical order of measurements: time, then owning nation,
// sensor and sequence number.
func less(a, b *sensor.Measurement) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	if a.Nation != b.Nation {
		return a.Nation < b.Nation
	}
	if a.Sensor != b.Sensor {
		return a.Sensor < b.Sensor
	}
	return a.Seq < b.Seq
}

// groupLess orders scans: time, nation, sensor.
func groupLess(a, b *sensor.Measurement) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	if a.Nation != b.Nation {
		return a.Nation < b.Nation
	}
	return a.Sensor < b.Sensor
}

func sameGroup(a, b *sensor.Measurement) bool {
	return a.Time.Equal(b.Time) && a.Nation == b.Nation && a.Sensor == b.Sensor
}

// Add takes one measurement, in arrival order. It returns an error,
// wrapping ErrDuplicate, ErrInvalid, ErrFuture or ErrTooOld, for one it
// does not take; rejected measurements are counted in Stats and never
// reach a filter. A measurement's simulator truth is dropped on entry.
func (e *Engine) Add(m sensor.Measurement) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := fmt.Sprintf("%s/%d at %s", m.Sensor, m.Seq, m.Time.UTC().Format(time.RFC3339Nano))
	if err := m.Validate(); err != nil {
		e.stats.Rejected["invalid"]++
		return fmt.Errorf("%w %s: %v", ErrInvalid, id, err)
	}
	k := mkey{m.Sensor, m.Seq, m.Time.UnixNano()}
	if _, ok := e.seen[k]; ok {
		e.stats.Duplicates++
		return fmt.Errorf("%w: %s", ErrDuplicate, id)
	}
	ref := e.newest
	if e.now.After(ref) {
		ref = e.now
	}
	if !ref.IsZero() && m.Time.Sub(ref) > e.cfg.MaxFuture {
		e.stats.Rejected["future"]++
		return fmt.Errorf("%w: %s is %v after %s", ErrFuture, id, m.Time.Sub(ref), ref.UTC().Format(time.RFC3339))
	}
	if !e.st.clock.IsZero() && e.st.clock.Sub(m.Time) > e.cfg.Retain {
		e.stats.Rejected["too_old"]++
		return fmt.Errorf("%w: %s", ErrTooOld, id)
	}
	m.SimTruth = nil
	e.seen[k] = struct{}{}
	e.pending = append(e.pending, m)
	if m.Time.After(e.newest) {
		e.newest = m.Time
	}
	e.stats.Accepted++
	return nil
}

// Advance processes, in canonical order (time, then nation, sensor and
// sequence number), every buffered measurement with Time ≤ now −
// ReorderWindow, and moves the picture's clock there. A measurement older
// than what was already processed makes the engine re-run from the last
// checkpoint before it, so the picture is the same as if it had arrived in
// order.
func (e *Engine) Advance(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.After(e.now) {
		e.now = now
	}
	cutoff := now.Add(-e.cfg.ReorderWindow)
	var ready, keep []sensor.Measurement
	for _, m := range e.pending {
		if !m.Time.After(cutoff) {
			ready = append(ready, m)
		} else {
			keep = append(keep, m)
		}
	}
	e.pending = keep
	e.process(ready, cutoff)
}

// Flush processes everything buffered, for offline analysis, and moves
// the clock to the newest measurement.
func (e *Engine) Flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	ready := e.pending
	e.pending = nil
	e.process(ready, e.newest)
}

// process merges ready into the picture and moves the clock to clockTo.
func (e *Engine) process(ready []sensor.Measurement, clockTo time.Time) {
	sort.Slice(ready, func(i, j int) bool { return less(&ready[i], &ready[j]) })
	if e.st.clock.After(clockTo) {
		clockTo = e.st.clock
	}
	replay := ready
	// Late data: older than what was processed, or older than the clock
	// the picture was already advanced to (it came after its instant had
	// passed — delayed beyond the reorder window, or held by a partition
	// before this nation had processed anything). Processed as it is, it
	// would meet a state that has timed out what it would have kept alive.
	late := len(ready) > 0 && (len(e.done) > 0 && !groupLess(&e.done[len(e.done)-1], &ready[0]) || e.st.clock.After(ready[0].Time))
	if late {
		// Late data: back to the last checkpoint wholly before it — before
		// it in the order of measurements, and with the picture's clock
		// not yet past it (an Advance between groups moves the clock on,
		// and a state whose clock is ahead of a measurement has already
		// timed out what that measurement would have kept alive).
		c := -1
		for i := len(e.cps) - 1; i >= 0; i-- {
			p := e.cps[i].pos
			if (p == 0 || groupLess(&e.done[p-1], &ready[0])) && !e.cps[i].st.clock.After(ready[0].Time) {
				c = i
				break
			}
		}
		var cp checkpoint
		switch {
		case c >= 0:
			cp = e.cps[c]
		case !e.pruned:
			// Nothing forgotten yet: re-run everything from the empty
			// picture, as if every measurement had come in order.
			cp = checkpoint{st: &state{}}
		default:
			// Fall back to the last checkpoint before it in order alone.
			for i := len(e.cps) - 1; i >= 0; i-- {
				p := e.cps[i].pos
				if p == 0 || groupLess(&e.done[p-1], &ready[0]) {
					c = i
					break
				}
			}
			if c < 0 {
				// Older than every checkpoint (pruned): it cannot be merged.
				e.stats.Rejected["too_old"] += len(ready)
				return
			}
			cp = e.cps[c]
		}
		tail := e.done[cp.pos:]
		replay = make([]sensor.Measurement, 0, len(tail)+len(ready))
		i, j := 0, 0
		for i < len(tail) || j < len(ready) {
			if j == len(ready) || (i < len(tail) && less(&tail[i], &ready[j])) {
				replay = append(replay, tail[i])
				i++
			} else {
				replay = append(replay, ready[j])
				j++
			}
		}
		for i := range ready {
			e.addEvidence(&ready[i])
		}
		e.done = e.done[:cp.pos:cp.pos]
		e.cps = e.cps[:c+1] // c = -1: none kept, the re-run makes them
		e.st = cp.st.clone()
		e.stats.Reruns++
	} else {
		for i := range ready {
			e.addEvidence(&ready[i])
		}
	}
	for i := 0; i < len(replay); {
		j := i + 1
		for j < len(replay) && sameGroup(&replay[i], &replay[j]) {
			j++
		}
		t := replay[i].Time
		// The clock instants the picture was advanced to before this
		// group arrived in order: a re-run passes through them too, so
		// that late data gives the picture in-order data would have.
		for k := sort.Search(len(e.cutoffs), func(k int) bool { return e.cutoffs[k].After(e.st.clock) }); k < len(e.cutoffs) && e.cutoffs[k].Before(t); k++ {
			e.st.advance(&e.cfg, e.cutoffs[k])
		}
		if n := len(e.cps); n == 0 || t.Sub(e.cps[n-1].t) >= e.cfg.CheckpointEvery {
			e.cps = append(e.cps, checkpoint{pos: len(e.done), t: t, st: e.st.clone()})
		}
		e.st.scan(&e.cfg, replay[i:j])
		e.done = append(e.done, replay[i:j]...)
		i = j
	}
	e.stats.Processed = e.n
	for k := sort.Search(len(e.cutoffs), func(k int) bool { return e.cutoffs[k].After(e.st.clock) }); k < len(e.cutoffs) && e.cutoffs[k].Before(clockTo); k++ {
		e.st.advance(&e.cfg, e.cutoffs[k])
	}
	e.st.advance(&e.cfg, clockTo)
	if n := len(e.cutoffs); n == 0 || clockTo.After(e.cutoffs[n-1]) {
		e.cutoffs = append(e.cutoffs, clockTo)
	}
	e.prune()
}

// addEvidence folds a newly processed measurement into the evidence hash.
func (e *Engine) addEvidence(m *sensor.Measurement) {
	b, err := json.Marshal(m)
	if err != nil {
		// A validated measurement always encodes.
		panic(fmt.Sprintf("fusion: encode measurement: %v", err))
	}
	h := sha256.Sum256(b)
	for i := range h {
		e.evidence[i] ^= h[i]
	}
	e.n++
}

// Checkpoints older than denseSpan are thinned to one per sparseEvery:
// late data from a long partition re-runs from further back, but memory
// stays bounded by Retain/sparseEvery copies of the picture.
const (
	denseSpan   = 5 * time.Minute
	sparseEvery = 5 * time.Minute
)

// prune thins old checkpoints and forgets measurements and checkpoints
// older than Retain, keeping one checkpoint at or before the horizon.
func (e *Engine) prune() {
	if n := len(e.cps); n > 2 {
		dense := e.st.clock.Add(-denseSpan)
		kept := e.cps[:1]
		for _, cp := range e.cps[1:] {
			if cp.t.Before(dense) && cp.t.Sub(kept[len(kept)-1].t) < sparseEvery {
				continue
			}
			kept = append(kept, cp)
		}
		for i := len(kept); i < n; i++ {
			e.cps[i] = checkpoint{}
		}
		e.cps = kept
	}
	horizon := e.st.clock.Add(-e.cfg.Retain)
	c := -1
	for i, cp := range e.cps {
		if !cp.t.After(horizon) {
			c = i
		}
	}
	if c <= 0 {
		return
	}
	cut := e.cps[c].pos
	e.pruned = true
	if k := sort.Search(len(e.cutoffs), func(k int) bool { return !e.cutoffs[k].Before(e.cps[c].t) }); k > 0 {
		e.cutoffs = append([]time.Time(nil), e.cutoffs[k:]...)
	}
	for _, m := range e.done[:cut] {
		if m.Time.Before(horizon) {
			delete(e.seen, mkey{m.Sensor, m.Seq, m.Time.UnixNano()})
		}
	}
	e.done = append([]sensor.Measurement(nil), e.done[cut:]...)
	cps := append([]checkpoint(nil), e.cps[c:]...)
	for i := range cps {
		cps[i].pos -= cut
	}
	e.cps = cps
}

// Events returns the picture's events, deep copies sorted by ID.
func (e *Engine) Events() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.events()
}

func (e *Engine) events() []Event {
	out := make([]Event, 0, len(e.st.tracks))
	for _, tr := range e.st.tracks {
		ev := tr.event()
		ev.sanitize()
		out = append(out, ev)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Contributions returns, for each event ID, the measurements its track
// used, in processing order: for scoring association against a
// simulation's truth, and for audits.
func (e *Engine) Contributions() map[string][]Ref {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string][]Ref, len(e.st.tracks))
	for _, tr := range e.st.tracks {
		out[tr.id] = append([]Ref(nil), tr.refs...)
	}
	return out
}

// Digest returns the digest of the current picture.
func (e *Engine) Digest() Digest {
	e.mu.Lock()
	defer e.mu.Unlock()
	var cnt [8]byte
	binary.BigEndian.PutUint64(cnt[:], uint64(e.n))
	ev := sha256.Sum256(append(cnt[:], e.evidence[:]...))
	pic, err := json.Marshal(e.events())
	if err != nil {
		// sanitize makes this unreachable; should it happen, the digest
		// still differs from any healthy picture instead of crashing.
		pic = []byte("unencodable picture: " + err.Error())
	}
	ph := sha256.Sum256(pic)
	return Digest{Evidence: hex.EncodeToString(ev[:]), Picture: hex.EncodeToString(ph[:]), Measurements: e.n, Through: e.st.clock}
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Rejected = make(map[string]int, len(e.stats.Rejected))
	for k, v := range e.stats.Rejected {
		s.Rejected[k] = v
	}
	s.Unassociated = e.st.counts.unassociated
	s.Dropped = e.st.counts.dropped
	s.Merged = e.st.counts.merged
	return s
}
