package warn

import (
	"math"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// run is a stretch of a track within the half-width of a region: the
// track's segments first..last (inclusive).
type run struct {
	region      *Region
	first, last int
}

// regionSet is a small set of region indices.
type regionSet []bool

// corridorRuns returns, for the track given as frame points (see index.go),
// every maximal run of consecutive segments within w metres of a region of
// nation n (all nations if NationUnknown), in order of first segment then
// region. A track of one point is treated as one zero-length segment.
// Segments for which skip (if not nil) returns true are left out.
func (a *Atlas) corridorRuns(track []xy, w float64, n nation.Nation, skip func(k int) bool) []run {
	return a.corridorRunsFor(track, w, func(r *Region) bool { return !n.Valid() || r.Nation == n }, skip)
}

// corridorRunsFor is corridorRuns for the regions accepted by keep.
func (a *Atlas) corridorRunsFor(track []xy, w float64, keep func(*Region) bool, skip func(k int) bool) []run {
	if len(track) == 0 {
		return nil
	}
	if len(track) == 1 {
		track = []xy{track[0], track[0]}
	}
	want := func(s int) (*Region, bool) {
		info := &a.shapes[s]
		if info.layer != layerRegion || !keep(info.region) {
			return nil, false
		}
		return info.region, true
	}
	open := map[*Region]int{} // region → index in out of its open run
	var out []run
	touched := make(regionSet, len(a.regions))
	var list []*Region
	for k := 0; k+1 < len(track); k++ {
		p, q := track[k], track[k+1]
		if math.Abs(q.x-p.x) > 180 || (skip != nil && skip(k)) {
			continue // a jump across the window's seam, or left out
		}
		list = list[:0]
		mark := func(r *Region) {
			if !touched[r.idx] {
				touched[r.idx] = true
				list = append(list, r)
			}
		}
		a.segmentHits(p, q, w, want, touched, mark)
		for _, r := range list {
			touched[r.idx] = false
			if i, ok := open[r]; ok && out[i].last == k-1 {
				out[i].last = k
				continue
			}
			open[r] = len(out)
			out = append(out, run{region: r, first: k, last: k})
		}
	}
	return out
}

// segmentHits calls mark for every wanted region within w metres of the
// segment pq, skipping regions already set in done.
func (a *Atlas) segmentHits(p, q xy, w float64, want func(int) (*Region, bool), done regionSet, mark func(*Region)) {
	ix := a.ix
	// Regions holding the start point.
	ix.locate(p.y, p.x, func(s int) bool {
		if r, ok := want(s); ok {
			mark(r)
		}
		return true
	})
	mx, my := (p.x+q.x)/2, (p.y+q.y)/2
	pl := newPlane(mx, my)
	px, py := pl.at(p.x, p.y)
	qx, qy := pl.at(q.x, q.y)
	dlon, dlat := degPerM(math.Max(math.Abs(p.y), math.Abs(q.y)), w)
	i0, j0, i1, j1 := ix.cellRange(math.Min(p.x, q.x)-dlon, math.Min(p.y, q.y)-dlat, math.Max(p.x, q.x)+dlon, math.Max(p.y, q.y)+dlat)
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			ents := ix.cellEntries(i, j)
			if len(ents) == 0 {
				continue
			}
			// Skip cells wholly farther than w: distance to the centre less
			// the half-diagonal.
			cx, cy := pl.at(winW+(float64(i)+0.5)*cellDeg, winS+(float64(j)+0.5)*cellDeg)
			hx, hy := cellDeg/2*pl.kx, cellDeg/2*pl.ky
			dc := ptSegDist(cx, cy, px, py, qx, qy)
			if dc-math.Hypot(hx, hy)*1.02 > w {
				continue
			}
			for _, e := range ents {
				r, ok := want(int(e.shape))
				if !ok || done[r.idx] {
					continue
				}
				if e.inside && dc <= w {
					mark(r)
					continue
				}
				for _, s := range ix.segs[e.lo:e.hi] {
					ax, ay := pl.at(s.ax, s.ay)
					bx, by := pl.at(s.bx, s.by)
					if segSegDist(px, py, qx, qy, ax, ay, bx, by) <= w {
						mark(r)
						break
					}
				}
			}
		}
	}
}

// toFrame converts positions to frame points.
func toFrame(track []geo.LLA) []xy {
	out := make([]xy, len(track))
	for i, p := range track {
		out[i] = xy{frameX(float64(p.Lon)), float64(p.Lat)}
	}
	return out
}

// Corridor returns the regions of n (every nation's if NationUnknown) whose
// land lies within halfWidth of the polyline track (heights ignored), in
// atlas order. Track vertices are joined by straight lines in longitude and
// latitude, so space them no more than about 50 km apart; distances are
// planar about each segment's midpoint (see the package documentation),
// good to about 2 % of halfWidth.
func (a *Atlas) Corridor(n nation.Nation, track []geo.LLA, halfWidth geo.Meters) []*Region {
	runs := a.corridorRuns(toFrame(track), float64(halfWidth), n, nil)
	seen := make(regionSet, len(a.regions))
	for _, r := range runs {
		seen[r.region.idx] = true
	}
	var out []*Region
	for _, r := range a.regions {
		if seen[r.idx] {
			out = append(out, r)
		}
	}
	return out
}

// Ellipse returns the regions of n (every nation's if NationUnknown) whose
// land meets the ellipse centred on c with semi-axes major and minor
// (metres) and the major axis at bearing (degrees clockwise from north), in
// atlas order. The ellipse is drawn on the local plane at c.
func (a *Atlas) Ellipse(n nation.Nation, c geo.LLA, major, minor geo.Meters, bearing geo.Degrees) []*Region {
	seen := make(regionSet, len(a.regions))
	a.ellipseHits(c, float64(major), float64(minor), float64(bearing), func(s int) (*Region, bool) {
		info := &a.shapes[s]
		if info.layer != layerRegion || (n.Valid() && info.nation != n) {
			return nil, false
		}
		return info.region, true
	}, seen)
	var out []*Region
	for _, r := range a.regions {
		if seen[r.idx] {
			out = append(out, r)
		}
	}
	return out
}

// ellipseHits sets seen for every wanted region meeting the ellipse.
func (a *Atlas) ellipseHits(c geo.LLA, major, minor, bearing float64, want func(int) (*Region, bool), seen regionSet) {
	ix := a.ix
	major, minor = math.Max(major, minor), math.Max(math.Min(major, minor), 1)
	cx, cy := frameX(float64(c.Lon)), float64(c.Lat)
	ix.locate(cy, cx, func(s int) bool {
		if r, ok := want(s); ok {
			seen[r.idx] = true
		}
		return true
	})
	pl := newPlane(cx, cy)
	sb, cb := math.Sincos(bearing * math.Pi / 180)
	// norm maps plane metres (east, north) to the unit-circle frame.
	norm := func(x, y float64) (float64, float64) {
		u := x*sb + y*cb // along the major axis
		v := x*cb - y*sb // along the minor axis
		return u / major, v / minor
	}
	dlon, dlat := degPerM(cy, major)
	i0, j0, i1, j1 := ix.cellRange(cx-dlon, cy-dlat, cx+dlon, cy+dlat)
	for j := j0; j <= j1; j++ {
		for i := i0; i <= i1; i++ {
			ents := ix.cellEntries(i, j)
			if len(ents) == 0 {
				continue
			}
			ccx, ccy := pl.at(winW+(float64(i)+0.5)*cellDeg, winS+(float64(j)+0.5)*cellDeg)
			nx, ny := norm(ccx, ccy)
			centreIn := nx*nx+ny*ny <= 1
			for _, e := range ents {
				r, ok := want(int(e.shape))
				if !ok || seen[r.idx] {
					continue
				}
				if e.inside && centreIn {
					seen[r.idx] = true
					continue
				}
				for _, s := range ix.segs[e.lo:e.hi] {
					ax, ay := norm(pl.at(s.ax, s.ay))
					bx, by := norm(pl.at(s.bx, s.by))
					if ptSegDist(0, 0, ax, ay, bx, by) <= 1 {
						seen[r.idx] = true
						break
					}
				}
			}
		}
	}
}
