package fusion_test

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
)

// plans caches solved scenarios by name.
var plans sync.Map

// mustPlan returns a scenario (built-in name) and its solved flights.
func mustPlan(tb testing.TB, name string) (*sim.Scenario, []sim.Flight) {
	tb.Helper()
	sc, err := sim.Resolve(name)
	if err != nil {
		tb.Fatal(err)
	}
	if fl, ok := plans.Load(name); ok {
		return sc, fl.([]sim.Flight)
	}
	fl, err := sim.Plan(sc, nil)
	if err != nil {
		tb.Fatal(err)
	}
	plans.Store(name, fl)
	return sc, fl
}

// mustMeasure simulates a scenario's flights with its sensors and seed.
func mustMeasure(tb testing.TB, sc *sim.Scenario, fl []sim.Flight, seed uint64) []sensor.Measurement {
	tb.Helper()
	sens, err := sim.Sensors(sc)
	if err != nil {
		tb.Fatal(err)
	}
	var ms []sensor.Measurement
	run := &sim.Run{Flights: fl, Sensors: sens, Seed: seed}
	if err := run.Simulate(context.Background(), func(_ context.Context, m sensor.Measurement) error {
		ms = append(ms, m)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return ms
}

// mustFuse adds measurements in the given order and flushes.
func mustFuse(tb testing.TB, ms []sensor.Measurement) *fusion.Engine {
	tb.Helper()
	e := fusion.New(fusion.Config{})
	for _, m := range ms {
		if err := e.Add(m); err != nil {
			tb.Fatal(err)
		}
	}
	e.Flush()
	return e
}

// truthOf maps each measurement to the simulated object behind it.
func truthOf(ms []sensor.Measurement) map[fusion.Ref]string {
	out := make(map[fusion.Ref]string, len(ms))
	for _, m := range ms {
		if m.SimTruth != nil {
			out[fusion.Ref{Sensor: m.Sensor, Seq: m.Seq}] = m.SimTruth.Object
		}
	}
	return out
}

// insideEllipse reports whether p lies inside the ellipse centred at c.
func insideEllipse(c, p geo.LLA, e fusion.Ellipse) bool {
	enu := geo.ENU(c, p.ECEF())
	b := e.BearingDeg * math.Pi / 180
	x := enu.X*math.Sin(b) + enu.Y*math.Cos(b) // along the major axis
	y := enu.X*math.Cos(b) - enu.Y*math.Sin(b) // along the minor axis
	a, m := e.MajorKm*1e3, e.MinorKm*1e3
	if a <= 0 || m <= 0 {
		return false
	}
	return (x/a)*(x/a)+(y/m)*(y/m) <= 1
}
