package ballistic_test

import (
	"testing"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// icbm86 is the state after burnout of a lofted ICBM whose free flight
// with the full model lasts about 86 minutes (apogee ≈ 8,000 km).
var icbm86 = newState(geo.LLA{Lat: 39.2, Lon: 125.67, Alt: 800e3}, 100, 85, 7460)

func BenchmarkPropagateICBM(b *testing.B) {
	m := ballistic.Full(8000)
	for _, bc := range []struct {
		name string
		o    ballistic.Options
	}{
		{"samples=1s", ballistic.Options{}},
		{"samples=none", ballistic.Options{Sample: -1}},
		{"rtol=1e-9/samples=none", ballistic.Options{Sample: -1, RelTol: 1e-9}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var tr *ballistic.Trajectory
			for b.Loop() {
				var err error
				if tr, err = ballistic.Propagate(m, icbm86, 0, bc.o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(tr.FlightTime().Minutes(), "flight-min")
		})
	}
}

func BenchmarkStep(b *testing.B) {
	m := ballistic.Full(8000)
	b.ReportAllocs()
	s := icbm86
	for b.Loop() {
		s = ballistic.Step(m, icbm86, time.Second)
	}
	_ = s
}

func BenchmarkPropagateTo(b *testing.B) {
	m := ballistic.Full(8000)
	for _, dt := range []time.Duration{time.Second, 10 * time.Second} {
		b.Run(dt.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ballistic.PropagateTo(m, icbm86, dt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFly(b *testing.B) {
	l := ballistic.Launch{Site: mupyong, Azimuth: 81.4, Vehicle: ballistic.VehicleFor(ballistic.IRBM), Pitch: 39.6, Cutoff: 0.98}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Fly(ballistic.Options{Sample: -1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolve(b *testing.B) {
	sp := ballistic.Spec{Site: mupyong, Azimuth: 85, Range: 4600e3, Apogee: 1000e3}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ballistic.Solve(sp); err != nil {
			b.Fatal(err)
		}
	}
}
