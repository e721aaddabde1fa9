package fusion_test

import (
	"testing"

	"github.com/trilink/trilink/internal/fusion"
)

// BenchmarkFuseScenario measures fusing a whole simulated scenario —
// association, every filter update, impact predictions at up to 1 Hz per
// track, launch back-propagation — from Add to the final picture.
func BenchmarkFuseScenario(b *testing.B) {
	for _, name := range []string{"2022-10-04-irbm-overflight", "2022-11-18-hwasong17-lofted", "2022-06-05-srbm-salvo"} {
		b.Run(name, func(b *testing.B) {
			sc, fl := mustPlan(b, name)
			ms := mustMeasure(b, sc, fl, 1)
			mustFuse(b, ms) // warm the boost-template cache
			b.ReportAllocs()
			for b.Loop() {
				e := fusion.New(fusion.Config{})
				for _, m := range ms {
					if err := e.Add(m); err != nil {
						b.Fatal(err)
					}
				}
				e.Flush()
				if len(e.Events()) != len(fl) {
					b.Fatalf("%d events for %d missiles", len(e.Events()), len(fl))
				}
			}
			b.ReportMetric(float64(len(ms))*float64(b.N)/b.Elapsed().Seconds(), "meas/s")
		})
	}
}
