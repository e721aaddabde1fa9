package fusion_test

import (
	"context"
	"fmt"
	"math"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
)

// An engine fuses the three nations' measurements of a simulated launch
// into one event; every nation that adds the same measurements, in any
// order, gets the same event and digest.
func ExampleEngine() {
	sc, _ := sim.Resolve("2016-08-03-nodong-eez")
	flights, _ := sim.Plan(sc, nil)
	sensors, _ := sim.Sensors(sc)
	e := fusion.New(fusion.Config{})
	run := &sim.Run{Flights: flights, Sensors: sensors, Seed: 1}
	_ = run.Simulate(context.Background(), func(_ context.Context, m sensor.Measurement) error {
		e.Advance(m.Time) // a live node would advance on a ticker
		return e.Add(m)
	})
	e.Flush()
	for _, ev := range e.Events() {
		est := ev.Estimate
		fmt.Println(ev.State, est.Class, est.Trajectory, ev.Nations)
		fmt.Printf("apogee %.0f km, range %.0f km, impact %.1f N %.1f E\n",
			10*math.Round(est.ApogeeKm/10), 10*math.Round(est.RangeKm/10), est.Impact.Lat, est.Impact.Lon)
	}
	fmt.Println(len(e.Digest().Picture), "hex digits of picture digest")
	// Output:
	// impact_predicted MRBM minimum-energy [jp kr us]
	// apogee 230 km, range 1000 km, impact 40.0 N 136.7 E
	// 64 hex digits of picture digest
}
