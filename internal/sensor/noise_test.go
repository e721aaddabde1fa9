package sensor_test

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// nis returns νᵀR⁻¹ν for the measurement's residual against the truth.
func nis(t *testing.T, m sensor.Measurement, truth sensor.Truth) float64 {
	t.Helper()
	var ch mat.Cholesky
	if !ch.Factorize(m.R()) {
		t.Fatal("R not positive definite")
	}
	nu := mat.NewVecDense(m.Dim(), m.Residual(truth.Pos, truth.Vel))
	var x mat.VecDense
	if err := ch.SolveVecTo(&x, nu); err != nil {
		t.Fatal(err)
	}
	return mat.Dot(nu, &x)
}

// TestNoiseChiSquare checks that the noise is drawn from the covariance
// each measurement declares: over 20,000 draws the normalised error
// νᵀR⁻¹ν is χ² with Dim degrees of freedom (mean, and the fraction below
// several quantiles of distuv.ChiSquared), each component's variance is its
// declared variance and, where declared, the correlations hold. Every
// tolerance is 4 standard errors of the statistic.
func TestNoiseChiSquare(t *testing.T) {
	const n = 20000
	vel := r3.Vec{X: 2500, Y: -1500, Z: 1200}
	for _, tt := range []struct {
		name  string
		s     sensor.Sensor
		truth sensor.Truth
		dim   int
	}{
		{"radar", newTestRadar(), truthAt(shariki, 270, 900e3, 400e3, vel), 3},
		{"radar_doppler_correlated", func() sensor.Sensor {
			s := newTestRadar()
			s.Sigma = sensor.RadarSigma{Range: 25, Az: 0.05, El: 0.08, RangeRate: 3}
			s.Corr = sensor.RadarCorr{RangeRangeRate: 0.6, AzEl: -0.3, RangeAz: 0.2, ElRangeRate: -0.2}
			s.NoiseRefRange = 600e3 // σ scaled by (R/600 km)² ≈ 3.2 at this range
			return s
		}(), truthAt(shariki, 250, 900e3, 600e3, vel), 4},
		// Near the north, where azimuth errors wrap past 0/360.
		{"radar_azimuth_wrap", func() sensor.Sensor {
			s := newTestRadar()
			s.Sigma.Az = 0.5
			return s
		}(), truthAt(shariki, 0, 300e3, 200e3, vel), 3},
		{"space_ir", newTestIR(), sensor.Truth{T: launchTime, Pos: geo.LLA{Lat: 39.5, Lon: 127, Alt: 60e3}.ECEF(), Boosting: true}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			rng := rand.New(rand.NewPCG(11, uint64(tt.dim)))
			chi := distuv.ChiSquared{K: float64(tt.dim)}
			var (
				d      []float64
				sum    float64
				res    = mat.NewDense(n, tt.dim, nil)
				sigmas []float64 // declared standard deviations
				R      *mat.SymDense
			)
			for i := range n {
				m, ok := s.Observe(tt.truth, rng)
				if !ok {
					t.Fatal("not detected")
				}
				if m.Dim() != tt.dim {
					t.Fatalf("Dim = %d, want %d", m.Dim(), tt.dim)
				}
				if R == nil {
					R = m.R()
					for j := range tt.dim {
						sigmas = append(sigmas, math.Sqrt(R.At(j, j)))
					}
				}
				q := nis(t, m, tt.truth)
				d = append(d, q)
				sum += q
				res.SetRow(i, m.Residual(tt.truth.Pos, tt.truth.Vel))
			}

			// Mean of χ²(k) is k, with variance 2k.
			mean := sum / n
			if tol := 4 * math.Sqrt(2*float64(tt.dim)/n); math.Abs(mean-float64(tt.dim)) > tol {
				t.Errorf("mean NIS %.4f, want %d ± %.4f", mean, tt.dim, tol)
			}
			// The fraction of draws below each χ² quantile.
			sort.Float64s(d)
			for _, p := range []float64{0.1, 0.5, 0.9, 0.95, 0.99} {
				q := chi.Quantile(p)
				frac := float64(sort.SearchFloat64s(d, q)) / n
				if tol := 4 * math.Sqrt(p*(1-p)/n); math.Abs(frac-p) > tol {
					t.Errorf("fraction of NIS below the χ²(%d) %g quantile %.3f is %.4f, want %g ± %.4f", tt.dim, p, q, frac, p, tol)
				}
			}
			// Sample covariance of the residuals against R: variances to
			// 4·√(2/n) relative, correlations to 4·(1−ρ²)/√n.
			var cov mat.SymDense
			statCov(&cov, res)
			for i := range tt.dim {
				got := math.Sqrt(cov.At(i, i))
				if tol := 4 * math.Sqrt(0.5/n); math.Abs(got/sigmas[i]-1) > tol {
					t.Errorf("component %d: sample σ %.6g, declared %.6g (ratio %.4f, want 1 ± %.4f)", i, got, sigmas[i], got/sigmas[i], tol)
				}
				for j := i + 1; j < tt.dim; j++ {
					rho := R.At(i, j) / (sigmas[i] * sigmas[j])
					got := cov.At(i, j) / math.Sqrt(cov.At(i, i)*cov.At(j, j))
					if tol := 4 * (1 - rho*rho) / math.Sqrt(n); math.Abs(got-rho) > tol {
						t.Errorf("correlation (%d,%d) %.4f, declared %.4f ± %.4f", i, j, got, rho, tol)
					}
				}
			}
		})
	}
}

// statCov sets c to the sample covariance of the rows of x about zero mean
// plus their mean (the usual unbiased estimator).
func statCov(c *mat.SymDense, x *mat.Dense) {
	r, k := x.Dims()
	mean := make([]float64, k)
	for i := range r {
		for j := range k {
			mean[j] += x.At(i, j) / float64(r)
		}
	}
	*c = *mat.NewSymDense(k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			var s float64
			for i := range r {
				s += (x.At(i, a) - mean[a]) * (x.At(i, b) - mean[b])
			}
			c.SetSym(a, b, s/float64(r-1))
		}
	}
}

// TestRadarNoiseIndependent checks the radar noise against geo.AER, not
// against Residual, so that a shared mistake in units or frames cannot
// hide: the errors of the raw range, azimuth and elevation, in metres and
// degrees, have the declared standard deviations to 4·√(1/2n) relative.
func TestRadarNoiseIndependent(t *testing.T) {
	const n = 20000
	s := newTestRadar()
	s.Sigma = sensor.RadarSigma{Range: 40, Az: 0.07, El: 0.02}
	truth := truthAt(shariki, 300, 700e3, 300e3, r3.Vec{})
	az, el, rho := geo.AER(s.Site, truth.Pos)
	rng := rand.New(rand.NewPCG(21, 22))
	var sr, sa, se float64
	for range n {
		m, ok := s.Observe(truth, rng)
		if !ok {
			t.Fatal("not detected")
		}
		sr += math.Pow(float64(m.Radar.Range-rho), 2)
		sa += math.Pow(float64(m.Radar.Az-az), 2)
		se += math.Pow(float64(m.Radar.El-el), 2)
	}
	tol := 4 * math.Sqrt(0.5/n)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"range_m", math.Sqrt(sr / n), float64(s.Sigma.Range)},
		{"az_deg", math.Sqrt(sa / n), float64(s.Sigma.Az)},
		{"el_deg", math.Sqrt(se / n), float64(s.Sigma.El)},
	} {
		if math.Abs(c.got/c.want-1) > tol {
			t.Errorf("rms %s error %.5g, want %.5g (±%.1f%%)", c.name, c.got, c.want, 100*tol)
		}
	}
}

// TestIRNoiseIndependent checks the line-of-sight noise with plain vector
// algebra: the angle between the measured and true lines of sight, over σ,
// squared, has mean 2 (χ² with 2 degrees of freedom).
func TestIRNoiseIndependent(t *testing.T) {
	const n = 20000
	s := newTestIR()
	truth := sensor.Truth{T: launchTime, Pos: geo.LLA{Lat: 41, Lon: 129, Alt: 30e3}.ECEF(), Boosting: true}
	sat := s.Site.ECEF()
	want := r3.Unit(r3.Sub(truth.Pos.Vec(), sat.Vec()))
	rng := rand.New(rand.NewPCG(31, 32))
	var sum float64
	for range n {
		m, ok := s.Observe(truth, rng)
		if !ok {
			t.Fatal("not detected")
		}
		c := r3.Cross(want, m.SpaceIR.Dir())
		ang := math.Atan2(r3.Norm(c), r3.Dot(want, m.SpaceIR.Dir()))
		sum += ang * ang / float64(s.SigmaLOS*s.SigmaLOS)
	}
	if mean, tol := sum/n, 4*math.Sqrt(4.0/n); math.Abs(mean-2) > tol {
		t.Errorf("mean (angle/σ)² = %.4f, want 2 ± %.4f", mean, tol)
	}
}
