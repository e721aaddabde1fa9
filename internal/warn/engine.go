package warn

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/geo"
)

// Engine turns predictions into one nation's warning decisions. It keeps
// the state of each event (what was said to which region) and returns, for
// each new prediction, the messages to send. M fixes the status of
// everything it produces: [Live] or [Drill].
//
// Engine's methods are safe for concurrent use; decisions for one event
// come out in the order of its predictions' times.
type Engine[M Mode] struct {
	policy Policy
	atlas  *Atlas

	mu     sync.Mutex // guards events
	events map[string]*event
}

// event is the state of one launch event.
type event struct {
	id        string
	refs      []Ref
	firstSent time.Time
	launch    time.Time
	lastAt    time.Time
	closed    bool
	regions   map[*Region]*regionState
	impact    *Impact // latest
	lastPathT time.Time
	lost      bool
	irregular bool
}

// regionState is what the event last told a region.
type regionState struct {
	status RegionStatus
}

// corridorStep is the longest track segment of a corridor query, metres.
const corridorStep = 20e3

// impactSamples is the size of the fixed sample of an impact ellipse.
const impactSamples = 400

// NewEngine returns an engine for policy p over atlas a ([Default] if nil).
func NewEngine[M Mode](p Policy, a *Atlas) (*Engine[M], error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if a == nil {
		a = Default()
	}
	p.Langs = slices.Clone(p.Langs)
	return &Engine[M]{policy: p, atlas: a, events: map[string]*event{}}, nil
}

// Policy returns the engine's policy.
func (e *Engine[M]) Policy() Policy { return e.policy }

// Update takes a new prediction and returns the messages to send now:
// none, or one complete picture for the event (a first take-shelter
// Alert; an Update when regions are added, passed over or dropped; a
// landing report; an all-clear). Predictions older than the event's latest
// are ignored, as is everything after the event's closing message. The
// error wraps [ErrPrediction] for a prediction that fails
// [Prediction.Validate]; nothing is decided from it.
func (e *Engine[M]) Update(p Prediction) ([]Decision[M], error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := e.events[p.Event]
	if ev == nil {
		ev = &event{id: p.Event, regions: map[*Region]*regionState{}}
		e.events[p.Event] = ev
	}
	if ev.closed || p.At.Before(ev.lastAt) {
		return nil, nil
	}
	ev.lastAt, ev.launch, ev.irregular = p.At, p.Launch, p.Irregular
	if p.Impact != nil {
		ev.impact = p.Impact
	}
	if n := len(p.Path); n > 0 {
		ev.lastPathT = p.Path[n-1].T
	}
	var d *Decision[M]
	switch p.Phase {
	case InFlight:
		ev.lost = false
		d = e.inFlight(ev, p)
	case Impacted:
		d = e.impacted(ev, p)
	case Lost:
		ev.lost = true
		d = e.expire(ev, p.At)
	}
	if d == nil {
		return nil, nil
	}
	return []Decision[M]{*d}, nil
}

// Tick applies the passage of time to every open event, as of now: regions
// whose predicted exit from the corridor is more than PassMargin past are
// reported passed over, and calls still open LostHold after the last
// predicted impact time (a lost track, or a track whose predictions
// stopped) are lifted. Call it every few seconds.
func (e *Engine[M]) Tick(now time.Time) []Decision[M] {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Decision[M]
	ids := make([]string, 0, len(e.events))
	for id := range e.events {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ev := e.events[id]
		if ev.closed {
			if now.Sub(ev.lastAt) > 2*e.policy.Expiry {
				delete(e.events, id)
			}
			continue
		}
		if now.Before(ev.lastAt) {
			continue
		}
		if d := e.expire(ev, now); d != nil {
			out = append(out, *d)
			continue
		}
		if d := e.passByTime(ev, now); d != nil {
			out = append(out, *d)
		}
	}
	return out
}

// Retract withdraws every message sent for an event (they were in error,
// for example a false track) with a Cancel decided at time at, and closes
// the event. It returns nothing if no message was sent.
func (e *Engine[M]) Retract(eventID string, at time.Time) []Decision[M] {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := e.events[eventID]
	if ev == nil || len(ev.refs) == 0 {
		return nil
	}
	if at.Before(ev.lastAt) {
		at = ev.lastAt
	}
	var rs []RegionStatus
	for _, r := range e.sortedRegions(ev) {
		rs = append(rs, RegionStatus{Region: r, State: Cancelled})
	}
	g := e.group(Cancelled, ReasonNone, rs, vars{regions: regionsOf(rs), at: ev.firstSent})
	d := e.decide(ev, at, Cancel, []Group{g})
	ev.closed = true
	return []Decision[M]{*d}
}

// corridor returns the half-width in force for the event, metres.
func (e *Engine[M]) corridor(ev *event) float64 {
	if ev.irregular {
		return e.policy.IrregularCorridorKm * 1000
	}
	return e.policy.CorridorKm * 1000
}

// inFlight decides on a prediction of an object in flight.
func (e *Engine[M]) inFlight(ev *event, p Prediction) *Decision[M] {
	pol := e.policy
	w := e.corridor(ev)
	tr := resample(p.Path, p.At, corridorStep)
	var skip func(int) bool
	if pol.OverflightCeilingKm > 0 {
		skip = func(k int) bool {
			return tr.altK[k] > pol.OverflightCeilingKm && tr.altK[k+1] > pol.OverflightCeilingKm
		}
	}
	own := func(r *Region) bool { return r.Nation == pol.Nation }
	runs := e.atlas.corridorRunsFor(tr.pts, w, own, skip)
	// Hysteresis: regions under an overflight call stay while within
	// DropFactor × w.
	held := func(r *Region) bool {
		st := ev.regions[r]
		return own(r) && st != nil && st.status.State == Shelter && st.status.Reason == ReasonOverflight
	}
	wide := e.atlas.corridorRunsFor(tr.pts, w*pol.DropFactor, held, skip)

	over := map[*Region][]run{}
	for _, r := range runs {
		over[r.region] = append(over[r.region], r)
	}
	extra := map[*Region][]run{}
	for _, r := range wide {
		if _, ok := over[r.region]; !ok {
			extra[r.region] = append(extra[r.region], r)
		}
	}
	for r, rr := range extra {
		over[r] = rr
	}
	probs := e.impactProbs(p.Impact)

	type next struct {
		reason      Reason
		enter, exit time.Time
		runs        []run
	}
	want := map[*Region]*next{}
	tooLate := func(t time.Time) bool { return pol.LeadTime > 0 && t.After(p.At.Add(pol.LeadTime)) }
	for r, rr := range over {
		enter, exit := tr.t[rr[0].first], tr.t[rr[len(rr)-1].last+1]
		if tooLate(enter) {
			continue
		}
		if st := ev.regions[r]; st != nil && st.status.State == Passed {
			continue // passed over already: the object is beyond it
		}
		want[r] = &next{reason: ReasonOverflight, enter: enter, exit: exit, runs: rr}
	}
	if p.Impact != nil && !tooLate(p.Impact.T) {
		for r, pr := range probs {
			st := ev.regions[r]
			thr := pol.ImpactThreshold
			if st != nil && st.status.State == Shelter && st.status.Reason == ReasonFall {
				thr /= pol.DropFactor
			}
			if pr <= thr {
				continue
			}
			n := want[r]
			if n == nil {
				n = &next{}
				want[r] = n
			}
			n.reason = ReasonFall
		}
	}

	// Transitions.
	var added, dropped, passed []*Region
	changed := false
	for _, r := range e.sortedRegions(ev) {
		st := ev.regions[r]
		if st.status.State != Shelter {
			continue
		}
		if _, ok := want[r]; ok {
			continue
		}
		if st.status.Reason == ReasonOverflight && !st.status.Enter.After(p.At) {
			st.status = RegionStatus{Region: r, State: Passed, Enter: st.status.Enter, Exit: st.status.Exit, PImpact: probs[r]}
			passed = append(passed, r)
		} else {
			st.status = RegionStatus{Region: r, State: AllClear, PImpact: probs[r]}
			dropped = append(dropped, r)
		}
	}
	for _, r := range e.atlas.Regions(pol.Nation) {
		n := want[r]
		if n == nil {
			continue
		}
		st := ev.regions[r]
		if st == nil {
			st = &regionState{}
			ev.regions[r] = st
		}
		if st.status.State != Shelter {
			added = append(added, r)
		} else if st.status.Reason != n.reason {
			changed = true
		}
		st.status = RegionStatus{Region: r, State: Shelter, Reason: n.reason, Enter: n.enter, Exit: n.exit,
			PImpact: probs[r], Footprint: st.status.Footprint}
	}
	if len(added) == 0 && len(dropped) == 0 && len(passed) == 0 && !changed {
		return nil // nothing to say; footprints are redrawn when there is
	}
	for r, n := range want {
		st := ev.regions[r]
		st.status.Footprint = nil
		for _, ru := range n.runs {
			st.status.Footprint = append(st.status.Footprint, band(tr.pts[ru.first:ru.last+2], w))
		}
		if n.reason == ReasonFall && p.Impact != nil {
			st.status.Footprint = append(st.status.Footprint, ellipseRing(p.Impact))
		}
	}
	groups := e.pictureGroups(ev, p.At, dropped, false)
	mt := Update
	if len(ev.refs) == 0 {
		mt = Alert
	}
	d := e.decide(ev, p.At, mt, groups)
	d.Added, d.Dropped, d.PassedOver = added, dropped, passed
	d.Impact = p.Impact
	return d
}

// pictureGroups builds the groups of the event's current picture: shelter
// (fall, then overflight), passed, and the regions dropped now (all-clear,
// with the Lost wording if lost).
func (e *Engine[M]) pictureGroups(ev *event, at time.Time, dropped []*Region, lost bool) []Group {
	var fall, over, passed []RegionStatus
	for _, r := range e.sortedRegions(ev) {
		st := ev.regions[r].status
		switch {
		case st.State == Shelter && st.Reason == ReasonFall:
			fall = append(fall, st)
		case st.State == Shelter:
			over = append(over, st)
		case st.State == Passed:
			passed = append(passed, st)
		}
	}
	var groups []Group
	if len(fall) > 0 {
		t := at
		if ev.impact != nil {
			t = ev.impact.T
		}
		groups = append(groups, e.group(Shelter, ReasonFall, fall, vars{regions: regionsOf(fall), at: t}))
	}
	if len(over) > 0 {
		t := over[0].Enter
		for _, s := range over {
			if s.Enter.Before(t) {
				t = s.Enter
			}
		}
		if t.Before(at) {
			t = at
		}
		groups = append(groups, e.group(Shelter, ReasonOverflight, over, vars{regions: regionsOf(over), at: t}))
	}
	if len(passed) > 0 {
		t := passed[0].Exit
		for _, s := range passed {
			if s.Exit.After(t) {
				t = s.Exit
			}
		}
		if t.After(at) || t.IsZero() {
			t = at
		}
		groups = append(groups, e.group(Passed, ReasonNone, passed, vars{regions: regionsOf(passed), at: t}))
	}
	if len(dropped) > 0 {
		rs := make([]RegionStatus, len(dropped))
		for i, r := range dropped {
			rs[i] = ev.regions[r].status
		}
		g := e.group(AllClear, ReasonNone, rs, vars{regions: dropped, at: at})
		if lost {
			// {time} is the last estimate's: when the track was lost.
			g.Text = e.texts(func(t Templates) Template { return t.Lost }, vars{regions: dropped, at: ev.lastAt})
		}
		groups = append(groups, g)
	}
	return groups
}

// impacted decides on a landing.
func (e *Engine[M]) impacted(ev *event, p Prediction) *Decision[M] {
	pol := e.policy
	ev.closed = true
	ld := &Landing{T: p.At}
	var major float64
	if im := p.Impact; im != nil {
		ld.T = im.T
		ld.Point = geo.LLA{Lat: geo.Degrees(im.Lat), Lon: geo.Degrees(im.Lon)}
		major = im.MajorKm
	} else {
		q := p.Path[len(p.Path)-1]
		ld.T, ld.Point = q.T, geo.LLA{Lat: geo.Degrees(q.Lat), Lon: geo.Degrees(q.Lon)}
	}
	ld.Zone = e.atlas.ZoneFor(pol.Nation, ld.Point)
	onOwn := ld.Zone.Nation == pol.Nation && ld.Zone.Region != nil && (ld.Zone.Kind == Land || ld.Zone.Kind == TerritorialSea)
	if len(ev.refs) == 0 && !(ld.Zone.Nation == pol.Nation && (onOwn || pol.NoticeEEZ)) {
		return nil // nothing said, nothing to report
	}
	if ld.Zone.Kind != Land {
		if r, q, _ := e.atlas.nearestRegionPoint(pol.Nation, float64(ld.Point.Lat), float64(ld.Point.Lon), 1000e3); r != nil {
			dist, az, _ := geo.Inverse(q, ld.Point)
			ld.Nearest, ld.DistanceKm, ld.BearingDeg = r, float64(dist)/1000, float64(az)
		}
	}
	// The landing group, then everyone still told to shelter is cleared.
	var landRegions []RegionStatus
	if onOwn {
		r := ld.Zone.Region
		st := ev.regions[r]
		if st == nil {
			st = &regionState{}
			ev.regions[r] = st
		}
		st.status = RegionStatus{Region: r, State: Landed, PImpact: 1}
		landRegions = append(landRegions, st.status)
	}
	tmpl := func(t Templates) Template { return t.LandedSea }
	if onOwn {
		tmpl = func(t Templates) Template { return t.LandedOwn }
	}
	lg := Group{State: Landed, Regions: landRegions,
		Circle: &Circle{Center: ld.Point, RadiusKm: math.Max(major, 1)},
		Text:   e.texts(tmpl, vars{regions: regionsOf(landRegions), at: ld.T, landing: ld})}
	if !onOwn {
		lg.Area = map[Lang]string{}
		for _, l := range pol.Langs {
			t := pol.Texts[l]
			lg.Area[l] = t.place(l, ld) + " (" + t.zone(pol.Nation, ld.Zone) + ")"
		}
	}
	var dropped []*Region
	for _, r := range e.sortedRegions(ev) {
		if st := ev.regions[r]; st.status.State == Shelter {
			st.status = RegionStatus{Region: r, State: AllClear}
			dropped = append(dropped, r)
		}
	}
	groups := append([]Group{lg}, e.pictureGroups(ev, p.At, dropped, false)...)
	mt := Update
	if len(ev.refs) == 0 {
		mt = Alert
	}
	d := e.decide(ev, p.At, mt, groups)
	d.Dropped, d.Landing, d.Impact = dropped, ld, p.Impact
	return d
}

// expire lifts the open calls of a lost or silent track LostHold after its
// last predicted impact (or path end, or the time it was lost), as of now.
func (e *Engine[M]) expire(ev *event, now time.Time) *Decision[M] {
	end := ev.lastPathT
	if ev.impact != nil && ev.impact.T.After(end) {
		end = ev.impact.T
	}
	if end.IsZero() {
		end = ev.lastAt
	}
	if now.Before(end.Add(e.policy.LostHold)) {
		return nil
	}
	var dropped []*Region
	for _, r := range e.sortedRegions(ev) {
		if st := ev.regions[r]; st.status.State == Shelter {
			st.status = RegionStatus{Region: r, State: AllClear}
			dropped = append(dropped, r)
		}
	}
	if !ev.lost && len(dropped) == 0 {
		return nil // still tracked, or nothing open: wait for the landing
	}
	ev.closed = true
	if len(dropped) == 0 {
		return nil
	}
	d := e.decide(ev, now, Update, e.pictureGroups(ev, now, dropped, true))
	d.Dropped = dropped
	return d
}

// passByTime reports regions passed over by the clock. A lost track is
// not: nobody knows where it went.
func (e *Engine[M]) passByTime(ev *event, now time.Time) *Decision[M] {
	if ev.lost {
		return nil
	}
	var passed []*Region
	for _, r := range e.sortedRegions(ev) {
		st := ev.regions[r]
		s := st.status
		if s.State == Shelter && s.Reason == ReasonOverflight && !s.Exit.IsZero() && !now.Before(s.Exit.Add(e.policy.PassMargin)) {
			st.status = RegionStatus{Region: r, State: Passed, Enter: s.Enter, Exit: s.Exit, PImpact: s.PImpact}
			passed = append(passed, r)
		}
	}
	if len(passed) == 0 {
		return nil
	}
	d := e.decide(ev, now, Update, e.pictureGroups(ev, now, nil, false))
	d.PassedOver = passed
	return d
}

// impactProbs returns, for each of the nation's regions with any, the
// probability of impact on its land or territorial sea.
func (e *Engine[M]) impactProbs(im *Impact) map[*Region]float64 {
	if im == nil {
		return nil
	}
	samples := im.Samples
	if len(samples) < MinSamples {
		if im.MajorKm > 0 {
			samples = ellipseSamples(im, impactSamples)
		} else if len(samples) == 0 {
			samples = []geo.LLA{{Lat: geo.Degrees(im.Lat), Lon: geo.Degrees(im.Lon)}}
		}
	}
	out := map[*Region]float64{}
	w := 1 / float64(len(samples))
	for _, s := range samples {
		if r := e.atlas.ownRegionAt(e.policy.Nation, float64(s.Lat), float64(s.Lon)); r != nil {
			out[r] += w
		}
	}
	return out
}

// decide assigns the next identifier and references.
func (e *Engine[M]) decide(ev *event, at time.Time, mt MsgType, groups []Group) *Decision[M] {
	pol := e.policy
	seq := len(ev.refs) + 1
	sent := at.In(pol.Location).Truncate(time.Second)
	if n := len(ev.refs); n > 0 && sent.Before(ev.refs[n-1].Sent) {
		sent = ev.refs[n-1].Sent
	}
	d := &Decision[M]{
		Nation:     pol.Nation,
		Event:      ev.id,
		Seq:        seq,
		Identifier: identifier(pol.Nation, StatusOf[M](), ev.id, seq),
		Sender:     pol.Sender,
		Sent:       sent,
		Expires:    sent.Add(pol.Expiry),
		MsgType:    mt,
		References: slices.Clone(ev.refs),
		Launch:     ev.launch,
		Groups:     groups,
		Irregular:  ev.irregular,
		Langs:      slices.Clone(pol.Langs),
	}
	if seq == 1 {
		ev.firstSent = sent
	}
	ev.refs = append(ev.refs, Ref{Sender: d.Sender, Identifier: d.Identifier, Sent: sent})
	return d
}

// group builds a group with the wording for its state.
func (e *Engine[M]) group(s State, reason Reason, rs []RegionStatus, v vars) Group {
	var pick func(Templates) Template
	switch {
	case s == Shelter && reason == ReasonFall:
		pick = func(t Templates) Template { return t.Fall }
	case s == Shelter:
		pick = func(t Templates) Template { return t.Overflight }
	case s == Passed:
		pick = func(t Templates) Template { return t.Passed }
	case s == AllClear:
		pick = func(t Templates) Template { return t.AllClear }
	case s == Cancelled:
		pick = func(t Templates) Template { return t.Cancel }
	default:
		panic(fmt.Sprintf("warn: no wording for state %v", s))
	}
	return Group{State: s, Reason: reason, Regions: rs, Text: e.texts(pick, v)}
}

// texts renders a template in every language of the policy.
func (e *Engine[M]) texts(pick func(Templates) Template, v vars) map[Lang]Text {
	pol := e.policy
	out := make(map[Lang]Text, len(pol.Langs))
	for _, l := range pol.Langs {
		t := pol.Texts[l]
		out[l] = t.render(pick(t), l, pol.Nation, pol.Location, v, StatusOf[M]() == Exercise)
	}
	return out
}

// sortedRegions returns the event's regions in atlas order.
func (e *Engine[M]) sortedRegions(ev *event) []*Region {
	out := make([]*Region, 0, len(ev.regions))
	for r := range ev.regions {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Region) int { return a.idx - b.idx })
	return out
}

func regionsOf(rs []RegionStatus) []*Region {
	out := make([]*Region, len(rs))
	for i, r := range rs {
		out[i] = r.Region
	}
	return out
}
