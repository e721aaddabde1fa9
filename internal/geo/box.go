package geo

import (
	"math"
	"sort"
)

// Box is a longitude/latitude bounding box in degrees, for spatial indexing.
// MinLon is in [−180, 180) and MaxLon ≥ MinLon may exceed 180 when the box
// crosses the antimeridian (a box over the Aleutians is MinLon 172,
// MaxLon 190); MaxLon−MinLon ≥ 360 means every longitude. Edges are
// inclusive. A box with NaN fields, as [EmptyBox] returns, is empty.
type Box struct {
	MinLon, MinLat, MaxLon, MaxLat Degrees
}

// EmptyBox returns a box that contains and intersects nothing.
func EmptyBox() Box {
	nan := Degrees(math.NaN())
	return Box{nan, nan, nan, nan}
}

// Empty reports whether b contains no points.
func (b Box) Empty() bool {
	return !(b.MinLat <= b.MaxLat) || !(b.MinLon <= b.MaxLon)
}

// width returns the longitude span of b, capped at 360.
func (b Box) width() float64 { return math.Min(float64(b.MaxLon-b.MinLon), 360) }

// lonIn reports whether lon is within width degrees east of min.
func lonIn(lon, min, width float64) bool {
	if width >= 360 {
		return true
	}
	d := math.Mod(lon-min, 360)
	if d < 0 {
		d += 360
	}
	return d <= width
}

// Contains reports whether p's latitude and longitude (any representation,
// such as −170 or 190) are inside b.
func (b Box) Contains(p LLA) bool {
	if b.Empty() || !(p.Lat >= b.MinLat && p.Lat <= b.MaxLat) {
		return false
	}
	return lonIn(float64(p.Lon), float64(b.MinLon), b.width())
}

// Intersects reports whether b and o share at least one point.
func (b Box) Intersects(o Box) bool {
	if b.Empty() || o.Empty() || b.MaxLat < o.MinLat || o.MaxLat < b.MinLat {
		return false
	}
	return lonIn(float64(o.MinLon), float64(b.MinLon), b.width()) ||
		lonIn(float64(b.MinLon), float64(o.MinLon), o.width())
}

// Expand returns a box containing every point within geodesic distance d of
// b (and perhaps a little more): a quick, conservative filter before exact
// [MultiPolygon.Distance] tests. If the distance reaches a pole the box spans
// all longitudes. Negative d is treated as 0.
func (b Box) Expand(d Meters) Box {
	if b.Empty() {
		return b
	}
	// The meridian radius of curvature is at least a(1−e²) everywhere, so
	// d moves latitude by at most this many degrees.
	dlat := math.Max(float64(d), 0) / (A * (1 - E2)) / degree * 1.000001
	out := Box{
		MinLat: Degrees(math.Max(-90, float64(b.MinLat)-dlat)),
		MaxLat: Degrees(math.Min(90, float64(b.MaxLat)+dlat)),
	}
	if out.MinLat == -90 || out.MaxLat == 90 || b.width() >= 360 {
		out.MinLon, out.MaxLon = -180, 180
		return out
	}
	// On a sphere of radius R the points within δ = d/R of latitude φ span
	// longitude ±asin(sin δ / cos φ); R = a(1−e²) is a lower bound for
	// the radius of curvature, and φ the highest latitude reached.
	phi := math.Max(math.Abs(float64(out.MinLat)), math.Abs(float64(out.MaxLat)))
	s := math.Sin(math.Min(dlat*degree, math.Pi/2)) / math.Cos(phi*degree)
	if s >= 1 {
		out.MinLon, out.MaxLon = -180, 180
		return out
	}
	dlon := math.Asin(s) / degree * 1.000001
	if b.width()+2*dlon >= 360 {
		out.MinLon, out.MaxLon = -180, 180
		return out
	}
	minLon := float64(NormalizeLon(b.MinLon - Degrees(dlon)))
	if minLon == 180 {
		minLon = -180
	}
	out.MinLon = Degrees(minLon)
	out.MaxLon = Degrees(minLon + b.width() + 2*dlon)
	return out
}

// lonSpan is an arc of longitudes from lo eastward to hi.
type lonSpan struct{ lo, hi float64 }

// boundsOf returns the smallest box holding the given rings' vertices
// (edges are straight in lon/lat, so vertices bound them), choosing the
// longitude range with the largest gap left out.
func boundsOf(rings []Ring) Box {
	minLat, maxLat := math.Inf(1), math.Inf(-1)
	var spans []lonSpan
	full := false
	for _, r := range rings {
		if len(r) == 0 {
			continue
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		_, _, net := r.unwrapped(func(x1, y1, _, _ float64) {
			lo, hi = math.Min(lo, x1), math.Max(hi, x1)
			minLat, maxLat = math.Min(minLat, y1), math.Max(maxLat, y1)
		})
		if p := ringPole(net); p != 0 {
			full = true
			minLat, maxLat = math.Min(minLat, p), math.Max(maxLat, p)
			continue
		}
		if hi-lo >= 360 {
			full = true
			continue
		}
		l := float64(NormalizeLon(Degrees(lo)))
		if l == 180 {
			l = -180
		}
		spans = append(spans, lonSpan{l, l + hi - lo})
	}
	if minLat > maxLat {
		return EmptyBox()
	}
	box := Box{MinLat: Degrees(minLat), MaxLat: Degrees(maxLat), MinLon: -180, MaxLon: 180}
	if full {
		return box
	}
	// Merge the arcs on the circle, then leave out the largest gap.
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.lo <= last.hi {
			last.hi = math.Max(last.hi, s.hi)
		} else {
			merged = append(merged, s)
		}
	}
	// The last arc may run past 180 into the first ones.
	for len(merged) > 1 && merged[len(merged)-1].hi >= merged[0].lo+360 {
		last := &merged[len(merged)-1]
		last.hi = math.Max(last.hi, merged[0].hi+360)
		merged = merged[1:]
	}
	if len(merged) == 1 {
		m := merged[0]
		if m.hi-m.lo >= 360 {
			return box
		}
		box.MinLon, box.MaxLon = Degrees(m.lo), Degrees(m.hi)
		return box
	}
	// Gap i lies after arc i; the last gap wraps to the first arc.
	best, bestGap := 0, -1.0
	for i, m := range merged {
		next := merged[0].lo + 360
		if i+1 < len(merged) {
			next = merged[i+1].lo
		}
		if g := next - m.hi; g > bestGap {
			best, bestGap = i, g
		}
	}
	if bestGap <= 0 {
		return box
	}
	start := merged[(best+1)%len(merged)].lo
	end := merged[best].hi
	for end < start {
		end += 360
	}
	lo := float64(NormalizeLon(Degrees(start)))
	if lo == 180 {
		lo = -180
	}
	box.MinLon, box.MaxLon = Degrees(lo), Degrees(lo+end-start)
	return box
}

// Bounds returns the longitude/latitude box of pg's outer ring, or
// [EmptyBox] if pg has none.
func (pg Polygon) Bounds() Box {
	if len(pg) == 0 {
		return EmptyBox()
	}
	return boundsOf(pg[:1])
}

// Bounds returns the smallest longitude/latitude box that holds every
// polygon of mp, choosing the shorter way round the antimeridian, or
// [EmptyBox] if mp has no vertices.
func (mp MultiPolygon) Bounds() Box {
	rings := make([]Ring, 0, len(mp))
	for _, pg := range mp {
		if len(pg) > 0 {
			rings = append(rings, pg[0])
		}
	}
	return boundsOf(rings)
}
