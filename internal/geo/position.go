package geo

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// ErrInvalidPosition is wrapped by [LLA.Valid] for a position that is out of
// range or not finite.
var ErrInvalidPosition = errors.New("geo: invalid position")

// LLA is a geodetic position on the WGS-84 ellipsoid (EPSG:4979): geodetic
// latitude, longitude (east positive) and height above the ellipsoid.
//
// Longitudes may be given in [−180, 360) so that regions across the
// antimeridian stay contiguous; functions in this package return longitudes
// in (−180, 180] unless they say otherwise. The zero value is the point on
// the equator at the prime meridian, a valid position.
type LLA struct {
	Lat, Lon Degrees
	Alt      Meters
}

// Valid reports whether p is a usable position: latitude in [−90, 90],
// longitude in [−180, 360) and all fields finite. The error wraps
// [ErrInvalidPosition] and names the offending field.
func (p LLA) Valid() error {
	switch {
	case !(p.Lat >= -90 && p.Lat <= 90):
		return fmt.Errorf("%w: latitude %v outside [-90, 90]", ErrInvalidPosition, float64(p.Lat))
	case !(p.Lon >= -180 && p.Lon < 360):
		return fmt.Errorf("%w: longitude %v outside [-180, 360)", ErrInvalidPosition, float64(p.Lon))
	case math.IsNaN(float64(p.Alt)) || math.IsInf(float64(p.Alt), 0):
		return fmt.Errorf("%w: altitude %v not finite", ErrInvalidPosition, float64(p.Alt))
	}
	return nil
}

// String formats p as "lat,lon,alt" in degrees and metres.
func (p LLA) String() string {
	return fmt.Sprintf("%.7f,%.7f,%.3f", float64(p.Lat), float64(p.Lon), float64(p.Alt))
}

// ECEF is an Earth-centred, Earth-fixed Cartesian position in metres on the
// WGS-84 datum (EPSG:4978): X towards the prime meridian on the equator,
// Z towards the north pole (the IERS reference pole), Y completing a
// right-handed frame.
type ECEF struct{ X, Y, Z float64 }

// ECEF returns the Cartesian coordinates of p, with N the prime vertical
// radius of curvature:
//
//	N = a/√(1−e² sin²φ)
//	X = (N+h) cosφ cosλ,  Y = (N+h) cosφ sinλ,  Z = (N(1−e²)+h) sinφ
func (p LLA) ECEF() ECEF {
	sphi, cphi := sincosd(float64(p.Lat))
	slam, clam := sincosd(float64(p.Lon))
	n := A / math.Sqrt(1-E2*sphi*sphi)
	h := float64(p.Alt)
	r := (n + h) * cphi
	return ECEF{
		X: r * clam,
		Y: r * slam,
		Z: (n*(1-E2) + h) * sphi,
	}
}

// Derived constants for the ECEF to geodetic closed form.
const (
	e2m = 1 - E2 // (1−f)²
	e4  = E2 * E2
)

// LLA returns the geodetic coordinates of e, with longitude in (−180, 180]
// (0 on the Z axis). It uses the closed form of H. Vermeille, J. Geodesy
// 76:451–454 (2002), as arranged in GeographicLib's Geocentric class
// (C. F. F. Karney) to avoid cancellation: exact to rounding
// error (≪ 1 mm) for every point outside the ellipsoid's evolute, a region
// within ~43 km of the centre; inside it the nearest of several ellipsoid
// normals is chosen. NaN coordinates give NaN results.
func (e ECEF) LLA() LLA {
	sphi, cphi, slam, clam, h := e.geodetic()
	lon := atan2d(slam, clam)
	if lon == -180 { // Y = −0 west of the antimeridian
		lon = 180
	}
	return LLA{
		Lat: Degrees(atan2d(sphi, cphi)),
		Lon: Degrees(lon),
		Alt: Meters(h),
	}
}

// HeightUp returns the height of e above the ellipsoid and the local
// vertical (the ellipsoid's outward normal, a unit vector) there: what
// [ECEF.LLA] computes, without the angles, for callers that need only
// these (an integrator locating impacts and apogees at every step).
func (e ECEF) HeightUp() (Meters, r3.Vec) {
	sphi, cphi, slam, clam, h := e.geodetic()
	return Meters(h), r3.Vec{X: cphi * clam, Y: cphi * slam, Z: sphi}
}

// geodetic returns the sines and cosines of e's geodetic latitude and
// longitude and its height, exactly (Vermeille's closed form as in
// GeographicLib).
func (e ECEF) geodetic() (sphi, cphi, slam, clam, h float64) {
	r := math.Hypot(e.X, e.Y)
	slam, clam = 0.0, 1.0
	if r != 0 {
		slam, clam = e.Y/r, e.X/r
	}
	p := sq(r / A)
	q := e2m * sq(e.Z/A)
	rr := (p + q - e4) / 6
	if !(e4*q == 0 && rr <= 0) {
		// s = r³·S, t multiplied by r, to avoid dividing by zero at rr = 0.
		s := e4 * p * q / 4
		u := resolvent(rr, s)
		v := math.Sqrt(u*u + e4*q) // > 0
		var uv float64             // u + v > 0
		if u < 0 {
			uv = e4 * q / (v - u)
		} else {
			uv = u + v
		}
		w := math.Max(0, E2*(uv-q)/(2*v))
		k := uv / (math.Sqrt(uv+w*w) + w)
		k1 := k
		k2 := k + E2
		d := k1 * r / k2
		hh := math.Hypot(e.Z/k1, r/k2)
		sphi = (e.Z / k1) / hh
		cphi = (r / k2) / hh
		h = (1 - e2m/k1) * math.Hypot(d, e.Z)
	} else {
		// On the equatorial plane inside the evolute: k → 0; take the limit.
		zz := math.Sqrt((e4 - p) / e2m)
		xx := math.Sqrt(p)
		hh := math.Hypot(zz, xx)
		sphi = zz / hh
		cphi = xx / hh
		if e.Z < 0 {
			sphi = -sphi
		}
		h = -A * e2m * hh / E2
	}
	return sphi, cphi, slam, clam, h
}

// Vec returns e as a gonum vector, in metres.
func (e ECEF) Vec() r3.Vec { return r3.Vec{X: e.X, Y: e.Y, Z: e.Z} }

// ECEFFromVec returns the ECEF position whose coordinates in metres are v.
func ECEFFromVec(v r3.Vec) ECEF { return ECEF{X: v.X, Y: v.Y, Z: v.Z} }

// Distance returns the straight-line (chord) distance between a and b.
func Distance(a, b ECEF) Meters {
	return Meters(math.Sqrt(sq(a.X-b.X) + sq(a.Y-b.Y) + sq(a.Z-b.Z)))
}

// Norm returns the distance of e from the Earth's centre.
func (e ECEF) Norm() Meters { return Meters(math.Sqrt(e.X*e.X + e.Y*e.Y + e.Z*e.Z)) }
