package estimate_test

import (
	"context"
	"fmt"
	"math"

	"github.com/trilink/trilink/internal/ballistic/estimate"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
)

// A filter follows one simulated missile — the 2016-08-03 Nodong-like shot
// into Japan's EEZ seen by the default network — from three plots to
// impact, and reports what a ministry would announce.
func ExampleFilter() {
	sc, _ := sim.Resolve("2016-08-03-nodong-eez")
	flights, _ := sim.Plan(sc, nil)
	sensors, _ := sim.Sensors(sc)
	var plots []sensor.Measurement
	run := &sim.Run{Flights: flights, Sensors: sensors, Seed: 1}
	_ = run.Simulate(context.Background(), func(_ context.Context, m sensor.Measurement) error {
		plots = append(plots, m)
		return nil
	})

	f, err := estimate.New(plots[:3], estimate.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("started in", f.Mode())
	for i := 3; i < len(plots); i++ {
		if _, err := f.Update(&plots[i]); err != nil {
			fmt.Println(err)
			return
		}
	}
	a, err := f.Assess(estimate.AssessOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	tens := func(m float64) float64 { return 10 * math.Round(m/1e4) }
	fmt.Println(a.Class, a.Trajectory)
	fmt.Printf("apogee %.0f km, range %.0f km, flight %.0f min\n", tens(float64(a.Apogee)), tens(float64(a.Range)), a.FlightTime.Minutes())
	// Output:
	// started in boost
	// MRBM minimum-energy
	// apogee 230 km, range 1000 km, flight 9 min
}
