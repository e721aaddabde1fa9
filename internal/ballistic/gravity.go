package ballistic

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
)

// State is a body's position and velocity in the Earth-fixed WGS-84 frame
// (ECEF, EPSG:4978): R in metres, V in m/s relative to the rotating Earth,
// which is also the velocity relative to the co-rotating air.
type State struct {
	R, V r3.Vec
}

// LLA returns the geodetic position of s.
func (s State) LLA() geo.LLA { return geo.ECEFFromVec(s.R).LLA() }

// Altitude returns the height of s above the WGS-84 ellipsoid.
func (s State) Altitude() geo.Meters { h, _ := geo.ECEFFromVec(s.R).HeightUp(); return h }

// HeightRate returns the rate of change of the height above the ellipsoid,
// the velocity component along the ellipsoid normal at s, in m/s.
func (s State) HeightRate() float64 { return r3.Dot(up(s.LLA()), s.V) }

// up returns the unit ellipsoid normal (local vertical) at p in ECEF.
func up(p geo.LLA) r3.Vec {
	sphi, cphi := math.Sincos(float64(p.Lat.Radians()))
	slam, clam := math.Sincos(float64(p.Lon.Radians()))
	return r3.Vec{X: cphi * clam, Y: cphi * slam, Z: sphi}
}

// Model selects the terms of the equations of motion in the Earth-fixed
// frame (research/tracking.md §3.3):
//
//	r̈ = g(r) − 2ω×ṙ − ω×(ω×r) − ½ ρ(h) |ṙ| ṙ / β
//
// with central gravity GM/r² always on. The zero Model is the two-body
// problem in a non-rotating frame; [Full] turns every term on.
type Model struct {
	// J2 adds the Earth's oblateness term (WGS-84 J2) to central gravity.
	J2 bool
	// Rotation adds the Coriolis (−2ω×v) and centrifugal (−ω×(ω×r)) terms of
	// the frame rotating at [geo.Omega] about Z. Without it the frame is
	// treated as inertial.
	Rotation bool
	// Drag adds air drag from the U.S. Standard Atmosphere 1976 density,
	// using the velocity relative to the co-rotating air (V itself).
	Drag bool
	// Beta is the ballistic coefficient β = m/(C_D·A) in kg/m² used when Drag
	// is set. Beta ≤ 0 or +Inf means no drag.
	Beta float64
}

// Full returns the complete model: J2 gravity, Earth rotation and drag
// with ballistic coefficient beta (kg/m²).
func Full(beta float64) Model { return Model{J2: true, Rotation: true, Drag: true, Beta: beta} }

// alpha returns 1/β (m²/kg) when drag is on, else 0.
func (m Model) alpha() float64 {
	if !m.Drag || !(m.Beta > 0) || math.IsInf(m.Beta, 1) {
		return 0
	}
	return 1 / m.Beta
}

// Accel returns the acceleration r̈ (ECEF, m/s²) of a body in state s
// under m. It is safe for concurrent use and does not allocate.
func (m Model) Accel(s State) r3.Vec { return m.accel(s.R, s.V, m.alpha()) }

// accel is the force model with the drag coefficient α = 1/β (m²/kg) given
// separately so that boost phases can vary it.
func (m Model) accel(r, v r3.Vec, alpha float64) r3.Vec {
	a := gravity(r, m.J2)
	if m.Rotation {
		// −2ω×v − ω×(ω×r) with ω = (0, 0, Ω):
		// x: 2Ωvy + Ω²x, y: −2Ωvx + Ω²y, z: 0.
		const w, w2 = geo.Omega, geo.Omega * geo.Omega
		a.X += 2*w*v.Y + w2*r.X
		a.Y += -2*w*v.X + w2*r.Y
	}
	if alpha > 0 {
		if rho := density(heightFast(r)); rho > 0 {
			k := -0.5 * rho * alpha * math.Sqrt(v.X*v.X+v.Y*v.Y+v.Z*v.Z)
			a.X += k * v.X
			a.Y += k * v.Y
			a.Z += k * v.Z
		}
	}
	return a
}

// gravity returns the acceleration of WGS-84 central gravity, with the J2
// zonal term if j2 is set (tracking.md §3.3; Vallado, Fundamentals of
// Astrodynamics, 4th ed., eq. 8-30):
//
//	g = −GM/r³·[x(1+k(1−s)), y(1+k(1−s)), z(1+k(3−s))],  k = 1.5·J2·(a/r)², s = 5z²/r².
func gravity(r r3.Vec, j2 bool) r3.Vec {
	r2 := r.X*r.X + r.Y*r.Y + r.Z*r.Z
	rn := math.Sqrt(r2)
	c := -geo.GM / (r2 * rn)
	if !j2 {
		return r3.Vec{X: c * r.X, Y: c * r.Y, Z: c * r.Z}
	}
	k := 1.5 * geo.J2 * geo.A * geo.A / r2
	s := 5 * r.Z * r.Z / r2
	fxy := c * (1 + k*(1-s))
	return r3.Vec{X: fxy * r.X, Y: fxy * r.Y, Z: c * (1 + k*(3-s)) * r.Z}
}

// Derived ellipsoid constants for heightFast.
const (
	b2OverA2 = (1 - geo.F) * (1 - geo.F)
	dragTop  = geo.A + float64(ZMaxAtmosphere) // beyond this radius there is no air
)

// heightFast approximates the height above the ellipsoid as the distance
// from the ellipsoid along the geocentric radius. It differs from the
// geodetic height by less than h·(f·sin 2φ)²/2, under 0.6 m at 100 km,
// which is far below what matters for air density. Beyond the top of the
// atmosphere it returns a height above it without computing the ellipsoid.
func heightFast(r r3.Vec) float64 {
	r2 := r.X*r.X + r.Y*r.Y + r.Z*r.Z
	if r2 > dragTop*dragTop {
		return float64(ZMaxAtmosphere) + 1
	}
	rn := math.Sqrt(r2)
	// Ellipsoid radius at geocentric latitude ψ: ρ = b/√(1 − e²cos²ψ).
	c2 := (r.X*r.X + r.Y*r.Y) / r2
	re := geo.A * math.Sqrt(b2OverA2/(1-geo.E2*c2))
	return rn - re
}
