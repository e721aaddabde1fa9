package estimate

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// Trajectory is the shape of a flight as a launch report names it. The
// zero value is TrajectoryUnknown. Values are shared: do not reorder.
type Trajectory uint8

const (
	// TrajectoryUnknown is the zero value: not yet known (boost).
	TrajectoryUnknown Trajectory = iota
	// MinimumEnergy is a standard flight, its apogee within
	// [DepressedRatio, LoftedRatio] of the minimum-energy apogee for its
	// range.
	MinimumEnergy
	// Lofted is a flight with an apogee above LoftedRatio of the
	// minimum-energy one (the ICBM tests into the Sea of Japan).
	Lofted
	// Depressed is a ballistic flight with an apogee below DepressedRatio
	// of the minimum-energy one.
	Depressed
	// Irregular is a flight no ballistic arc explains: persistent large
	// innovations of the ballistic model, or an apogee below
	// IrregularRatio of the minimum-energy one.
	Irregular
)

// Apogee ratios (apogee over the minimum-energy apogee for the range,
// ballistic.MinimumEnergyArc) that separate the trajectory types. Reported
// standard North Korean flights lie at 0.83–1.09 of the minimum-energy
// apogee and the depressed KN-23 flights at 0.24–0.48
// (ballistic.MinBallisticApogeeRatio); a 100 km apogee over 350 km is 1.15.
const (
	IrregularRatio = 0.5
	DepressedRatio = 0.75
	LoftedRatio    = 1.3
)

var trajectoryNames = [...]string{"unknown", "minimum-energy", "lofted", "depressed", "irregular"}

// String returns "minimum-energy", "lofted", "depressed", "irregular" or
// "unknown".
func (t Trajectory) String() string {
	if int(t) < len(trajectoryNames) {
		return trajectoryNames[t]
	}
	return "unknown"
}

// MarshalText encodes t as its String; it fails for values out of range.
func (t Trajectory) MarshalText() ([]byte, error) {
	if int(t) >= len(trajectoryNames) {
		return nil, fmt.Errorf("estimate: trajectory %d out of range", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes a trajectory name; "" gives TrajectoryUnknown.
func (t *Trajectory) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = TrajectoryUnknown
		return nil
	}
	for i, n := range trajectoryNames {
		if n == string(b) {
			*t = Trajectory(i)
			return nil
		}
	}
	return fmt.Errorf("estimate: unknown trajectory %q", b)
}

// Launch is an estimated launch.
type Launch struct {
	// T is the launch time and SigmaT its standard deviation.
	T      time.Time
	SigmaT time.Duration
	// Point is the launch point (Alt 0).
	Point geo.LLA
	// Error is the radius of the 95 % circle about Point.
	Error geo.Meters
}

// Assessment is what a track says about the flight: the figures of a
// launch report (research/tracking.md §5.5–5.6).
type Assessment struct {
	// T is the time of the estimate and Mode the model in use.
	T    time.Time
	Mode Mode
	// Class is from the equivalent minimum-energy range of the flight's
	// burnout speed: the speed of the Keplerian arc with the estimated
	// range and apogee (ballistic.ArcFor, ballistic.EquivalentRange), or for
	// an irregular flight the surface-equivalent speed of its highest
	// energy after burnout. So a lofted ICBM is an ICBM.
	Class ballistic.Class
	// Trajectory is the flight's shape, and Why explains an irregular one.
	Trajectory Trajectory
	Why        string
	// Launch is the launch point and time back-propagated through the
	// class's boost template; zero until the boost is over.
	Launch Launch
	// Burnout is the end of powered flight; zero if not detected.
	Burnout time.Time
	// Apogee is the highest altitude, flown or predicted; Range the
	// geodesic distance from Launch to Impact; FlightTime from launch to
	// impact.
	Apogee     geo.Meters
	Range      geo.Meters
	FlightTime time.Duration
	// Impact is the predicted impact; nil in boost.
	Impact *Impact
	// Path is the predicted path of the mean from T to the impact.
	Path []PathPoint
}

// AssessOptions tunes Assess.
type AssessOptions struct {
	// PathStep is the spacing of the predicted path; zero means 10 s.
	PathStep time.Duration
	// Launch, if not nil, is an earlier launch estimate to keep instead of
	// back-propagating again (the launch estimate changes little once the
	// boost is over, and its template flights are the costly part).
	Launch *Launch
}

// Assess computes the flight's figures from the current estimate: the
// impact by cubature points propagated to the ground, the launch by
// back-propagation through the boost template of the class, apogee, range,
// flight time, class and trajectory type. In boost mode only T, Mode and
// Burnout are set. It fails, wrapping ErrNoImpact, when the predicted
// flight does not come down.
func (f *Filter) Assess(opts AssessOptions) (*Assessment, error) {
	pathStep := opts.PathStep
	if pathStep <= 0 {
		pathStep = 10 * time.Second
	}
	a := &Assessment{T: f.c.t, Mode: f.c.mode, Burnout: f.burnout}
	if f.c.mode == ModeBoost {
		return a, nil
	}
	im, mean, err := f.predictImpact(pathStep)
	if err != nil {
		if errors.Is(err, ErrNoImpact) {
			a.Class = ballistic.ClassOf(ballistic.EquivalentRange(f.burnoutSpeed()))
			a.Apogee = f.MaxAltitude()
		}
		return a, err
	}
	a.Impact = im
	a.Apogee = f.MaxAltitude()
	if mean.Apogee != nil && mean.Apogee.LLA.Alt > a.Apogee {
		a.Apogee = mean.Apogee.LLA.Alt
	}
	if h := f.pastApogee(); h > a.Apogee {
		a.Apogee = h
	}
	a.Path = pathOf(f.c.t, mean)

	irregular, why := f.Irregular()
	// A first launch guess and class, for the boost template.
	guess := f.firstGround()
	rng, _, _ := geo.Inverse(guess, im.Point)
	a.Class = f.classify(rng, a.Apogee, irregular)
	if opts.Launch != nil {
		a.Launch = *opts.Launch
	} else {
		a.Launch = f.launch(a.Class, rng, a.Apogee, guess, im.Point, irregular)
	}
	if a.Launch.T.IsZero() {
		a.Launch = Launch{T: f.first, Point: guess, Error: 100e3}
	}
	a.Range, _, _ = geo.Inverse(a.Launch.Point, im.Point)
	a.FlightTime = im.T.Sub(a.Launch.T)
	a.Class = f.classify(a.Range, a.Apogee, irregular)

	ratio := float64(a.Apogee) / float64(ballistic.MinimumEnergyArc(a.Range).Apogee)
	switch {
	case irregular:
		a.Trajectory, a.Why = Irregular, why
	case ratio < IrregularRatio:
		a.Trajectory = Irregular
		a.Why = fmt.Sprintf("apogee %.0f km is too low for a ballistic flight of %.0f km (%.2f of the minimum-energy apogee)", a.Apogee/1e3, a.Range/1e3, ratio)
	case ratio < DepressedRatio:
		a.Trajectory = Depressed
	case ratio > LoftedRatio:
		a.Trajectory = Lofted
	default:
		a.Trajectory = MinimumEnergy
	}
	return a, nil
}

// pastApogee returns the apogee of the free flight behind the current
// estimate — propagated back to the burnout — for an apogee passed while
// the track was out of coverage; 0 in other modes or if there was none.
func (f *Filter) pastApogee() geo.Meters {
	if f.c.mode != ModeBallistic || f.burnout.IsZero() {
		return 0
	}
	span := f.burnout.Sub(f.c.t)
	if span >= 0 {
		return 0
	}
	s := ballistic.State{R: f.c.pos(), V: f.c.vel()}
	tr, err := ballistic.Propagate(ballistic.Full(betaOf(f.c.x[iLnAlpha])), s, 0, ballistic.Options{RelTol: 1e-9, AbsTol: 1e-3, Sample: -1, Span: span, Ground: -1e3})
	if err != nil || tr.Apogee == nil {
		return 0
	}
	return tr.Apogee.LLA.Alt
}

// firstGround returns the ground point under the earliest history point.
func (f *Filter) firstGround() geo.LLA {
	p := f.hist[0].LLA()
	p.Alt = 0
	return p
}

// classify returns the class from the arc's burnout speed, or for an
// irregular flight from its burnout energy.
func (f *Filter) classify(rng, apogee geo.Meters, irregular bool) ballistic.Class {
	if !irregular && rng > 0 && apogee > 0 {
		if arc, err := ballistic.ArcFor(rng, apogee); err == nil {
			return ballistic.ClassOf(ballistic.EquivalentRange(arc.Speed))
		}
	}
	return ballistic.ClassOf(ballistic.EquivalentRange(f.burnoutSpeed()))
}

// burnoutSpeed returns the highest surface-equivalent speed of the free
// flight so far, √(v² + 2μ(1/R − 1/r)) with the Earth-fixed v: the speed at
// the surface of the same energy, what ballistic.EquivalentRange takes.
func (f *Filter) burnoutSpeed() float64 {
	var best float64
	consider := func(r, v r3.Vec) {
		v2 := r3.Dot(v, v) + 2*geo.GM*(1/float64(ballistic.EarthRadius)-1/r3.Norm(r))
		if v2 > best {
			best = v2
		}
	}
	for _, p := range f.hist {
		if p.Mode != ModeBoost {
			consider(p.R, p.V)
		}
	}
	if f.c.mode != ModeBoost {
		consider(f.c.pos(), f.c.vel())
	}
	return math.Sqrt(best)
}

// anchor is a point of the flight matched to the boost template.
type anchor struct {
	t     time.Time
	p     geo.LLA // ground point
	alt   float64
	sigH  float64 // horizontal standard deviation per axis, m
	sigUp float64 // vertical standard deviation, m
	sigT  float64 // standard deviation of t, s
}

// launch back-propagates to the launch: every anchor — the boost-phase
// history below the template's burnout height and the free flight
// propagated back to that height — is matched by height to the ascending
// branch of the class's boost template (time τ after launch, downrange d),
// giving a launch time t − τ and a launch point d back along the flight
// azimuth. The estimates are combined with weights from their position
// errors and a template error of 15 % of d plus 0.5 km (and 5 % of τ
// plus 1 s); the 95 % radius is that of the best single anchor.
func (f *Filter) launch(class ballistic.Class, rng, apogee geo.Meters, site, impact geo.LLA, irregular bool) Launch {
	_, az, _ := geo.Inverse(site, impact)
	profile := ballistic.ProfileBallistic
	switch ratio := float64(apogee) / float64(ballistic.MinimumEnergyArc(rng).Apogee); {
	case irregular || ratio < IrregularRatio:
		profile = ballistic.ProfilePullUp
	case ratio < ballistic.MinBallisticApogeeRatio:
		profile = ballistic.ProfileDepressed
	}
	tp := templateFor(class, profile, rng, apogee, site, az)
	if tp == nil {
		return Launch{}
	}
	var anchors []anchor
	for _, p := range f.hist {
		if p.Mode != ModeBoost {
			break
		}
		ll := p.LLA()
		if float64(ll.Alt) > tp.burnoutAlt || !(float64(ll.Alt) > 0) {
			continue
		}
		sh, su := horizVert(ll, p.Prr)
		anchors = append(anchors, anchor{t: p.T, p: geo.LLA{Lat: ll.Lat, Lon: ll.Lon}, alt: float64(ll.Alt), sigH: sh, sigUp: su})
	}
	if an, ok := f.backToBurnout(tp.burnoutAlt, irregular); ok {
		anchors = append(anchors, an)
	}
	type cand struct {
		pl     geo.LLA
		tl     float64 // launch time, s after the first history point
		sh, st float64
	}
	var cands []cand
	for _, an := range anchors {
		tau, d, ok := tp.at(an.alt)
		if !ok {
			continue
		}
		_, azi, _ := geo.Inverse(an.p, impact)
		pl, _ := geo.Direct(an.p, azi+180, geo.Meters(d))
		pl.Alt = 0
		sigM := 0.15*d + 500
		rate := tp.climb(tau)
		c := cand{
			pl: pl,
			tl: an.t.Sub(f.hist[0].T).Seconds() - tau,
			sh: math.Hypot(an.sigH, sigM),
			st: math.Hypot(math.Hypot(0.05*tau+1, an.sigUp/math.Max(rate, 1)), an.sigT),
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return Launch{}
	}
	// The anchors' template errors are strongly correlated, so only the
	// best few (within 1.5 times the smallest error, at most 10) are
	// averaged, and the error is the best one's.
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].sh < cands[j].sh })
	best, bestT := cands[0].sh, math.Inf(1)
	ref := cands[0].pl
	var wsum, wtsum, e, n, tsum float64
	for i, c := range cands {
		if i >= 10 || c.sh > 1.5*best {
			break
		}
		enu := geo.ENU(ref, c.pl.ECEF())
		w, wt := 1/(c.sh*c.sh), 1/(c.st*c.st)
		e += w * enu.X
		n += w * enu.Y
		wsum += w
		tsum += wt * c.tl
		wtsum += wt
		bestT = math.Min(bestT, c.st)
	}
	if wsum == 0 {
		return Launch{}
	}
	pt := geo.FromENU(ref, r3.Vec{X: e / wsum, Y: n / wsum}).LLA()
	pt.Alt = 0
	t0 := f.hist[0].T.Add(time.Duration(tsum / wtsum * float64(time.Second)))
	return Launch{T: t0, SigmaT: time.Duration(bestT * float64(time.Second)), Point: pt, Error: geo.Meters(Ellipse95 * best)}
}

// horizVert returns the per-axis horizontal and the vertical standard
// deviations of a position covariance at p.
func horizVert(p geo.LLA, prr [3][3]float64) (h, v float64) {
	rot := geo.ENUToECEFRotation(p)
	axis := func(k int) r3.Vec {
		var u r3.Vec
		switch k {
		case 0:
			u = r3.Vec{X: 1}
		case 1:
			u = r3.Vec{Y: 1}
		default:
			u = r3.Vec{Z: 1}
		}
		return rot.Apply(u)
	}
	quad := func(u r3.Vec) float64 {
		c := [3]float64{u.X, u.Y, u.Z}
		var s float64
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				s += c[i] * prr[i][j] * c[j]
			}
		}
		return s
	}
	h = math.Sqrt(math.Max(0, (quad(axis(0))+quad(axis(1)))/2))
	v = math.Sqrt(math.Max(0, quad(axis(2))))
	return h, v
}

// backToBurnout propagates the free flight back to height h on its
// ascending branch — the mean and the cubature points, for the spread —
// and returns it as an anchor. For an irregular flight it starts from the
// first free-flight history point instead of the current estimate.
func (f *Filter) backToBurnout(h float64, irregular bool) (anchor, bool) {
	c := f.c
	if irregular || c.mode != ModeBallistic {
		var first *Point
		for i := range f.hist {
			if f.hist[i].Mode != ModeBoost {
				first = &f.hist[i]
				break
			}
		}
		if first == nil {
			return anchor{}, false
		}
		tr, err := ballistic.Propagate(ballistic.Full(f.cfg.Beta0), ballistic.State{R: first.R, V: first.V}, 0,
			ballistic.Options{RelTol: 1e-9, AbsTol: 1e-3, Sample: -1, Span: -20 * time.Minute, Ground: geo.Meters(h)})
		if err != nil || tr.Impact == nil {
			return anchor{}, false
		}
		ll := tr.Impact.LLA
		sh, su := horizVert(ll, first.Prr)
		return anchor{t: first.T.Add(tr.Impact.T), p: geo.LLA{Lat: ll.Lat, Lon: ll.Lon}, alt: h, sigH: sh, sigUp: su}, true
	}
	back := ballistic.Options{RelTol: 1e-9, AbsTol: 1e-3, Sample: -1, Span: -(c.t.Sub(f.first) + 10*time.Minute), Ground: geo.Meters(h)}
	run := func(x *vec) (r3.Vec, float64, bool) {
		s := ballistic.State{R: r3.Vec{X: x[0], Y: x[1], Z: x[2]}, V: r3.Vec{X: x[3], Y: x[4], Z: x[5]}}
		tr, err := ballistic.Propagate(ballistic.Full(betaOf(x[iLnAlpha])), s, 0, back)
		if err != nil || tr.Impact == nil {
			return r3.Vec{}, 0, false
		}
		return tr.Impact.R, tr.Impact.T.Seconds(), true
	}
	r0, t0, ok := run(&c.x)
	if !ok {
		return anchor{}, false
	}
	var pts [maxPts]vec
	c.points(&pts)
	ll := geo.ECEFFromVec(r0).LLA()
	var ch, cv, ct float64
	w := 1 / float64(2*c.n)
	rot := geo.ENUToECEFRotation(ll)
	for i := 0; i < 2*c.n; i++ {
		r, t, ok := run(&pts[i])
		if !ok {
			return anchor{}, false
		}
		d := rot.ApplyT(r3.Sub(r, r0))
		ch += w * (d.X*d.X + d.Y*d.Y) / 2
		cv += w * d.Z * d.Z
		ct += w * (t - t0) * (t - t0)
	}
	return anchor{t: c.t.Add(time.Duration(t0 * float64(time.Second))), p: geo.LLA{Lat: ll.Lat, Lon: ll.Lon}, alt: h,
		sigH: math.Sqrt(ch), sigUp: math.Sqrt(cv), sigT: math.Sqrt(ct)}, true
}
