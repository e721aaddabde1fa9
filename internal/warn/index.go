package warn

import (
	"math"
	"slices"
	"sort"

	"github.com/trilink/trilink/internal/geo"
)

// The spatial index.
//
// Every shape (a region's land, a country's territorial sea, an EEZ) lives
// in one uniform grid over the theatre window, in "frame" coordinates:
// x is the longitude unwrapped eastward from 90°E (so 90 ≤ x < 450 and the
// window is x ≤ 300, that is 60°W), y the latitude. Edges are straight in
// these coordinates, as GeoJSON edges are in longitude and latitude.
//
// For each cell the index keeps, per shape touching it, whether the cell's
// centre is inside the shape and a copy of the shape's edges that cross the
// cell. A point is then inside a shape iff the centre's flag, flipped once
// for every edge crossing the segment from the centre to the point, is set:
// only the edges of one cell are looked at.
//
// Distances (corridor half-widths, the 12-nm territorial sea of disputed
// islands, the EEZ "near the limit" band) are measured on a local
// equirectangular plane centred on the query, with the WGS-84 radii of
// curvature at its latitude. Within 2° of the centre the scale error is
// below 2 % at 45° latitude (tan φ · Δφ), so a 100 km half-width is honoured
// to within about 2 km.

const (
	winW, winE = 90.0, 300.0 // theatre window, frame x (90°E eastward to 60°W)
	winS, winN = -30.0, 85.0 // and latitude
	cellDeg    = 0.25        // grid cell size, degrees
)

// frameX maps a longitude in degrees to frame x in [90, 450).
func frameX(lon float64) float64 {
	x := math.Mod(lon-winW, 360)
	if x < 0 {
		x += 360
	}
	return winW + x
}

// xy is a point in frame coordinates.
type xy struct{ x, y float64 }

// seg is an edge in frame coordinates.
type seg struct{ ax, ay, bx, by float64 }

// entry is one shape's presence in one cell.
type entry struct {
	shape  int32
	inside bool  // the cell's centre is inside the shape
	lo, hi int32 // the shape's edges in this cell: index.segs[lo:hi]
}

// shape is one indexed polygon set.
type shape struct {
	rings [][]xy // closed rings (first vertex repeated last)
	box   [4]float64
}

// index is the uniform grid.
type index struct {
	nx, ny int
	start  []int32 // entries of cell c: ents[start[c]:start[c+1]]
	ents   []entry
	segs   []seg
	shapes []shape
	mark   []bool // per segs entry: a flag for nearestMarked (EEZ sea limits)
}

func newIndex() *index {
	return &index{
		nx: int(math.Ceil((winE - winW) / cellDeg)),
		ny: int(math.Ceil((winN - winS) / cellDeg)),
	}
}

// add registers a shape (a geo.MultiPolygon, all its rings; holes are
// handled by the even–odd rule) and returns its index. Parts outside the
// window are ignored.
func (ix *index) add(mp geo.MultiPolygon) int {
	var sh shape
	sh.box = [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, pg := range mp {
		for _, r := range pg {
			if len(r) < 3 {
				continue
			}
			ring := make([]xy, 0, len(r)+1)
			x := frameX(float64(r[0].Lon))
			prev := float64(r[0].Lon)
			for i, v := range r {
				if i > 0 {
					x += math.Remainder(float64(v.Lon)-prev, 360)
					prev = float64(v.Lon)
				}
				ring = append(ring, xy{x, float64(v.Lat)})
			}
			if ring[0] != ring[len(ring)-1] {
				ring = append(ring, ring[0])
			}
			// A ring east of the window's seam is moved back by 360°.
			minX := math.Inf(1)
			for _, p := range ring {
				minX = math.Min(minX, p.x)
			}
			if minX >= winE {
				for i := range ring {
					ring[i].x -= 360
				}
			}
			for _, p := range ring {
				sh.box[0] = math.Min(sh.box[0], p.x)
				sh.box[1] = math.Min(sh.box[1], p.y)
				sh.box[2] = math.Max(sh.box[2], p.x)
				sh.box[3] = math.Max(sh.box[3], p.y)
			}
			sh.rings = append(sh.rings, ring)
		}
	}
	ix.shapes = append(ix.shapes, sh)
	return len(ix.shapes) - 1
}

func (ix *index) cellOf(x, y float64) (i, j int, ok bool) {
	if !(x >= winW && x < winE && y >= winS && y < winN) {
		return 0, 0, false
	}
	return int((x - winW) / cellDeg), int((y - winS) / cellDeg), true
}

func clampI(v, lo, hi int) int { return max(lo, min(hi, v)) }

// cellRange returns the cells overlapping [x0, x1] × [y0, y1], clamped.
func (ix *index) cellRange(x0, y0, x1, y1 float64) (i0, j0, i1, j1 int) {
	i0 = clampI(int(math.Floor((x0-winW)/cellDeg)), 0, ix.nx-1)
	i1 = clampI(int(math.Floor((x1-winW)/cellDeg)), 0, ix.nx-1)
	j0 = clampI(int(math.Floor((y0-winS)/cellDeg)), 0, ix.ny-1)
	j1 = clampI(int(math.Floor((y1-winS)/cellDeg)), 0, ix.ny-1)
	return
}

// build fills the grid; call it once after every add.
func (ix *index) build() {
	type item struct {
		cell, shape int32
		s           seg
		edge        bool // false: an inside-centre marker
	}
	var items []item
	var xs []float64
	for si, sh := range ix.shapes {
		s32 := int32(si)
		for _, r := range sh.rings {
			for k := 0; k+1 < len(r); k++ {
				a, b := r[k], r[k+1]
				i0, j0, i1, j1 := ix.cellRange(math.Min(a.x, b.x), math.Min(a.y, b.y), math.Max(a.x, b.x), math.Max(a.y, b.y))
				for j := j0; j <= j1; j++ {
					for i := i0; i <= i1; i++ {
						cx0 := winW + float64(i)*cellDeg
						cy0 := winS + float64(j)*cellDeg
						if segHitsBox(a, b, cx0, cy0, cx0+cellDeg, cy0+cellDeg) {
							items = append(items, item{int32(j*ix.nx + i), s32, seg{a.x, a.y, b.x, b.y}, true})
						}
					}
				}
			}
		}
		// Centre flags, row by row, from the crossings of the row's centre
		// line: a centre is inside iff an odd number lie east of it.
		i0, j0, i1, j1 := ix.cellRange(sh.box[0], sh.box[1], sh.box[2], sh.box[3])
		for j := j0; j <= j1; j++ {
			yc := winS + (float64(j)+0.5)*cellDeg
			xs = xs[:0]
			for _, r := range sh.rings {
				for k := 0; k+1 < len(r); k++ {
					a, b := r[k], r[k+1]
					if (a.y > yc) != (b.y > yc) {
						xs = append(xs, a.x+(yc-a.y)*(b.x-a.x)/(b.y-a.y))
					}
				}
			}
			if len(xs) == 0 {
				continue
			}
			sort.Float64s(xs)
			for i := i0; i <= i1; i++ {
				xc := winW + (float64(i)+0.5)*cellDeg
				if n := len(xs) - sort.SearchFloat64s(xs, math.Nextafter(xc, math.Inf(1))); n%2 == 1 {
					items = append(items, item{cell: int32(j*ix.nx + i), shape: s32})
				}
			}
		}
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if a.cell != b.cell {
			return int(a.cell - b.cell)
		}
		return int(a.shape - b.shape)
	})
	ncell := ix.nx * ix.ny
	ix.start = make([]int32, ncell+1)
	ix.ents = ix.ents[:0]
	ix.segs = make([]seg, 0, len(items))
	for k := 0; k < len(items); {
		c, s := items[k].cell, items[k].shape
		e := entry{shape: s, lo: int32(len(ix.segs))}
		for ; k < len(items) && items[k].cell == c && items[k].shape == s; k++ {
			if items[k].edge {
				ix.segs = append(ix.segs, items[k].s)
			} else {
				e.inside = true
			}
		}
		e.hi = int32(len(ix.segs))
		ix.ents = append(ix.ents, e)
		ix.start[c+1]++
	}
	for c := 1; c <= ncell; c++ {
		ix.start[c] += ix.start[c-1]
	}
}

// segHitsBox reports whether segment ab meets the closed box (Liang–Barsky).
func segHitsBox(a, b xy, x0, y0, x1, y1 float64) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b.x-a.x, b.y-a.y
	for _, c := range [4][2]float64{{-dx, a.x - x0}, {dx, x1 - a.x}, {-dy, a.y - y0}, {dy, y1 - a.y}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// cellEntries returns the entries of cell (i, j).
func (ix *index) cellEntries(i, j int) []entry {
	c := j*ix.nx + i
	return ix.ents[ix.start[c]:ix.start[c+1]]
}

// side is the half-open orientation test: 1 if c is left of a→b, else 0
// (collinear counts as right), so that a vertex on the test line is
// counted on one side only.
func side(ax, ay, bx, by, cx, cy float64) int {
	if (bx-ax)*(cy-ay)-(by-ay)*(cx-ax) > 0 {
		return 1
	}
	return 0
}

// inEntry reports whether (x, y), in cell (i, j), is inside e's shape.
func (ix *index) inEntry(e entry, i, j int, x, y float64) bool {
	in := e.inside
	cx := winW + (float64(i)+0.5)*cellDeg
	cy := winS + (float64(j)+0.5)*cellDeg
	for _, s := range ix.segs[e.lo:e.hi] {
		if side(cx, cy, x, y, s.ax, s.ay) != side(cx, cy, x, y, s.bx, s.by) &&
			side(s.ax, s.ay, s.bx, s.by, cx, cy) != side(s.ax, s.ay, s.bx, s.by, x, y) {
			in = !in
		}
	}
	return in
}

// locate calls f for every shape containing p (longitude any
// representation); f returns false to stop.
func (ix *index) locate(lat, lon float64, f func(shape int) bool) {
	x, y := frameX(lon), lat
	i, j, ok := ix.cellOf(x, y)
	if !ok {
		return
	}
	for _, e := range ix.cellEntries(i, j) {
		if ix.inEntry(e, i, j, x, y) && !f(int(e.shape)) {
			return
		}
	}
}

// contains reports whether shape s contains p.
func (ix *index) contains(s int, lat, lon float64) bool {
	x, y := frameX(lon), lat
	i, j, ok := ix.cellOf(x, y)
	if !ok {
		return false
	}
	for _, e := range ix.cellEntries(i, j) {
		if int(e.shape) == s {
			return ix.inEntry(e, i, j, x, y)
		}
	}
	return false
}

// plane is a local equirectangular projection: metres east and north of a
// centre, with the WGS-84 radii of curvature at the centre's latitude.
type plane struct {
	x0, y0, kx, ky float64
}

func newPlane(x, y float64) plane {
	s, c := math.Sincos(y * math.Pi / 180)
	w := math.Sqrt(1 - geo.E2*s*s)
	n := geo.A / w
	m := n * (1 - geo.E2) / (w * w)
	return plane{x0: x, y0: y, kx: n * c * math.Pi / 180, ky: m * math.Pi / 180}
}

func (pl plane) at(x, y float64) (float64, float64) {
	return (x - pl.x0) * pl.kx, (y - pl.y0) * pl.ky
}

// degPerM returns conservative degrees of longitude and latitude spanned by
// d metres around latitudes up to |lat|+d.
func degPerM(lat, d float64) (dlon, dlat float64) {
	dlat = d/((1-geo.E2)*geo.A*math.Pi/180)*1.01 + 1e-9
	phi := math.Min(89, math.Abs(lat)+dlat)
	dlon = dlat / math.Cos(phi*math.Pi/180)
	return dlon, dlat
}

// segSegDist returns the distance between segments pq and ab in a plane.
func segSegDist(px, py, qx, qy, ax, ay, bx, by float64) float64 {
	if segsCross(px, py, qx, qy, ax, ay, bx, by) {
		return 0
	}
	return math.Min(math.Min(ptSegDist(px, py, ax, ay, bx, by), ptSegDist(qx, qy, ax, ay, bx, by)),
		math.Min(ptSegDist(ax, ay, px, py, qx, qy), ptSegDist(bx, by, px, py, qx, qy)))
}

func orient(ax, ay, bx, by, cx, cy float64) float64 {
	return (bx-ax)*(cy-ay) - (by-ay)*(cx-ax)
}

func segsCross(px, py, qx, qy, ax, ay, bx, by float64) bool {
	d1 := orient(px, py, qx, qy, ax, ay)
	d2 := orient(px, py, qx, qy, bx, by)
	d3 := orient(ax, ay, bx, by, px, py)
	d4 := orient(ax, ay, bx, by, qx, qy)
	return (d1 > 0) != (d2 > 0) && (d3 > 0) != (d4 > 0) && d1 != 0 && d2 != 0 && d3 != 0 && d4 != 0
}

func ptSegDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	return math.Hypot(px-ax-t*dx, py-ay-t*dy)
}

// nearest returns the planar distance in metres from (lat, lon) to the
// boundary of each shape accepted by want, among boundaries within rmax
// metres, calling f(shape, distance, x, y) with the nearest boundary point
// (frame coordinates) of each. Shapes containing the point are reported by
// the caller, not here.
func (ix *index) nearest(lat, lon, rmax float64, want func(shape int) bool, f func(shape int, d, bx, by float64)) {
	ix.nearestSegs(lat, lon, rmax, false, want, f)
}

// nearestMarked is nearest among the marked segments only.
func (ix *index) nearestMarked(lat, lon, rmax float64, want func(shape int) bool, f func(shape int, d, bx, by float64)) {
	ix.nearestSegs(lat, lon, rmax, true, want, f)
}

func (ix *index) nearestSegs(lat, lon, rmax float64, marked bool, want func(shape int) bool, f func(shape int, d, bx, by float64)) {
	x, y := frameX(lon), lat
	pl := newPlane(x, y)
	dlon, dlat := degPerM(lat, rmax)
	i0, j0, i1, j1 := ix.cellRange(x-dlon, y-dlat, x+dlon, y+dlat)
	type best struct{ d, x, y float64 }
	found := map[int]best{}
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			for _, e := range ix.cellEntries(i, j) {
				s := int(e.shape)
				if e.lo == e.hi || !want(s) {
					continue
				}
				b, ok := found[s]
				if !ok {
					b = best{d: rmax}
				}
				for k := e.lo; k < e.hi; k++ {
					if marked && !ix.mark[k] {
						continue
					}
					sg := ix.segs[k]
					ax, ay := pl.at(sg.ax, sg.ay)
					bx, by := pl.at(sg.bx, sg.by)
					dx, dy := bx-ax, by-ay
					l2 := dx*dx + dy*dy
					t := 0.0
					if l2 > 0 {
						t = math.Max(0, math.Min(1, (-ax*dx-ay*dy)/l2))
					}
					if d := math.Hypot(ax+t*dx, ay+t*dy); d <= b.d {
						b = best{d, sg.ax + t*(sg.bx-sg.ax), sg.ay + t*(sg.by-sg.ay)}
						ok = true
					}
				}
				if ok {
					found[s] = b
				}
			}
		}
	}
	keys := make([]int, 0, len(found))
	for s := range found {
		keys = append(keys, s)
	}
	sort.Ints(keys)
	for _, s := range keys {
		b := found[s]
		f(s, b.d, b.x, b.y)
	}
}
