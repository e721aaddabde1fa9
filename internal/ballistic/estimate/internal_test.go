package estimate

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
)

// The filter's prepared measurement model must give exactly what
// sensor.Measurement.Residual gives (to rounding), for radars with and
// without range rate and correlated noise, and for space IR.
func TestResidualMatchesSensor(t *testing.T) {
	rate := 120.0
	site := sensor.Site{Lat: 40.89, Lon: 140.33, Alt: 60}
	sat := geo.LLA{Lat: 0, Lon: 150, Alt: 35786e3}.ECEF()
	target := geo.LLA{Lat: 40, Lon: 133, Alt: 300e3}.ECEF()
	los := r3.Unit(r3.Sub(target.Vec(), sat.Vec()))
	for _, tt := range []struct {
		name string
		m    sensor.Measurement
	}{
		{"radar", sensor.Measurement{Kind: sensor.KindRadar, Radar: &sensor.Radar{Site: site, Range: 700e3, Az: 250, El: 20,
			Sigma: sensor.RadarSigma{Range: 10, Az: 0.03, El: 0.03}}}},
		{"radar_rate_corr", sensor.Measurement{Kind: sensor.KindRadar, Radar: &sensor.Radar{Site: site, Range: 700e3, Az: 250, El: 20, RangeRate: &rate,
			Sigma: sensor.RadarSigma{Range: 10, Az: 0.03, El: 0.03, RangeRate: 2}, Corr: &sensor.RadarCorr{RangeRangeRate: 0.5, AzEl: -0.2}}}},
		{"radar_az_wrap", sensor.Measurement{Kind: sensor.KindRadar, Radar: &sensor.Radar{Site: site, Range: 700e3, Az: 0.01, El: 20,
			Sigma: sensor.RadarSigma{Range: 10, Az: 0.03, El: 0.03}}}},
		{"space_ir", sensor.Measurement{Kind: sensor.KindSpaceIR, SpaceIR: &sensor.SpaceIR{Sat: [3]float64{sat.X, sat.Y, sat.Z}, LOS: [3]float64{los.X, los.Y, los.Z}, Sigma: 30e-6}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			m.Sensor, m.Nation, m.Seq, m.Time = "s1", nation.JP, 1, time.Date(2022, 10, 4, 0, 0, 0, 0, time.UTC)
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			o, err := newObs(&m)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for range 100 {
				// Targets around 300 km up over the Sea of Japan, some
				// north of the site so that the azimuth wraps.
				p := geo.LLA{Lat: geo.Degrees(38 + 6*rng.Float64()), Lon: geo.Degrees(132 + 9*rng.Float64()), Alt: geo.Meters(1e5 + 5e5*rng.Float64())}.ECEF()
				v := r3.Vec{X: 3000 * rng.NormFloat64(), Y: 3000 * rng.NormFloat64(), Z: 3000 * rng.NormFloat64()}
				want := m.Residual(p, v)
				var got [maxM]float64
				o.residual(p.Vec(), v, &got)
				if len(want) != o.m {
					t.Fatalf("dimension %d, want %d", o.m, len(want))
				}
				for k := range want {
					tol := 1e-9
					if k == 0 || k == 3 {
						tol = 1e-6 // metres, m/s
					}
					if math.Abs(got[k]-want[k]) > tol {
						t.Fatalf("component %d: got %.12g, want %.12g", k, got[k], want[k])
					}
				}
			}
		})
	}
}

// tria must return the lower-triangular factor of BᵀB with a non-negative
// diagonal.
func TestTria(t *testing.T) {
	t.Run("hand", func(t *testing.T) {
		// B = [[3, 1], [4, 2]]: BᵀB = [[25, 11], [11, 5]] = L Lᵀ with
		// L = [[5, 0], [2.2, 0.4]] (2.2² + 0.4² = 5).
		var b [maxRows][maxN]float64
		b[0][0], b[0][1] = 3, 1
		b[1][0], b[1][1] = 4, 2
		l := tria(&b, 2, 2)
		want := [2][2]float64{{5, 0}, {2.2, 0.4}}
		for i := range 2 {
			for j := range 2 {
				if math.Abs(l[i][j]-want[i][j]) > 1e-12 {
					t.Errorf("L[%d][%d] = %g, want %g", i, j, l[i][j], want[i][j])
				}
			}
		}
	})
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, dims := range [][2]int{{27, 9}, {17, 7}, {21, 3}, {9, 9}} {
			k, n := dims[0], dims[1]
			var b, keep [maxRows][maxN]float64
			for i := range k {
				for j := range n {
					b[i][j] = rng.NormFloat64() * math.Pow(10, float64(j%4))
				}
			}
			keep = b
			l := tria(&b, k, n)
			for i := range n {
				if l[i][i] < 0 {
					t.Fatalf("%dx%d: negative diagonal %g", k, n, l[i][i])
				}
				for j := i + 1; j < n; j++ {
					if l[i][j] != 0 {
						t.Fatalf("%dx%d: not lower triangular", k, n)
					}
				}
			}
			p := outer(&l, n)
			for i := range n {
				for j := range n {
					var want float64
					for r := range k {
						want += keep[r][i] * keep[r][j]
					}
					if math.Abs(p[i][j]-want) > 1e-10*(math.Abs(want)+1)*math.Pow(10, 6) {
						t.Fatalf("%dx%d: (LLᵀ)[%d][%d] = %g, want %g", k, n, i, j, p[i][j], want)
					}
				}
			}
		}
	})
}

func TestCholeskySolve(t *testing.T) {
	// [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]].
	var a sqm
	a[0][0], a[0][1], a[1][0], a[1][1] = 4, 2, 2, 3
	l, ok := cholesky(&a, 2)
	if !ok || math.Abs(l[0][0]-2) > 1e-15 || math.Abs(l[1][0]-1) > 1e-15 || math.Abs(l[1][1]-math.Sqrt2) > 1e-15 {
		t.Fatalf("cholesky = %v, %v", l[:2], ok)
	}
	// A x = b for b = (8, 7): x = (1.25, 1.5).
	b := vec{8, 7}
	forward(&l, &b, 2)
	backward(&l, &b, 2)
	if math.Abs(b[0]-1.25) > 1e-14 || math.Abs(b[1]-1.5) > 1e-14 {
		t.Errorf("solve = %v, want (1.25, 1.5)", b[:2])
	}
	a[1][1] = 1 // det = 0
	if _, ok := cholesky(&a, 2); ok {
		t.Error("singular matrix factored")
	}
}

func TestEllipse(t *testing.T) {
	for _, tt := range []struct {
		name         string
		cov          [2][2]float64
		major, minor float64
		bearing      float64
	}{
		{"east", [2][2]float64{{9, 0}, {0, 1}}, 3 * Ellipse95, Ellipse95, 90},
		{"north", [2][2]float64{{1, 0}, {0, 4}}, 2 * Ellipse95, Ellipse95, 0},
		// Variances 9 and 1 along the north-east/south-west diagonal.
		{"northeast", [2][2]float64{{5, 4}, {4, 5}}, 3 * Ellipse95, Ellipse95, 45},
		{"northwest", [2][2]float64{{5, -4}, {-4, 5}}, 3 * Ellipse95, Ellipse95, 135},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := ellipseOf(tt.cov, Ellipse95)
			if math.Abs(float64(e.Major)-tt.major) > 1e-12 || math.Abs(float64(e.Minor)-tt.minor) > 1e-12 || math.Abs(float64(e.Bearing)-tt.bearing) > 1e-9 {
				t.Errorf("got %+v, want major %g minor %g bearing %g", e, tt.major, tt.minor, tt.bearing)
			}
		})
	}
}

func TestCEP(t *testing.T) {
	// Circular: the Rayleigh median σ√(2 ln 2) = 1.1774σ.
	if got := cep(2, 2); math.Abs(got-2*1.1774100225154747) > 1e-6 {
		t.Errorf("circular CEP = %g, want %g", got, 2*1.1774100225154747)
	}
	// Elongated 10:1, against a Monte Carlo of 2·10⁵ draws (standard error
	// of the median about 0.3 %).
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 200000
	r := make([]float64, n)
	for i := range r {
		r[i] = math.Hypot(10*rng.NormFloat64(), rng.NormFloat64())
	}
	inside := 0
	c := cep(10, 1)
	for _, x := range r {
		if x <= c {
			inside++
		}
	}
	if f := float64(inside) / n; math.Abs(f-0.5) > 0.005 {
		t.Errorf("10:1 CEP %g holds %.4f of the draws, want 0.5", c, f)
	}
}
