package ballistic

import (
	"errors"
	"fmt"
	"math"

	"github.com/trilink/trilink/internal/geo"
)

// Errors of [Solve]; each is wrapped with the figures that caused it.
var (
	// ErrUnreachable means the class's vehicle cannot fly the reported
	// range and apogee at full burn.
	ErrUnreachable = errors.New("ballistic: beyond the reach of the class")
	// ErrNotBallistic means the apogee is too low for a ballistic
	// (standard or lofted) flight of that range: the flight was depressed
	// or manoeuvred, and must be asked for with that profile.
	ErrNotBallistic = errors.New("ballistic: apogee too low for a ballistic flight")
	// ErrNoSolution means the search found no launch that meets the
	// figures within tolerance.
	ErrNoSolution = errors.New("ballistic: no launch meets the figures")
)

// MinBallisticApogeeRatio is the lowest apogee, as a fraction of the
// minimum-energy apogee for the range ([MinimumEnergyArc]), that
// ProfileBallistic accepts. Reported standard NK flights lie at 0.83–1.09
// of it (2016-08-03 1,000/230 km, 2017-08-29 2,700/550 km, 2017-09-15
// 3,700/770 km, 2022-10-04 4,600/1,000 km) and depressed KN-23 flights at
// 0.24–0.48 (2019-05-09 420/50 km, 2019-07-25 600/50 km, 2023-06-15
// 850/50 km).
const MinBallisticApogeeRatio = 0.6

// Solver tolerances: the search stops when range and apogee are this close
// (relative) and the impact azimuth this close (degrees) to the figures.
const (
	solveRangeTol   = 2e-4
	solveApogeeTol  = 2e-4
	solveAzimuthTol = 0.02
)

// Spec is a launch as a public report gives it.
type Spec struct {
	// Site is the launch point.
	Site geo.LLA
	// Azimuth is the initial geodesic azimuth from Site to the impact
	// point, degrees clockwise from north. Ignored when Aim is set.
	Azimuth geo.Degrees
	// Aim, if not nil, is a point on the flight's geodesic (the impact
	// point, or any point the flight is heading for): its initial geodesic
	// azimuth from Site gives the direction.
	Aim *geo.LLA
	// Range is the ground (geodesic) distance from launch to impact.
	Range geo.Meters
	// Apogee is the greatest height above the ellipsoid.
	Apogee geo.Meters
	// Class picks the boost template; ClassUnknown picks it from the
	// equivalent minimum-energy range of the range and apogee (SRBM for a
	// pull-up flight).
	Class Class
	// Profile is the flight's shape; ProfileUnknown means ballistic.
	Profile Profile
	// Vehicle, if not nil, replaces the class's boost template
	// ([VehicleFor]); its Class is then ignored.
	Vehicle *Vehicle
	// Beta overrides the vehicle's re-entry ballistic coefficient, kg/m²,
	// when positive.
	Beta float64
	// LiftToDrag overrides DefaultLiftToDrag for a pull-up when positive.
	LiftToDrag float64
}

// Solve reconstructs a reported launch: it finds the launch azimuth, final
// pitch and last-stage cutoff of a boost template whose flight (boost,
// then free flight with J2, Earth rotation and drag) impacts at the
// reported range, in the reported direction, with the reported apogee, to
// 0.02 % in range and apogee and 0.02° in azimuth. With ClassUnknown it
// starts from the class of the figures' equivalent minimum-energy range and
// moves up a class while the figures stay out of reach (the vacuum arc
// ignores boost losses). It returns the launch and its trajectory sampled
// every second. A solve takes a few tens of milliseconds (tens of flights).
//
// It fails, wrapping ErrNotBallistic, for a ballistic profile whose apogee
// is below [MinBallisticApogeeRatio] of the minimum-energy apogee; wrapping
// ErrUnreachable when the class cannot reach the range and apogee (the
// message gives the class's limit); wrapping ErrNoSolution if the search
// does not converge; and wrapping ErrInvalidState for bad input.
func Solve(sp Spec) (Launch, *Trajectory, error) {
	l, err := solve(sp)
	if err != nil {
		return Launch{}, nil, fmt.Errorf("solve %s: %w", sp.describe(), err)
	}
	tr, err := l.Fly(Options{})
	if err != nil {
		return Launch{}, nil, fmt.Errorf("solve %s: %w", sp.describe(), err)
	}
	return l, tr, nil
}

func (sp Spec) describe() string {
	p := sp.Profile
	if p == ProfileUnknown {
		p = ProfileBallistic
	}
	return fmt.Sprintf("%v launch from %.2f,%.2f, range %.0f km, apogee %.0f km",
		p, float64(sp.Site.Lat), float64(sp.Site.Lon), float64(sp.Range)/1e3, float64(sp.Apogee)/1e3)
}

func solve(sp Spec) (Launch, error) {
	if err := sp.Site.Valid(); err != nil {
		return Launch{}, fmt.Errorf("site: %w", err)
	}
	if !(sp.Range >= 10e3 && sp.Range <= 20000e3) || !(sp.Apogee >= 1e3 && sp.Apogee <= 20000e3) {
		return Launch{}, fmt.Errorf("%w: range must be 10–20,000 km and apogee 1–20,000 km", ErrInvalidState)
	}
	aim := sp.Azimuth
	if sp.Aim != nil {
		if err := sp.Aim.Valid(); err != nil {
			return Launch{}, fmt.Errorf("aim: %w", err)
		}
		var d geo.Meters
		d, aim, _ = geo.Inverse(sp.Site, *sp.Aim)
		if d < 1 {
			return Launch{}, fmt.Errorf("%w: aim point is the launch site", ErrInvalidState)
		}
	}
	if !finite(float64(aim)) {
		return Launch{}, fmt.Errorf("%w: azimuth %v", ErrInvalidState, float64(aim))
	}
	profile := sp.Profile
	if profile == ProfileUnknown {
		profile = ProfileBallistic
	}
	minE := MinimumEnergyArc(sp.Range)
	if profile == ProfileBallistic && sp.Apogee < MinBallisticApogeeRatio*minE.Apogee {
		return Launch{}, fmt.Errorf("%w: the lowest ballistic apogee for %.0f km is about %.0f km (%.0f %% of the minimum-energy %.0f km); a flatter flight is depressed or manoeuvres: use profile depressed or pullup",
			ErrNotBallistic, float64(sp.Range)/1e3, MinBallisticApogeeRatio*float64(minE.Apogee)/1e3,
			100*MinBallisticApogeeRatio, float64(minE.Apogee)/1e3)
	}
	arc, err := ArcFor(sp.Range, sp.Apogee)
	if err != nil {
		return Launch{}, err
	}
	eq := EquivalentRange(arc.Speed)
	classes := []Class{sp.Class}
	switch {
	case sp.Vehicle != nil:
	case sp.Class == ClassUnknown && profile == ProfilePullUp:
		// A pull-up's range owes much to its glide, so the arc says little
		// about the class: take the smallest that can fly it.
		classes = []Class{SRBM, MRBM, IRBM}
	case sp.Class == ClassUnknown:
		// The vacuum arc ignores boost losses, so a flight near the top of
		// its class may need the next one up.
		classes = nil
		for c := ClassOf(eq); c <= ICBM; c++ {
			classes = append(classes, c)
		}
	case profile != ProfilePullUp && ClassOf(eq) > sp.Class:
		return Launch{}, fmt.Errorf("%w: the figures need a burnout speed of about %.2f km/s (a minimum-energy range of %.0f km, an %v), more than an %v reaches",
			ErrUnreachable, arc.Speed/1e3, float64(eq)/1e3, ClassOf(eq), sp.Class)
	}
	for _, class := range classes {
		veh := VehicleFor(class)
		if sp.Vehicle != nil {
			veh = *sp.Vehicle
			veh.Stages = append([]Stage(nil), sp.Vehicle.Stages...)
		}
		if sp.Beta > 0 {
			veh.Beta = sp.Beta
		}
		l := Launch{Site: sp.Site, Azimuth: aim, Vehicle: veh, Profile: profile, LiftToDrag: sp.LiftToDrag}
		s := &search{l: l, aim: aim, rng: float64(sp.Range), apo: float64(sp.Apogee)}
		if l, err = s.run(); err == nil || !errors.Is(err, ErrUnreachable) {
			return l, err
		}
		// Out of reach: try the next larger class, if any.
	}
	return Launch{}, err
}

// search is the state of one [Solve]: nested one-dimensional root finds,
// cutoff for the apogee inside pitch for the range, inside a secant
// iteration on the launch azimuth for the impact direction.
type search struct {
	l        Launch
	aim      geo.Degrees
	rng, apo float64 // targets, m
	flights  int
}

// outcome is what one flight gave.
type outcome struct {
	down, apo float64     // signed downrange along the aim azimuth and apogee, m
	az        geo.Degrees // impact azimuth
	ok        bool        // burnout and impact happened
}

func (s *search) fly(pitch, cut float64) (outcome, error) {
	s.flights++
	l := s.l
	l.Pitch = geo.Degrees(pitch)
	l.Cutoff = cut
	tr, err := l.Fly(Options{Sample: -1})
	if err != nil {
		return outcome{}, err
	}
	if tr.Burnout == nil || tr.Impact == nil {
		return outcome{apo: float64(tr.MaxAltitude())}, nil
	}
	d, az, _ := geo.Inverse(s.l.Site, tr.Impact.LLA)
	down := float64(d) * math.Cos(float64((az - s.aim).Radians()))
	return outcome{down: down, apo: float64(tr.MaxAltitude()), az: az, ok: true}, nil
}

// Inner-search failures: no cutoff in (0, 1] gives the apogee at a pitch.
var (
	errApogeeTooHigh = errors.New("apogee above a full burn at this pitch")
	errApogeeTooLow  = errors.New("apogee below the shortest burn")
)

// minCutoff is the shortest last-stage burn fraction the search tries.
const minCutoff = 0.02

// cutoffFor finds the cutoff in (0, 1] at which the flight at pitch has
// the target apogee, and returns that flight. It fails with
// errApogeeTooHigh if even a full burn stays below the apogee (returning
// that flight), and with errApogeeTooLow if the shortest burn overshoots.
func (s *search) cutoffFor(pitch, guess float64) (float64, outcome, error) {
	b := 1.0
	ob, err := s.fly(pitch, b)
	if err != nil {
		return 0, outcome{}, err
	}
	if ob.apo < s.apo || !ob.ok {
		return 0, ob, errApogeeTooHigh
	}
	a, oa, haveA := minCutoff, outcome{}, false
	if guess > minCutoff && guess < 1 {
		o, err := s.fly(pitch, guess)
		if err != nil {
			return 0, outcome{}, err
		}
		if o.apo >= s.apo {
			b, ob = guess, o
		} else {
			a, oa, haveA = guess, o, true
		}
	}
	if !haveA {
		if oa, err = s.fly(pitch, a); err != nil {
			return 0, outcome{}, err
		}
		if oa.apo >= s.apo {
			return 0, oa, errApogeeTooLow
		}
	}
	fa, fb := oa.apo-s.apo, ob.apo-s.apo
	side := 0
	for range 60 {
		if math.Abs(fb) <= solveApogeeTol/4*s.apo && ob.ok {
			return b, ob, nil
		}
		if b-a < 1e-10 {
			break
		}
		c := (a*fb - b*fa) / (fb - fa)
		if !(c > a && c < b) {
			c = 0.5 * (a + b)
		}
		o, err := s.fly(pitch, c)
		if err != nil {
			return 0, outcome{}, err
		}
		if fc := o.apo - s.apo; fc < 0 {
			a, fa = c, fc
			if side == -1 {
				fb /= 2
			}
			side = -1
		} else {
			b, fb, ob = c, fc, o
			if side == 1 {
				fa /= 2
			}
			side = 1
		}
	}
	return b, ob, nil
}

// pitchScan is the grid of final pitches, from lofted to depressed, that
// brackets the range on the first pass.
var pitchScan = []float64{89.9, 89.5, 88.5, 87, 85, 82, 78, 73, 67, 60, 52, 44, 36, 28, 20, 13, 7, 3}

// run finds the launch: the pitch and cutoff for the current azimuth, then
// the azimuth corrected by the impact's azimuth error, until it settles.
func (s *search) run() (Launch, error) {
	warm := 0.0
	// The impact azimuth error responds to the launch azimuth with a gain
	// below one when Earth rotation drifts the impact sideways (lofted
	// flights), so the azimuth is updated by the secant method.
	var prevAz, prevErr float64
	havePrev := false
	for range 12 {
		pitch, cut, o, err := s.solvePitch(warm)
		if err != nil {
			return Launch{}, err
		}
		warm = pitch
		az := float64(s.l.Azimuth)
		daz := float64(geo.NormalizeLon(o.az - s.aim))
		if math.Abs(daz) > solveAzimuthTol {
			next := az - daz
			if havePrev && daz != prevErr {
				if g := (daz - prevErr) / float64(geo.NormalizeLon(geo.Degrees(az-prevAz))); g > 0.05 {
					next = az - daz/g
				}
			}
			prevAz, prevErr, havePrev = az, daz, true
			s.l.Azimuth = geo.NormalizeLon(geo.Degrees(next))
			continue
		}
		if e := math.Abs(o.down/s.rng - 1); e > solveRangeTol {
			return Launch{}, fmt.Errorf("%w: range off by %.2f %% after %d flights", ErrNoSolution, 100*e, s.flights)
		}
		if e := math.Abs(o.apo/s.apo - 1); e > solveApogeeTol {
			return Launch{}, fmt.Errorf("%w: apogee off by %.2f %% after %d flights", ErrNoSolution, 100*e, s.flights)
		}
		l := s.l
		l.Pitch, l.Cutoff = geo.Degrees(pitch), cut
		return l, nil
	}
	return Launch{}, fmt.Errorf("%w: impact azimuth did not settle after %d flights", ErrNoSolution, s.flights)
}

// point is one evaluated pitch of the outer search.
type point struct {
	pitch, cut, f float64 // f = downrange − target
	o             outcome
}

// at evaluates a pitch: its cutoff for the apogee, and its downrange error.
func (s *search) at(pitch, guess float64) (point, error) {
	c, o, err := s.cutoffFor(pitch, guess)
	if err != nil {
		return point{pitch: pitch, o: o}, err
	}
	return point{pitch: pitch, cut: c, f: o.down - s.rng, o: o}, nil
}

// solvePitch finds the pitch (and its cutoff and flight) at which the
// flight with the target apogee reaches the target downrange. Without a
// warm start it scans pitchScan from lofted to flat for a sign change;
// with one it brackets around the warm pitch.
func (s *search) solvePitch(warm float64) (float64, float64, outcome, error) {
	if warm > 0 {
		if pt, err := s.at(warm, 0.5); err == nil {
			step := 0.05 * math.Max(0.01, 90-warm)
			for range 12 {
				// Downrange grows as the pitch falls.
				q := pt.pitch - math.Copysign(step, -pt.f)
				q = math.Max(0.5, math.Min(89.99, q))
				qt, err := s.at(q, pt.cut)
				if err != nil {
					break
				}
				if (qt.f >= 0) != (pt.f >= 0) {
					if pt.f < 0 {
						return s.refinePitch(pt, qt)
					}
					return s.refinePitch(qt, pt)
				}
				pt = qt
				step *= 2
			}
		}
	}
	var short point
	have := false
	guess := 0.5
	maxDown, maxApo, minApo := 0.0, 0.0, math.Inf(1)
	for _, p := range pitchScan {
		pt, err := s.at(p, guess)
		switch {
		case errors.Is(err, errApogeeTooLow):
			// Too lofted to stay as low as the apogee: fly flatter.
			minApo = min(minApo, pt.o.apo)
			continue
		case errors.Is(err, errApogeeTooHigh):
			// Out of reach at this pitch. Before any pitch has reached it,
			// flatter ones may still (an eastward launch gains from the
			// Earth's rotation); after, the flight has become too flat.
			maxApo = max(maxApo, pt.o.apo)
			if !have {
				continue
			}
			return 0, 0, outcome{}, fmt.Errorf("%w: at an apogee of %.0f km an %v flies at most about %.0f km", ErrUnreachable, s.apo/1e3, s.l.Vehicle.Class, maxDown/1e3)
		case err != nil:
			return 0, 0, outcome{}, err
		}
		guess = pt.cut
		maxDown = max(maxDown, pt.o.down)
		if pt.f >= 0 {
			if !have {
				return pt.pitch, pt.cut, pt.o, nil // even the most lofted pitch flies far enough
			}
			return s.refinePitch(short, pt)
		}
		short, have = pt, true
	}
	switch {
	case !have && maxApo > 0:
		return 0, 0, outcome{}, fmt.Errorf("%w: an %v reaches an apogee of at most about %.0f km", ErrUnreachable, s.l.Vehicle.Class, maxApo/1e3)
	case !have:
		return 0, 0, outcome{}, fmt.Errorf("%w: the shortest %v burn already climbs to %.0f km", ErrUnreachable, s.l.Vehicle.Class, minApo/1e3)
	}
	return 0, 0, outcome{}, fmt.Errorf("%w: at an apogee of %.0f km an %v flies at most about %.0f km", ErrUnreachable, s.apo/1e3, s.l.Vehicle.Class, maxDown/1e3)
}

// refinePitch narrows a bracket of pitch, a falling short and b flying
// long, by the Illinois method until the downrange meets the target.
func (s *search) refinePitch(a, b point) (float64, float64, outcome, error) {
	side := 0
	fa, fb := a.f, b.f
	for range 60 {
		if math.Abs(a.f) <= solveRangeTol/4*s.rng {
			return a.pitch, a.cut, a.o, nil
		}
		if math.Abs(b.f) <= solveRangeTol/4*s.rng {
			return b.pitch, b.cut, b.o, nil
		}
		if math.Abs(a.pitch-b.pitch) < 1e-8 {
			break
		}
		p := (a.pitch*fb - b.pitch*fa) / (fb - fa)
		if !(p > min(a.pitch, b.pitch) && p < max(a.pitch, b.pitch)) {
			p = 0.5 * (a.pitch + b.pitch)
		}
		pt, err := s.at(p, 0.5*(a.cut+b.cut))
		switch {
		case errors.Is(err, errApogeeTooHigh):
			// Too flat to reach the apogee: it replaces the long end.
			pt.f, pt.cut = s.rng, 1
		case errors.Is(err, errApogeeTooLow):
			// Too lofted to stay as low: it replaces the short end.
			pt.f, pt.cut = -s.rng, minCutoff
		case err != nil:
			return 0, 0, outcome{}, err
		}
		if pt.f < 0 {
			a, fa = pt, pt.f
			if side == -1 {
				fb /= 2
			}
			side = -1
		} else {
			b, fb = pt, pt.f
			if side == 1 {
				fa /= 2
			}
			side = 1
		}
	}
	return 0, 0, outcome{}, fmt.Errorf("%w: pitch search did not converge after %d flights", ErrNoSolution, s.flights)
}
