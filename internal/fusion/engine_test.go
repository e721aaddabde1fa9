package fusion_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
)

// Bad input is rejected with a reason, counted, and never reaches a
// filter; a duplicate is ignored.
func TestAddRejects(t *testing.T) {
	sc, fl := mustPlan(t, "2016-08-03-nodong-eez")
	ms := mustMeasure(t, sc, fl, 1)
	good := ms[0]
	future := ms[1]
	future.Time = good.Time.Add(3 * time.Hour)
	negative := ms[2]
	r := *negative.Radar
	r.Range = -5
	negative.Radar = &r
	// The cases run in order on one engine: the duplicate is of the first.
	e := fusion.New(fusion.Config{})
	for _, tt := range []struct {
		name string
		m    sensor.Measurement
		want error
	}{
		{"first", good, nil},
		{"duplicate", good, fusion.ErrDuplicate},
		{"far_future", future, fusion.ErrFuture},
		{"negative_range", negative, fusion.ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Add(tt.m)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Add = %v, want %v", err, tt.want)
			}
		})
	}
	e.Flush()
	st := e.Stats()
	if st.Accepted != 1 || st.Duplicates != 1 || st.Rejected["future"] != 1 || st.Rejected["invalid"] != 1 || st.Processed != 1 {
		t.Errorf("stats %+v", st)
	}
	if d := e.Digest(); d.Measurements != 1 {
		t.Errorf("digest counts %d measurements, want 1", d.Measurements)
	}
	// Once the picture has moved on, data older than the replay horizon
	// cannot be merged.
	e.Advance(good.Time.Add(3 * time.Hour))
	old := ms[3]
	if err := e.Add(old); !errors.Is(err, fusion.ErrTooOld) {
		t.Errorf("Add of a measurement 3 h old = %v, want ErrTooOld", err)
	}
}

// arrival is a measurement with the time it reaches the engine.
type arrival struct {
	at time.Time
	m  sensor.Measurement
}

// deliver adds measurements in arrival order, advancing the engine as a
// half-second ticker would, then flushes and advances to end.
func deliver(t *testing.T, arr []arrival, end time.Time) *fusion.Engine {
	t.Helper()
	sort.SliceStable(arr, func(i, j int) bool { return arr[i].at.Before(arr[j].at) })
	e := fusion.New(fusion.Config{})
	var tick time.Time
	for _, a := range arr {
		if a.at.Sub(tick) >= 500*time.Millisecond {
			tick = a.at
			e.Advance(tick)
		}
		if err := e.Add(a.m); err != nil {
			t.Fatal(err)
		}
	}
	e.Flush()
	e.Advance(end)
	return e
}

// The picture is a pure function of the set of measurements: the same
// scenario delivered in order, with random latencies of up to 4 s (beyond
// the 2 s reorder window, so the engine re-runs from checkpoints), and
// with one nation cut off mid-flight and its measurements delivered late
// in a burst after the partition heals, gives identical events and
// digests.
func TestDeterminism(t *testing.T) {
	scenarios := []string{"2022-10-04-irbm-overflight", "2022-06-05-srbm-salvo"}
	if testing.Short() {
		scenarios = scenarios[:1]
	}
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			sc, fl := mustPlan(t, name)
			ms := mustMeasure(t, sc, fl, 3)
			start, end := ms[0].Time, ms[len(ms)-1].Time
			mid := start.Add(end.Sub(start) / 3)
			heal := start.Add(end.Sub(start) * 2 / 3)
			final := end.Add(time.Hour)
			type variant struct {
				name string
				arr  []arrival
			}
			var variants []variant
			inOrder := make([]arrival, len(ms))
			for i, m := range ms {
				inOrder[i] = arrival{m.Time, m}
			}
			variants = append(variants, variant{"in_order", inOrder})
			seeds := []uint64{1, 2}
			cuts := []nation.Nation{nation.KR, nation.JP}
			if len(fl) > 1 {
				// The salvo re-runs eight tracks: fewer variants.
				seeds, cuts = seeds[:1], cuts[:1]
			}
			for _, seed := range seeds {
				rng := rand.New(rand.NewPCG(seed, 99))
				arr := make([]arrival, len(ms))
				for i, m := range ms {
					arr[i] = arrival{m.Time.Add(time.Duration(rng.Float64() * float64(4*time.Second))), m}
				}
				variants = append(variants, variant{"jitter", arr})
			}
			for _, cut := range cuts {
				arr := make([]arrival, len(ms))
				for i, m := range ms {
					at := m.Time.Add(500 * time.Millisecond)
					if m.Nation == cut && m.Time.After(mid) && m.Time.Before(heal) {
						at = heal.Add(10 * time.Second) // the burst after the partition heals
					}
					arr[i] = arrival{at, m}
				}
				variants = append(variants, variant{"partition_" + cut.String(), arr})
			}
			// Reversed arrival within each second: ties and near-ties in
			// the worst order.
			rev := make([]arrival, len(ms))
			for i, m := range ms {
				rev[i] = arrival{m.Time.Truncate(time.Second).Add(time.Second + time.Duration(len(ms)-i)*time.Microsecond), m}
			}
			variants = append(variants, variant{"reversed_within_second", rev})

			var ref *fusion.Engine
			for _, v := range variants {
				e := deliver(t, v.arr, final)
				if ref == nil {
					ref = e
					if n := len(e.Events()); n != len(fl) {
						t.Fatalf("%s: %d events, want %d", v.name, n, len(fl))
					}
					continue
				}
				if got, want := e.Digest(), ref.Digest(); got != want {
					t.Errorf("%s: digest %+v, want %+v (reruns %d)", v.name, got, want, e.Stats().Reruns)
				}
				if got, want := e.Events(), ref.Events(); !reflect.DeepEqual(got, want) {
					gb, _ := json.Marshal(got)
					wb, _ := json.Marshal(want)
					t.Errorf("%s: events differ:\n%.600s\nwant\n%.600s", v.name, gb, wb)
				}
				if v.name != "in_order" && e.Stats().Reruns == 0 && v.name[:4] != "reve" {
					t.Errorf("%s: no re-run from a checkpoint; the test does not exercise late data", v.name)
				}
			}
		})
	}
}

// An event goes detected → tracking/impact_predicted → impacted → closed
// as measurements and time come in.
func TestLifecycle(t *testing.T) {
	sc, fl := mustPlan(t, "2022-10-04-irbm-overflight")
	ms := mustMeasure(t, sc, fl, 1)
	launch := fl[0].Start()
	impact := launch.Add(fl[0].Traj.FlightTime())
	e := fusion.New(fusion.Config{})
	next := 0
	feedUntil := func(t time.Time) {
		for next < len(ms) && !ms[next].Time.After(t) {
			if err := e.Add(ms[next]); err != nil {
				panic(err)
			}
			next++
		}
		e.Advance(t.Add(2 * time.Second))
	}
	for _, tt := range []struct {
		after time.Duration
		want  fusion.EventState
	}{
		{60 * time.Second, fusion.StateDetected},         // boosting
		{300 * time.Second, fusion.StateImpactPredicted}, // free flight
		{fl[0].Traj.FlightTime() - time.Minute, fusion.StateImpactPredicted},
		{fl[0].Traj.FlightTime() + time.Minute, fusion.StateImpacted},
		{fl[0].Traj.FlightTime() + 20*time.Minute, fusion.StateClosed},
	} {
		feedUntil(launch.Add(tt.after))
		evs := e.Events()
		if len(evs) != 1 {
			t.Fatalf("at +%v: %d events", tt.after, len(evs))
		}
		if evs[0].State != tt.want {
			t.Errorf("at +%v: state %v, want %v", tt.after, evs[0].State, tt.want)
		}
	}
	if d := e.Digest().Through; d.Before(impact) {
		t.Errorf("digest through %v, before the impact", d)
	}
}

// Events encode as DESIGN §4's analyze objects: the estimate's fields at
// the top level, and decode back to an equal value.
func TestEventJSON(t *testing.T) {
	sc, fl := mustPlan(t, "2016-08-03-nodong-eez")
	evs := mustFuse(t, mustMeasure(t, sc, fl, 1)).Events()
	b, err := json.Marshal(evs[0])
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "state", "class", "trajectory", "launch", "apogee_km", "range_km", "flight_time_s", "impact", "first_detection_s", "first_estimate_s"} {
		if _, ok := top[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	imp, _ := top["impact"].(map[string]any)
	if ell, _ := imp["ellipse95"].(map[string]any); ell == nil || ell["major_km"] == nil || ell["bearing_deg"] == nil {
		t.Errorf("impact %v has no ellipse95", imp)
	}
	if top["class"] != "MRBM" || top["state"] == "" {
		t.Errorf("class %v state %v", top["class"], top["state"])
	}
	var back fusion.Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip changed the event:\n%s\n%s", b, b2)
	}
}
