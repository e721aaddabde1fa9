package sensor_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

func BenchmarkObserveRadar(b *testing.B) {
	s := newTestRadar()
	s.Sigma.RangeRate = 1
	s.Corr = sensor.RadarCorr{RangeRangeRate: 0.5}
	truth := truthAt(shariki, 270, 900e3, 400e3, r3.Vec{X: 1000, Y: 2000, Z: -500})
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Observe(truth, rng); !ok {
			b.Fatal("not detected")
		}
	}
}

// BenchmarkCoversRadar is the cost of a miss: the geometry without the draw.
func BenchmarkCoversRadar(b *testing.B) {
	s := newTestRadar()
	truth := truthAt(shariki, 270, 900e3, 10e3, r3.Vec{})
	b.ReportAllocs()
	for b.Loop() {
		if s.Covers(truth) {
			b.Fatal("covered")
		}
	}
}

func BenchmarkObserveSpaceIR(b *testing.B) {
	s := newTestIR()
	truth := sensor.Truth{T: launchTime, Pos: geo.LLA{Lat: 39.5, Lon: 127, Alt: 40e3}.ECEF(), Boosting: true}
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Observe(truth, rng); !ok {
			b.Fatal("not detected")
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"radar", "radar_doppler", "space_ir"} {
		data, err := os.ReadFile(filepath.Join("testdata", "measurements", name+".json"))
		if err != nil {
			b.Fatal(err)
		}
		var compact map[string]any
		if err := json.Unmarshal(data, &compact); err != nil {
			b.Fatal(err)
		}
		line, _ := json.Marshal(compact) // as on the wire: one line
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sensor.Decode(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	m := goldenMeasurements()["radar_doppler"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}
