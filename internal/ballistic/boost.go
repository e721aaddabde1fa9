package ballistic

import (
	"math"
	"time"

	"gonum.org/v1/gonum/spatial/r3"
)

// Stage is one rocket stage, described by the public-figure quantities
// that set its thrust history: with constant mass flow the thrust
// acceleration is a(t) = c/(τ − t) with τ = Burn·MassRatio/(MassRatio−1),
// and the stage's ideal velocity gain is Δv = c·ln(MassRatio)
// (Tsiolkovsky; Li and Jilkov, IEEE TAES 46(1), 2010, boost model).
type Stage struct {
	// Burn is the full burn time.
	Burn time.Duration
	// Exhaust is the effective exhaust velocity c = Isp·g0, m/s.
	Exhaust float64
	// MassRatio is the stack's mass at ignition over its mass at burnout.
	MassRatio float64
	// Coast is the unpowered delay between the previous stage's burnout
	// and this stage's ignition.
	Coast time.Duration
}

// tau returns τ = m0/ṁ, the time the stage would take to burn its whole
// ignition mass, in seconds.
func (s Stage) tau() float64 { return secs(s.Burn) * s.MassRatio / (s.MassRatio - 1) }

// DeltaV returns the stage's ideal velocity gain c·ln(MassRatio), m/s.
func (s Stage) DeltaV() float64 { return s.Exhaust * math.Log(s.MassRatio) }

// Vehicle is a boost template: stages and steering timings, and the
// ballistic coefficients of the stack and of what flies on after burnout.
type Vehicle struct {
	Class  Class
	Stages []Stage
	// Rise is the vertical rise from liftoff before the pitch program
	// starts; the program then tilts the thrust steadily until PitchEnd
	// (see [Launch.Pitch]).
	Rise time.Duration
	// PitchEnd is the time after liftoff at which the pitch program reaches
	// the final pitch; the thrust holds that elevation until burnout. Zero
	// means the first stage's burnout.
	PitchEnd time.Duration
	// LiftoffBeta is the stack's ballistic coefficient at liftoff, kg/m²;
	// it falls with the mass as propellant burns.
	LiftoffBeta float64
	// Beta is the ballistic coefficient of the body that flies on after
	// burnout (the re-entry vehicle, or the whole missile for a
	// single-stage SRBM), kg/m².
	Beta float64
}

// DeltaV returns the vehicle's ideal velocity gain, the sum of its
// stages', m/s.
func (v Vehicle) DeltaV() float64 {
	var dv float64
	for _, s := range v.Stages {
		dv += s.DeltaV()
	}
	return dv
}

// BurnTime returns the time from liftoff to the last stage's burnout at
// full burn, coasts included.
func (v Vehicle) BurnTime() time.Duration {
	var t time.Duration
	for _, s := range v.Stages {
		t += s.Coast + s.Burn
	}
	return t
}

// VehicleFor returns the boost template of a class; ClassUnknown gives the
// ICBM's. The templates are notional missiles shaped on public figures,
// not any real missile's data: burn times follow press and open-literature
// estimates for the named families [memory, as research/tracking.md tags
// such figures], exhaust velocities are typical of their propellants, and
// the mass ratios were chosen so that each class reaches a little beyond
// its upper range bound and the solver reproduces reported flight times
// (see the tests). Re-entry β values lie in the 1,000–10,000 kg/m² range
// of tracking.md §3.5.
func VehicleFor(c Class) Vehicle {
	switch c {
	case SRBM:
		// Scud-B burns about 62 s, solid KN-23/Iskander-like SRBMs 60–80 s.
		// c = 2,600 m/s (Isp ≈ 265 s), ideal Δv 3.9 km/s: at most about
		// 1,140 km.
		return Vehicle{
			Class:       SRBM,
			Stages:      []Stage{{Burn: 70 * time.Second, Exhaust: 2600, MassRatio: 4.5}},
			Rise:        4 * time.Second,
			PitchEnd:    28 * time.Second,
			LiftoffBeta: 20000,
			Beta:        5000,
		}
	case MRBM:
		// Nodong-like, about 110 s; ideal Δv 5.8 km/s: at most about
		// 3,450 km.
		return Vehicle{
			Class:       MRBM,
			Stages:      []Stage{{Burn: 110 * time.Second, Exhaust: 3000, MassRatio: 7}},
			Rise:        6 * time.Second,
			PitchEnd:    44 * time.Second,
			LiftoffBeta: 30000,
			Beta:        5000,
		}
	case IRBM:
		// Hwasong-12-like single stage. Estimates of 240 s cannot fly the
		// reported figures in this model: a stage burning 240 s at
		// c ≈ 3 km/s lifts off at a thrust-to-weight below about 1.3 whatever
		// its mass ratio, and its gravity losses then cap it at about
		// 3,400 km at a 1,000 km apogee (measured with the pitch program
		// ending at 30–70 % of the burn). 160 s (T/W 1.8, ideal Δv 7.0 km/s, at most
		// about 5,970 km) reproduces 2022-10-04: 22.9 min against the
		// reported 22, over Aomori 6.6–7.3 min after launch.
		return Vehicle{
			Class:       IRBM,
			Stages:      []Stage{{Burn: 160 * time.Second, Exhaust: 3200, MassRatio: 9}},
			Rise:        8 * time.Second,
			PitchEnd:    64 * time.Second,
			LiftoffBeta: 40000,
			Beta:        6000,
		}
	}
	// Hwasong-15/17-like two stages, 150 + 2 + 170 = 322 s of the 300–330 s
	// public estimates; ideal Δv 10.1 km/s. Lofted flights solved with it:
	// 2022-11-18 69.3 min (reported 69), 2017-11-29 53.9 min (53),
	// 2023-07-12 76.1 min (74).
	return Vehicle{
		Class: ICBM,
		Stages: []Stage{
			{Burn: 150 * time.Second, Exhaust: 3000, MassRatio: 4.3},
			{Burn: 170 * time.Second, Exhaust: 3200, MassRatio: 6.0, Coast: 2 * time.Second},
		},
		Rise:        10 * time.Second,
		PitchEnd:    75 * time.Second,
		LiftoffBeta: 50000,
		Beta:        8000,
	}
}

// burnPhase is the thrust of one stage; with c = 0 it only carries the
// stack's drag coefficient through a coast between stages.
//
// Steering is a pitch program (Li and Jilkov 2010 list it beside the
// gravity turn): vertical until tRise, then the thrust elevation above the
// local horizontal falls linearly from 90° to the final pitch at tProg
// ([Vehicle.PitchEnd]) and holds there. The thrust stays in the
// launch plane, the plane through the Earth's centre that contains the
// launch site's vertical and the launch azimuth.
type burnPhase struct {
	c, tau, tIgn float64 // exhaust velocity, τ and ignition time of the stage
	alpha0       float64 // 1/β of the stack at the stage's ignition
	fwd          r3.Vec  // launch azimuth's horizontal unit vector at the site
	pitch        float64 // final thrust elevation, radians
	tRise, tProg float64 // end of the vertical rise and of the pitch ramp
}

// accel returns the thrust acceleration at time t and the stack's drag
// coefficient 1/β, which grows as the mass falls (constant drag area).
func (b *burnPhase) accel(t float64, r, v r3.Vec) (r3.Vec, float64) {
	left := b.tau - (t - b.tIgn) // m(t)/ṁ
	a := b.c / left
	alpha := b.alpha0 * b.tau / left
	el := b.pitch
	switch {
	case t <= b.tRise:
		el = math.Pi / 2
	case t < b.tProg:
		el = math.Pi/2 - (math.Pi/2-b.pitch)*(t-b.tRise)/(b.tProg-b.tRise)
	}
	// Local vertical (geocentric) and the launch plane's horizontal.
	u := r3.Scale(1/math.Sqrt(r3.Dot(r, r)), r)
	h := r3.Sub(b.fwd, r3.Scale(r3.Dot(b.fwd, u), u))
	if hn := r3.Norm(h); hn > 1e-12 {
		h = r3.Scale(1/hn, h)
	}
	s, c := math.Sincos(el)
	return r3.Scale(a, r3.Add(r3.Scale(c, h), r3.Scale(s, u))), alpha
}
