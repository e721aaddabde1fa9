package geo_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/geo"
)

// rect returns a closed counterclockwise ring of a lon/lat rectangle.
func rect(w, s, e, n geo.Degrees) geo.Ring {
	return geo.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}

func at(lat, lon geo.Degrees) geo.LLA { return geo.LLA{Lat: lat, Lon: lon} }

var (
	square     = geo.MultiPolygon{{rect(0, 0, 10, 10)}}
	squareHole = geo.MultiPolygon{{rect(0, 0, 10, 10), rect(4, 4, 6, 6)}}
	// uShape is a U open to the north: the notch is lon 3..7, lat 3..10.
	uShape = geo.MultiPolygon{{geo.Ring{{0, 0}, {10, 0}, {10, 10}, {7, 10}, {7, 3}, {3, 3}, {3, 10}, {0, 10}}}}
	// aleutians spans the antimeridian, 170°E to 170°W, written three ways.
	aleutiansWrapped = geo.MultiPolygon{{rect(170, 50, -170, 55)}}
	aleutians360     = geo.MultiPolygon{{rect(170, 50, 190, 55)}}
	aleutiansSplit   = geo.MultiPolygon{{rect(170, 50, 180, 55)}, {rect(-180, 50, -170, 55)}}
	// polarCap is everything north of 80°, an eastward ring round the pole.
	polarCap = geo.MultiPolygon{{geo.Ring{{-180, 80}, {-90, 80}, {0, 80}, {90, 80}, {180, 80}}}}
)

func TestContains(t *testing.T) {
	for _, tt := range []struct {
		name string
		mp   geo.MultiPolygon
		p    geo.LLA
		want bool
	}{
		{"square_inside", square, at(5, 5), true},
		{"square_outside_east", square, at(5, 11), false},
		{"square_outside_north", square, at(10.5, 5), false},
		{"square_outside_360", square, at(5, 365), true}, // 365 ≡ 5
		{"square_west_edge", square, at(5, 0), true},     // west and south edges are inside
		{"square_south_edge", square, at(0, 5), true},
		{"square_east_edge", square, at(5, 10), false}, // east and north edges are outside
		{"square_north_edge", square, at(10, 5), false},
		{"hole_inside_hole", squareHole, at(5, 5), false},
		{"hole_in_ring", squareHole, at(2, 2), true},
		{"u_notch", uShape, at(6, 5), false},
		{"u_arm", uShape, at(6, 1.5), true},
		{"u_base", uShape, at(1.5, 5), true},
		{"empty", nil, at(0, 0), false},
		{"polar_cap_in", polarCap, at(85, 123), true},
		{"polar_cap_pole", polarCap, at(90, 0), true},
		{"polar_cap_out", polarCap, at(75, 10), false},
		{"polar_cap_out_south", polarCap, at(-85, 10), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mp.Contains(tt.p); got != tt.want {
				t.Errorf("Contains(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestContainsAntimeridian(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    geo.LLA
		want bool
	}{
		{"west_half", at(52, 175), true},
		{"east_half", at(52, -175), true},
		{"east_half_as_185", at(52, 185), true},
		{"on_180", at(52, 180), true},
		{"on_minus_180", at(52, -180), true},
		{"west_outside", at(52, 165), false},
		{"east_outside", at(52, -165), false},
		{"east_outside_as_195", at(52, 195), false},
		{"far_side", at(52, 0), false},
		{"north_of_it", at(56, 179), false},
	} {
		for _, shape := range []struct {
			name string
			mp   geo.MultiPolygon
		}{
			{"wrapped", aleutiansWrapped},
			{"lon360", aleutians360},
			{"split", aleutiansSplit},
		} {
			t.Run(tt.name+"/"+shape.name, func(t *testing.T) {
				if got := shape.mp.Contains(tt.p); got != tt.want {
					t.Errorf("%s.Contains(%v) = %v, want %v", shape.name, tt.p, got, tt.want)
				}
			})
		}
	}
	// A point on the seam of the split form belongs to exactly one half.
	for _, lat := range []geo.Degrees{50.5, 52, 54.9} {
		n := 0
		for _, pg := range aleutiansSplit {
			if pg.Contains(at(lat, 180)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("seam point at latitude %v is in %d halves, want 1", lat, n)
		}
	}
}

// bruteDistance samples the boundary of mp at samples points along each
// edge (as a lon/lat straight line), then samples again as finely between
// the neighbours of the best sample, and returns the least geodesic distance
// to p.
func bruteDistance(mp geo.MultiPolygon, p geo.LLA, samples int) float64 {
	best := math.Inf(1)
	var bestA geo.LonLat
	var bestDlon, bestF float64
	var bestDlat geo.Degrees
	sample := func(a geo.LonLat, dlon float64, dlat geo.Degrees, f float64) {
		q := geo.LLA{Lat: a.Lat + geo.Degrees(f)*dlat, Lon: a.Lon + geo.Degrees(f*dlon)}
		if d, _, _ := geo.Inverse(p, q); float64(d) < best {
			best, bestA, bestDlon, bestDlat, bestF = float64(d), a, dlon, dlat, f
		}
	}
	for _, pg := range mp {
		for _, r := range pg {
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				dlon := math.Remainder(float64(b.Lon-a.Lon), 360)
				for k := range samples + 1 {
					sample(a, dlon, b.Lat-a.Lat, float64(k)/float64(samples))
				}
			}
		}
	}
	step := 1 / float64(samples)
	a, dlon, dlat, f0 := bestA, bestDlon, bestDlat, bestF
	for k := range 2*samples + 1 {
		if f := f0 - step + step*float64(k)/float64(samples); f >= 0 && f <= 1 {
			sample(a, dlon, dlat, f)
		}
	}
	return best
}

func TestDistanceExact(t *testing.T) {
	for _, tt := range []struct {
		name string
		mp   geo.MultiPolygon
		p    geo.LLA
		want float64 // GeodSolve -i -p 9
	}{
		// From (0, 0) to the west edge at (0, 1): 1° of equator.
		{"equator_to_meridian_edge", geo.MultiPolygon{{rect(1, -1, 3, 1)}}, at(0, 0), 111319.490793274},
		// a·1e−4° along the equator.
		{"equator_11m", geo.MultiPolygon{{rect(1, -1, 3, 1)}}, at(0, 0.9999), 11.131949079},
		// From (10, 5) north to the edge along latitude 11: 10 5 11 5.
		{"meridian_to_parallel_edge", geo.MultiPolygon{{rect(0, 11, 10, 12)}}, at(10, 5), 110611.186562063},
		// Same, across the antimeridian: the edge runs 175°E..175°W.
		{"across_antimeridian", geo.MultiPolygon{{rect(175, 11, -175, 12)}}, at(10, 180), 110611.186562063},
		{"across_antimeridian_split", geo.MultiPolygon{{rect(175, 11, 180, 12)}, {rect(-180, 11, -175, 12)}}, at(10, -180), 110611.186562063},
		{"inside", square, at(5, 5), 0},
		{"empty", nil, at(5, 5), math.Inf(1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := float64(tt.mp.Distance(tt.p))
			if !(math.Abs(got-tt.want) <= 1e-3) && got != tt.want {
				t.Errorf("Distance(%v) = %.6f, want %.6f", tt.p, got, tt.want)
			}
		})
	}
}

// TestDistanceBrute compares Distance with dense sampling of the boundary
// at random points up to ~1500 km away, for shapes with short and long
// edges, holes, and a region across the antimeridian. The target is 0.5%;
// the sampling itself is within (edge length / samples)²/(8·distance).
func TestDistanceBrute(t *testing.T) {
	// A ragged "coast" with many short edges, around Japan's latitude.
	var coast geo.Ring
	rnd := rand.New(rand.NewPCG(11, 12))
	for i := range 60 {
		a := 2 * math.Pi * float64(i) / 60
		r := 2 + 0.3*rnd.Float64()
		coast = append(coast, geo.LonLat{Lon: geo.Degrees(138 + r*math.Cos(a)/math.Cos(36*math.Pi/180)), Lat: geo.Degrees(36 + r*math.Sin(a))})
	}
	shapes := []struct {
		name string
		mp   geo.MultiPolygon
	}{
		{"square", square},
		{"square_hole", squareHole},
		{"u_shape", uShape},
		{"coast", geo.MultiPolygon{{coast}}},
		{"aleutians_wrapped", aleutiansWrapped},
		{"aleutians_split", aleutiansSplit},
		{"big_high_lat", geo.MultiPolygon{{rect(-30, 60, 40, 72)}}},
	}
	n := 40
	if testing.Short() {
		n = 10
	}
	var worst float64
	tested := 0
	for _, sh := range shapes {
		b := sh.mp.Bounds()
		for range n {
			// A point near the box, within ~1500 km.
			lat := geo.Degrees(math.Max(-89, math.Min(89, float64(b.MinLat)-10+rnd.Float64()*float64(b.MaxLat-b.MinLat+20))))
			lon := geo.NormalizeLon(b.MinLon - 10 + geo.Degrees(rnd.Float64())*(b.MaxLon-b.MinLon+20))
			p := at(lat, lon)
			got := float64(sh.mp.Distance(p))
			if sh.mp.Contains(p) {
				if got != 0 {
					t.Errorf("%s: Distance(%v) = %v inside, want 0", sh.name, p, got)
				}
				continue
			}
			want := bruteDistance(sh.mp, p, 300)
			if want > 1.6e6 {
				continue
			}
			tested++
			rel := (got - want) / want
			worst = math.Max(worst, math.Abs(rel))
			// got may be slightly below the sampled minimum (it finds the
			// true minimum between samples), never above it.
			if rel > 1e-9 || rel < -1e-5 {
				t.Errorf("%s: Distance(%v) = %.3f, brute force %.3f (%.2g)", sh.name, p, got, want, rel)
			}
		}
	}
	if tested < len(shapes)*n/3 {
		t.Errorf("only %d points tested outside the shapes", tested)
	}
	t.Logf("worst relative difference from brute force over %d points: %.3g", tested, worst)
}

func TestBounds(t *testing.T) {
	for _, tt := range []struct {
		name string
		mp   geo.MultiPolygon
		want geo.Box
	}{
		{"square", square, geo.Box{MinLon: 0, MinLat: 0, MaxLon: 10, MaxLat: 10}},
		{"aleutians_wrapped", aleutiansWrapped, geo.Box{MinLon: 170, MinLat: 50, MaxLon: 190, MaxLat: 55}},
		{"aleutians_360", aleutians360, geo.Box{MinLon: 170, MinLat: 50, MaxLon: 190, MaxLat: 55}},
		{"aleutians_split", aleutiansSplit, geo.Box{MinLon: 170, MinLat: 50, MaxLon: 190, MaxLat: 55}},
		{"two_far_apart", geo.MultiPolygon{{rect(-10, 0, 0, 1)}, {rect(100, 2, 110, 3)}}, geo.Box{MinLon: -10, MinLat: 0, MaxLon: 110, MaxLat: 3}},
		{"pacific_pair", geo.MultiPolygon{{rect(140, 0, 145, 1)}, {rect(-160, 2, -150, 3)}}, geo.Box{MinLon: 140, MinLat: 0, MaxLon: 210, MaxLat: 3}},
		{"polar_cap", polarCap, geo.Box{MinLon: -180, MinLat: 80, MaxLon: 180, MaxLat: 90}},
		{"ring_starting_west_of_180", geo.MultiPolygon{{geo.Ring{{-175, 0}, {175, 0}, {175, 1}, {-175, 1}}}}, geo.Box{MinLon: 175, MinLat: 0, MaxLon: 185, MaxLat: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mp.Bounds(); got != tt.want {
				t.Errorf("Bounds() = %+v, want %+v", got, tt.want)
			}
		})
	}
	if b := (geo.MultiPolygon{}).Bounds(); !b.Empty() || b.Contains(at(0, 0)) {
		t.Errorf("empty Bounds() = %+v, want empty", b)
	}
}

func TestBoxContainsIntersects(t *testing.T) {
	al := geo.Box{MinLon: 170, MinLat: 50, MaxLon: 190, MaxLat: 55}
	for _, tt := range []struct {
		name string
		p    geo.LLA
		want bool
	}{
		{"east", at(52, -175), true},
		{"west", at(52, 175), true},
		{"edge", at(55, 170), true},
		{"outside_lon", at(52, 0), false},
		{"outside_lat", at(56, 180), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := al.Contains(tt.p); got != tt.want {
				t.Errorf("%+v.Contains(%v) = %v, want %v", al, tt.p, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name string
		o    geo.Box
		want bool
	}{
		{"east_overlap", geo.Box{MinLon: -175, MinLat: 54, MaxLon: -160, MaxLat: 60}, true},
		{"west_overlap", geo.Box{MinLon: 160, MinLat: 40, MaxLon: 171, MaxLat: 51}, true},
		{"inside", geo.Box{MinLon: 179, MinLat: 51, MaxLon: 181, MaxLat: 52}, true},
		{"around", geo.Box{MinLon: 100, MinLat: 0, MaxLon: 250, MaxLat: 80}, true},
		{"lat_apart", geo.Box{MinLon: 175, MinLat: 56, MaxLon: 185, MaxLat: 60}, false},
		{"lon_apart", geo.Box{MinLon: -160, MinLat: 50, MaxLon: -150, MaxLat: 55}, false},
		{"empty", geo.EmptyBox(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := al.Intersects(tt.o); got != tt.want {
				t.Errorf("Intersects(%+v) = %v, want %v", tt.o, got, tt.want)
			}
			if got := tt.o.Intersects(al); got != tt.want {
				t.Errorf("reversed Intersects(%+v) = %v, want %v", tt.o, got, tt.want)
			}
		})
	}
}

func TestBoxExpand(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 14))
	for _, b := range []geo.Box{
		{MinLon: 128, MinLat: 30, MaxLon: 146, MaxLat: 46},
		{MinLon: 170, MinLat: 50, MaxLon: 190, MaxLat: 55},
		{MinLon: -10, MinLat: 70, MaxLon: 10, MaxLat: 80},
		{MinLon: 0, MinLat: -1, MaxLon: 1, MaxLat: 0},
	} {
		for _, d := range []geo.Meters{0, 1e4, 5e5, 2e6} {
			e := b.Expand(d)
			for range 500 {
				in := at(b.MinLat+geo.Degrees(rnd.Float64())*(b.MaxLat-b.MinLat), b.MinLon+geo.Degrees(rnd.Float64())*(b.MaxLon-b.MinLon))
				out, _ := geo.Direct(in, geo.Degrees(rnd.Float64()*360), d*geo.Meters(rnd.Float64()))
				if !e.Contains(out) {
					t.Fatalf("%+v.Expand(%v) = %+v misses %v", b, d, e, out)
				}
			}
			if d == 2e6 && e.Contains(at(-b.MinLat-30, b.MinLon-90)) {
				t.Errorf("%+v.Expand(%v) = %+v is far too big", b, d, e)
			}
		}
	}
}

func TestPolygonValid(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mp      geo.MultiPolygon
		wantErr string
	}{
		{"square", square, ""},
		{"aleutians_360", aleutians360, ""},
		{"open_triangle", geo.MultiPolygon{{geo.Ring{{0, 0}, {1, 0}, {0, 1}}}}, ""},
		{"no_rings", geo.MultiPolygon{{}}, "no rings"},
		{"two_points", geo.MultiPolygon{{geo.Ring{{0, 0}, {1, 0}, {0, 0}}}}, "distinct"},
		{"bad_lat", geo.MultiPolygon{{geo.Ring{{0, 0}, {1, 95}, {0, 1}}}}, "ring 0 vertex 1"},
		{"bad_lon", geo.MultiPolygon{{rect(0, 0, 1, 1)}, {geo.Ring{{0, 0}, {1, 0}, {361, 1}}}}, "polygon 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.mp.Valid()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Valid() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Valid() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
	if err := (geo.MultiPolygon{{geo.Ring{{0, 0}, {1, 95}, {0, 1}}}}).Valid(); !errors.Is(err, geo.ErrInvalidPosition) {
		t.Errorf("bad vertex error %v does not wrap ErrInvalidPosition", err)
	}
}

func TestMultiPolygonJSON(t *testing.T) {
	const in = `[[[[170,50],[-170,50],[-170,55,12.5],[170,55],[170,50]]]]`
	var mp geo.MultiPolygon
	if err := json.Unmarshal([]byte(in), &mp); err != nil {
		t.Fatal(err)
	}
	if !mp.Contains(at(52, 180)) || mp[0][0][2] != (geo.LonLat{Lon: -170, Lat: 55}) {
		t.Errorf("decoded %v", mp)
	}
	out, err := json.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[[[[170,50],[-170,50],[-170,55],[170,55],[170,50]]]]`; string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
	for _, bad := range []string{`[[[[1]]]]`, `[[[[1,2,3,4]]]]`, `[[[["a",1]]]]`} {
		if err := json.Unmarshal([]byte(bad), &mp); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want error", bad)
		}
	}
}

// circle returns a closed ring of n vertices approximating a circle of
// radius r degrees of latitude round (lat, lon).
func circle(lat, lon, r geo.Degrees, n int) geo.Ring {
	ring := make(geo.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, geo.LonLat{
			Lon: lon + r*geo.Degrees(math.Cos(a)/math.Cos(float64(lat)*math.Pi/180)),
			Lat: lat + r*geo.Degrees(math.Sin(a)),
		})
	}
	return append(ring, ring[0])
}

func BenchmarkContains(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		mp := geo.MultiPolygon{{circle(36, 138, 2, n)}}
		p := at(36.5, 138.5)
		b.Run("vertices="+itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mp.Contains(p)
			}
		})
	}
}

func BenchmarkDistance(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		mp := geo.MultiPolygon{{circle(36, 138, 2, n)}}
		p := at(40, 130)
		b.Run("vertices="+itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mp.Distance(p)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// FuzzRegion checks the region invariants for any point: Contains implies
// the bounding box contains it, Distance is 0 inside and finite and not
// negative outside (0 on an east or north edge, which Contains leaves out),
// and the longitude's representation does not matter.
func FuzzRegion(f *testing.F) {
	for _, s := range [][2]float64{{52, 180}, {52, -180}, {50, 170}, {55, 190}, {0, 0}, {90, 0}, {-90, 0}, {52, 168}} {
		f.Add(s[0], s[1])
	}
	shapes := []geo.MultiPolygon{aleutiansWrapped, aleutiansSplit, squareHole, uShape, polarCap}
	f.Fuzz(func(t *testing.T, lat, lon float64) {
		p := at(geo.Degrees(lat), geo.Degrees(lon))
		if p.Valid() != nil {
			t.Skip()
		}
		for i, mp := range shapes {
			in := mp.Contains(p)
			if in && !mp.Bounds().Contains(p) {
				t.Fatalf("shape %d contains %v but its bounds %+v do not", i, p, mp.Bounds())
			}
			alt := p
			if alt.Lon < 0 {
				alt.Lon += 360
			} else if alt.Lon >= 180 {
				alt.Lon -= 360
			}
			if mp.Contains(alt) != in {
				t.Fatalf("shape %d: Contains(%v) = %v but Contains(%v) differs", i, p, in, alt)
			}
			d := float64(mp.Distance(p))
			if in && d != 0 || math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
				t.Fatalf("shape %d: Contains(%v) = %v, Distance = %v", i, p, in, d)
			}
		}
	})
}
