package estimate_test

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/ballistic/estimate"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
)

// flights caches solved scenarios: solving takes tens of milliseconds.
var flights sync.Map // name → []sim.Flight

// mustFlights returns a built-in scenario's solved flights.
func mustFlights(tb testing.TB, name string) (*sim.Scenario, []sim.Flight) {
	tb.Helper()
	sc, err := sim.Resolve(name)
	if err != nil {
		tb.Fatal(err)
	}
	if fl, ok := flights.Load(name); ok {
		return sc, fl.([]sim.Flight)
	}
	fl, err := sim.Plan(sc, nil)
	if err != nil {
		tb.Fatal(err)
	}
	flights.Store(name, fl)
	return sc, fl
}

// mustSimulate returns the first flight of a scenario and its
// measurements with the default network for one seed.
func mustSimulate(tb testing.TB, name string, seed uint64) (sim.Flight, []sensor.Measurement) {
	tb.Helper()
	sc, fl := mustFlights(tb, name)
	sens, err := sim.Sensors(sc)
	if err != nil {
		tb.Fatal(err)
	}
	var ms []sensor.Measurement
	run := &sim.Run{Flights: fl[:1], Sensors: sens, Seed: seed}
	if err := run.Simulate(context.Background(), func(_ context.Context, m sensor.Measurement) error {
		ms = append(ms, m)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return fl[0], ms
}

// initPlots returns the radar plots at the first three distinct times and
// the index of the first measurement after them.
func initPlots(ms []sensor.Measurement) ([]sensor.Measurement, int) {
	var out []sensor.Measurement
	times := map[time.Time]bool{}
	k := 0
	for ; k < len(ms) && len(times) < 3; k++ {
		if ms[k].Kind == sensor.KindRadar {
			out = append(out, ms[k])
			times[ms[k].Time] = true
		}
	}
	return out, k
}

// mustTrack runs a filter over all of a flight's measurements (the
// simulator's own association) and returns it.
func mustTrack(tb testing.TB, ms []sensor.Measurement, cfg estimate.Config, each func(f *estimate.Filter, m *sensor.Measurement)) *estimate.Filter {
	tb.Helper()
	init, k := initPlots(ms)
	f, err := estimate.New(init, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	for ; k < len(ms); k++ {
		if _, err := f.Update(&ms[k]); err != nil {
			tb.Fatalf("update %d (%s at %v): %v", k, ms[k].Sensor, ms[k].Time, err)
		}
		if each != nil {
			each(f, &ms[k])
		}
	}
	return f
}

// nees returns the normalised estimation error squared of f's position
// and velocity against the truth s.
func nees(tb testing.TB, f *estimate.Filter, s ballistic.State) float64 {
	tb.Helper()
	r, v := f.Mean()
	e := mat.NewVecDense(6, []float64{r.X - s.R.X, r.Y - s.R.Y, r.Z - s.R.Z, v.X - s.V.X, v.Y - s.V.Y, v.Z - s.V.Z})
	var p mat.SymDense
	p.SubsetSym(f.Cov(), []int{0, 1, 2, 3, 4, 5})
	var ch mat.Cholesky
	if !ch.Factorize(&p) {
		tb.Fatal("covariance not positive definite")
	}
	var y mat.VecDense
	if err := ch.SolveVecTo(&y, e); err != nil {
		tb.Fatal(err)
	}
	return mat.Dot(e, &y)
}

// radarPlot returns a noise-free radar plot of a target at pos from site.
func radarPlot(site geo.LLA, pos r3.Vec, t time.Time, seq uint64) sensor.Measurement {
	az, el, rng := geo.AER(site, geo.ECEFFromVec(pos))
	return sensor.Measurement{
		Kind: sensor.KindRadar, Sensor: "test-radar", Nation: nation.JP, Time: t, Seq: seq,
		Radar: &sensor.Radar{Site: sensor.Site(site), Range: rng, Az: az, El: el,
			Sigma: sensor.RadarSigma{Range: 10, Az: geo.Radians(0.5e-3).Degrees(), El: geo.Radians(0.5e-3).Degrees()}},
	}
}

// relErr returns |a − b| / max(|b|, floor).
func relErr(a, b, floor float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), floor) }
