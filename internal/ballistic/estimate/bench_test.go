package estimate_test

import (
	"math"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/ballistic/estimate"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// trackedUntil runs a filter over a simulated flight's measurements up to
// a time after launch and returns it with the measurements that follow.
func trackedUntil(b testing.TB, name string, after time.Duration) (*estimate.Filter, []sensor.Measurement) {
	b.Helper()
	fl, ms := mustSimulate(b, name, 1)
	init, k := initPlots(ms)
	f, err := estimate.New(init, estimate.Config{})
	if err != nil {
		b.Fatal(err)
	}
	until := fl.Start().Add(after)
	for ; k < len(ms) && ms[k].Time.Before(until); k++ {
		if _, err := f.Update(&ms[k]); err != nil {
			b.Fatal(err)
		}
	}
	return f, ms[k:]
}

// BenchmarkUpdate measures one measurement update (prediction to the
// plot's time included) of the square-root cubature filter with the
// default network's plots: in free flight (7 states, 14 points) and in
// boost (9 states, 18 points, with the burnout test's second filter).
func BenchmarkUpdate(b *testing.B) {
	for _, bc := range []struct {
		name  string
		after time.Duration
		mode  estimate.Mode
	}{
		{"ballistic", 200 * time.Second, estimate.ModeBallistic},
		{"boost", 50 * time.Second, estimate.ModeBoost},
	} {
		b.Run(bc.name, func(b *testing.B) {
			base, next := trackedUntil(b, "2016-08-03-nodong-eez", bc.after)
			if base.Mode() != bc.mode {
				b.Fatalf("mode %v, want %v", base.Mode(), bc.mode)
			}
			if len(next) > 30 {
				next = next[:30] // stay in the mode
			}
			f := base.Clone()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if i == len(next) {
					b.StopTimer()
					f, i = base.Clone(), 0
					b.StartTimer()
				}
				if _, err := f.Update(&next[i]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

// BenchmarkPredictImpact measures an impact prediction with its 95 %
// ellipse: 15 propagations to the ground. IRBM: the 2022-10-04 overflight
// 300 s after launch, 18 min before impact. ICBM: the lofted 2022-11-18
// shot 400 s after launch, 63 min before impact.
func BenchmarkPredictImpact(b *testing.B) {
	for _, bc := range []struct {
		name, scenario string
		after          time.Duration
	}{
		{"IRBM", "2022-10-04-irbm-overflight", 300 * time.Second},
		{"ICBM", "2022-11-18-hwasong17-lofted", 400 * time.Second},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f, _ := trackedUntil(b, bc.scenario, bc.after)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := f.PredictImpact(time.Minute); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/op")
		})
	}
}

// The cubature points are integrated to 1e-6 (they only spread the
// impact), the mean to 1e-8: the samples agree with integrating everything
// to 1e-8 within 10 m — a tenth of the smallest 95 % ellipse axis here
// (108 m) — and the ellipse's axes within 5 m, at every phase.
func TestSpreadToleranceAgrees(t *testing.T) {
	for _, c := range []struct {
		name, scenario string
		after          time.Duration
	}{
		{"IRBM early", "2022-10-04-irbm-overflight", 250 * time.Second},
		{"IRBM late", "2022-10-04-irbm-overflight", 900 * time.Second},
		{"ICBM", "2022-11-18-hwasong17-lofted", 400 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, _ := trackedUntil(t, c.scenario, c.after)
			fast, _, err := f.PredictImpact(time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			keep := *estimate.SpreadOptions
			*estimate.SpreadOptions = estimate.IPPOptions
			tight, _, err := f.PredictImpact(time.Minute)
			*estimate.SpreadOptions = keep
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range fast.Samples {
				worst = max(worst, float64(geo.Distance(fast.Samples[i].ECEF(), tight.Samples[i].ECEF())))
			}
			if worst > 10 {
				t.Errorf("a cubature point's impact moved %.1f m", worst)
			}
			a1, b1 := fast.Ellipse.Major, fast.Ellipse.Minor
			a2, b2 := tight.Ellipse.Major, tight.Ellipse.Minor
			if math.Abs(float64(a1-a2)) > 5 || math.Abs(float64(b1-b2)) > 5 {
				t.Errorf("95 %% ellipse %.0f × %.0f m, %.0f × %.0f m with everything at 1e-8", a1, b1, a2, b2)
			}
			t.Logf("samples within %.2f m; ellipse %.0f × %.0f m", worst, a1, b1)
		})
	}
}
