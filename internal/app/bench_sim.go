package app

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
)

// SimFigures is the output of `trilink bench sim`.
type SimFigures struct {
	// ICBMPropagationMs is the time to propagate the free flight of a
	// lofted ICBM whose whole flight lasts 86 min (full force model,
	// sampled every second).
	ICBMPropagationMs float64 `json:"icbm_propagation_ms"`
	ICBMFlightMin     float64 `json:"icbm_flight_min"`
	// SalvoSpeedupX is simulated time over wall time for a 20-missile salvo
	// watched by 12 sensors at 10 Hz, on one core (GOMAXPROCS=1).
	SalvoSpeedupX       float64 `json:"salvo_speedup_x"`
	SalvoMissiles       int     `json:"salvo_missiles"`
	SalvoSensors        int     `json:"salvo_sensors"`
	SalvoRateHz         float64 `json:"salvo_rate_hz"`
	SalvoSimulatedS     float64 `json:"salvo_simulated_s"`
	SalvoWallS          float64 `json:"salvo_wall_s"`
	SalvoMeasurements   int     `json:"salvo_measurements"`
	SalvoObservationsPS float64 `json:"salvo_measurements_per_s"`
}

func benchSim(ctx context.Context) (*SimFigures, error) {
	r := &SimFigures{}
	// A Hwasong-19-like lofted flight (2024-10-31: about 86 min reported).
	// The ICBM template tops out near 7,000 km of apogee (80 min), so the
	// burnout speed is raised until the free flight lasts 86 min; then the
	// free flight is propagated with the full force model, sampled every
	// second as the simulator uses it.
	sc, err := sim.Resolve("2024-10-31-hwasong19-lofted")
	if err != nil {
		return nil, err
	}
	launch, solved, err := ballistic.Solve(sc.Launches[0].Spec())
	if err != nil {
		return nil, err
	}
	m := ballistic.Full(launch.Vehicle.Beta)
	bo := solved.Burnout.State
	flight := func(k float64) (*ballistic.Trajectory, error) {
		s := bo
		s.V = r3.Scale(k, s.V)
		return ballistic.Propagate(m, s, 0, ballistic.Options{})
	}
	lo, hi := 1.0, 1.1
	for range 40 {
		mid := (lo + hi) / 2
		tr, err := flight(mid)
		if err != nil || tr.Impact == nil || tr.FlightTime() > 86*time.Minute-solved.Burnout.T {
			hi = mid
		} else {
			lo = mid
		}
	}
	const reps = 50
	var tr *ballistic.Trajectory
	start := time.Now()
	for range reps {
		if tr, err = flight(lo); err != nil {
			return nil, err
		}
	}
	r.ICBMPropagationMs = ms(time.Since(start) / reps)
	r.ICBMFlightMin = (tr.FlightTime() + solved.Burnout.T).Minutes()

	// The salvo: the 2022-06-05 launches, repeated at later times to make 20.
	salvo, err := sim.Resolve("2022-06-05-srbm-salvo")
	if err != nil {
		return nil, err
	}
	flights, err := sim.Repeat(salvo, 20, 90*time.Second)
	if err != nil {
		return nil, err
	}
	net := sensor.DefaultNetwork()
	var sensors []*sensor.Sensor
	for i := 0; len(sensors) < 12; i++ {
		s := net[i%len(net)]
		if i >= len(net) {
			s.ID = fmt.Sprintf("%s-%d", s.ID, i/len(net))
		}
		s.Rate = 10
		sensors = append(sensors, &s)
	}
	run := &sim.Run{Flights: flights, Sensors: sensors, Seed: 1}
	simStart, simEnd := run.Span()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	n := 0
	start = time.Now()
	if err := run.Simulate(ctx, func(context.Context, sensor.Measurement) error { n++; return nil }); err != nil {
		return nil, err
	}
	wall := time.Since(start)
	r.SalvoMissiles, r.SalvoSensors, r.SalvoRateHz = len(flights), len(sensors), 10
	r.SalvoSimulatedS, r.SalvoWallS = simEnd.Sub(simStart).Seconds(), wall.Seconds()
	r.SalvoSpeedupX = r.SalvoSimulatedS / r.SalvoWallS
	r.SalvoMeasurements = n
	r.SalvoObservationsPS = float64(n) / wall.Seconds()
	return r, nil
}

func printSim(w io.Writer, r *SimFigures) {
	fmt.Fprintf(w, "sim (%d CPUs available, salvo on 1)\n", runtime.NumCPU())
	fmt.Fprintf(w, "  lofted ICBM free flight (%.1f min from launch to impact), full model, 1 s samples: %.3f ms\n", r.ICBMFlightMin, r.ICBMPropagationMs)
	fmt.Fprintf(w, "  salvo of %d missiles, %d sensors at %.0f Hz: %.0f s simulated in %.2f s = %.0f× real time (%d measurements, %.0f/s)\n",
		r.SalvoMissiles, r.SalvoSensors, r.SalvoRateHz, r.SalvoSimulatedS, r.SalvoWallS, r.SalvoSpeedupX, r.SalvoMeasurements, r.SalvoObservationsPS)
}
