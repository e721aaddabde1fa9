package sensor_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
)

var shariki = geo.LLA{Lat: 40.89, Lon: 140.33, Alt: 60}

// newTestRadar returns an X-band radar at Shariki that covers all azimuths
// and detects every target in coverage.
func newTestRadar() sensor.Sensor {
	return sensor.Sensor{
		ID: "test-radar", Nation: nation.US, Kind: sensor.KindRadar, Site: shariki,
		MaxRange: 1500e3, ElMin: 1, ElMax: 85, Rate: 1, Pd: 1,
		Sigma: sensor.RadarSigma{Range: 10, Az: 0.03, El: 0.03},
	}
}

// newTestIR returns a GEO infrared sensor at 150°E that detects every
// boosting target in coverage above 10 km.
func newTestIR() sensor.Sensor {
	return sensor.Sensor{
		ID: "test-ir", Nation: nation.US, Kind: sensor.KindSpaceIR,
		Site:   geo.LLA{Lon: 150, Alt: 35786e3},
		MinAlt: 10e3, Rate: 1, Pd: 1, SigmaLOS: 30e-6,
	}
}

// truthAt returns a target at ground distance s (m) along azimuth az from
// site, at altitude alt, moving at vel.
func truthAt(site geo.LLA, az geo.Degrees, s, alt geo.Meters, vel r3.Vec) sensor.Truth {
	p, _ := geo.Direct(site, az, s)
	p.Alt = alt
	return sensor.Truth{T: launchTime, Pos: p.ECEF(), Vel: vel, Object: "M1"}
}

func TestRadarCoverage(t *testing.T) {
	h900 := sensor.HorizonAltitude(900e3, 1, sensor.StandardRefraction) // ≈ 64 km
	for _, tt := range []struct {
		name   string
		adjust func(*sensor.Sensor)
		az     geo.Degrees
		ground geo.Meters
		alt    geo.Meters
		want   bool
	}{
		// tracking.md §3.8: at 900 km the 4/3-Earth horizon with a 1°
		// minimum elevation is about 64 km up.
		{"below_horizon_10km_at_900km", nil, 270, 900e3, 10e3, false},
		{"above_horizon_500km_at_900km", nil, 270, 900e3, 500e3, true},
		{"just_below_horizon", nil, 270, 900e3, h900 * 0.98, false},
		{"just_above_horizon", nil, 270, 900e3, h900 * 1.02, true},
		// Without refraction the horizon is higher: 70 km at 900 km is
		// seen with k = 4/3 but not with geometric line of sight (k = 1
		// gives 80 km).
		{"refraction_helps", nil, 270, 900e3, 70e3, true},
		{"geometric_los", func(s *sensor.Sensor) { s.Refraction = 1 }, 270, 900e3, 70e3, false},
		{"min_elevation_0", func(s *sensor.Sensor) { s.ElMin = 0 }, 270, 900e3, 55e3, true},
		{"min_elevation_1", nil, 270, 900e3, 55e3, false},
		{"low_and_near", nil, 270, 100e3, 5e3, true},
		{"beyond_max_range", nil, 270, 1600e3, 500e3, false},
		{"inside_max_range", nil, 270, 1300e3, 500e3, true},
		{"short_max_range", func(s *sensor.Sensor) { s.MaxRange = 800e3 }, 270, 900e3, 500e3, false},
		{"above_el_max", func(s *sensor.Sensor) { s.ElMax = 30 }, 270, 300e3, 500e3, false},
		{"below_el_max", func(s *sensor.Sensor) { s.ElMax = 30 }, 270, 900e3, 300e3, true},
		{"sector_inside", func(s *sensor.Sensor) { s.AzCenter, s.AzWidth = 270, 120 }, 215, 600e3, 300e3, true},
		{"sector_outside", func(s *sensor.Sensor) { s.AzCenter, s.AzWidth = 270, 120 }, 205, 600e3, 300e3, false},
		{"sector_across_north", func(s *sensor.Sensor) { s.AzCenter, s.AzWidth = 350, 40 }, 5, 600e3, 300e3, true},
		{"sector_across_north_outside", func(s *sensor.Sensor) { s.AzCenter, s.AzWidth = 350, 40 }, 15, 600e3, 300e3, false},
		{"below_min_alt", func(s *sensor.Sensor) { s.MinAlt = 20e3 }, 270, 100e3, 15e3, false},
		{"far_side_of_earth", nil, 270, 12000e3, 1000e3, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestRadar()
			if tt.adjust != nil {
				tt.adjust(&s)
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			truth := truthAt(shariki, tt.az, tt.ground, tt.alt, r3.Vec{})
			if got := s.Covers(truth); got != tt.want {
				t.Errorf("Covers = %v, want %v (target %.0f km away at %.1f km altitude)", got, tt.want, tt.ground/1e3, tt.alt/1e3)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			m, got := s.Observe(truth, rng)
			if got != tt.want {
				t.Errorf("Observe detected = %v, want %v", got, tt.want)
			}
			if got {
				if err := m.Validate(); err != nil {
					t.Errorf("Observe gave an invalid measurement: %v", err)
				}
			}
		})
	}
}

func TestSpaceIRCoverage(t *testing.T) {
	overKorea := geo.LLA{Lat: 39.5, Lon: 127, Alt: 40e3}
	for _, tt := range []struct {
		name     string
		pos      geo.LLA
		boosting bool
		adjust   func(*sensor.Sensor)
		want     bool
	}{
		{"boosting_over_korea", overKorea, true, nil, true},
		{"coasting_over_korea", overKorea, false, nil, false},
		{"below_clouds", geo.LLA{Lat: 39.5, Lon: 127, Alt: 5e3}, true, nil, false},
		{"other_side_of_earth", geo.LLA{Lat: 0, Lon: -30, Alt: 40e3}, true, nil, false},
		// From GEO the Earth is visible to 81.3° of arc, and a target 40 km up
		// to 87.7°.
		{"beyond_limb", geo.LLA{Lat: 0, Lon: 150 + 89, Alt: 40e3}, true, nil, false},
		{"inside_limb", geo.LLA{Lat: 0, Lon: 150 + 86, Alt: 40e3}, true, nil, true},
		{"max_range", overKorea, true, func(s *sensor.Sensor) { s.MaxRange = 30000e3 }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestIR()
			if tt.adjust != nil {
				tt.adjust(&s)
			}
			truth := sensor.Truth{T: launchTime, Pos: tt.pos.ECEF(), Boosting: tt.boosting, Object: "M1"}
			if got := s.Covers(truth); got != tt.want {
				t.Errorf("Covers = %v, want %v", got, tt.want)
			}
			m, got := s.Observe(truth, rand.New(rand.NewPCG(1, 2)))
			if got != tt.want {
				t.Errorf("Observe detected = %v, want %v", got, tt.want)
			}
			if got {
				if err := m.Validate(); err != nil {
					t.Errorf("invalid measurement: %v", err)
				}
				// The line of sight points at the target to within 10σ.
				sat := s.Site.ECEF()
				want := r3.Unit(r3.Sub(truth.Pos.Vec(), sat.Vec()))
				if ang := math.Acos(math.Min(1, r3.Dot(want, m.SpaceIR.Dir()))); ang > 10*float64(s.SigmaLOS) {
					t.Errorf("line of sight %g rad off the target", ang)
				}
				if m.SpaceIR.SatPos() != sat {
					t.Errorf("satellite at %v, want %v", m.SpaceIR.SatPos(), sat)
				}
			}
		})
	}
}

// binomialCheck fails if k successes in n trials are more than 4 standard
// deviations from probability p.
func binomialCheck(t *testing.T, k, n int, p float64) {
	t.Helper()
	got := float64(k) / float64(n)
	tol := 4 * math.Sqrt(p*(1-p)/float64(n))
	if math.Abs(got-p) > tol {
		t.Errorf("detected %d of %d = %.4f, want %.4f ± %.4f (4σ)", k, n, got, p, tol)
	}
}

func TestDetectionProbability(t *testing.T) {
	const n = 20000
	for _, tt := range []struct {
		name    string
		kind    sensor.Kind
		pd      float64
		pdRange geo.Meters
		ground  geo.Meters
		want    float64
	}{
		{"radar_constant", sensor.KindRadar, 0.8, 0, 900e3, 0.8},
		{"radar_low", sensor.KindRadar, 0.3, 0, 900e3, 0.3},
		{"space_ir", sensor.KindSpaceIR, 0.7, 0, 0, 0.7},
		// Swerling I, Pfa 1e-6: Pd 0.9 needs SNR₀ = ln Pfa/ln Pd − 1 =
		// 130.1 (21.1 dB, as in Skolnik's curves). At twice the range
		// SNR is 16 times lower, 8.13, so Pd = exp(ln 1e-6 / 9.13) = 0.2203.
		{"swerling_at_2x", sensor.KindRadar, 0.9, 0, 0, 0.2203},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s sensor.Sensor
			var truth sensor.Truth
			if tt.kind == sensor.KindRadar {
				s = newTestRadar()
				truth = truthAt(shariki, 270, 900e3, 400e3, r3.Vec{})
			} else {
				s = newTestIR()
				truth = sensor.Truth{T: launchTime, Pos: geo.LLA{Lat: 39.5, Lon: 127, Alt: 40e3}.ECEF(), Boosting: true}
			}
			s.Pd = tt.pd
			if tt.name == "swerling_at_2x" {
				_, _, rho := geo.AER(s.Site, truth.Pos)
				s.PdRange = rho / 2
				if got := s.DetectionProbability(rho); math.Abs(got-tt.want) > 5e-4 {
					t.Errorf("DetectionProbability(2·PdRange) = %.5f, want %.4f", got, tt.want)
				}
				if got := s.DetectionProbability(s.PdRange); math.Abs(got-tt.pd) > 1e-12 {
					t.Errorf("DetectionProbability(PdRange) = %.15f, want Pd = %g", got, tt.pd)
				}
				if near := s.DetectionProbability(s.PdRange / 2); !(near > tt.pd && near < 1) {
					t.Errorf("DetectionProbability(PdRange/2) = %g, want in (Pd, 1)", near)
				}
			}
			if !s.Covers(truth) {
				t.Fatal("target not in coverage")
			}
			rng := rand.New(rand.NewPCG(3, 4))
			k := 0
			for range n {
				if _, ok := s.Observe(truth, rng); ok {
					k++
				}
			}
			binomialCheck(t, k, n, tt.want)
		})
	}
}

func TestObserveDeterministic(t *testing.T) {
	truth := truthAt(shariki, 270, 900e3, 400e3, r3.Vec{X: 1000, Y: -2000, Z: 3000})
	run := func() []sensor.Measurement {
		s := newTestRadar()
		s.Pd = 0.5
		s.Sigma.RangeRate = 1
		rng := rand.New(rand.NewPCG(7, 8))
		var out []sensor.Measurement
		for range 50 {
			if m, ok := s.Observe(truth, rng); ok {
				out = append(out, m)
			}
		}
		return out
	}
	a, b := run(), run()
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Errorf("two runs with the same seed differ (%d and %d measurements)", len(a), len(b))
	}
	for i, m := range a {
		if m.Seq != uint64(i+1) {
			t.Errorf("measurement %d has seq %d, want %d", i, m.Seq, i+1)
		}
		if !m.Time.Equal(launchTime) || m.Time.Location() != time.UTC {
			t.Errorf("time %v, want %v in UTC", m.Time, launchTime)
		}
		if m.SimTruth == nil || m.SimTruth.Object != "M1" || m.SimTruth.FalseAlarm {
			t.Errorf("sim_truth %+v, want object M1", m.SimTruth)
		}
		if m.Radar.RangeRate == nil {
			t.Errorf("no range rate from a radar with Sigma.RangeRate")
		}
	}
}

func TestObserveBias(t *testing.T) {
	s := newTestRadar()
	s.Bias = sensor.RadarBias{Range: 100, Az: 0.2, El: -0.1}
	s.BiasSigma = &sensor.RadarBias{Range: 50, Az: 0.1, El: 0.1}
	truth := truthAt(shariki, 270, 900e3, 400e3, r3.Vec{})
	az, el, rho := geo.AER(s.Site, truth.Pos)
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 2000
	var dr, daz, del float64
	for range n {
		m, ok := s.Observe(truth, rng)
		if !ok {
			t.Fatal("not detected")
		}
		if m.Radar.BiasSigma == nil || *m.Radar.BiasSigma != *s.BiasSigma {
			t.Fatalf("bias_sigma %+v, want %+v", m.Radar.BiasSigma, s.BiasSigma)
		}
		dr += float64(m.Radar.Range - rho)
		daz += float64(m.Radar.Az - az)
		del += float64(m.Radar.El - el)
	}
	// Mean errors equal the bias to within 5 standard errors.
	for _, c := range []struct {
		name            string
		mean, bias, sig float64
	}{
		{"range", dr / n, float64(s.Bias.Range), float64(s.Sigma.Range)},
		{"az", daz / n, float64(s.Bias.Az), float64(s.Sigma.Az)},
		{"el", del / n, float64(s.Bias.El), float64(s.Sigma.El)},
	} {
		if tol := 5 * c.sig / math.Sqrt(n); math.Abs(c.mean-c.bias) > tol {
			t.Errorf("mean %s error %g, want bias %g ± %g", c.name, c.mean, c.bias, tol)
		}
	}
}

func TestNoiseGrowsWithRange(t *testing.T) {
	s := newTestRadar()
	s.NoiseRefRange = 500e3
	rng := rand.New(rand.NewPCG(1, 1))
	near, _ := s.Observe(truthAt(shariki, 270, 300e3, 100e3, r3.Vec{}), rng)
	far, ok := s.Observe(truthAt(shariki, 270, 1000e3, 400e3, r3.Vec{}), rng)
	if !ok || near.Radar == nil {
		t.Fatal("not detected")
	}
	if near.Radar.Sigma != s.Sigma {
		t.Errorf("sigma inside NoiseRefRange %+v, want %+v", near.Radar.Sigma, s.Sigma)
	}
	q := float64(far.Radar.Range / s.NoiseRefRange)
	want := float64(s.Sigma.Range) * q * q
	if got := float64(far.Radar.Sigma.Range); math.Abs(got-want) > 0.01*want {
		t.Errorf("range sigma at %.0f km = %g, want %g ((R/Rref)² law)", far.Radar.Range/1e3, got, want)
	}
}

func TestClutter(t *testing.T) {
	s := newTestRadar()
	s.AzCenter, s.AzWidth = 270, 120
	s.FalseAlarms = 2.5
	s.Sigma.RangeRate = 1
	rng := rand.New(rand.NewPCG(9, 9))
	const scans = 4000
	total := 0
	var seq uint64
	for range scans {
		ms := s.Clutter(launchTime, rng)
		total += len(ms)
		for _, m := range ms {
			seq++
			if err := m.Validate(); err != nil {
				t.Fatalf("invalid false plot: %v", err)
			}
			if m.Seq != seq || m.SimTruth == nil || !m.SimTruth.FalseAlarm {
				t.Fatalf("false plot seq %d truth %+v, want seq %d flagged", m.Seq, m.SimTruth, seq)
			}
			if d := math.Abs(math.Remainder(float64(m.Radar.Az-270), 360)); d > 60 || m.Radar.Range > s.MaxRange {
				t.Fatalf("false plot at az %g range %g outside the field of regard", m.Radar.Az, m.Radar.Range)
			}
		}
	}
	// Poisson: mean 2.5 per scan, variance 2.5.
	mean := float64(total) / scans
	if tol := 4 * math.Sqrt(s.FalseAlarms/scans); math.Abs(mean-s.FalseAlarms) > tol {
		t.Errorf("mean false plots per scan %g, want %g ± %g", mean, s.FalseAlarms, tol)
	}
	ir := newTestIR()
	ir.FalseAlarms = 0
	if got := ir.Clutter(launchTime, rng); got != nil {
		t.Errorf("space IR clutter %v, want none", got)
	}
}

func TestSensorValidate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		ir     bool
		adjust func(*sensor.Sensor)
		want   string // "" for valid
	}{
		{"radar_ok", false, func(*sensor.Sensor) {}, ""},
		{"ir_ok", true, func(*sensor.Sensor) {}, ""},
		{"id_empty", false, func(s *sensor.Sensor) { s.ID = "" }, "ID"},
		{"id_dot", false, func(s *sensor.Sensor) { s.ID = "a.b" }, "ID"},
		{"nation", false, func(s *sensor.Sensor) { s.Nation = nation.NationUnknown }, "Nation"},
		{"kind", false, func(s *sensor.Sensor) { s.Kind = sensor.KindUnknown }, "Kind"},
		{"site", false, func(s *sensor.Sensor) { s.Site.Lat = 95 }, "Site"},
		{"radar_in_orbit", false, func(s *sensor.Sensor) { s.Site.Alt = 500e3 }, "Site"},
		{"rate", false, func(s *sensor.Sensor) { s.Rate = 0 }, "Rate"},
		{"pd_zero", false, func(s *sensor.Sensor) { s.Pd = 0 }, "Pd"},
		{"pd_nan", false, func(s *sensor.Sensor) { s.Pd = math.NaN() }, "Pd"},
		{"pd_one_with_range", false, func(s *sensor.Sensor) { s.PdRange = 1e6 }, "Pd"},
		{"pfa_above_pd", false, func(s *sensor.Sensor) { s.Pd, s.PdRange, s.Pfa = 0.5, 1e6, 0.6 }, "Pfa"},
		{"max_range_missing", false, func(s *sensor.Sensor) { s.MaxRange = 0 }, "MaxRange"},
		{"az_width", false, func(s *sensor.Sensor) { s.AzWidth = 400 }, "AzWidth"},
		{"el_order", false, func(s *sensor.Sensor) { s.ElMin, s.ElMax = 10, 5 }, "ElMin"},
		{"refraction", false, func(s *sensor.Sensor) { s.Refraction = -1 }, "Refraction"},
		{"sigma_zero", false, func(s *sensor.Sensor) { s.Sigma.Az = 0 }, "sigma.az_deg"},
		{"sigma_too_big_at_max_range", false, func(s *sensor.Sensor) { s.Sigma.Az, s.NoiseRefRange = 1, 100e3 }, "sigma.az_deg"},
		{"corr_not_pd", false, func(s *sensor.Sensor) { s.Corr = sensor.RadarCorr{RangeAz: 0.9, RangeEl: 0.9, AzEl: -0.9} }, "corr"},
		{"corr_rate_without_rate", false, func(s *sensor.Sensor) { s.Corr.RangeRangeRate = 0.5 }, "corr.range_range_rate"},
		{"bias_nan", false, func(s *sensor.Sensor) { s.Bias.Az = geo.Degrees(math.NaN()) }, "Bias"},
		{"false_alarms", false, func(s *sensor.Sensor) { s.FalseAlarms = -1 }, "FalseAlarms"},
		{"ir_on_ground", true, func(s *sensor.Sensor) { s.Site.Alt = 0 }, "Site"},
		{"ir_sigma", true, func(s *sensor.Sensor) { s.SigmaLOS = 0 }, "SigmaLOS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestRadar()
			if tt.ir {
				s = newTestIR()
			}
			tt.adjust(&s)
			err := s.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Errorf("Validate succeeded, want an error naming %s", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("Validate: %q, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestObservePanicsOnInvalidSensor(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Observe of an invalid sensor did not panic")
		}
	}()
	var s sensor.Sensor
	s.Observe(sensor.Truth{T: launchTime}, rand.New(rand.NewPCG(1, 2)))
}

func TestPeriod(t *testing.T) {
	s := newTestRadar()
	s.Rate = 0.5
	if got := s.Period(); got != 2*time.Second {
		t.Errorf("Period at 0.5 Hz = %v, want 2s", got)
	}
}
