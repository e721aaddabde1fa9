package sim

import (
	"container/heap"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// Sensors returns fresh sensor models for the scenario's choice: the
// built-in network, or the listed sensors of it.
func Sensors(sc *Scenario) ([]*sensor.Sensor, error) {
	net := sensor.DefaultNetwork()
	byID := map[string]int{}
	for i := range net {
		byID[net[i].ID] = i
	}
	var out []*sensor.Sensor
	if sc.Sensors.Default {
		for i := range net {
			out = append(out, &net[i])
		}
		return out, nil
	}
	for k, id := range sc.Sensors.IDs {
		i, ok := byID[id]
		if !ok {
			return nil, &Error{File: sc.File, Field: fmt.Sprintf("sensors[%d]", k), Err: fmt.Errorf("no sensor %q in the built-in network", id)}
		}
		out = append(out, &net[i])
	}
	return out, nil
}

// Run is one simulation: flights watched by sensors, measurements in time
// order. The same scenario, sensors and seed give the same measurements.
type Run struct {
	Flights []Flight
	Sensors []*sensor.Sensor
	Seed    uint64
	// Shift moves every launch (and so every measurement) by this much:
	// the demo replays a historical launch as if it were happening now.
	Shift time.Duration
	// Clutter draws each radar's false alarms.
	Clutter bool
}

// Span returns the time from the first launch to the last impact, shifted.
func (r *Run) Span() (start, end time.Time) {
	for i, f := range r.Flights {
		if i == 0 || f.Start().Before(start) {
			start = f.Start()
		}
		if i == 0 || f.End().After(end) {
			end = f.End()
		}
	}
	return start.Add(r.Shift), end.Add(r.Shift)
}

// scan is a sensor's next update.
type scan struct {
	at  time.Time
	idx int // index into Run.Sensors: ties break by it
}

type scanQueue []scan

func (q scanQueue) Len() int { return len(q) }
func (q scanQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].idx < q[j].idx
}
func (q scanQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *scanQueue) Push(x any)   { *q = append(*q, x.(scan)) }
func (q *scanQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// Emit is called with each measurement in time order. Returning an error
// stops the run.
type Emit func(context.Context, sensor.Measurement) error

// Simulate runs every sensor over the span of the flights, at its update
// rate, and emits the measurements in time order (ties by sensor order,
// then flight order). Each sensor draws from its own random stream, seeded
// from the run's seed and its id, so adding a sensor changes no other
// sensor's output.
func (r *Run) Simulate(ctx context.Context, emit Emit) error {
	if len(r.Flights) == 0 {
		return nil
	}
	start, end := r.Span()
	rngs := make([]*rand.Rand, len(r.Sensors))
	q := make(scanQueue, 0, len(r.Sensors))
	for i, s := range r.Sensors {
		h := fnv.New64a()
		h.Write([]byte(s.ID))
		rngs[i] = rand.New(rand.NewPCG(r.Seed, h.Sum64()))
		// Sensors do not scan in lock-step: each starts at its own phase.
		phase := time.Duration(h.Sum64() % uint64(s.Period()))
		q = append(q, scan{at: start.Add(phase), idx: i})
	}
	heap.Init(&q)
	for q.Len() > 0 {
		sc := heap.Pop(&q).(scan)
		if sc.at.After(end) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s, rng := r.Sensors[sc.idx], rngs[sc.idx]
		for i := range r.Flights {
			t, ok := r.truth(&r.Flights[i], sc.at)
			if !ok {
				continue
			}
			if m, ok := s.Observe(t, rng); ok {
				if err := emit(ctx, m); err != nil {
					return err
				}
			}
		}
		if r.Clutter {
			for _, m := range s.Clutter(sc.at, rng) {
				if err := emit(ctx, m); err != nil {
					return err
				}
			}
		}
		heap.Push(&q, scan{at: sc.at.Add(s.Period()), idx: sc.idx})
	}
	return nil
}

// truth returns flight f's true state at time t, if it is in flight then.
func (r *Run) truth(f *Flight, t time.Time) (sensor.Truth, bool) {
	dt := t.Sub(f.Start().Add(r.Shift))
	if dt < 0 || dt > f.Traj.End.T {
		return sensor.Truth{}, false
	}
	st, ok := f.Traj.At(dt)
	if !ok {
		return sensor.Truth{}, false
	}
	boosting := f.Traj.Burnout != nil && dt <= f.Traj.Burnout.T
	return sensor.Truth{T: t, Pos: geo.ECEFFromVec(st.R), Vel: st.V, Boosting: boosting, Object: f.Spec.ID}, true
}
