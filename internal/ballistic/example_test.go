package ballistic_test

import (
	"fmt"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// A body 300 km above Sunan climbing east at 3.5 km/s, 40° above the
// horizon, propagated to impact with the full model.
func ExamplePropagate() {
	site := geo.LLA{Lat: 39.2, Lon: 125.67, Alt: 300e3}
	rot := geo.ENUToECEFRotation(site)
	s := ballistic.State{R: site.ECEF().Vec(), V: rot.Apply(geo.AERToENU(90, 40, 3500))}

	tr, err := ballistic.Propagate(ballistic.Full(5000), s, 0, ballistic.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("apogee %.0f km after %.0f s\n", float64(tr.Apogee.LLA.Alt)/1e3, tr.Apogee.T.Seconds())
	fmt.Printf("impact at %.1f°N %.1f°E after %.0f s, %.0f km downrange\n",
		float64(tr.Impact.LLA.Lat), float64(tr.Impact.LLA.Lon), tr.FlightTime().Seconds(), float64(tr.Range())/1e3)
	// Output:
	// apogee 651 km after 317 s
	// impact at 36.8°N 146.0°E after 750 s, 1801 km downrange
}

// Reconstruct the 2022-10-04 IRBM from its reported figures.
func ExampleSolve() {
	l, tr, err := ballistic.Solve(ballistic.Spec{
		Site:    geo.LLA{Lat: 40.61, Lon: 126.43},
		Azimuth: 85,
		Range:   4600e3,
		Apogee:  1000e3,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v, %d stage, burnout after %.0f s\n", l.Vehicle.Class, len(l.Vehicle.Stages), tr.Burnout.T.Seconds())
	fmt.Printf("flight time about %.0f min\n", tr.FlightTime().Minutes())
	// Output:
	// IRBM, 1 stage, burnout after 157 s
	// flight time about 23 min
}
