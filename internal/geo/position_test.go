package geo_test

import (
	"bufio"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/geo"
)

// roundTripTol is the largest allowed geodetic → ECEF → geodetic error.
const roundTripTol = 1e-3 // m

// roundTripErr returns the distance between p and p converted to ECEF and
// back, and the round-tripped point.
func roundTripErr(p geo.LLA) (geo.Meters, geo.LLA) {
	e := p.ECEF()
	q := e.LLA()
	return geo.Distance(e, q.ECEF()), q
}

func TestLLARoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    geo.LLA
	}{
		{"origin", geo.LLA{}},
		{"north_pole", geo.LLA{Lat: 90, Lon: 0}},
		{"south_pole", geo.LLA{Lat: -90, Lon: 0}},
		{"north_pole_high", geo.LLA{Lat: 90, Lon: 0, Alt: 3e7}},
		{"south_pole_deep", geo.LLA{Lat: -90, Lon: 0, Alt: -1e6}},
		{"near_pole", geo.LLA{Lat: 89.99999999, Lon: 45, Alt: 100}},
		{"near_pole_high", geo.LLA{Lat: -89.9999999, Lon: -120, Alt: 5e7}},
		{"antimeridian_east", geo.LLA{Lat: 52, Lon: 180, Alt: 500}},
		{"antimeridian_west", geo.LLA{Lat: 52, Lon: -179.9999999, Alt: 500}},
		{"equator_deep", geo.LLA{Lat: 0, Lon: 90, Alt: -1e6}},
		{"equator_geo", geo.LLA{Lat: 0, Lon: 140, Alt: 35786e3}},
		{"mid_lat_50000km", geo.LLA{Lat: 45, Lon: 45, Alt: 5e7}},
		{"mid_lat_deep", geo.LLA{Lat: 45, Lon: -45, Alt: -1e6}},
		{"pyongyang", geo.LLA{Lat: 39.0392, Lon: 125.7625, Alt: 38}},
		{"apogee_6000km", geo.LLA{Lat: 40.5, Lon: 137, Alt: 6e6}},
		{"dead_sea", geo.LLA{Lat: 31.5, Lon: 35.5, Alt: -430}},
		{"tiny_lat", geo.LLA{Lat: 1e-12, Lon: 1e-12, Alt: 1}},
		{"lon_above_180", geo.LLA{Lat: 51.9, Lon: 187.4, Alt: 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, q := roundTripErr(tt.p)
			if d > roundTripTol {
				t.Errorf("round trip of %v gave %v, %.3g m away; want < %g m", tt.p, q, float64(d), roundTripTol)
			}
			if da := math.Abs(float64(q.Alt - tt.p.Alt)); da > roundTripTol {
				t.Errorf("round trip of %v: height %v, want %v", tt.p, q.Alt, tt.p.Alt)
			}
			if q.Lon <= -180 || q.Lon > 180 || math.Abs(float64(q.Lat)) > 90 {
				t.Errorf("round trip of %v gave %v, out of range", tt.p, q)
			}
			if math.Abs(float64(tt.p.Lat)) < 89 {
				if dl := math.Abs(math.Remainder(float64(q.Lon-tt.p.Lon), 360)); dl > 1e-9 {
					t.Errorf("round trip of %v: longitude %v, want %v", tt.p, q.Lon, geo.NormalizeLon(tt.p.Lon))
				}
			}
		})
	}
}

// TestLLARoundTripWorldwide samples the whole valid domain with a fixed seed.
func TestLLARoundTripWorldwide(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	var worst geo.Meters
	var worstP geo.LLA
	for range n {
		p := geo.LLA{
			Lat: geo.Degrees(math.Asin(2*rnd.Float64()-1) * 180 / math.Pi),
			Lon: geo.Degrees(rnd.Float64()*540 - 180),
			Alt: geo.Meters(-1e6 + rnd.Float64()*51e6),
		}
		if rnd.IntN(4) == 0 { // a quarter near the surface
			p.Alt = geo.Meters(rnd.NormFloat64() * 1e4)
		}
		if d, _ := roundTripErr(p); d > worst {
			worst, worstP = d, p
		}
	}
	if worst > roundTripTol {
		t.Errorf("worst round trip error %.3g m at %v, want < %g m", float64(worst), worstP, roundTripTol)
	}
	t.Logf("worst round trip error over %d points: %.3g m at %v", n, float64(worst), worstP)
}

func FuzzLLARoundTrip(f *testing.F) {
	for _, s := range [][3]float64{
		{0, 0, 0}, {90, 0, 0}, {-90, 0, 0}, {90, 0, 5e7}, {-90, 180, -1e6},
		{0, 180, 0}, {0, -180, 0}, {52, 359.999, 100}, {39, 125.75, 38},
		{45, 45, 5e7}, {45, -45, -1e6}, {1e-300, 1e-300, 0}, {89.999999999, 0, 1},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, lat, lon, alt float64) {
		p := geo.LLA{Lat: geo.Degrees(lat), Lon: geo.Degrees(lon), Alt: geo.Meters(alt)}
		if p.Valid() != nil || alt < -1e6 || alt > 5e7 {
			t.Skip()
		}
		d, q := roundTripErr(p)
		if math.IsNaN(float64(q.Lat)) || math.IsNaN(float64(q.Lon)) || math.IsNaN(float64(q.Alt)) {
			t.Fatalf("round trip of %v gave NaN: %v", p, q)
		}
		if d > roundTripTol || math.Abs(float64(q.Alt-p.Alt)) > roundTripTol {
			t.Fatalf("round trip of %v gave %v, %.3g m away", p, q, float64(d))
		}
		if q.Lon <= -180 || q.Lon > 180 {
			t.Fatalf("round trip of %v: longitude %v outside (-180, 180]", p, q.Lon)
		}
	})
}

// cartLine is one line of testdata/cartconvert.txt.
type cartLine struct {
	lineno int
	kind   string    // "G" geodetic→ECEF, "L" local ENU
	v      []float64 // G: lat lon h X Y Z; L: lat0 lon0 h0 lat lon h E N U
}

func readCartConvert(tb testing.TB) []cartLine {
	tb.Helper()
	f, err := os.Open("testdata/cartconvert.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []cartLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		l := cartLine{lineno: n, kind: fields[0]}
		for _, s := range fields[1:] {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				tb.Fatalf("cartconvert.txt:%d: %v", n, err)
			}
			l.v = append(l.v, x)
		}
		if want := map[string]int{"G": 6, "L": 9}[l.kind]; len(l.v) != want {
			tb.Fatalf("cartconvert.txt:%d: %d numbers for %q, want %d", n, len(l.v), l.kind, want)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// cartTol allows for CartConvert's 6 printed decimals (±0.5 µm per coordinate).
const cartTol = 2e-6 // m

func TestECEFAgainstCartConvert(t *testing.T) {
	n := 0
	for _, l := range readCartConvert(t) {
		if l.kind != "G" {
			continue
		}
		n++
		p := geo.LLA{Lat: geo.Degrees(l.v[0]), Lon: geo.Degrees(l.v[1]), Alt: geo.Meters(l.v[2])}
		want := geo.ECEF{X: l.v[3], Y: l.v[4], Z: l.v[5]}
		if got := p.ECEF(); geo.Distance(got, want) > cartTol {
			t.Errorf("line %d: %v.ECEF() = %+v, want %+v", l.lineno, p, got, want)
		}
		// And back: the point CartConvert printed must map to p.
		q := want.LLA()
		if d := geo.Distance(q.ECEF(), p.ECEF()); d > cartTol || math.Abs(float64(q.Alt-p.Alt)) > cartTol {
			t.Errorf("line %d: %+v.LLA() = %v, want %v (%.3g m apart)", l.lineno, want, q, p, float64(d))
		}
	}
	if n < 40 {
		t.Fatalf("only %d geodetic lines in testdata", n)
	}
}

func TestValid(t *testing.T) {
	for _, tt := range []struct {
		name    string
		p       geo.LLA
		wantErr string // substring; "" for valid
	}{
		{"zero", geo.LLA{}, ""},
		{"north_pole", geo.LLA{Lat: 90}, ""},
		{"south_pole", geo.LLA{Lat: -90, Lon: -180}, ""},
		{"lon_359", geo.LLA{Lat: 10, Lon: 359.99, Alt: -5000}, ""},
		{"lat_high", geo.LLA{Lat: 90.0001}, "latitude"},
		{"lat_low", geo.LLA{Lat: -91}, "latitude"},
		{"lat_nan", geo.LLA{Lat: geo.Degrees(math.NaN())}, "latitude"},
		{"lon_360", geo.LLA{Lon: 360}, "longitude"},
		{"lon_low", geo.LLA{Lon: -180.5}, "longitude"},
		{"lon_inf", geo.LLA{Lon: geo.Degrees(math.Inf(1))}, "longitude"},
		{"alt_nan", geo.LLA{Alt: geo.Meters(math.NaN())}, "altitude"},
		{"alt_inf", geo.LLA{Alt: geo.Meters(math.Inf(-1))}, "altitude"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Valid()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Valid() = %v, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("Valid() = nil, want error naming %s", tt.wantErr)
			case tt.wantErr != "" && (!strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, geo.ErrInvalidPosition)):
				t.Errorf("Valid() = %v, want ErrInvalidPosition naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeLon(t *testing.T) {
	for _, tt := range []struct {
		name     string
		in, want geo.Degrees
	}{
		{"zero", 0, 0},
		{"plus_180", 180, 180},
		{"minus_180", -180, 180},
		{"plus_181", 181, -179},
		{"plus_360", 360, 0},
		{"plus_540", 540, 180},
		{"minus_540", -540, 180},
		{"minus_179", -179.5, -179.5},
		{"aleutians", 187.25, -172.75},
		{"big", 3600 + 10, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.NormalizeLon(tt.in); math.Abs(float64(got-tt.want)) > 1e-12 {
				t.Errorf("NormalizeLon(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if got := geo.NormalizeLon(geo.Degrees(math.Inf(1))); !math.IsNaN(float64(got)) {
		t.Errorf("NormalizeLon(+Inf) = %v, want NaN", got)
	}
}

func TestAngleUnits(t *testing.T) {
	for _, tt := range []struct {
		name string
		deg  geo.Degrees
		rad  geo.Radians
	}{
		{"zero", 0, 0},
		{"right", 90, math.Pi / 2},
		{"straight", -180, -math.Pi},
		{"one_rad", 180 / math.Pi, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.deg.Radians(); math.Abs(float64(got-tt.rad)) > 1e-15 {
				t.Errorf("%v.Radians() = %v, want %v", tt.deg, got, tt.rad)
			}
			if got := tt.rad.Degrees(); math.Abs(float64(got-tt.deg)) > 1e-13 {
				t.Errorf("%v.Degrees() = %v, want %v", tt.rad, got, tt.deg)
			}
		})
	}
}

func TestConstants(t *testing.T) {
	// Derived values as published in TR8350.2.
	for _, tt := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"b", geo.B, 6356752.3142, 1e-4},
		{"e2", geo.E2, 6.69437999014e-3, 1e-14},
		{"ep2", geo.EP2, 6.73949674228e-3, 1e-14},
	} {
		if math.Abs(tt.got-tt.want) > tt.tol {
			t.Errorf("%s = %.15g, want %.15g", tt.name, tt.got, tt.want)
		}
	}
}

func BenchmarkLLAToECEF(b *testing.B) {
	p := geo.LLA{Lat: 39.0392, Lon: 125.7625, Alt: 450e3}
	b.ReportAllocs()
	for b.Loop() {
		p.ECEF()
	}
}

func BenchmarkECEFToLLA(b *testing.B) {
	for _, bb := range []struct {
		name string
		p    geo.LLA
	}{
		{"surface", geo.LLA{Lat: 39.0392, Lon: 125.7625, Alt: 38}},
		{"alt_1000km", geo.LLA{Lat: 40.5, Lon: 137, Alt: 1e6}},
	} {
		e := bb.p.ECEF()
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.LLA()
			}
		})
	}
}

// HeightUp gives LLA's height and the unit normal at LLA's latitude and
// longitude.
func TestHeightUp(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		p := geo.LLA{
			Lat: geo.Degrees(math.Asin(2*rnd.Float64()-1) * 180 / math.Pi),
			Lon: geo.Degrees(rnd.Float64()*360 - 180),
			Alt: geo.Meters(-1e4 + rnd.Float64()*2e6),
		}
		e := p.ECEF()
		q := e.LLA()
		h, u := e.HeightUp()
		if h != q.Alt {
			t.Fatalf("%v: height %v, LLA gives %v", p, h, q.Alt)
		}
		lat, lon := float64(q.Lat.Radians()), float64(q.Lon.Radians())
		want := [3]float64{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
		for i, g := range [3]float64{u.X, u.Y, u.Z} {
			if math.Abs(g-want[i]) > 1e-14 {
				t.Fatalf("%v: up %v, want %v", p, u, want)
			}
		}
	}
}
