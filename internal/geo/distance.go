package geo

import (
	"math"
	"sort"
)

// Distance to a region's boundary.
//
// Every edge is cut into pieces of at most pieceDeg degrees of latitude and
// of longitude (exact, as edges are straight in lon/lat). A cheap screen on a
// sphere of radius A bounds the distance to each piece: its vertices are
// mapped to the azimuthal equidistant projection centred on the query point,
// which keeps distances from that point, and the distance to the chord
// between them is corrected by a bound on the piece's bending in the
// projection. Geodesic distances on WGS 84 lie within the factors
// [a(1−e²)/a, a/√(1−e²)/a] of these spherical ones (the extreme radii of
// curvature). Pieces that might hold the nearest point are then solved
// exactly: the geodesic distance s(t) to the point at parameter t along the
// piece is minimised by a safeguarded secant search on
// s′(t) = |q′(t)| cos(α2 − β), α2 being the geodesic's azimuth on arrival at
// q(t) and β the edge's azimuth there.

const (
	pieceDeg  = 0.25
	sphereLo  = 1 - E2 // a(1−e²)/a: the least radius of curvature over a
	secantTol = 1e-4   // m, along the piece
)

// sphereHi is 1/√(1−e²): the greatest radius of curvature over a.
var sphereHi = 1 / math.Sqrt(1-E2)

// distQuery holds the query point and the candidate pieces.
type distQuery struct {
	lat, lon      float64
	u, east, nort [3]float64
	cands         []piece
	bestUB        float64
}

// piece is a candidate part of an edge: from (x1, y1) to (x2, y2) in
// unwrapped degrees, with a lower bound on its distance in metres.
type piece struct {
	x1, y1, x2, y2 float64
	lb             float64
}

// unitVec returns the unit vector at (lat, lon) degrees on the sphere; the
// screen needs no exact quadrants, so plain Sincos will do.
func unitVec(lat, lon float64) [3]float64 {
	sphi, cphi := math.Sincos(lat * degree)
	slam, clam := math.Sincos(lon * degree)
	return [3]float64{cphi * clam, cphi * slam, sphi}
}

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func newDistQuery(p LLA) *distQuery {
	q := &distQuery{lat: float64(p.Lat), lon: float64(p.Lon), bestUB: math.Inf(1)}
	sphi, cphi := sincosd(q.lat)
	slam, clam := sincosd(q.lon)
	q.u = [3]float64{cphi * clam, cphi * slam, sphi}
	q.east = [3]float64{-slam, clam, 0}
	q.nort = [3]float64{-sphi * clam, -sphi * slam, cphi}
	return q
}

// project maps a vertex to the spherical azimuthal equidistant plane centred
// on the query point, in radians.
func (q *distQuery) project(lat, lon float64) (x, y float64) {
	v := unitVec(lat, lon)
	e, n := dot3(q.east, v), dot3(q.nort, v)
	h := math.Sqrt(e*e + n*n) // ≤ 1: no overflow to guard against
	if h == 0 {
		if dot3(q.u, v) < 0 {
			return math.Pi, 0
		}
		return 0, 0
	}
	sig := math.Atan2(h, dot3(q.u, v))
	return sig * e / h, sig * n / h
}

// addEdge screens the edge from (x1, y1) to (x2, y2) (unwrapped degrees).
func (q *distQuery) addEdge(x1, y1, x2, y2 float64) {
	n := int(math.Ceil(math.Max(math.Abs(x2-x1), math.Abs(y2-y1)) / pieceDeg))
	n = max(n, 1)
	px, py := q.project(y1, x1)
	for i := 1; i <= n; i++ {
		t := float64(i) / float64(n)
		xa, ya := x1+(x2-x1)*float64(i-1)/float64(n), y1+(y2-y1)*float64(i-1)/float64(n)
		xb, yb := x1+(x2-x1)*t, y1+(y2-y1)*t
		if i == n {
			xb, yb = x2, y2
		}
		nx, ny := q.project(yb, xb)
		// Distance from the origin to the chord (px, py)–(nx, ny).
		dx, dy := nx-px, ny-py
		l2 := dx*dx + dy*dy
		s := 0.0
		if l2 > 0 {
			s = math.Max(0, math.Min(1, -(px*dx+py*dy)/l2))
		}
		cx, cy := px+s*dx, py+s*dy
		dc := math.Sqrt(cx*cx + cy*cy)
		// Bound on how far the piece's image bends away from its chord:
		// sagitta L²κ/8 with curvature κ ≤ tan|φ| + 1 (a parallel's
		// geodesic curvature, plus the projection's distortion), on the
		// unit sphere. Near a pole fall back to the whole chord length.
		phi := math.Max(math.Abs(ya), math.Abs(yb))
		sag := math.Sqrt(l2)
		if phi < 89 {
			sag = math.Min(sag, l2*(math.Tan(phi*degree)+1)/8)
		}
		lb := sphereLo * A * math.Max(0, dc-sag)
		ub := sphereHi * A * (dc + sag)
		if ub < q.bestUB {
			q.bestUB = ub
		}
		if lb <= q.bestUB {
			q.cands = append(q.cands, piece{xa, ya, xb, yb, lb})
		}
		px, py = nx, ny
	}
}

// solve returns the exact geodesic distance to the nearest candidate.
func (q *distQuery) solve() float64 {
	sort.Slice(q.cands, func(i, j int) bool { return q.cands[i].lb < q.cands[j].lb })
	best := math.Inf(1)
	for _, c := range q.cands {
		if c.lb > best || c.lb > q.bestUB {
			break
		}
		best = math.Min(best, q.pieceDist(c))
	}
	return best
}

// pieceDist returns the least geodesic distance from the query point to the
// piece c, assuming the distance along it has a single minimum.
func (q *distQuery) pieceDist(c piece) float64 {
	// eval returns s(t) and s′(t) (metres per unit t), and |q′(t)|.
	eval := func(t float64) (s, ds, speed float64) {
		lat := c.y1 + (c.y2-c.y1)*t
		lon := c.x1 + (c.x2-c.x1)*t
		s12, _, _, salp2, calp2 := inverse(q.lat, q.lon, lat, lon)
		sphi, cphi := sincosd(lat)
		w2 := 1 - E2*sphi*sphi
		nRad := A / math.Sqrt(w2)
		mRad := nRad * (1 - E2) / w2
		de := nRad * cphi * (c.x2 - c.x1) * degree // east, m per unit t
		dn := mRad * (c.y2 - c.y1) * degree        // north
		return s12, salp2*de + calp2*dn, math.Hypot(de, dn)
	}
	s0, g0, length := eval(0)
	s1, g1, _ := eval(1)
	best := math.Min(s0, s1)
	if g0 >= 0 || g1 <= 0 || s0 == 0 || s1 == 0 {
		return best // the minimum is at an end
	}
	// Illinois (modified regula falsi) on s′ over the bracket [ta, tb].
	ta, tb, ga, gb := 0.0, 1.0, g0, g1
	side := 0
	for range 40 {
		t := tb - gb*(tb-ta)/(gb-ga)
		if !(t > ta && t < tb) {
			t = (ta + tb) / 2
		}
		s, g, _ := eval(t)
		best = math.Min(best, s)
		if (tb-ta)*length < secantTol || g == 0 {
			break
		}
		if g < 0 {
			ta, ga = t, g
			if side == -1 {
				gb /= 2
			}
			side = -1
		} else {
			tb, gb = t, g
			if side == 1 {
				ga /= 2
			}
			side = 1
		}
	}
	return best
}

// Distance returns the geodesic distance on the WGS-84 ellipsoid from p
// (height ignored) to the nearest point of pg's boundary, or 0 if
// pg.Contains(p). The boundary's edges are those of [Ring]. Exact to about a
// millimetre wherever the distance along each edge piece has a single
// minimum, which holds for distances up to thousands of kilometres. It costs
// about 0.25 µs per vertex plus ~10 µs for each edge piece near the
// minimum; filter with [Box.Expand] and [Box.Intersects] first.
// An empty polygon is infinitely far away.
func (pg Polygon) Distance(p LLA) Meters {
	return MultiPolygon{pg}.Distance(p)
}

// Distance returns the geodesic distance on the WGS-84 ellipsoid from p
// (height ignored) to the nearest boundary point of mp, or 0 if
// mp.Contains(p); see [Polygon.Distance]. Seams where a region is split at
// the antimeridian never count as nearer than its true boundary. An empty
// MultiPolygon is infinitely far away (+Inf).
func (mp MultiPolygon) Distance(p LLA) Meters {
	if mp.Contains(p) {
		return 0
	}
	q := newDistQuery(p)
	for _, pg := range mp {
		for _, r := range pg {
			if len(r) >= 2 {
				r.unwrapped(q.addEdge)
			}
		}
	}
	return Meters(q.solve())
}
