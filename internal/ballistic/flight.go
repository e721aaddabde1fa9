package ballistic

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
)

// Launch is a fully specified launch: where, which way, which vehicle and
// how it is steered. [Solve] finds one from reported figures; [Launch.Fly]
// flies it.
type Launch struct {
	// Site is the launch point; the vehicle starts at rest on the rotating
	// Earth at Site's height.
	Site geo.LLA
	// Azimuth is the direction of the launch plane, degrees clockwise from
	// north. Earth rotation bends the flight away from it a little.
	Azimuth geo.Degrees
	// Vehicle is the boost template; see [VehicleFor].
	Vehicle Vehicle
	// Pitch is the final thrust elevation above the local horizontal,
	// degrees in (0, 90]: the pitch program tilts the thrust linearly from
	// the vertical (after Vehicle.Rise) to Pitch at Vehicle.PitchEnd and
	// holds it until burnout. Near 90° the flight is lofted; well below
	// the minimum-energy flight-path angle it is depressed.
	Pitch geo.Degrees
	// Cutoff is the fraction of the last stage's burn time flown before
	// thrust termination, in (0, 1]; zero means 1 (a full burn).
	Cutoff float64
	// Profile is the flight's shape; ProfileUnknown flies as
	// ProfileBallistic.
	Profile Profile
	// LiftToDrag is the lift-to-drag ratio of a pull-up glide; zero means
	// DefaultLiftToDrag. Other profiles ignore it.
	LiftToDrag float64
}

// validate checks l for [Launch.Fly].
func (l Launch) validate() error {
	if err := l.Site.Valid(); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	v := l.Vehicle
	switch {
	case len(v.Stages) == 0:
		return fmt.Errorf("%w: vehicle has no stages", ErrInvalidState)
	case !(l.Pitch > 0 && l.Pitch <= 90):
		return fmt.Errorf("%w: pitch %v° outside (0, 90]", ErrInvalidState, float64(l.Pitch))
	case !(l.Cutoff >= 0 && l.Cutoff <= 1):
		return fmt.Errorf("%w: cutoff %v outside (0, 1]", ErrInvalidState, l.Cutoff)
	case !finite(float64(l.Azimuth)):
		return fmt.Errorf("%w: azimuth %v", ErrInvalidState, float64(l.Azimuth))
	case !(v.Beta > 0) || !(v.LiftoffBeta > 0) || v.Rise < 0 || v.Rise >= v.Stages[0].Burn ||
		v.PitchEnd != 0 && v.PitchEnd <= v.Rise:
		return fmt.Errorf("%w: vehicle β %v, liftoff β %v, rise %v, pitch end %v",
			ErrInvalidState, v.Beta, v.LiftoffBeta, v.Rise, v.PitchEnd)
	case !(l.LiftToDrag >= 0 && l.LiftToDrag <= 10):
		return fmt.Errorf("%w: lift-to-drag %v outside [0, 10]", ErrInvalidState, l.LiftToDrag)
	}
	for i, s := range v.Stages {
		if !(s.Burn > 0) || !(s.Exhaust > 0) || !(s.MassRatio > 1) || s.Coast < 0 {
			return fmt.Errorf("%w: stage %d: %+v", ErrInvalidState, i+1, s)
		}
	}
	return nil
}

// Fly flies the launch: powered flight stage by stage with thrust and
// steering added to the full force model ([Full] with the stack's β), then
// free flight with the vehicle's β (and, for a pull-up, lift in the
// descent) until impact or opts.Span after launch. The time axis starts
// at liftoff. The trajectory's Burnout is nil if the vehicle hit the
// ground while still powered (a final pitch far too low for the
// vehicle). Fly fails for an
// invalid launch or options (wrapping [ErrInvalidState]) or when
// integration fails.
func (l Launch) Fly(opts Options) (*Trajectory, error) {
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("fly: %w", err)
	}
	o, err := opts.normalized()
	if err != nil {
		return nil, fmt.Errorf("fly: %w", err)
	}
	if o.Span < 0 {
		return nil, fmt.Errorf("fly: %w: negative span %v", ErrInvalidState, o.Span)
	}
	phases := l.burnSchedule()
	model := Full(l.Vehicle.Beta)
	y0 := toVec6(State{R: l.Site.ECEF().Vec()})
	end := secs(o.Span)

	var ru runner
	dyns := make([]dynamics, len(phases)+2)
	for i := range phases {
		dyns[i] = dynamics{m: model, burn: &phases[i].burn}
		if phases[i].burn.c == 0 { // a coast between stages
			dyns[i] = dynamics{m: model, alpha: phases[i].burn.alpha0}
		}
	}
	ru.start(o, 0, y0, &dyns[0])
	for i, ph := range phases {
		stop, err := ru.phase(&dyns[i], min(ph.end, end), false)
		if err != nil {
			return nil, fmt.Errorf("fly: powered flight: %w", err)
		}
		if stop == stopImpact || ru.d.t >= end {
			return ru.finish(), nil
		}
	}
	bo := ru.d.y.state()
	ru.tr.Burnout = &Event{Sample: Sample{T: dur(ru.d.t), State: bo}, LLA: bo.LLA()}

	free := &dyns[len(phases)]
	*free = dynamics{m: model, alpha: model.alpha()}
	stopAtApogee := l.Profile == ProfilePullUp
	stop, err := ru.phase(free, end, stopAtApogee)
	if err != nil {
		return nil, fmt.Errorf("fly: free flight: %w", err)
	}
	if stop == stopApogee {
		ld := l.LiftToDrag
		if ld == 0 {
			ld = DefaultLiftToDrag
		}
		glide := &dyns[len(phases)+1]
		*glide = dynamics{m: model, alpha: model.alpha(), lift: &liftProgram{ld: ld, alpha: model.alpha()}}
		if _, err := ru.phase(glide, end, false); err != nil {
			return nil, fmt.Errorf("fly: glide: %w", err)
		}
	}
	return ru.finish(), nil
}

// scheduled is one interval of powered (or coasting) flight.
type scheduled struct {
	end  float64 // seconds after liftoff
	burn burnPhase
}

// burnSchedule splits the powered flight into intervals without a
// discontinuity of thrust or steering, so that the integrator restarts at
// each one: stage ignitions and burnouts, the end of the vertical rise and
// the end of the pitch ramp.
func (l Launch) burnSchedule() []scheduled {
	v := l.Vehicle
	cut := l.Cutoff
	if cut == 0 {
		cut = 1
	}
	rot := geo.ENUToECEFRotation(l.Site)
	sa, ca := math.Sincos(float64(l.Azimuth.Radians()))
	fwd := rot.Apply(r3.Vec{X: sa, Y: ca})
	tRise := secs(v.Rise)
	tProg := secs(v.Stages[0].Burn)
	if v.PitchEnd > 0 {
		tProg = secs(v.PitchEnd)
	}

	var out []scheduled
	alpha := 1 / v.LiftoffBeta
	t := 0.0
	for i, st := range v.Stages {
		if st.Coast > 0 && i > 0 {
			t += secs(st.Coast)
			out = append(out, scheduled{end: t, burn: burnPhase{alpha0: alpha}})
		}
		burn := secs(st.Burn)
		if i == len(v.Stages)-1 {
			burn *= cut
		}
		tEnd := t + burn
		ph := burnPhase{
			c: st.Exhaust, tau: st.tau(), tIgn: t, alpha0: alpha,
			fwd: fwd, pitch: float64(l.Pitch.Radians()), tRise: tRise, tProg: tProg,
		}
		for _, b := range []float64{tRise, tProg, tEnd} {
			if b > t && b <= tEnd {
				out = append(out, scheduled{end: b, burn: ph})
				t = b
			}
		}
		// The stack's 1/β at the next ignition: the mass fell by the
		// ratio burnt (inert mass is not dropped in this template).
		alpha *= st.tau() / (st.tau() - burn)
		t = tEnd
	}
	return out
}
