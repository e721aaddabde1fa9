package estimate

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// obs is a measurement prepared for the filter: the sensor geometry and
// the Cholesky factor of R computed once, so that evaluating the
// measurement function at each cubature point costs a few dozen flops.
// residual agrees with [sensor.Measurement.Residual] (the tests check it):
// the same z − h(x), in the same units and order.
type obs struct {
	m   int // dimension
	ir  bool
	o   r3.Vec       // radar site or satellite, ECEF m
	rot geo.Rotation // radar: ENU → ECEF at the site
	z   [maxM]float64
	// IR: the measured line of sight u and its tangent basis t₁, t₂.
	u, t1, t2 r3.Vec
	sr        [maxM][maxM]float64 // lower Cholesky factor of R
}

// newObs prepares m; it fails if m has no payload or a covariance that is
// not positive definite.
func newObs(m *sensor.Measurement) (obs, error) {
	var o obs
	switch {
	case m.Kind == sensor.KindRadar && m.Radar != nil:
		r := m.Radar
		site := geo.LLA(r.Site)
		o.o = site.ECEF().Vec()
		o.rot = geo.ENUToECEFRotation(site)
		o.z[0] = float64(r.Range)
		o.z[1] = float64(r.Az.Radians())
		o.z[2] = float64(r.El.Radians())
		o.m = 3
		if r.RangeRate != nil {
			o.z[3] = *r.RangeRate
			o.m = 4
		}
	case m.Kind == sensor.KindSpaceIR && m.SpaceIR != nil:
		s := m.SpaceIR
		o.ir = true
		o.m = 2
		o.o = s.SatPos().Vec()
		o.u = r3.Unit(s.Dir())
		o.t1 = r3.Cross(r3.Vec{Z: 1}, o.u)
		if r3.Norm(o.t1) < 1e-9 {
			o.t1 = r3.Cross(r3.Vec{X: 1}, o.u)
		}
		o.t1 = r3.Unit(o.t1)
		o.t2 = r3.Cross(o.u, o.t1)
	default:
		return obs{}, fmt.Errorf("%w: measurement without payload", ErrBadMeasurement)
	}
	r := m.R()
	var a sqm
	for i := 0; i < o.m; i++ {
		for j := 0; j < o.m; j++ {
			a[i][j] = r.At(i, j)
		}
	}
	l, ok := cholesky(&a, o.m)
	if !ok {
		return obs{}, fmt.Errorf("%w: covariance not positive definite", ErrBadMeasurement)
	}
	for i := 0; i < o.m; i++ {
		for j := 0; j <= i; j++ {
			o.sr[i][j] = l[i][j]
		}
	}
	return o, nil
}

// residual writes z − h(x) for a target at position p and velocity v
// into out[:o.m].
func (o *obs) residual(p, v r3.Vec, out *[maxM]float64) {
	d := r3.Vec{X: p.X - o.o.X, Y: p.Y - o.o.Y, Z: p.Z - o.o.Z}
	if o.ir {
		// Logarithm map of the predicted line of sight at u (see
		// sensor.Measurement.Residual); the residual is its negative.
		dot := o.u.X*d.X + o.u.Y*d.Y + o.u.Z*d.Z
		w := r3.Vec{X: d.X - dot*o.u.X, Y: d.Y - dot*o.u.Y, Z: d.Z - dot*o.u.Z}
		wn := math.Sqrt(w.X*w.X + w.Y*w.Y + w.Z*w.Z)
		if wn == 0 {
			out[0], out[1] = 0, 0
			return
		}
		theta := math.Atan2(wn, dot)
		out[0] = -theta * (o.t1.X*w.X + o.t1.Y*w.Y + o.t1.Z*w.Z) / wn
		out[1] = -theta * (o.t2.X*w.X + o.t2.Y*w.Y + o.t2.Z*w.Z) / wn
		return
	}
	enu := o.rot.ApplyT(d)
	h := math.Hypot(enu.X, enu.Y)
	az := math.Atan2(enu.X, enu.Y)
	if az < 0 {
		az += 2 * math.Pi
	}
	el := math.Atan2(enu.Z, h)
	rho := math.Hypot(h, enu.Z)
	out[0] = o.z[0] - rho
	out[1] = wrapPi(o.z[1] - az)
	out[2] = o.z[2] - el
	if o.m == 4 {
		var rate float64
		if rho > 0 {
			rate = (d.X*v.X + d.Y*v.Y + d.Z*v.Z) / rho
		}
		out[3] = o.z[3] - rate
	}
}

// position returns the radar plot's position in ECEF (range, azimuth and
// elevation from the site), and false for a line of sight.
func (o *obs) position() (r3.Vec, bool) {
	if o.ir {
		return r3.Vec{}, false
	}
	rho, az, el := o.z[0], o.z[1], o.z[2]
	enu := r3.Vec{X: rho * math.Cos(el) * math.Sin(az), Y: rho * math.Cos(el) * math.Cos(az), Z: rho * math.Sin(el)}
	return r3.Add(o.o, o.rot.Apply(enu)), true
}

// wrapPi reduces x (radians) to [−π, π).
func wrapPi(x float64) float64 {
	if x >= -math.Pi && x < math.Pi {
		return x
	}
	x = math.Mod(x+math.Pi, 2*math.Pi)
	if x < 0 {
		x += 2 * math.Pi
	}
	return x - math.Pi
}
