package app_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
)

// Regression (issue 11): replays published measurements with the id
// <sensor>:<time>, and a radar reports every missile of a salvo in the same
// scan at the same instant, so the release stream's duplicate window
// dropped all plots of a scan but the first. Ids must be unique per
// measurement fusion tells apart.
func TestMeasurementIDUniqueInSalvo(t *testing.T) {
	sc, err := sim.Resolve("2022-06-05-srbm-salvo")
	if err != nil {
		t.Fatal(err)
	}
	flights, err := sim.Plan(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	sensors, err := sim.Sensors(sc)
	if err != nil {
		t.Fatal(err)
	}
	run := &sim.Run{Flights: flights, Sensors: sensors, Seed: sc.Seed}
	ids, old := map[string]bool{}, map[string]bool{}
	n, oldDups := 0, 0
	err = run.Simulate(context.Background(), func(_ context.Context, m sensor.Measurement) error {
		n++
		id := app.MeasurementID(m)
		if ids[id] {
			t.Errorf("id %s used twice", id)
		}
		ids[id] = true
		o := m.Sensor + ":" + strconv.FormatInt(m.Time.UnixNano(), 10)
		if old[o] {
			oldDups++
		}
		old[o] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if oldDups == 0 {
		t.Fatal("the salvo has no two plots of one sensor at one instant: the regression case is gone")
	}
	t.Logf("%d measurements; the old <sensor>:<time> id collided %d times", n, oldDups)
}
