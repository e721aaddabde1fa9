package sim_test

import (
	"testing"
	"time"

	"github.com/trilink/trilink/internal/sim"
)

func TestBuiltinScenariosSolve(t *testing.T) {
	all, err := sim.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 12 {
		t.Fatalf("%d built-in scenarios, want at least 12", len(all))
	}
	salvo := false
	for _, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			if len(sc.Sources) == 0 {
				t.Error("no sources cited")
			}
			start := time.Now()
			fl, err := sim.Plan(sc, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fl {
				t.Logf("%s: range %.0f km, apogee %.0f km, flight %v (solved in %v)", f.Spec.ID,
					float64(f.Traj.Range())/1000, float64(f.Traj.MaxAltitude())/1000, f.Traj.FlightTime().Round(time.Second), time.Since(start).Round(time.Millisecond))
			}
			if len(fl) >= 8 {
				salvo = true
			}
		})
	}
	if !salvo {
		t.Error("no salvo of at least 8 missiles in the library")
	}
}
