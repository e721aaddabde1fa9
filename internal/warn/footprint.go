package warn

import (
	"math"

	"github.com/trilink/trilink/internal/geo"
)

// Footprints: the polygons that go into CAP areas. Each is a simple closed
// ring of at most about 80 vertices, first vertex repeated last.

// bandPoints is the most track points a band keeps on each side.
const bandPoints = 30

// band returns the corridor of half-width w metres about the track points
// pts (frame coordinates): the two offset sides joined by half-circle caps.
func band(pts []xy, w float64) []geo.LLA {
	if len(pts) == 0 {
		return nil
	}
	// Keep at most bandPoints points, evenly spread, ends included.
	if len(pts) > bandPoints {
		sub := make([]xy, 0, bandPoints)
		for i := range bandPoints {
			sub = append(sub, pts[i*(len(pts)-1)/(bandPoints-1)])
		}
		pts = sub
	}
	ll := make([]geo.LLA, len(pts))
	for i, p := range pts {
		ll[i] = geo.LLA{Lat: geo.Degrees(p.y), Lon: geo.NormalizeLon(geo.Degrees(p.x))}
	}
	if len(ll) == 1 || allSame(ll) {
		return circle(ll[0], w, 24)
	}
	// Azimuth of travel at each point.
	az := make([]float64, len(ll))
	for i := range ll {
		a, b := ll[max(i-1, 0)], ll[min(i+1, len(ll)-1)]
		_, z, _ := geo.Inverse(a, b)
		az[i] = float64(z)
	}
	var left, right []geo.LLA
	for i, p := range ll {
		l, _ := geo.Direct(p, geo.Degrees(az[i]-90), geo.Meters(w))
		r, _ := geo.Direct(p, geo.Degrees(az[i]+90), geo.Meters(w))
		left = append(left, l)
		right = append(right, r)
	}
	const capSteps = 6
	var ring []geo.LLA
	// Start cap, from the right side round the back to the left side (the
	// right side's first point closes the ring).
	for k := 1; k < capSteps; k++ {
		a := az[0] + 90 + 180*float64(k)/capSteps
		q, _ := geo.Direct(ll[0], geo.Degrees(a), geo.Meters(w))
		ring = append(ring, q)
	}
	ring = append(ring, left...)
	// End cap, from the left side round the front to the right side.
	n := len(ll) - 1
	for k := 1; k < capSteps; k++ {
		a := az[n] - 90 + 180*float64(k)/capSteps
		q, _ := geo.Direct(ll[n], geo.Degrees(a), geo.Meters(w))
		ring = append(ring, q)
	}
	for i := len(right) - 1; i >= 0; i-- {
		ring = append(ring, right[i])
	}
	return closeRing(ring)
}

func allSame(ll []geo.LLA) bool {
	for _, p := range ll[1:] {
		if p.Lat != ll[0].Lat || p.Lon != ll[0].Lon {
			return false
		}
	}
	return true
}

func closeRing(r []geo.LLA) []geo.LLA {
	for i := range r {
		r[i].Alt = 0
	}
	return append(r, r[0])
}

// circle returns a ring of n vertices at distance w about c.
func circle(c geo.LLA, w float64, n int) []geo.LLA {
	ring := make([]geo.LLA, 0, n+1)
	for k := range n {
		q, _ := geo.Direct(c, geo.Degrees(360*float64(k)/float64(n)), geo.Meters(w))
		ring = append(ring, q)
	}
	return closeRing(ring)
}

// ellipseRing returns the 95 % ellipse of im as a ring of 36 vertices.
func ellipseRing(im *Impact) []geo.LLA {
	c := geo.LLA{Lat: geo.Degrees(im.Lat), Lon: geo.Degrees(im.Lon)}
	a := math.Max(im.MajorKm, 0.1) * 1000
	b := math.Max(im.MinorKm, 0.1) * 1000
	const n = 36
	ring := make([]geo.LLA, 0, n+1)
	for k := range n {
		t := 2 * math.Pi * float64(k) / n
		u, v := a*math.Cos(t), b*math.Sin(t) // along the major and minor axes
		// The major axis points at BearingDeg; the minor axis 90° clockwise.
		az := im.BearingDeg + math.Atan2(v, u)*180/math.Pi
		q, _ := geo.Direct(c, geo.Degrees(az), geo.Meters(math.Hypot(u, v)))
		ring = append(ring, q)
	}
	return closeRing(ring)
}

// chi2p95 is the square root of the 95 % quantile of χ² with two degrees
// of freedom: a 95 % ellipse's semi-axes are this many standard deviations.
var chi2p95 = math.Sqrt(-2 * math.Log(0.05))

// ellipseSamples draws a fixed, deterministic sample of n points from the
// Gaussian whose 95 % ellipse is im's: radii at the Rayleigh quantiles of
// (i+½)/n, angles stepping by the golden angle.
func ellipseSamples(im *Impact, n int) []geo.LLA {
	c := geo.LLA{Lat: geo.Degrees(im.Lat), Lon: geo.Degrees(im.Lon)}
	sa := im.MajorKm * 1000 / chi2p95
	sb := im.MinorKm * 1000 / chi2p95
	golden := math.Pi * (3 - math.Sqrt(5))
	out := make([]geo.LLA, n)
	for i := range n {
		u := (float64(i) + 0.5) / float64(n)
		r := math.Sqrt(-2 * math.Log(1-u))
		t := float64(i) * golden
		x, y := r*math.Cos(t)*sa, r*math.Sin(t)*sb
		if x == 0 && y == 0 {
			out[i] = c
			continue
		}
		az := im.BearingDeg + math.Atan2(y, x)*180/math.Pi
		out[i], _ = geo.Direct(c, geo.Degrees(az), geo.Meters(math.Hypot(x, y)))
	}
	return out
}
