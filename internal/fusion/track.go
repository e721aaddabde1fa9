package fusion

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/trilink/trilink/internal/ballistic/estimate"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
)

// track is a confirmed track and its event.
type track struct {
	id       string
	seq      int // creation order
	f        *estimate.Filter
	state    EventState
	nations  [4]bool // indexed by nation.Nation
	n        int     // measurements used
	first    time.Time
	firstEst time.Time
	lastIPP  time.Time
	// lastLaunch is when the launch point was last back-propagated.
	lastLaunch time.Time
	as         *estimate.Assessment // latest; never modified once stored
	history    []Snapshot
	ended      time.Time
	notes      []string
	dup        map[string]int // consecutive duplicate checks against other tracks
	refs       []Ref          // the measurements used, in processing order
}

func (t *track) clone() *track {
	c := *t
	c.f = t.f.Clone()
	// The slices only ever grow by append: the copy shares their elements,
	// clipped so that an append on either side cannot write where the other
	// one sees.
	c.history = slices.Clip(t.history)
	c.notes = slices.Clip(t.notes)
	c.refs = slices.Clip(t.refs)
	if t.dup != nil {
		c.dup = make(map[string]int, len(t.dup))
		for k, v := range t.dup {
			c.dup[k] = v
		}
	}
	return &c
}

// tentative is a group of radar plots not yet confirmed as a track.
type tentative struct {
	plots []sensor.Measurement
	pos   []r3.Vec  // plot positions, ECEF
	sig   []float64 // position standard deviation of each plot, m
}

func (t *tentative) clone() *tentative {
	return &tentative{
		plots: append([]sensor.Measurement(nil), t.plots...),
		pos:   append([]r3.Vec(nil), t.pos...),
		sig:   append([]float64(nil), t.sig...),
	}
}

func (t *tentative) last() time.Time { return t.plots[len(t.plots)-1].Time }

// state is everything the picture depends on; checkpoints copy it.
type state struct {
	clock   time.Time
	tracks  []*track
	tents   []*tentative
	nextSeq int
	counts  processCounts
}

// processCounts are counters that re-runs recompute.
type processCounts struct {
	unassociated int
	dropped      int // tentatives that expired unconfirmed
	merged       int // duplicate tracks merged
}

func (s *state) clone() *state {
	c := &state{clock: s.clock, nextSeq: s.nextSeq, counts: s.counts}
	c.tracks = make([]*track, len(s.tracks))
	for i, t := range s.tracks {
		c.tracks[i] = t.clone()
	}
	c.tents = make([]*tentative, len(s.tents))
	for i, t := range s.tents {
		c.tents[i] = t.clone()
	}
	return c
}

// chi2 returns the p-quantile of χ² with k degrees of freedom.
func chi2(k int, p float64) float64 { return distuv.ChiSquared{K: float64(k)}.Quantile(p) }

// plotPosition returns a radar plot's ECEF position and a scalar standard
// deviation of it; false for space IR.
func plotPosition(m *sensor.Measurement) (r3.Vec, float64, bool) {
	if m.Kind != sensor.KindRadar || m.Radar == nil {
		return r3.Vec{}, 0, false
	}
	r := m.Radar
	p := geo.FromAER(geo.LLA(r.Site), r.Az, r.El, r.Range).Vec()
	rho := float64(r.Range)
	sa := float64(r.Sigma.Az.Radians()) * rho * math.Cos(float64(r.El.Radians()))
	se := float64(r.Sigma.El.Radians()) * rho
	return p, math.Sqrt(float64(r.Sigma.Range*r.Sigma.Range) + sa*sa + se*se), true
}

// scan processes one sensor's plots of one instant (a scan), in
// canonical order: lifecycle at the scan's time, association to
// confirmed tracks by global nearest neighbour, then to tentative tracks,
// new tentatives from what is left, confirmations, impact predictions and
// the duplicate check.
func (s *state) scan(cfg *Config, ms []sensor.Measurement) {
	t := ms[0].Time
	s.advance(cfg, t)
	var active []*track
	for _, tr := range s.tracks {
		if !tr.state.ended() {
			active = append(active, tr)
		}
	}
	dof := ms[0].Dim()
	limit := chi2(dof, cfg.Gate)
	cost := make([][]float64, len(ms))
	for i := range ms {
		cost[i] = make([]float64, len(active))
		for j, tr := range active {
			cost[i][j] = forbidden
			if !coarseGate(tr.f, &ms[i]) {
				continue
			}
			d2, _, err := tr.f.Gate(&ms[i])
			if err == nil && d2 < limit {
				cost[i][j] = d2
			}
		}
	}
	asg := gnn(cost, len(active), limit)
	var left []int
	var updated []*track
	for i, j := range asg {
		if j < 0 {
			left = append(left, i)
			continue
		}
		tr := active[j]
		m := &ms[i]
		if _, err := tr.f.Update(m); err != nil {
			if errors.Is(err, estimate.ErrDiverged) {
				tr.end(t, StateLost)
				tr.notes = append(tr.notes, "track lost: "+err.Error())
			}
			continue
		}
		tr.n++
		tr.refs = append(tr.refs, Ref{Sensor: m.Sensor, Seq: m.Seq})
		if m.Nation.Valid() {
			tr.nations[m.Nation] = true
		}
		updated = append(updated, tr)
	}
	// What is left: radar plots feed tentative tracks; lines of sight
	// alone cannot start a track.
	var radar []int
	for _, i := range left {
		if ms[i].Kind == sensor.KindRadar {
			radar = append(radar, i)
		} else {
			s.counts.unassociated++
		}
	}
	s.tentativeScan(cfg, ms, radar)
	for _, tr := range updated {
		s.refresh(cfg, tr, t)
	}
	s.mergeDuplicates(cfg, t, updated)
}

// coarseGate reports whether m could be f's object at all, from a
// straight-line extrapolation with generous margins, before the exact
// gate that predicts the filter.
func coarseGate(f *estimate.Filter, m *sensor.Measurement) bool {
	r, v := f.Mean()
	dt := m.Time.Sub(f.Time()).Seconds()
	p := r3.Add(r, r3.Scale(dt, v))
	radius := 50e3 + 10*dt*dt
	if pos, sig, ok := plotPosition(m); ok {
		return r3.Norm(r3.Sub(pos, p)) < radius+5*sig
	}
	if m.SpaceIR == nil {
		return false
	}
	d := r3.Sub(p, m.SpaceIR.SatPos().Vec())
	ang := math.Acos(math.Max(-1, math.Min(1, r3.Dot(r3.Unit(d), r3.Unit(m.SpaceIR.Dir())))))
	return ang*r3.Norm(d) < radius+5*float64(m.SpaceIR.Sigma)*r3.Norm(d)
}

// tentativeScan associates leftover radar plots (indices into ms) with
// tentative tracks, starts new ones, and confirms those that have enough
// plots.
func (s *state) tentativeScan(cfg *Config, ms []sensor.Measurement, idx []int) {
	if len(idx) == 0 {
		return
	}
	type plot struct {
		m   *sensor.Measurement
		p   r3.Vec
		sig float64
	}
	plots := make([]plot, len(idx))
	for k, i := range idx {
		p, sig, _ := plotPosition(&ms[i])
		plots[k] = plot{&ms[i], p, sig}
	}
	cost := make([][]float64, len(plots))
	for k, pl := range plots {
		cost[k] = make([]float64, len(s.tents))
		for j, tt := range s.tents {
			cost[k][j] = tentativeCost(tt, pl.m.Time, pl.p, pl.sig)
		}
	}
	asg := gnn(cost, len(s.tents), 1)
	var grown []*tentative
	for k, j := range asg {
		pl := plots[k]
		if j < 0 {
			s.tents = append(s.tents, &tentative{plots: []sensor.Measurement{*pl.m}, pos: []r3.Vec{pl.p}, sig: []float64{pl.sig}})
			continue
		}
		tt := s.tents[j]
		tt.plots = append(tt.plots, *pl.m)
		tt.pos = append(tt.pos, pl.p)
		tt.sig = append(tt.sig, pl.sig)
		grown = append(grown, tt)
	}
	for _, tt := range grown {
		s.tryConfirm(cfg, tt)
	}
}

// maxSpeed and maxAccel bound a tentative track's motion, m/s and m/s².
const (
	maxSpeed = 8e3
	maxAccel = 150.0
)

// tentativeCost returns (distance/tolerance)² of a plot at position p from
// the tentative track's extrapolation: a single plot may have moved at up
// to maxSpeed; from two plot times on, the velocity is their difference
// and the tolerance covers the plot errors and maxAccel.
func tentativeCost(tt *tentative, t time.Time, p r3.Vec, sig float64) float64 {
	n := len(tt.plots)
	last := tt.pos[n-1]
	dt := t.Sub(tt.plots[n-1].Time).Seconds()
	// The latest plot at an earlier time, for a velocity.
	k := -1
	for i := n - 2; i >= 0; i-- {
		if tt.plots[i].Time.Before(tt.plots[n-1].Time) {
			k = i
			break
		}
	}
	var pred r3.Vec
	var tol float64
	if k < 0 {
		pred = last
		tol = maxSpeed*dt + 4*(sig+tt.sig[n-1]) + 2e3
	} else {
		span := tt.plots[n-1].Time.Sub(tt.plots[k].Time).Seconds()
		v := r3.Scale(1/span, r3.Sub(last, tt.pos[k]))
		pred = r3.Add(last, r3.Scale(dt, v))
		sv := (tt.sig[n-1] + tt.sig[k]) / span
		tol = 4*(sig+tt.sig[n-1]+sv*dt) + 0.5*maxAccel*(dt+span)*(dt+span) + 2e3
	}
	d := r3.Norm(r3.Sub(p, pred)) / tol
	return d * d
}

// tryConfirm starts a track from a tentative one with enough plots: at
// least ConfirmPlots, at two or more times spanning ConfirmSpan. If the
// plots do not fit one flight the oldest is dropped; if the new track
// duplicates an existing one the tentative is absorbed.
func (s *state) tryConfirm(cfg *Config, tt *tentative) {
	for {
		n := len(tt.plots)
		if n < cfg.ConfirmPlots || tt.plots[n-1].Time.Sub(tt.plots[0].Time) < cfg.ConfirmSpan {
			return
		}
		f, err := estimate.New(tt.plots, cfg.Estimator)
		if errors.Is(err, estimate.ErrInconsistentPlots) {
			tt.plots, tt.pos, tt.sig = tt.plots[1:], tt.pos[1:], tt.sig[1:]
			continue
		}
		if err != nil {
			return
		}
		s.removeTentative(tt)
		if s.duplicate(f) {
			s.counts.merged++
			return
		}
		s.addTrack(tt, f)
		return
	}
}

func (s *state) removeTentative(tt *tentative) {
	for i, x := range s.tents {
		if x == tt {
			s.tents = append(s.tents[:i], s.tents[i+1:]...)
			return
		}
	}
}

// eventID returns the deterministic event id of a track from its first
// measurement: "E-" and 12 hex digits of SHA-256 over sensor, sequence
// number and time.
func eventID(m *sensor.Measurement) string {
	h := sha256.Sum256([]byte(m.Nation.String() + "|" + m.Sensor + "|" + strconv.FormatUint(m.Seq, 10) + "|" + m.Time.UTC().Format(time.RFC3339Nano)))
	return "E-" + hex.EncodeToString(h[:6])
}

func (s *state) addTrack(tt *tentative, f *estimate.Filter) {
	first := &tt.plots[0]
	for i := range tt.plots {
		if less(&tt.plots[i], first) {
			first = &tt.plots[i]
		}
	}
	tr := &track{id: eventID(first), seq: s.nextSeq, f: f, state: StateDetected, first: first.Time, n: len(tt.plots)}
	s.nextSeq++
	for _, p := range tt.plots {
		tr.refs = append(tr.refs, Ref{Sensor: p.Sensor, Seq: p.Seq})
		if p.Nation.Valid() {
			tr.nations[p.Nation] = true
		}
	}
	s.tracks = append(s.tracks, tr)
}

// kin is a position and velocity with their covariance.
type kin struct {
	r, v r3.Vec
	p    [6][6]float64
}

func kinAt(f *estimate.Filter, t time.Time) (kin, bool) {
	r, v, p, err := f.Predicted(t)
	return kin{r, v, p}, err == nil
}

// sameObject reports whether two estimates of the same time are within
// the 0.9999 χ²₆ gate of each other.
func sameObject(a, b kin) bool {
	d := []float64{a.r.X - b.r.X, a.r.Y - b.r.Y, a.r.Z - b.r.Z, a.v.X - b.v.X, a.v.Y - b.v.Y, a.v.Z - b.v.Z}
	// dᵀS⁻¹d ≥ |d|²/λmax(S) ≥ |d|²/tr(S): two objects far apart for their
	// covariances (distinct missiles) are told apart without factorizing.
	var dd, tr float64
	for i, x := range d {
		dd += x * x
		tr += a.p[i][i] + b.p[i][i]
	}
	if tr > 0 && dd >= chi2Six*tr {
		return false
	}
	sum := mat.NewSymDense(6, nil)
	for i := 0; i < 6; i++ {
		for j := i; j < 6; j++ {
			sum.SetSym(i, j, a.p[i][j]+b.p[i][j])
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(sum) {
		return false
	}
	var y mat.VecDense
	if err := ch.SolveVecTo(&y, mat.NewVecDense(6, d)); err != nil {
		return false
	}
	return mat.Dot(mat.NewVecDense(6, d), &y) < chi2Six
}

var chi2Six = chi2(6, 0.9999)

// duplicate reports whether a newly confirmed filter is an object that an
// active track already follows.
func (s *state) duplicate(f *estimate.Filter) bool {
	k, ok := kinAt(f, f.Time())
	if !ok {
		return false
	}
	for _, tr := range s.tracks {
		if tr.state.ended() || tr.f.Time().After(f.Time()) {
			continue
		}
		if o, ok := kinAt(tr.f, f.Time()); ok && sameObject(o, k) {
			return true
		}
	}
	return false
}

// dupWindow is how recent another track's estimate must be to be
// compared with an updated track.
const dupWindow = 5 * time.Second

// mergeDuplicates compares each track updated at t with the other active
// tracks updated within dupWindow; a pair that stays within the gate of
// each other for three consecutive checks is one object, and the younger
// track is merged into the older (its event disappears from the picture).
func (s *state) mergeDuplicates(cfg *Config, t time.Time, updated []*track) {
	var drop []*track
	// Each track's state at t is predicted once per scan, not once per pair.
	type kinOK struct {
		k  kin
		ok bool
	}
	memo := map[*track]kinOK{}
	kinOf := func(tr *track) (kin, bool) {
		m, seen := memo[tr]
		if !seen {
			m.k, m.ok = kinAt(tr.f, t)
			memo[tr] = m
		}
		return m.k, m.ok
	}
	for _, a := range updated {
		if a.state.ended() {
			continue
		}
		ka, ok := kinOf(a)
		if !ok {
			continue
		}
		for _, b := range s.tracks {
			if b == a || b.state.ended() || t.Sub(b.f.LastUpdate()) > dupWindow {
				continue
			}
			old, young := a, b
			if b.seq < a.seq {
				old, young = b, a
			}
			kb, ok := kinOf(b)
			if !ok || !sameObject(ka, kb) {
				delete(old.dup, young.id)
				continue
			}
			if old.dup == nil {
				old.dup = map[string]int{}
			}
			old.dup[young.id]++
			if old.dup[young.id] >= 3 && young.state != StateClosed {
				old.notes = append(old.notes, "merged duplicate track "+young.id)
				old.n += young.n
				old.refs = append(old.refs, young.refs...)
				for k := range young.nations {
					old.nations[k] = old.nations[k] || young.nations[k]
				}
				young.state = StateClosed
				drop = append(drop, young)
			}
		}
	}
	for _, b := range drop {
		for i, x := range s.tracks {
			if x == b {
				s.tracks = append(s.tracks[:i], s.tracks[i+1:]...)
				s.counts.merged++
				break
			}
		}
	}
}

// refresh updates a track's state after an update at t and, at most every
// IPPEvery, its impact prediction and figures.
func (s *state) refresh(cfg *Config, tr *track, t time.Time) {
	mode := tr.f.Mode()
	if mode == estimate.ModeBoost {
		if tr.as != nil {
			// The thrust resumed after a burnout was declared (a stage
			// ignited after a coast): an impact predicted from the coast
			// is wrong, so it is withdrawn until the next burnout.
			tr.as = nil
			tr.lastIPP, tr.lastLaunch = time.Time{}, time.Time{}
			tr.notes = append(tr.notes, t.UTC().Format("15:04:05Z")+" thrust resumed (staging): impact prediction withdrawn")
		}
		tr.state = StateDetected
		return
	}
	if tr.state == StateDetected {
		tr.state = StateTracking
	}
	if !tr.lastIPP.IsZero() && t.Sub(tr.lastIPP) < ippInterval(cfg, tr, t) {
		return
	}
	tr.lastIPP = t
	opts := estimate.AssessOptions{PathStep: cfg.PathStep}
	if tr.as != nil && t.Sub(tr.lastLaunch) < cfg.LaunchEvery {
		l := tr.as.Launch
		opts.Launch = &l
	}
	as, err := tr.f.Assess(opts)
	if err != nil || as.Impact == nil {
		return
	}
	if opts.Launch == nil {
		tr.lastLaunch = t
	}
	tr.as = as
	if tr.firstEst.IsZero() {
		tr.firstEst = t
	}
	tr.state = StateImpactPredicted
	im := as.Impact
	tr.history = append(tr.history, Snapshot{
		T: t, ImpactLat: float64(im.Point.Lat), ImpactLon: float64(im.Point.Lon), ImpactTime: im.T,
		MajorKm: float64(im.Ellipse.Major) / 1e3, MinorKm: float64(im.Ellipse.Minor) / 1e3, BearingDeg: float64(im.Ellipse.Bearing),
		ApogeeKm: float64(as.Apogee) / 1e3, RangeKm: float64(as.Range) / 1e3,
		FlightTimeS: as.FlightTime.Seconds(),
	})
}

// ippInterval is the least time between two impact predictions of a
// track: IPPEvery, stretched to a hundredth of the time left to the
// predicted impact (at most 10 IPPEvery), so that an ICBM's hour of
// free flight is not re-predicted every second while a short-range
// missile's is.
func ippInterval(cfg *Config, tr *track, t time.Time) time.Duration {
	d := cfg.IPPEvery
	if tr.as != nil && tr.as.Impact != nil {
		if left := tr.as.Impact.T.Sub(t) / 100; left > d {
			d = min(left, 10*cfg.IPPEvery)
		}
	}
	return d
}

// end marks a track impacted or lost at t.
func (tr *track) end(t time.Time, st EventState) {
	if tr.state.ended() {
		return
	}
	tr.state = st
	tr.ended = t
}

// advance moves the picture's clock to t (never back) and applies the
// time-driven transitions: impacted after the predicted impact, lost
// without updates, closed some time after either, tentatives dropped.
// Each is a threshold on the clock, so the result does not depend on how
// often the clock is advanced.
func (s *state) advance(cfg *Config, t time.Time) {
	if t.After(s.clock) {
		s.clock = t
	}
	now := s.clock
	keep := s.tracks[:0]
	for _, tr := range s.tracks {
		if !tr.state.ended() && tr.as == nil && now.Sub(tr.f.LastUpdate()) > cfg.LostAfter && tr.f.EndBoost() {
			// It left coverage while boosting: predict its free flight
			// from the last estimate before declaring anything lost.
			s.refresh(cfg, tr, tr.f.Time())
		}
		switch {
		case tr.state.ended():
		case tr.as != nil && tr.as.Impact != nil && now.Sub(tr.as.Impact.T) > cfg.ImpactGrace && now.Sub(tr.f.LastUpdate()) > cfg.ImpactGrace:
			tr.end(tr.as.Impact.T, StateImpacted)
		case tr.as == nil && now.Sub(tr.f.LastUpdate()) > cfg.LostAfter:
			tr.end(tr.f.LastUpdate().Add(cfg.LostAfter), StateLost)
		}
		if tr.state.ended() && tr.state != StateClosed && now.Sub(tr.ended) > cfg.CloseAfter {
			tr.state = StateClosed
		}
		if tr.state == StateClosed && now.Sub(tr.ended) > cfg.Retain {
			continue
		}
		keep = append(keep, tr)
	}
	for i := len(keep); i < len(s.tracks); i++ {
		s.tracks[i] = nil
	}
	s.tracks = keep
	tk := s.tents[:0]
	for _, tt := range s.tents {
		if now.Sub(tt.last()) > cfg.TentativeTimeout {
			s.counts.dropped++
			continue
		}
		tk = append(tk, tt)
	}
	for i := len(tk); i < len(s.tents); i++ {
		s.tents[i] = nil
	}
	s.tents = tk
}

// event renders a track as an Event.
func (tr *track) event() Event {
	ev := Event{ID: tr.id, State: tr.state, Measurements: tr.n}
	for n := nation.JP; n <= nation.US; n++ {
		if tr.nations[n] {
			ev.Nations = append(ev.Nations, n.String())
		}
	}
	if ev.Nations == nil {
		ev.Nations = []string{}
	}
	est := &ev.Estimate
	est.FirstDetection = tr.first
	est.FirstEstimate = tr.firstEst
	if as := tr.as; as != nil {
		est.Class = as.Class
		est.Trajectory = as.Trajectory
		est.Launch = Launch{Time: as.Launch.T, Lat: float64(as.Launch.Point.Lat), Lon: float64(as.Launch.Point.Lon), ErrorKm: float64(as.Launch.Error) / 1e3}
		est.ApogeeKm = float64(as.Apogee) / 1e3
		est.RangeKm = float64(as.Range) / 1e3
		est.FlightTimeS = as.FlightTime.Seconds()
		if im := as.Impact; im != nil {
			est.Impact = Impact{Time: im.T, Lat: float64(im.Point.Lat), Lon: float64(im.Point.Lon), Ellipse95: Ellipse{
				MajorKm: float64(im.Ellipse.Major) / 1e3, MinorKm: float64(im.Ellipse.Minor) / 1e3, BearingDeg: float64(im.Ellipse.Bearing)}}
			for _, p := range im.Samples {
				ev.ImpactSamples = append(ev.ImpactSamples, LatLon{Lat: float64(p.Lat), Lon: float64(p.Lon)})
			}
		}
		if !as.Launch.T.IsZero() {
			est.FirstDetectionS = tr.first.Sub(as.Launch.T).Seconds()
			if !tr.firstEst.IsZero() {
				est.FirstEstimateS = tr.firstEst.Sub(as.Launch.T).Seconds()
			}
		}
		for _, p := range as.Path {
			ev.Path = append(ev.Path, PathPoint{T: p.T, Lat: float64(p.Lat), Lon: float64(p.Lon), AltKm: float64(p.Alt) / 1e3})
		}
	}
	for _, p := range tr.f.History() {
		ll := p.LLA()
		ev.Track = append(ev.Track, PathPoint{T: p.T, Lat: float64(ll.Lat), Lon: float64(ll.Lon), AltKm: float64(ll.Alt) / 1e3})
	}
	ev.History = append([]Snapshot(nil), tr.history...)
	notes := append(tr.f.Notes(), tr.notes...)
	if as := tr.as; as != nil && as.Trajectory == estimate.Irregular && as.Why != "" {
		notes = append(notes, "irregular: "+as.Why)
	}
	ev.Note = strings.Join(notes, "; ")
	return ev
}
