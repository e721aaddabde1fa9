package ballistic

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/trilink/trilink/internal/geo"
)

// Defaults of [Options].
const (
	// DefaultRelTol is the default relative error tolerance per step.
	DefaultRelTol = 1e-10
	// DefaultAbsTol is the default absolute error tolerance per step, in
	// metres for positions and m/s for velocities.
	DefaultAbsTol = 1e-6
	// DefaultMaxStep is the default largest integration step.
	DefaultMaxStep = 20 * time.Minute
	// DefaultSample is the default spacing of recorded samples.
	DefaultSample = time.Second
	// DefaultSpan is how long a propagation runs without an impact by
	// default.
	DefaultSpan = 4 * time.Hour
)

// ErrInvalidState is wrapped when a state or option is not finite or out of
// range.
var ErrInvalidState = errors.New("ballistic: invalid state")

// Options tunes [Propagate] and [Launch.Fly]. The zero value gives the
// defaults.
type Options struct {
	// RelTol and AbsTol are the per-step error tolerances of the adaptive
	// integrator: each component's local error estimate is kept below
	// AbsTol + RelTol·|y|. Zero means DefaultRelTol and DefaultAbsTol.
	RelTol, AbsTol float64
	// MaxStep caps the integration step; zero means DefaultMaxStep.
	MaxStep time.Duration
	// Sample is the spacing of Trajectory.Samples on the time axis; zero
	// means DefaultSample. A negative Sample records only the start and the
	// end, which is fastest.
	Sample time.Duration
	// Span is how far to propagate when there is no impact: the
	// propagation ends at t0+Span (flights: at launch+Span). A negative
	// Span propagates backwards in time, as a launch-point search does. Zero
	// means DefaultSpan forwards.
	Span time.Duration
	// Ground is the height above the ellipsoid that counts as impact.
	Ground geo.Meters
}

func (o Options) normalized() (Options, error) {
	if o.RelTol == 0 {
		o.RelTol = DefaultRelTol
	}
	if o.AbsTol == 0 {
		o.AbsTol = DefaultAbsTol
	}
	if o.MaxStep == 0 {
		o.MaxStep = DefaultMaxStep
	}
	if o.Sample == 0 {
		o.Sample = DefaultSample
	}
	if o.Span == 0 {
		o.Span = DefaultSpan
	}
	if !(o.RelTol > 0 && o.RelTol < 1) || !(o.AbsTol > 0) || o.MaxStep < 0 || !finite(float64(o.Ground)) {
		return o, fmt.Errorf("%w: options %+v", ErrInvalidState, o)
	}
	return o, nil
}

// Propagate integrates a free flight under m from state s at time t0 (on
// any time axis; the trajectory keeps it) until the body reaches
// opts.Ground or opts.Span has elapsed, locating the apogee and the impact
// on the way to well under a millisecond and a metre. It uses the adaptive
// Dormand–Prince 5(4) integrator with dense output. It fails only for a
// non-finite state or bad options, or when the step size underflows
// (wrapping [ErrInvalidState] or [ErrStepSize]).
func Propagate(m Model, s State, t0 time.Duration, opts Options) (*Trajectory, error) {
	if !stateFinite(s) {
		return nil, fmt.Errorf("propagate: %w: %+v", ErrInvalidState, s)
	}
	o, err := opts.normalized()
	if err != nil {
		return nil, fmt.Errorf("propagate: %w", err)
	}
	dyn := dynamics{m: m, alpha: m.alpha()}
	var ru runner
	ru.start(o, secs(t0), toVec6(s), &dyn)
	if _, err := ru.phase(&dyn, secs(t0+o.Span), false); err != nil {
		return nil, fmt.Errorf("propagate: %w", err)
	}
	return ru.finish(), nil
}

// PropagateTo returns the state dt after s under m, integrated adaptively
// with DefaultRelTol and DefaultAbsTol (dt may be negative). It records
// nothing and does not allocate, for use in filters. It fails, wrapping
// [ErrStepSize], only for a non-finite state.
func PropagateTo(m Model, s State, dt time.Duration) (State, error) {
	if dt == 0 {
		return s, nil
	}
	dyn := dynamics{m: m, alpha: m.alpha()}
	d := dopri{dyn: &dyn, rtol: DefaultRelTol, atol: DefaultAbsTol, hmax: secs(DefaultMaxStep)}
	t := secs(dt)
	d.begin(0, toVec6(s), t)
	for d.t != t {
		if err := d.step(t); err != nil {
			return s, fmt.Errorf("propagate %v: %w", dt, err)
		}
	}
	return d.y.state(), nil
}

// Step returns the state h after s under m by one Dormand–Prince step of
// fifth order, without error control: six evaluations of the force model.
// For h of a second or two in free flight its error is far below a
// millimetre; use [PropagateTo] when h is long or the error must be known.
func Step(m Model, s State, h time.Duration) State {
	dyn := dynamics{m: m, alpha: m.alpha()}
	d := dopri{rtol: DefaultRelTol, atol: DefaultAbsTol}
	d.dyn = &dyn
	d.y = toVec6(s)
	dyn.deriv(0, &d.y, &d.f)
	var k [7]vec6
	var out vec6
	d.tryStep(secs(h), &k, &out)
	return out.state()
}

// stop reasons of runner.phase.
const (
	stopEnd = iota
	stopImpact
	stopApogee
)

// runner drives the integrator through the phases of one trajectory,
// recording samples and locating events.
type runner struct {
	d      dopri
	tr     Trajectory
	opts   Options
	dir    float64 // +1 forwards, −1 backwards
	sample float64 // sample spacing in seconds, 0 for none
	next   float64 // time of the next sample
	ground float64
	g, hd  float64 // event functions at d.t: height − ground, dir·height rate
}

func (ru *runner) start(o Options, t0 float64, y vec6, dyn *dynamics) {
	ru.opts = o
	ru.dir = 1
	if o.Span < 0 {
		ru.dir = -1
	}
	ru.ground = float64(o.Ground)
	ru.d = dopri{rtol: o.RelTol, atol: o.AbsTol, hmax: secs(o.MaxStep)}
	ru.d.reset(dyn, t0, y, ru.dir)
	ru.d.h = ru.d.initialStep(ru.dir)
	ru.tr.Start = Sample{T: dur(t0), State: y.state()}
	if o.Sample > 0 {
		ru.sample = secs(o.Sample)
		ru.tr.Samples = make([]Sample, 0, 64)
		ru.next = t0 + ru.dir*ru.sample
	}
	ru.tr.Samples = append(ru.tr.Samples, ru.tr.Start)
	ru.g, ru.hd = ru.events(&y)
}

// events returns the height above opts.Ground and the height rate times
// the direction of integration.
func (ru *runner) events(y *vec6) (g, hd float64) {
	s := y.state()
	h, u := geo.ECEFFromVec(s.R).HeightUp()
	return float64(h) - ru.ground, ru.dir * (u.X*s.V.X + u.Y*s.V.Y + u.Z*s.V.Z)
}

// phase integrates under dyn until tEnd, an impact, or (if stopAtApogee)
// the first apogee, and reports which. The integrator is left at the stop.
func (ru *runner) phase(dyn *dynamics, tEnd float64, stopAtApogee bool) (int, error) {
	d := &ru.d
	d.reset(dyn, d.t, d.y, d.h) // the dynamics may change at a phase boundary
	for ru.dir*(tEnd-d.t) > 0 {
		if err := d.step(tEnd); err != nil {
			return 0, fmt.Errorf("at t=%.3f s: %w", d.t, err)
		}
		g, hd := ru.events(&d.y)
		tImp, tApo := math.NaN(), math.NaN()
		if ru.g >= 0 && g < 0 {
			tImp = ru.root(d.t0, ru.g, d.t, g, func(y *vec6) float64 { g, _ := ru.events(y); return g })
		}
		if ru.hd > 0 && hd <= 0 {
			tApo = ru.root(d.t0, ru.hd, d.t, hd, func(y *vec6) float64 { _, h := ru.events(y); return h })
			if !math.IsNaN(tImp) && ru.dir*(tApo-tImp) > 0 {
				tApo = math.NaN() // the apogee would be underground
			}
		}
		if !math.IsNaN(tApo) {
			ev := ru.event(tApo)
			if ru.tr.Apogee == nil || ev.LLA.Alt > ru.tr.Apogee.LLA.Alt {
				ru.tr.Apogee = ev
			}
			if stopAtApogee {
				ru.samplesTo(tApo)
				ru.moveTo(tApo, toVec6(ev.State))
				return stopApogee, nil
			}
		}
		if !math.IsNaN(tImp) {
			ev := ru.event(tImp)
			ru.tr.Impact = ev
			ru.samplesTo(tImp)
			ru.moveTo(tImp, toVec6(ev.State))
			return stopImpact, nil
		}
		ru.samplesTo(d.t)
		ru.g, ru.hd = g, hd
	}
	return stopEnd, nil
}

// moveTo restarts the integrator at (t, y) inside the last step.
func (ru *runner) moveTo(t float64, y vec6) {
	d := &ru.d
	d.reset(d.dyn, t, y, d.h)
	ru.g, ru.hd = ru.events(&y)
}

// event returns the located event at t within the last step.
func (ru *runner) event(t float64) *Event {
	y := ru.d.exactAt(t)
	s := y.state()
	return &Event{Sample: Sample{T: dur(t), State: s}, LLA: s.LLA()}
}

// samplesTo records the samples due up to and including t from the dense
// output of the last step.
func (ru *runner) samplesTo(t float64) {
	if ru.sample == 0 {
		return
	}
	var y vec6
	for ru.dir*(t-ru.next) >= 0 {
		ru.d.dense(ru.next, &y)
		ru.tr.Samples = append(ru.tr.Samples, Sample{T: dur(ru.next), State: y.state()})
		ru.next += ru.dir * ru.sample
	}
}

// root locates the zero of f on the dense output between ta and tb, where
// f changes sign (fa ≥ 0 > fb or fa > 0 ≥ fb), by the Illinois variant of
// regula falsi, to 1 µs.
func (ru *runner) root(ta, fa, tb, fb float64, f func(*vec6) float64) float64 {
	if fa == 0 {
		return ta
	}
	var y vec6
	side := 0
	for range 100 {
		if math.Abs(tb-ta) < 1e-6 {
			break
		}
		t := (ta*fb - tb*fa) / (fb - fa)
		if !(math.Min(ta, tb) < t && t < math.Max(ta, tb)) {
			t = 0.5 * (ta + tb)
		}
		ru.d.dense(t, &y)
		ft := f(&y)
		switch {
		case ft == 0:
			return t
		case (ft > 0) == (fa > 0):
			ta, fa = t, ft
			if side == -1 {
				fb /= 2
			}
			side = -1
		default:
			tb, fb = t, ft
			if side == 1 {
				fa /= 2
			}
			side = 1
		}
	}
	return tb
}

// finish closes the trajectory at the integrator's position.
func (ru *runner) finish() *Trajectory {
	end := Sample{T: dur(ru.d.t), State: ru.d.y.state()}
	ru.tr.End = end
	if n := len(ru.tr.Samples); n == 0 || ru.tr.Samples[n-1].T != end.T {
		ru.tr.Samples = append(ru.tr.Samples, end)
	}
	tr := ru.tr
	return &tr
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func stateFinite(s State) bool {
	for _, x := range toVec6(s) {
		if !finite(x) {
			return false
		}
	}
	return true
}
