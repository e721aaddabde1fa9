package ballistic

import (
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
)

// Sample is a state at a time on a trajectory's time axis.
type Sample struct {
	// T is the time since the axis origin: the launch for [Launch.Fly], the
	// t0 given to [Propagate] otherwise.
	T time.Duration
	State
}

// Event is a located point of a trajectory: burnout, apogee or impact.
type Event struct {
	Sample
	LLA geo.LLA // geodetic position of the event
}

// Trajectory is the result of a propagation or a flight.
type Trajectory struct {
	// Samples are the recorded states in the order they were integrated:
	// the start, then one every [Options.Sample] on the time axis (at
	// whole multiples of it from the start), then the end (the impact,
	// when there is one). With sampling off, only the start and the end.
	Samples []Sample
	// Burnout is the end of powered flight; nil for a free flight, or if
	// the vehicle hit the ground while still powered.
	Burnout *Event
	// Apogee is the highest local maximum of the height above the ellipsoid
	// met on the way; nil if the height never passed through a maximum.
	Apogee *Event
	// Impact is where the height fell to [Options.Ground]; nil if it did
	// not within the propagation span.
	Impact *Event
	// End is the last state reached: the impact state, or the state at the
	// end of the span.
	End Sample
	// Start is the first state.
	Start Sample
}

// FlightTime returns the time from the start of the trajectory to the
// impact, or 0 if there was no impact.
func (tr *Trajectory) FlightTime() time.Duration {
	if tr.Impact == nil {
		return 0
	}
	return tr.Impact.T - tr.Start.T
}

// Range returns the geodesic distance on the ellipsoid from the start's
// sub-point to the impact point, or 0 if there was no impact.
func (tr *Trajectory) Range() geo.Meters {
	if tr.Impact == nil {
		return 0
	}
	d, _, _ := geo.Inverse(tr.Start.LLA(), tr.Impact.LLA)
	return d
}

// ImpactAzimuth returns the initial geodesic azimuth from the start's
// sub-point to the impact point, or NaN without an impact.
func (tr *Trajectory) ImpactAzimuth() geo.Degrees {
	if tr.Impact == nil {
		return geo.Degrees(math.NaN())
	}
	_, az, _ := geo.Inverse(tr.Start.LLA(), tr.Impact.LLA)
	return az
}

// MaxAltitude returns the apogee height, or the highest of the start and
// end heights if there was no apogee.
func (tr *Trajectory) MaxAltitude() geo.Meters {
	if tr.Apogee != nil {
		return tr.Apogee.LLA.Alt
	}
	return max(tr.Start.Altitude(), tr.End.Altitude())
}

// At returns the state at time t by cubic Hermite interpolation between the
// two recorded samples around it (position and velocity from position and
// velocity at both ends), and false if t is outside the samples. With the
// default one-second sampling the interpolation error is a few millimetres
// in free flight.
func (tr *Trajectory) At(t time.Duration) (State, bool) {
	n := len(tr.Samples)
	if n == 0 {
		return State{}, false
	}
	asc := n == 1 || tr.Samples[n-1].T >= tr.Samples[0].T
	i := sort.Search(n, func(i int) bool {
		if asc {
			return tr.Samples[i].T >= t
		}
		return tr.Samples[i].T <= t
	})
	switch {
	case i == n:
		return State{}, false
	case tr.Samples[i].T == t:
		return tr.Samples[i].State, true
	case i == 0:
		return State{}, false
	}
	a, b := tr.Samples[i-1], tr.Samples[i]
	h := (b.T - a.T).Seconds()
	s := (t - a.T).Seconds() / h
	return hermite(a.State, b.State, h, s), true
}

// hermite interpolates position (cubic) and velocity (its derivative) at
// fraction s of an interval of length h seconds.
func hermite(a, b State, h, s float64) State {
	s2, s3 := s*s, s*s*s
	h00 := 2*s3 - 3*s2 + 1
	h10 := s3 - 2*s2 + s
	h01 := -2*s3 + 3*s2
	h11 := s3 - s2
	r := comb(a.R, h00, a.V, h10*h, b.R, h01, b.V, h11*h)
	// d/dt = (1/h) d/ds
	d00 := (6*s2 - 6*s) / h
	d10 := 3*s2 - 4*s + 1
	d01 := (-6*s2 + 6*s) / h
	d11 := 3*s2 - 2*s
	v := comb(a.R, d00, a.V, d10, b.R, d01, b.V, d11)
	return State{R: r, V: v}
}

// GroundTrack returns the sub-vehicle points (geodetic latitude and
// longitude, with the height of the vehicle) of the samples.
func (tr *Trajectory) GroundTrack() []geo.LLA {
	out := make([]geo.LLA, len(tr.Samples))
	for i, s := range tr.Samples {
		out[i] = s.LLA()
	}
	return out
}

// SpecificEnergy returns the energy per unit mass of s in J/kg under the
// conservative part of m: ½|v|² plus the gravitational potential
// −GM/r·(1 − J2·(a/r)²·(3z²/r² − 1)/2) (the J2 part only with m.J2), minus
// the centrifugal potential ½Ω²(x²+y²) with m.Rotation (the Jacobi
// integral of the rotating frame). Without drag or thrust it is a constant
// of the motion, which the tests use to check the integrator.
func SpecificEnergy(m Model, s State) float64 {
	r2 := r3.Dot(s.R, s.R)
	r := math.Sqrt(r2)
	e := 0.5*r3.Dot(s.V, s.V) - geo.GM/r
	if m.J2 {
		e += geo.GM / r * geo.J2 * geo.A * geo.A / r2 * (3*s.R.Z*s.R.Z/r2 - 1) / 2
	}
	if m.Rotation {
		e -= 0.5 * geo.Omega * geo.Omega * (s.R.X*s.R.X + s.R.Y*s.R.Y)
	}
	return e
}

// secs and dur convert between time.Duration and float seconds.
func secs(d time.Duration) float64 { return d.Seconds() }

func dur(t float64) time.Duration { return time.Duration(math.Round(t * 1e9)) }

// comb returns the linear combination ka·a + kb·b + kc·c + kd·d.
func comb(a r3.Vec, ka float64, b r3.Vec, kb float64, c r3.Vec, kc float64, d r3.Vec, kd float64) r3.Vec {
	return r3.Vec{
		X: ka*a.X + kb*b.X + kc*c.X + kd*d.X,
		Y: ka*a.Y + kb*b.Y + kc*c.Y + kd*d.Y,
		Z: ka*a.Z + kb*b.Z + kc*c.Z + kd*d.Z,
	}
}
