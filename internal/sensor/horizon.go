package sensor

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
)

// StandardRefraction is the effective Earth radius factor k = 4/3 of the
// standard radio atmosphere, whose refractivity falls by about 40 N-units per
// km near the ground: over an Earth of radius k·R the bent rays are straight
// (Skolnik, Introduction to Radar Systems, 3rd ed. 2001, ch. 8; ITU-R P.834).
// k = 1 is geometric line of sight.
const StandardRefraction = 4.0 / 3

// MeanRadius is the mean radius R₁ = (2a+b)/3 of the WGS-84 ellipsoid, in metres.
const MeanRadius = (2*geo.A + geo.B) / 3

// HorizonAltitude returns the lowest altitude that a radar at sea level, whose
// beam cannot point below minEl, sees at ground distance s over a spherical
// Earth of radius MeanRadius with effective radius factor k (tracking.md §3.8):
//
//	h_min(s) = R′·(cos ε / cos(ε + s/R′) − 1),  R′ = k·R₁.
//
// It is +Inf when ε + s/R′ ≥ 90°, where no altitude is visible.
func HorizonAltitude(s geo.Meters, minEl geo.Degrees, k float64) geo.Meters {
	re := k * MeanRadius
	eps := float64(minEl.Radians())
	a := eps + float64(s)/re
	if a >= math.Pi/2 {
		return geo.Meters(math.Inf(1))
	}
	return geo.Meters(re * (math.Cos(eps)/math.Cos(a) - 1))
}

// LineOfSight returns the apparent elevation of target seen from site — the
// elevation at which the refracted ray leaves the antenna — and whether that
// ray clears the Earth. The ray bends as in the effective-Earth model with
// factor k (StandardRefraction for radars; 1 for geometric line of sight),
// applied to the sphere that osculates the WGS-84 ellipsoid at site in the
// direction of the target (radius of curvature by Euler's formula from the
// meridian and prime-vertical radii), with heights above that sphere kept.
// For k = 1 the elevation equals the geometric one of [geo.AER].
func LineOfSight(site geo.LLA, target geo.ECEF, k float64) (el geo.Degrees, clear bool) {
	return lineOfSight(site, geo.ENU(site, target), k)
}

// lineOfSight is LineOfSight for a target at local East-North-Up enu (m).
func lineOfSight(site geo.LLA, enu r3.Vec, k float64) (el geo.Degrees, clear bool) {
	hor := math.Hypot(enu.X, enu.Y)

	// Radius of curvature of the ellipsoid at the site in the target's
	// azimuth α: 1/R_α = cos²α/M + sin²α/N.
	sphi := math.Sin(float64(site.Lat.Radians()))
	w2 := 1 - geo.E2*sphi*sphi
	n := geo.A / math.Sqrt(w2)
	m := n * (1 - geo.E2) / w2
	r := n
	if hor > 0 {
		c2 := enu.Y * enu.Y / (hor * hor)
		r = 1 / (c2/m + (1-c2)/n)
	}

	// The target on the osculating sphere: central angle γ and height ht.
	hs := float64(site.Alt)
	rs := r + hs
	gamma := math.Atan2(hor, rs+enu.Z)
	ht := math.Hypot(hor, rs+enu.Z) - r

	// The same ground distance and heights over the effective Earth k·r,
	// where the ray is a straight line from S to T.
	re := k * r
	g := gamma / k
	sx, sy := 0.0, re+hs
	tx, ty := (re+ht)*math.Sin(g), (re+ht)*math.Cos(g)
	dx, dy := tx-sx, ty-sy
	el = geo.Degrees(math.Atan2(dy, dx) * 180 / math.Pi)
	return el, !segmentBelow(sx, sy, dx, dy, re)
}

// segmentBelow reports whether the segment from (sx, sy) along (dx, dy)
// comes closer than radius to the origin.
func segmentBelow(sx, sy, dx, dy, radius float64) bool {
	dd := dx*dx + dy*dy
	t := 0.0
	if dd > 0 {
		t = math.Max(0, math.Min(1, -(sx*dx+sy*dy)/dd))
	}
	px, py := sx+t*dx, sy+t*dy
	return px*px+py*py < radius*radius
}

// earthBlocks reports whether the straight segment from a to b passes
// inside the WGS-84 ellipsoid (geometric line of sight in space, where there
// is no refraction). Scaling z by a/b turns the ellipsoid into a sphere of
// radius a and keeps segments straight.
func earthBlocks(a, b geo.ECEF) bool {
	const s = geo.A / geo.B
	p := r3.Vec{X: a.X, Y: a.Y, Z: a.Z * s}
	d := r3.Vec{X: b.X - a.X, Y: b.Y - a.Y, Z: (b.Z - a.Z) * s}
	dd := r3.Dot(d, d)
	t := 0.0
	if dd > 0 {
		t = math.Max(0, math.Min(1, -r3.Dot(p, d)/dd))
	}
	c := r3.Add(p, r3.Scale(t, d))
	return r3.Dot(c, c) < geo.A*geo.A
}
