package ballistic_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

var (
	sunan    = geo.LLA{Lat: 39.20, Lon: 125.67}
	mupyong  = geo.LLA{Lat: 40.61, Lon: 126.43}
	freeFlts = []struct {
		name  string
		state ballistic.State
		min   time.Duration // the flight must last at least this long
	}{
		// Post-boost states of ICBM-length flights: lofted (≈56 and ≈84 min
		// in vacuum) and a long, flatter arc (≈30 min).
		{"lofted56min", newState(geo.LLA{Lat: 39.2, Lon: 125.67, Alt: 400e3}, 90, 80, 7000), 55 * time.Minute},
		{"lofted84min", newState(geo.LLA{Lat: 39.2, Lon: 125.67, Alt: 800e3}, 100, 85, 7460), 80 * time.Minute},
		{"long30min", newState(geo.LLA{Lat: 40.6, Lon: 126.4, Alt: 300e3}, 60, 25, 7000), 25 * time.Minute},
	}
)

// With J2, rotation and drag off, the integrated free flight must follow
// the closed-form two-body solution to under a metre for the whole flight
// and conserve the specific energy to 1e-9, with the default tolerances.
func TestPropagateMatchesKepler(t *testing.T) {
	for _, tt := range freeFlts {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ballistic.Propagate(ballistic.Model{}, tt.state, 0, ballistic.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Impact == nil || tr.FlightTime() < tt.min {
				t.Fatalf("flight time %v, want an impact after at least %v", tr.FlightTime(), tt.min)
			}
			e0 := ballistic.SpecificEnergy(ballistic.Model{}, tt.state)
			var worstPos, worstE float64
			for _, s := range tr.Samples {
				k, err := ballistic.Kepler(tt.state, s.T)
				if err != nil {
					t.Fatal(err)
				}
				worstPos = max(worstPos, r3.Norm(r3.Sub(k.R, s.R)))
				worstE = max(worstE, math.Abs(ballistic.SpecificEnergy(ballistic.Model{}, s.State)/e0-1))
			}
			if worstPos >= 1 {
				t.Errorf("position differs from Kepler by up to %.3f m, want < 1 m", worstPos)
			}
			if worstE >= 1e-9 {
				t.Errorf("specific energy drifts by %.2g relative, want < 1e-9", worstE)
			}
			t.Logf("%d samples over %v: worst position %.2g m, energy %.2g", len(tr.Samples), tr.FlightTime(), worstPos, worstE)
		})
	}
}

// The Jacobi integral of the rotating frame, with the J2 potential, is a
// constant of the drag-free motion in ECEF.
func TestPropagateConservesJacobiIntegral(t *testing.T) {
	m := ballistic.Model{J2: true, Rotation: true}
	for _, tt := range freeFlts {
		tr, err := ballistic.Propagate(m, tt.state, 0, ballistic.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e0 := ballistic.SpecificEnergy(m, tt.state)
		for _, s := range tr.Samples {
			if rel := math.Abs(ballistic.SpecificEnergy(m, s.State)/e0 - 1); rel >= 1e-9 {
				t.Fatalf("%s: Jacobi integral drifts by %.2g at %v", tt.name, rel, s.T)
			}
		}
	}
}

// keplerImpact finds the impact of the two-body flight from s (ECEF at
// time 0) independently of the integrator and its event logic: the
// inertial Kepler solution, mapped to ECEF (if rotating), scanned for the
// height to go below 0 and bisected to 1 µs.
func keplerImpact(tb testing.TB, s ballistic.State, rotating bool) (time.Duration, ballistic.State) {
	tb.Helper()
	at := func(t time.Duration) ballistic.State {
		in := s
		if rotating {
			in = ballistic.Inertial(s, 0)
		}
		k, err := ballistic.Kepler(in, t)
		if err != nil {
			tb.Fatal(err)
		}
		if rotating {
			k = ballistic.EarthFixed(k, t)
		}
		return k
	}
	lo := time.Duration(0)
	hi := 10 * time.Second
	for at(hi).Altitude() > 0 {
		lo, hi = hi, hi+10*time.Second
		if hi > 5*time.Hour {
			tb.Fatal("reference flight never lands")
		}
	}
	for hi-lo > time.Microsecond {
		mid := (lo + hi) / 2
		if at(mid).Altitude() > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, at(hi)
}

// With rotation on (J2 and drag off), the ECEF propagation with Coriolis
// and centrifugal terms must agree with an inertial two-body propagation
// transformed into the rotating frame, along the whole flight and at the
// impact, which both locate independently.
func TestRotationMatchesInertialReference(t *testing.T) {
	m := ballistic.Model{Rotation: true}
	for _, tt := range freeFlts {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ballistic.Propagate(m, tt.state, 0, ballistic.Options{})
			if err != nil {
				t.Fatal(err)
			}
			in0 := ballistic.Inertial(tt.state, 0)
			var worst float64
			for _, s := range tr.Samples {
				k, err := ballistic.Kepler(in0, s.T)
				if err != nil {
					t.Fatal(err)
				}
				worst = max(worst, r3.Norm(r3.Sub(ballistic.EarthFixed(k, s.T).R, s.R)))
			}
			if worst >= 1 {
				t.Errorf("ECEF and inertial propagations differ by up to %.3f m, want < 1 m", worst)
			}
			ti, si := keplerImpact(t, tt.state, true)
			if d := (tr.Impact.T - ti).Abs(); d >= time.Millisecond {
				t.Errorf("impact at %v, reference %v (off %v, want < 1 ms)", tr.Impact.T, ti, d)
			}
			if d := r3.Norm(r3.Sub(tr.Impact.R, si.R)); d >= 1 {
				t.Errorf("impact point %.3f m from the reference, want < 1 m", d)
			}
		})
	}
}

// Earth rotation deflects a northward shot in the northern hemisphere to
// the east (Coriolis to the right of the motion) and a vertical shot to
// the west; the shift must be the one the inertial reference gives.
func TestRotationShiftsImpact(t *testing.T) {
	site := geo.LLA{Lat: 40, Lon: 127}
	for _, tt := range []struct {
		name      string
		state     ballistic.State
		eastwards bool
	}{
		{"northward3000km", newState(site, 0, 38, 4860), true},
		{"northward1000km", newState(site, 0, 43, 3020), true},
		{"vertical", newState(site, 0, 90, 4000), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			still, err := ballistic.Propagate(ballistic.Model{}, tt.state, 0, ballistic.Options{Sample: -1})
			if err != nil {
				t.Fatal(err)
			}
			turning, err := ballistic.Propagate(ballistic.Model{Rotation: true}, tt.state, 0, ballistic.Options{Sample: -1})
			if err != nil {
				t.Fatal(err)
			}
			shift := geo.ENU(still.Impact.LLA, turning.Impact.LLA.ECEF())
			if (shift.X > 0) != tt.eastwards {
				t.Errorf("impact shifts %.1f km east, want eastwards %v", shift.X/1e3, tt.eastwards)
			}
			_, ref := keplerImpact(t, tt.state, true)
			refShift := geo.ENU(still.Impact.LLA, geo.ECEFFromVec(ref.R))
			if d := r3.Norm(r3.Sub(shift, refShift)); d >= 1 {
				t.Errorf("shift (%.1f, %.1f) km differs from the reference (%.1f, %.1f) km by %.2f m",
					shift.X/1e3, shift.Y/1e3, refShift.X/1e3, refShift.Y/1e3, d)
			}
			t.Logf("rotation moves the impact %.1f km east, %.1f km north", shift.X/1e3, shift.Y/1e3)
		})
	}
}

// Events: the impact lies on the ground and the apogee at the maximum
// height, at the times an independent bisection finds.
func TestEventsAreLocated(t *testing.T) {
	for _, tt := range freeFlts {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ballistic.Propagate(ballistic.Model{}, tt.state, 0, ballistic.Options{Sample: -1})
			if err != nil {
				t.Fatal(err)
			}
			if h := math.Abs(float64(tr.Impact.LLA.Alt)); h >= 1e-2 {
				t.Errorf("impact height %.3g m, want ~0", h)
			}
			ti, si := keplerImpact(t, tt.state, false)
			if d := (tr.Impact.T - ti).Abs(); d >= time.Millisecond {
				t.Errorf("impact at %v, reference %v", tr.Impact.T, ti)
			}
			if d := r3.Norm(r3.Sub(tr.Impact.R, si.R)); d >= 1 {
				t.Errorf("impact %.3f m from the reference", d)
			}
			if tr.End.T != tr.Impact.T || len(tr.Samples) != 2 {
				t.Errorf("end %v, impact %v, %d samples: want the flight to end at the impact with start and end recorded",
					tr.End.T, tr.Impact.T, len(tr.Samples))
			}
			// Apogee: the height rate vanishes there, and no Kepler state
			// a second either side is higher.
			if hd := math.Abs(tr.Apogee.HeightRate()); hd >= 1e-4 {
				t.Errorf("height rate at apogee %.3g m/s, want 0", hd)
			}
			for _, dt := range []time.Duration{-time.Second, -time.Millisecond, time.Millisecond, time.Second} {
				k, err := ballistic.Kepler(tt.state, tr.Apogee.T+dt)
				if err != nil {
					t.Fatal(err)
				}
				if k.Altitude() > tr.Apogee.LLA.Alt+1e-3 {
					t.Errorf("height %v at apogee%+v above the apogee %v", k.Altitude(), dt, tr.Apogee.LLA.Alt)
				}
			}
		})
	}
}

// Drag shortens the flight, less so for denser bodies; J2 moves the
// impact by kilometres, not hundreds.
func TestDragAndJ2(t *testing.T) {
	s := newState(geo.LLA{Lat: 39, Lon: 126, Alt: 100e3}, 90, 40, 3000)
	vac, err := ballistic.Propagate(ballistic.Model{Rotation: true, J2: true}, s, 0, ballistic.Options{Sample: -1})
	if err != nil {
		t.Fatal(err)
	}
	prevShort := math.Inf(1)
	for _, beta := range []float64{500, 2000, 8000, 30000} {
		tr, err := ballistic.Propagate(ballistic.Full(beta), s, 0, ballistic.Options{Sample: -1})
		if err != nil {
			t.Fatal(err)
		}
		short := float64(vac.Range() - tr.Range())
		if !(short > 0 && short < prevShort) {
			t.Errorf("β %v: %.2f km short of vacuum, want positive and below %.2f km", beta, short/1e3, prevShort/1e3)
		}
		if v, v0 := r3.Norm(tr.Impact.V), r3.Norm(vac.Impact.V); !(v < v0) {
			t.Errorf("β %v: impact speed %.0f m/s, not below vacuum %.0f", beta, v, v0)
		}
		prevShort = short
	}
	noJ2, err := ballistic.Propagate(ballistic.Model{Rotation: true}, s, 0, ballistic.Options{Sample: -1})
	if err != nil {
		t.Fatal(err)
	}
	d, _, _ := geo.Inverse(noJ2.Impact.LLA, vac.Impact.LLA)
	if d < 100 || d > 50e3 {
		t.Errorf("J2 moves the impact by %.1f km, want between 0.1 and 50", float64(d)/1e3)
	}
}

func TestPropagateToAgreesWithPropagate(t *testing.T) {
	m := ballistic.Full(4000)
	s := freeFlts[2].state
	tr, err := ballistic.Propagate(m, s, 0, ballistic.Options{Sample: 10 * time.Second, Span: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// Step through the samples one interval at a time, as a filter does.
	cur := s
	for _, smp := range tr.Samples[1:] {
		cur, err = ballistic.PropagateTo(m, cur, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if d := r3.Norm(r3.Sub(cur.R, smp.R)); d >= 1e-3 {
			t.Fatalf("at %v: PropagateTo is %.3g m from Propagate", smp.T, d)
		}
	}
	// And back again.
	back, err := ballistic.PropagateTo(m, cur, -10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "back to start m", r3.Norm(r3.Sub(back.R, s.R)), 0, 1e-3)
	same, err := ballistic.PropagateTo(m, s, 0)
	if err != nil || same != s {
		t.Errorf("PropagateTo(0) = %v, %v; want the state itself", same, err)
	}
	if _, err := ballistic.PropagateTo(m, ballistic.State{R: r3.Vec{X: math.NaN()}}, time.Second); !errors.Is(err, ballistic.ErrStepSize) {
		t.Errorf("PropagateTo(NaN) error %v, want ErrStepSize", err)
	}
}

func TestPropagateToDoesNotAllocate(t *testing.T) {
	m := ballistic.Full(4000)
	s := freeFlts[0].state
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ballistic.PropagateTo(m, s, time.Second); err != nil {
			t.Fatal(err)
		}
		_ = ballistic.Step(m, s, time.Second)
	})
	if allocs != 0 {
		t.Errorf("PropagateTo and Step allocate %v times per call, want 0", allocs)
	}
}

func TestStepIsFifthOrder(t *testing.T) {
	s := freeFlts[0].state
	var errs []float64
	for _, h := range []time.Duration{80 * time.Second, 40 * time.Second, 20 * time.Second} {
		k, _ := ballistic.Kepler(s, h)
		got := ballistic.Step(ballistic.Model{}, s, h)
		errs = append(errs, r3.Norm(r3.Sub(got.R, k.R)))
	}
	// A local error of order 6 falls 64-fold per halving; allow for the
	// leading terms being not yet asymptotic.
	for i := 1; i < len(errs); i++ {
		if ratio := errs[i-1] / errs[i]; ratio < 40 {
			t.Errorf("error ratio %.1f between steps %d and %d, want ≈64 (errors %v)", ratio, i-1, i, errs)
		}
	}
	if errs[2] > 1e-3 {
		t.Errorf("one 20 s step is %.3g m off, want < 1 mm", errs[2])
	}
	t.Logf("one-step errors for 80, 40, 20 s: %.3g m", errs)
}

// Backwards propagation with a negative span finds the ground behind the
// state: back-propagating the late part of a flight lands at its start.
func TestPropagateBackwards(t *testing.T) {
	s := freeFlts[2].state
	fwd, err := ballistic.Propagate(ballistic.Model{Rotation: true, J2: true}, s, 0, ballistic.Options{Span: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// Start at the ground... of the forward flight's launch-side extension:
	// from 10 min in, going back, the flight passes the start and lands.
	back, err := ballistic.Propagate(ballistic.Model{Rotation: true, J2: true}, fwd.End.State, fwd.End.T, ballistic.Options{Span: -time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if back.Impact == nil || back.Impact.T >= 0 {
		t.Fatalf("backward impact %+v, want one before t=0", back.Impact)
	}
	if back.Samples[1].T != fwd.End.T-time.Second {
		t.Errorf("second backward sample at %v, want %v", back.Samples[1].T, fwd.End.T-time.Second)
	}
	at0, ok := back.At(0)
	if !ok {
		t.Fatal("At(0) outside the backward samples")
	}
	check(t, "state at t=0 m", r3.Norm(r3.Sub(at0.R, s.R)), 0, 1e-2)
	if h := math.Abs(float64(back.Impact.LLA.Alt)); h > 1e-2 {
		t.Errorf("backward impact height %.3g m", h)
	}
}

func TestTrajectoryAt(t *testing.T) {
	s := freeFlts[2].state
	tr, err := ballistic.Propagate(ballistic.Model{}, s, 0, ballistic.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{0, 1500 * time.Millisecond, 7*time.Minute + 123*time.Millisecond, tr.End.T} {
		got, ok := tr.At(at)
		if !ok {
			t.Fatalf("At(%v) not found", at)
		}
		k, _ := ballistic.Kepler(s, at)
		check(t, "interpolated position m", r3.Norm(r3.Sub(got.R, k.R)), 0, 0.05)
		check(t, "interpolated velocity m/s", r3.Norm(r3.Sub(got.V, k.V)), 0, 1e-3)
	}
	for _, at := range []time.Duration{-time.Second, tr.End.T + time.Second} {
		if _, ok := tr.At(at); ok {
			t.Errorf("At(%v) found a state outside the flight", at)
		}
	}
	if n := len(tr.GroundTrack()); n != len(tr.Samples) {
		t.Errorf("ground track has %d points for %d samples", n, len(tr.Samples))
	}
}

func TestPropagateRejectsBadInput(t *testing.T) {
	good := freeFlts[0].state
	for _, tt := range []struct {
		name string
		s    ballistic.State
		o    ballistic.Options
	}{
		{"nanState", ballistic.State{R: r3.Vec{X: math.NaN()}}, ballistic.Options{}},
		{"infVelocity", ballistic.State{R: good.R, V: r3.Vec{Z: math.Inf(1)}}, ballistic.Options{}},
		{"negativeRelTol", good, ballistic.Options{RelTol: -1}},
		{"hugeRelTol", good, ballistic.Options{RelTol: 2}},
		{"nanGround", good, ballistic.Options{Ground: geo.Meters(math.NaN())}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ballistic.Propagate(ballistic.Model{}, tt.s, 0, tt.o); !errors.Is(err, ballistic.ErrInvalidState) {
				t.Errorf("error %v, want ErrInvalidState", err)
			}
		})
	}
}

// A span without impact ends there with no impact; an orbit never lands.
func TestPropagateSpanAndOrbit(t *testing.T) {
	orbit := newState(geo.LLA{Alt: 500e3}, 90, 0, math.Sqrt(geo.GM/(geo.A+500e3)))
	tr, err := ballistic.Propagate(ballistic.Model{}, orbit, time.Hour, ballistic.Options{Span: 3 * time.Hour, Sample: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Impact != nil || tr.End.T != 4*time.Hour || tr.Start.T != time.Hour {
		t.Errorf("orbit: impact %v, start %v, end %v; want none, 1h, 4h", tr.Impact, tr.Start.T, tr.End.T)
	}
	if got := len(tr.Samples); got != 181 {
		t.Errorf("%d samples, want 181 (every minute for 3 h, both ends)", got)
	}
	if tr.FlightTime() != 0 || tr.Range() != 0 {
		t.Errorf("flight time %v, range %v without impact; want 0", tr.FlightTime(), tr.Range())
	}
}
