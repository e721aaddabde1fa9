package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
)

func TestENUAgainstCartConvert(t *testing.T) {
	n := 0
	for _, l := range readCartConvert(t) {
		if l.kind != "L" {
			continue
		}
		n++
		origin := geo.LLA{Lat: geo.Degrees(l.v[0]), Lon: geo.Degrees(l.v[1]), Alt: geo.Meters(l.v[2])}
		target := geo.LLA{Lat: geo.Degrees(l.v[3]), Lon: geo.Degrees(l.v[4]), Alt: geo.Meters(l.v[5])}
		want := r3.Vec{X: l.v[6], Y: l.v[7], Z: l.v[8]}
		got := geo.ENU(origin, target.ECEF())
		if d := r3.Norm(r3.Sub(got, want)); d > cartTol {
			t.Errorf("line %d: ENU(%v, %v) = %v, want %v", l.lineno, origin, target, got, want)
		}
		// AER from CartConvert's ENU, by the textbook formulas.
		wantAz := math.Mod(math.Atan2(want.X, want.Y)*180/math.Pi+360, 360)
		wantEl := math.Atan2(want.Z, math.Hypot(want.X, want.Y)) * 180 / math.Pi
		wantRng := r3.Norm(want)
		az, el, rng := geo.AER(origin, target.ECEF())
		// cartTol across the horizontal distance (azimuth) or the range
		// (elevation), in degrees.
		azTol := cartTol / math.Hypot(want.X, want.Y) * 180 / math.Pi
		elTol := cartTol / wantRng * 180 / math.Pi
		if angleErr(float64(az), wantAz) > azTol || math.Abs(float64(el)-wantEl) > elTol || math.Abs(float64(rng)-wantRng) > cartTol {
			t.Errorf("line %d: AER(%v, %v) = %v, %v, %v; want %v, %v, %v", l.lineno, origin, target, az, el, rng, wantAz, wantEl, wantRng)
		}
		// FromENU and FromAER invert them.
		if d := geo.Distance(geo.FromENU(origin, want), target.ECEF()); d > cartTol {
			t.Errorf("line %d: FromENU(%v, %v) is %.3g m from %v", l.lineno, origin, want, float64(d), target)
		}
		if d := geo.Distance(geo.FromAER(origin, az, el, rng), target.ECEF()); d > 1e-6 {
			t.Errorf("line %d: FromAER(AER(...)) is %.3g m from %v", l.lineno, float64(d), target)
		}
	}
	if n < 32 {
		t.Fatalf("only %d local lines in testdata", n)
	}
}

func TestAERHandComputed(t *testing.T) {
	pole := geo.LLA{Lat: 90}
	for _, tt := range []struct {
		name    string
		origin  geo.LLA
		target  geo.ECEF
		az, el  geo.Degrees
		rng     geo.Meters
		wantENU r3.Vec
	}{
		{"zenith", geo.LLA{}, geo.ECEF{X: geo.A + 1000}, 0, 90, 1000, r3.Vec{Z: 1000}},
		{"nadir", geo.LLA{}, geo.ECEF{X: geo.A - 1000}, 0, -90, 1000, r3.Vec{Z: -1000}},
		{"east", geo.LLA{}, geo.ECEF{X: geo.A, Y: 1000}, 90, 0, 1000, r3.Vec{X: 1000}},
		{"north", geo.LLA{}, geo.ECEF{X: geo.A, Z: 1000}, 0, 0, 1000, r3.Vec{Y: 1000}},
		{"west", geo.LLA{}, geo.ECEF{X: geo.A, Y: -1000}, 270, 0, 1000, r3.Vec{X: -1000}},
		{"south_up_45", geo.LLA{}, geo.ECEF{X: geo.A + 1000, Z: -1000}, 180, 45, 1000 * math.Sqrt2, r3.Vec{Y: -1000, Z: 1000}},
		// At lon 90°, east is −X and up is +Y.
		{"lon90_east", geo.LLA{Lon: 90}, geo.ECEF{X: -500, Y: geo.A}, 90, 0, 500, r3.Vec{X: 500}},
		// At the north pole (lon 0), north points along −X and east along +Y.
		{"pole_south", pole, geo.ECEF{X: 1000, Z: geo.B}, 180, 0, 1000, r3.Vec{Y: -1000}},
		{"pole_east", pole, geo.ECEF{Y: 1000, Z: geo.B}, 90, 0, 1000, r3.Vec{X: 1000}},
		// At 180° east is −Y.
		{"antimeridian_east", geo.LLA{Lon: 180}, geo.ECEF{X: -geo.A, Y: -1000}, 90, 0, 1000, r3.Vec{X: 1000}},
		{"antimeridian_neg", geo.LLA{Lon: -180}, geo.ECEF{X: -geo.A, Y: -1000}, 90, 0, 1000, r3.Vec{X: 1000}},
		// Geocentric 45° vs geodetic: at lat 45° the up vector is (cos45, 0, sin45).
		{"lat45_up", geo.LLA{Lat: 45}, geo.LLA{Lat: 45, Alt: 1e5}.ECEF(), 0, 90, 1e5, r3.Vec{Z: 1e5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			enu := geo.ENU(tt.origin, tt.target)
			if d := r3.Norm(r3.Sub(enu, tt.wantENU)); d > 1e-8 {
				t.Errorf("ENU = %v, want %v", enu, tt.wantENU)
			}
			az, el, rng := geo.AER(tt.origin, tt.target)
			if math.Abs(float64(rng-tt.rng)) > 1e-8 || math.Abs(float64(el-tt.el)) > 1e-9 {
				t.Errorf("AER = %v, %v, %v; want %v, %v, %v", az, el, rng, tt.az, tt.el, tt.rng)
			}
			if math.Abs(float64(tt.el)) != 90 && angleErr(float64(az), float64(tt.az)) > 1e-9 {
				t.Errorf("azimuth = %v, want %v", az, tt.az)
			}
			if az < 0 || az >= 360 {
				t.Errorf("azimuth %v outside [0, 360)", az)
			}
		})
	}
}

func TestENUToECEFRotation(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range 1000 {
		origin := geo.LLA{
			Lat: geo.Degrees(rnd.Float64()*180 - 90),
			Lon: geo.Degrees(rnd.Float64()*540 - 180),
		}
		if i == 0 {
			origin.Lat = 90
		}
		r := geo.ENUToECEFRotation(origin)
		// Orthonormal and right-handed: Rᵀ R = I, det R = +1.
		for a := range 3 {
			for b := range 3 {
				var dot float64
				for k := range 3 {
					dot += r[k][a] * r[k][b]
				}
				want := 0.0
				if a == b {
					want = 1
				}
				if math.Abs(dot-want) > 1e-15 {
					t.Fatalf("%v: column %d · column %d = %g, want %g", origin, a, b, dot, want)
				}
			}
		}
		if det := r.Mat().Det(); math.Abs(det-1) > 1e-15 {
			t.Fatalf("%v: det = %g, want 1", origin, det)
		}
		// Up is the direction in which height grows; north the direction
		// in which latitude grows (finite differences of LLA.ECEF).
		up := r3.Sub(geo.LLA{Lat: origin.Lat, Lon: origin.Lon, Alt: 1}.ECEF().Vec(), origin.ECEF().Vec())
		if c := r3.Cos(up, r.Apply(r3.Vec{Z: 1})); c < 1-1e-12 {
			t.Fatalf("%v: up column is %v, ECEF height direction %v", origin, r.Apply(r3.Vec{Z: 1}), up)
		}
		if math.Abs(float64(origin.Lat)) < 89 {
			north := r3.Sub(geo.LLA{Lat: origin.Lat + 1e-6, Lon: origin.Lon}.ECEF().Vec(), geo.LLA{Lat: origin.Lat - 1e-6, Lon: origin.Lon}.ECEF().Vec())
			if c := r3.Cos(north, r.Apply(r3.Vec{Y: 1})); c < 1-1e-9 {
				t.Fatalf("%v: north column is %v, latitude direction %v", origin, r.Apply(r3.Vec{Y: 1}), north)
			}
		}
		// The array form, the matrix form and the transpose agree.
		v := r3.Vec{X: rnd.NormFloat64(), Y: rnd.NormFloat64(), Z: rnd.NormFloat64()}
		rt := r.T()
		if d := r3.Norm(r3.Sub(r.Mat().MulVec(v), r.Apply(v))); d > 1e-15 {
			t.Fatalf("Mat().MulVec and Apply differ by %g", d)
		}
		if d := r3.Norm(r3.Sub(rt.Apply(v), r.ApplyT(v))); d > 1e-15 {
			t.Fatalf("T().Apply and ApplyT differ by %g", d)
		}
		var plain [3][3]float64 = r // assignable to a plain array
		_ = plain
	}
}

func TestAERRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		origin := geo.LLA{
			Lat: geo.Degrees(rnd.Float64()*180 - 90),
			Lon: geo.Degrees(rnd.Float64()*360 - 180),
			Alt: geo.Meters(rnd.Float64() * 3000),
		}
		az := geo.Degrees(rnd.Float64() * 360)
		el := geo.Degrees(rnd.Float64()*178 - 89)
		rng := geo.Meters(1 + rnd.Float64()*5e6)
		target := geo.FromAER(origin, az, el, rng)
		gaz, gel, grng := geo.AER(origin, target)
		if angleErr(float64(gaz), float64(az)) > 1e-9 || math.Abs(float64(gel-el)) > 1e-9 || math.Abs(float64(grng-rng)) > 1e-6 {
			t.Fatalf("AER(FromAER(%v, %v, %v, %v)) = %v, %v, %v", origin, az, el, rng, gaz, gel, grng)
		}
	}
}

func BenchmarkAER(b *testing.B) {
	radar := geo.LLA{Lat: 35, Lon: 135, Alt: 200}
	target := geo.LLA{Lat: 39, Lon: 134, Alt: 5e5}.ECEF()
	b.ReportAllocs()
	for b.Loop() {
		geo.AER(radar, target)
	}
}
