package export

import (
	"math"

	"github.com/trilink/trilink/internal/geo"
)

// A plane ring is a ring of [x, y] = [lon, lat] with longitudes unwrapped
// so that consecutive vertices differ by at most 180°, its first vertex
// repeated last.
type planeRing [][2]float64

// unwrap turns r into a closed plane ring starting at its first vertex's
// longitude in (−180, 180], taking each edge (the closing one too) the
// shorter way round. polar reports a ring that winds round a pole; its
// last vertex is then its first one turned by ±360° in longitude.
func unwrap(r geo.Ring) (ring planeRing, polar bool) {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	if n == 0 {
		return nil, false
	}
	out := make(planeRing, 0, n+1)
	x := normLon(float64(r[0].Lon))
	out = append(out, [2]float64{x, float64(r[0].Lat)})
	for i := 1; i <= n; i++ {
		v := r[i%n]
		x += wrap180(float64(v.Lon) - float64(r[i-1].Lon))
		out = append(out, [2]float64{x, float64(v.Lat)})
	}
	if math.Abs(out[n][0]-out[0][0]) > 180 { // a net turn of ±360°
		return out, true
	}
	out[n] = out[0] // exactly closed, whatever the rounding on the way
	return out, false
}

func wrap180(d float64) float64 {
	d = math.Remainder(d, 360)
	if d == -180 {
		d = 180
	}
	return d
}

// area2 is twice the signed area of r in the plane (positive
// counterclockwise).
func (r planeRing) area2() float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s
}

// bounds returns r's longitude range.
func (r planeRing) lonRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range r {
		lo, hi = math.Min(lo, p[0]), math.Max(hi, p[0])
	}
	return lo, hi
}

// clip returns r clipped to lo ≤ x ≤ hi (Sutherland–Hodgman, once per
// side), closed; nil if nothing of it remains.
func (r planeRing) clip(lo, hi float64) planeRing {
	out := clipSide(r, func(p [2]float64) bool { return p[0] >= lo }, lo)
	out = clipSide(out, func(p [2]float64) bool { return p[0] <= hi }, hi)
	if len(out) < 4 || math.Abs(out.area2()) < 1e-12 {
		return nil
	}
	return out
}

func clipSide(r planeRing, in func([2]float64) bool, x float64) planeRing {
	if len(r) < 2 {
		return nil
	}
	var out planeRing
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		ia, ib := in(a), in(b)
		if ia {
			out = append(out, a)
		}
		if ia != ib {
			t := (x - a[0]) / (b[0] - a[0])
			out = append(out, [2]float64{x, a[1] + t*(b[1]-a[1])})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, out[0])
}

// shift adds dx to every longitude of r.
func (r planeRing) shift(dx float64) planeRing {
	out := make(planeRing, len(r))
	for i, p := range r {
		out[i] = [2]float64{p[0] + dx, p[1]}
	}
	return out
}

// orient returns r running counterclockwise if ccw, clockwise otherwise.
func (r planeRing) orient(ccw bool) planeRing {
	if (r.area2() > 0) == ccw {
		return r
	}
	out := make(planeRing, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

// splitPolygon cuts pg at the antimeridian into polygons whose longitudes
// all lie in [−180, 180], with exterior rings counterclockwise and holes
// clockwise (RFC 7946 §3.1.6, §3.1.9). An outer ring round a pole is
// closed over it; holes round a pole are left out.
func splitPolygon(pg geo.Polygon) [][]planeRing {
	if len(pg) == 0 || len(pg[0]) < 3 {
		return nil
	}
	outer, polar := unwrap(pg[0])
	if polar {
		// A ring round a pole (as a large impact ellipse near one may
		// be): close it over the pole, along the meridian where it ends
		// (RFC 7946 §3.1.9 pictures such polygons so). An eastward ring
		// encloses the north pole, a westward one the south (see
		// geo.Ring); either way the closed ring runs counterclockwise.
		n := len(outer)
		pole := 90.0
		if outer[n-1][0] < outer[0][0] {
			pole = -90
		}
		outer = append(outer, [2]float64{outer[n-1][0], pole}, [2]float64{outer[0][0], pole}, outer[0])
	}
	holes := make([]planeRing, 0, len(pg)-1)
	for _, h := range pg[1:] {
		if u, polar := unwrap(h); len(h) >= 3 && !polar {
			holes = append(holes, u)
		}
	}
	lo, hi := outer.lonRange()
	var out [][]planeRing
	// Windows [−180+360k, 180+360k] that the outer ring reaches.
	for k := math.Floor((lo + 180) / 360); -180+360*k < hi; k++ {
		wlo, whi := -180+360*k, 180+360*k
		o := outer.clip(wlo, whi)
		if o == nil {
			continue
		}
		part := []planeRing{o.shift(-360 * k).orient(true)}
		for _, h := range holes {
			// A hole may sit one turn off the outer ring's unwrapping.
			for _, dk := range []float64{-360, 0, 360} {
				if c := h.shift(dk).clip(wlo, whi); c != nil {
					part = append(part, c.shift(-360*k).orient(false))
				}
			}
		}
		out = append(out, part)
	}
	return out
}

// splitLine cuts a line of [lon, lat, …] positions at the antimeridian into
// pieces whose longitudes lie in [−180, 180] (RFC 7946 §3.1.9). extra
// carries each position's further coordinates (height), interpolated at the
// cut. Each piece has at least two positions.
func splitLine(lon, lat []float64, extra []float64) [][][3]float64 {
	if len(lon) == 0 {
		return nil
	}
	var out [][][3]float64
	cur := [][3]float64{{normLon(lon[0]), lat[0], extra[0]}}
	x := normLon(lon[0])
	for i := 1; i < len(lon); i++ {
		nx := x + wrap180(lon[i]-lon[i-1])
		if nx > 180 || nx < -180 {
			edge := 180.0
			if nx < -180 {
				edge = -180
			}
			t := (edge - x) / (nx - x)
			y := lat[i-1] + t*(lat[i]-lat[i-1])
			h := extra[i-1] + t*(extra[i]-extra[i-1])
			cur = append(cur, [3]float64{edge, y, h})
			if len(cur) >= 2 {
				out = append(out, cur)
			}
			cur = [][3]float64{{-edge, y, h}}
			nx -= 2 * edge
		}
		cur = append(cur, [3]float64{nx, lat[i], extra[i]})
		x = nx
	}
	if len(cur) >= 2 {
		out = append(out, cur)
	}
	return out
}
