package cap_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/cap"
	"github.com/trilink/trilink/internal/warn/warntest"
)

// reportP99 reports the 99th percentile of the recorded durations.
func reportP99(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)*99/100])/1e6, "p99-ms")
}

// BenchmarkEstimateToCAP measures one estimate's way to a sendable CAP
// document: the engine's decision (region queries, impact probabilities,
// wording) and Compose (mapping, Go validation, XML encoding). The target
// is a p99 under 100 ms.
func BenchmarkEstimateToCAP(b *testing.B) {
	f := warntest.Overflight20221004()
	for _, bc := range []struct {
		name string
		n    nation.Nation
		p    warn.Prediction
	}{
		{"jp_first_alert_overflight", nation.JP, f.Prediction("E", time.Minute, 50, 20)},
		{"jp_first_alert_fall_400x150km", nation.JP, func() warn.Prediction {
			l := warntest.LoftedICBM()
			return l.Prediction("E", time.Minute, 400, 150)
		}()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := warn.NewEngine[warn.Live](warn.DefaultPolicy(bc.n), nil)
			if err != nil {
				b.Fatal(err)
			}
			var lat []time.Duration
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				p := bc.p
				p.Event = fmt.Sprintf("E%d", i) // a new event: a first alert every time
				i++
				t0 := time.Now()
				ds, err := e.Update(p)
				if err != nil || len(ds) != 1 {
					b.Fatalf("Update: %d decisions, %v", len(ds), err)
				}
				if _, err := cap.Compose(&ds[0]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			reportP99(b, lat)
		})
	}
	b.Run("jp_steady_estimate_no_change", func(b *testing.B) {
		e, err := warn.NewEngine[warn.Live](warn.DefaultPolicy(nation.JP), nil)
		if err != nil {
			b.Fatal(err)
		}
		p := f.Prediction("S", time.Minute, 50, 20)
		if _, err := e.Update(p); err != nil {
			b.Fatal(err)
		}
		var lat []time.Duration
		b.ReportAllocs()
		for b.Loop() {
			t0 := time.Now()
			if ds, err := e.Update(p); err != nil || len(ds) != 0 {
				b.Fatalf("Update: %d decisions, %v", len(ds), err)
			}
			lat = append(lat, time.Since(t0))
		}
		reportP99(b, lat)
	})
}

func BenchmarkEncode(b *testing.B) {
	ds := run[warn.Live](b, nation.JP, overflightPredictions()[:1])
	m, err := cap.Compose(&ds[0])
	if err != nil {
		b.Fatal(err)
	}
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			if err := cap.Validate(m.Alert); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cap.Encode(m.Alert); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cap.Decode(m.XML); err != nil {
				b.Fatal(err)
			}
		}
	})
}
