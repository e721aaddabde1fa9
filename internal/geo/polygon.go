package geo

import (
	"encoding/json"
	"fmt"
)

// LonLat is a polygon vertex in degrees, in GeoJSON order (RFC 7946 §3.1.1):
// longitude (east positive, in [−180, 360]) then geodetic latitude.
// In JSON it is the array [lon, lat]; a third element (height) is accepted
// and dropped.
type LonLat struct {
	Lon, Lat Degrees
}

// MarshalJSON encodes v as a GeoJSON position [lon, lat].
func (v LonLat) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]float64{float64(v.Lon), float64(v.Lat)})
}

// UnmarshalJSON decodes a GeoJSON position [lon, lat] or [lon, lat, height].
func (v *LonLat) UnmarshalJSON(b []byte) error {
	var a []float64
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("decode position: %w", err)
	}
	if len(a) < 2 || len(a) > 3 {
		return fmt.Errorf("decode position: %d numbers, want 2 or 3", len(a))
	}
	v.Lon, v.Lat = Degrees(a[0]), Degrees(a[1])
	return nil
}

// Ring is a closed chain of vertices; the closing vertex (equal to the first,
// as GeoJSON requires) may be present or omitted. Edges are straight lines
// in longitude and latitude, as in GeoJSON (RFC 7946 §3.1.1), each taking the
// shorter way round in longitude, so a ring may cross the antimeridian
// (RFC 7946 §3.1.9) with longitudes on either side of it, such as 179 and
// −179, or in [180, 360).
//
// A ring whose longitudes wind once round the Earth encircles a pole; it is
// closed over the north pole if it runs eastward (counterclockwise seen from
// above, the RFC 7946 §3.1.6 orientation of exterior rings) and over the
// south pole if westward. Holes in such a polygon enclose the same pole.
type Ring []LonLat

// Polygon is an outer ring followed by zero or more holes, as in a GeoJSON
// Polygon's coordinates. The nil Polygon contains nothing.
type Polygon []Ring

// MultiPolygon is a set of polygons, as in a GeoJSON MultiPolygon's
// coordinates: a region such as a prefecture with its islands, possibly
// split at the antimeridian. The nil MultiPolygon contains nothing.
type MultiPolygon []Polygon

// Valid reports whether mp is usable: every polygon has an outer ring, every
// ring has at least three distinct vertices, and every vertex has latitude in
// [−90, 90] and longitude in [−180, 360]. The error wraps
// [ErrInvalidPosition] for a bad vertex.
func (mp MultiPolygon) Valid() error {
	for i, pg := range mp {
		if err := pg.Valid(); err != nil {
			return fmt.Errorf("polygon %d: %w", i, err)
		}
	}
	return nil
}

// Valid reports whether pg is usable; see [MultiPolygon.Valid].
func (pg Polygon) Valid() error {
	if len(pg) == 0 {
		return fmt.Errorf("geo: polygon has no rings")
	}
	for i, r := range pg {
		distinct := 0
		for j, v := range r {
			if !(v.Lat >= -90 && v.Lat <= 90) || !(v.Lon >= -180 && v.Lon <= 360) {
				return fmt.Errorf("ring %d vertex %d: %w: [%v, %v] outside [-180, 360] x [-90, 90]",
					i, j, ErrInvalidPosition, float64(v.Lon), float64(v.Lat))
			}
			if j == 0 || v != r[j-1] && (j < len(r)-1 || v != r[0]) {
				distinct++
			}
		}
		if distinct < 3 {
			return fmt.Errorf("geo: ring %d has %d distinct vertices, want at least 3", i, distinct)
		}
	}
	return nil
}

// wrap180 reduces a longitude difference to [−180, 180].
func wrap180(d float64) float64 {
	for d > 180 {
		d -= 360
	}
	for d < -180 {
		d += 360
	}
	return d
}

// unwrapped calls edge for every edge of r with longitudes unwrapped so that
// consecutive vertices differ by at most 180°, starting from the first
// vertex's longitude reduced to (−180, 180]. It returns the net change in
// longitude round the ring: 0, or ±360 for a ring round a pole.
func (r Ring) unwrapped(edge func(x1, y1, x2, y2 float64)) (x0, y0, net float64) {
	if len(r) == 0 {
		return 0, 0, 0
	}
	x0 = float64(NormalizeLon(r[0].Lon))
	y0 = float64(r[0].Lat)
	x, y := x0, y0
	prev := float64(r[0].Lon)
	for i := 1; i <= len(r); i++ {
		v := r[i%len(r)]
		lon := float64(v.Lon)
		nx := x + wrap180(lon-prev)
		ny := float64(v.Lat)
		edge(x, y, nx, ny)
		x, y, prev = nx, ny, lon
	}
	return x0, y0, x - x0
}

// ringPole returns the pole (±90) that a ring winding net degrees of
// longitude encloses, or 0 for an ordinary ring.
func ringPole(net float64) float64 {
	switch {
	case net > 180:
		return 90
	case net < -180:
		return -90
	}
	return 0
}

// contains reports whether (px, py), px in (−180, 180], is inside r by the
// crossing rule on the plane of unwrapped longitude and latitude. Points on
// a ring's west or south side count as inside, on its east or north side as
// outside, so regions that share an edge (such as the two halves of a region
// split at the antimeridian) each get the points on it once. pole is the pole
// a polar ring is closed over (0 if none is known yet; the ring's own winding
// decides). It also returns the pole the ring was closed over, or 0.
func (r Ring) contains(px, py, pole float64) (bool, float64) {
	if len(r) < 3 {
		return false, 0
	}
	var in [3]bool // px−360, px, px+360
	cross := func(x1, y1, x2, y2 float64) {
		if (y1 > py) == (y2 > py) {
			return
		}
		xi := x1 + (py-y1)*(x2-x1)/(y2-y1)
		for k := range in {
			if px+360*float64(k-1) < xi {
				in[k] = !in[k]
			}
		}
	}
	x0, y0, net := r.unwrapped(cross)
	if p := ringPole(net); p != 0 {
		if pole == 0 {
			pole = p
		}
		if py == pole {
			return true, pole // the pole itself, at any longitude
		}
		x1 := x0 + net
		cross(x1, y0, x1, pole)
		cross(x0, pole, x0, y0)
	}
	return in[0] || in[1] || in[2], pole
}

// Contains reports whether p (its latitude and longitude; the height is
// ignored) lies inside the outer ring of pg and outside its holes. See
// [Ring] for edges, the antimeridian and poles, and [MultiPolygon.Contains]
// for points on the boundary.
func (pg Polygon) Contains(p LLA) bool {
	if len(pg) == 0 {
		return false
	}
	px := float64(NormalizeLon(p.Lon))
	py := float64(p.Lat)
	in, pole := pg[0].contains(px, py, 0)
	if !in {
		return false
	}
	for _, h := range pg[1:] {
		if in, _ := h.contains(px, py, pole); in {
			return false
		}
	}
	return true
}

// Contains reports whether p (its latitude and longitude; the height is
// ignored) lies inside any polygon of mp. Longitudes of p and of the
// vertices may be on either side of the antimeridian. A point exactly on an
// edge is inside if the edge is on the region's west or south side and
// outside if on its east or north side (so adjoining regions never both
// claim it).
func (mp MultiPolygon) Contains(p LLA) bool {
	for _, pg := range mp {
		if pg.Contains(p) {
			return true
		}
	}
	return false
}
