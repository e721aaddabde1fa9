package ballistic_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// The minimum-energy table of research/tracking.md §3.6 (measured there
// with an independent Python implementation).
func TestMinimumEnergyArcMatchesTable(t *testing.T) {
	for _, tt := range []struct {
		rangeKm, speedKmS, gammaDeg, apogeeKm, minutes float64
	}{
		{300, 1.70, 44.3, 74, 4.2},
		{1000, 3.02, 42.8, 240, 7.9},
		{2000, 4.11, 40.5, 459, 11.7},
		{3000, 4.86, 38.3, 655, 14.9},
		{5500, 6.08, 32.6, 1041, 21.9},
		{10000, 7.20, 22.5, 1319, 32.2},
	} {
		t.Run(fmt.Sprintf("%.0fkm", tt.rangeKm), func(t *testing.T) {
			a := ballistic.MinimumEnergyArc(geo.Meters(tt.rangeKm * 1e3))
			check(t, "speed km/s", a.Speed/1e3, tt.speedKmS, 0.0051)
			check(t, "gamma deg", float64(a.Gamma), tt.gammaDeg, 0.051)
			check(t, "apogee km", float64(a.Apogee)/1e3, tt.apogeeKm, 0.51)
			check(t, "time min", a.Time.Minutes(), tt.minutes, 0.051)
			check(t, "range km", float64(a.Range)/1e3, tt.rangeKm, 1e-9)
		})
	}
}

func TestArcFor(t *testing.T) {
	// tracking.md §3.6: (1,000 km, 4,500 km apogee) flies 3,032.2 s, both
	// in closed form and integrated.
	a, err := ballistic.ArcFor(1000e3, 4500e3)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "lofted flight time s", a.Time.Seconds(), 3032.2, 0.06)
	// The minimum-energy apogee gives back the minimum-energy arc.
	for _, r := range []geo.Meters{300e3, 2000e3, 9000e3} {
		m := ballistic.MinimumEnergyArc(r)
		b, err := ballistic.ArcFor(r, m.Apogee)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "speed", b.Speed, m.Speed, 1e-6*m.Speed)
		check(t, "gamma", float64(b.Gamma), float64(m.Gamma), 1e-5)
		check(t, "time s", b.Time.Seconds(), m.Time.Seconds(), 1e-3)
	}
	for _, bad := range [][2]geo.Meters{{0, 100e3}, {100e3, -1}, {geo.Meters(math.NaN()), 1}} {
		if _, err := ballistic.ArcFor(bad[0], bad[1]); err == nil {
			t.Errorf("ArcFor(%v, %v) succeeded, want an error", bad[0], bad[1])
		}
	}
}

func TestEquivalentRange(t *testing.T) {
	for _, r := range []geo.Meters{200e3, 1000e3, 5000e3, 12000e3} {
		got := ballistic.EquivalentRange(ballistic.MinimumEnergyArc(r).Speed)
		check(t, "equivalent range m", float64(got), float64(r), 1e-3)
	}
	if got := ballistic.EquivalentRange(7910); !math.IsInf(float64(got), 1) {
		t.Errorf("EquivalentRange(orbital speed) = %v, want +Inf", got)
	}
	// tracking.md §3.6: 2017-11-29 implies about 7.2 km/s, an equivalent
	// minimum-energy range of about 10,000 km.
	a, _ := ballistic.ArcFor(950e3, 4475e3)
	check(t, "2017-11-29 speed km/s", a.Speed/1e3, 7.2, 0.05)
	if c := ballistic.ClassOf(ballistic.EquivalentRange(a.Speed)); c != ballistic.ICBM {
		t.Errorf("class of 2017-11-29 = %v, want ICBM", c)
	}
}

func TestKeplerClosesOrbit(t *testing.T) {
	// An elliptic orbit (perigee 300 km, apogee 3,000 km) returns to its
	// start after one period, and energy and angular momentum hold.
	const mu = geo.GM
	rp, ra := float64(geo.A)+300e3, float64(geo.A)+3000e3
	a := (rp + ra) / 2
	vp := math.Sqrt(mu * (2/rp - 1/a))
	s := ballistic.State{R: r3.Vec{X: rp}, V: r3.Vec{Y: vp * 0.6, Z: vp * 0.8}}
	period := time.Duration(2 * math.Pi * math.Sqrt(a*a*a/mu) * 1e9)
	for _, dt := range []time.Duration{period, -period, period / 3, 2*period + period/7} {
		got, err := ballistic.Kepler(s, dt)
		if err != nil {
			t.Fatal(err)
		}
		e0 := ballistic.SpecificEnergy(ballistic.Model{}, s)
		e1 := ballistic.SpecificEnergy(ballistic.Model{}, got)
		check(t, "energy", e1, e0, 1e-12*math.Abs(e0))
		h0, h1 := r3.Cross(s.R, s.V), r3.Cross(got.R, got.V)
		check(t, "angular momentum", r3.Norm(r3.Sub(h1, h0)), 0, 1e-9*r3.Norm(h0))
		back, err := ballistic.Kepler(got, -dt)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "round trip m", r3.Norm(r3.Sub(back.R, s.R)), 0, 1e-4)
	}
	got, _ := ballistic.Kepler(s, period)
	check(t, "one period m", r3.Norm(r3.Sub(got.R, s.R)), 0, 1e-3)
	if _, err := ballistic.Kepler(ballistic.State{R: r3.Vec{X: math.NaN()}}, time.Minute); err == nil {
		t.Error("Kepler of a NaN state succeeded")
	}
}

func TestInertialRoundTrip(t *testing.T) {
	s := newState(geo.LLA{Lat: 40, Lon: 127, Alt: 300e3}, 90, 30, 5000)
	for _, at := range []time.Duration{0, time.Minute, 3 * time.Hour} {
		back := ballistic.EarthFixed(ballistic.Inertial(s, at), at)
		check(t, "position m", r3.Norm(r3.Sub(back.R, s.R)), 0, 1e-6)
		check(t, "velocity m/s", r3.Norm(r3.Sub(back.V, s.V)), 0, 1e-9)
	}
	// At the epoch the frames coincide and the inertial velocity adds ω×r:
	// a point at rest on the equator moves east at ΩA.
	rest := ballistic.State{R: r3.Vec{X: geo.A}}
	in := ballistic.Inertial(rest, 0)
	check(t, "equator speed m/s", in.V.Y, geo.Omega*geo.A, 1e-9)
}

// check fails t if got is farther than tol from want.
func check(tb testing.TB, what string, got, want, tol float64) {
	tb.Helper()
	if !(math.Abs(got-want) <= tol) {
		tb.Errorf("%s = %.10g, want %.10g ± %.3g", what, got, want, tol)
	}
}

// newState returns a state at p moving at speed (m/s) towards azimuth az
// and elevation el (degrees) in p's local frame.
func newState(p geo.LLA, az, el, speed float64) ballistic.State {
	rot := geo.ENUToECEFRotation(p)
	v := geo.AERToENU(geo.Degrees(az), geo.Degrees(el), geo.Meters(speed))
	return ballistic.State{R: p.ECEF().Vec(), V: rot.Apply(v)}
}
