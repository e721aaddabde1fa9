package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
)

func simulate(t *testing.T, name string, seed uint64) ([]sensor.Measurement, []byte) {
	t.Helper()
	sc, err := sim.Resolve(name)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := sim.Plan(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	sensors, err := sim.Sensors(sc)
	if err != nil {
		t.Fatal(err)
	}
	run := &sim.Run{Flights: fl, Sensors: sensors, Seed: seed}
	var out []sensor.Measurement
	var buf bytes.Buffer
	err = run.Simulate(context.Background(), func(_ context.Context, m sensor.Measurement) error {
		out = append(out, m)
		b, err := json.Marshal(&m)
		buf.Write(b)
		buf.WriteByte('\n')
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, buf.Bytes()
}

func TestSimulateIsDeterministicAndOrdered(t *testing.T) {
	ms, a := simulate(t, "2022-10-04-irbm-overflight", 1)
	_, b := simulate(t, "2022-10-04-irbm-overflight", 1)
	_, c := simulate(t, "2022-10-04-irbm-overflight", 2)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different output")
	}
	if bytes.Equal(a, c) {
		t.Fatal("a different seed gave the same output")
	}
	if len(ms) < 100 {
		t.Fatalf("only %d measurements of an IRBM overflight", len(ms))
	}
	nations := map[nation.Nation]int{}
	seqs := map[string]uint64{}
	for i, m := range ms {
		if i > 0 && m.Time.Before(ms[i-1].Time) {
			t.Fatalf("measurement %d at %v is before the previous one at %v", i, m.Time, ms[i-1].Time)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("measurement %d invalid: %v", i, err)
		}
		if m.Seq != seqs[m.Sensor]+1 {
			t.Fatalf("%s: sequence %d after %d", m.Sensor, m.Seq, seqs[m.Sensor])
		}
		seqs[m.Sensor] = m.Seq
		nations[m.Nation]++
	}
	// Every nation's sensors see a launch over northern Japan.
	for _, n := range nation.Nations {
		if nations[n] == 0 {
			t.Errorf("no measurements from %s's sensors", n)
		}
	}
	first := ms[0].Time.Sub(time.Date(2022, 10, 3, 22, 22, 0, 0, time.UTC))
	t.Logf("%d measurements from %d sensors; first %v after launch", len(ms), len(seqs), first.Round(time.Millisecond))
}

func TestSalvoEveryMissileSeen(t *testing.T) {
	ms, _ := simulate(t, "2022-06-05-srbm-salvo", 1)
	seen := map[string]int{}
	for _, m := range ms {
		if m.SimTruth != nil {
			seen[m.SimTruth.Object]++
		}
	}
	for _, id := range []string{"S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"} {
		if seen[id] == 0 {
			t.Errorf("missile %s never detected", id)
		}
	}
}
