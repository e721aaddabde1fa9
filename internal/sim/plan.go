package sim

import (
	"errors"
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
)

// Flight is one launch of a scenario, solved: the launch that meets the
// reported figures and its trajectory.
type Flight struct {
	Spec   LaunchSpec
	Launch ballistic.Launch
	Traj   *ballistic.Trajectory
}

// Start returns the launch time.
func (f *Flight) Start() time.Time { return f.Spec.Time }

// End returns the impact time (or the end of the trajectory).
func (f *Flight) End() time.Time { return f.Spec.Time.Add(f.Traj.End.T) }

// Plan solves every launch of sc. A launch that no flight of its declared
// kind can fly is an error naming the scenario's file, line and field.
func Plan(sc *Scenario, src []byte) ([]Flight, error) {
	out := make([]Flight, 0, len(sc.Launches))
	for i, l := range sc.Launches {
		launch, tr, err := ballistic.Solve(l.Spec())
		if err != nil {
			at := fmt.Sprintf("launches[%d]", i)
			field := at + ".range_km"
			switch {
			case errors.Is(err, ballistic.ErrNotBallistic):
				field = at + ".apogee_km"
				err = fmt.Errorf("%w (declare trajectory: depressed or pullup for a non-ballistic flight)", err)
			case errors.Is(err, ballistic.ErrUnreachable) && l.Class != "":
				field = at + ".class"
			}
			e := &Error{File: sc.File, Field: field, Err: err}
			if src != nil {
				e.Line = lineOf(src, field)
			}
			return nil, e
		}
		out = append(out, Flight{Spec: l, Launch: launch, Traj: tr})
	}
	return out, nil
}

// Repeat plans sc's launches and repeats them, each repetition every
// `every` later, until there are n flights, named S01, S02, …: the
// benchmarks' 20-missile salvo from a reported one.
func Repeat(sc *Scenario, n int, every time.Duration) ([]Flight, error) {
	base, err := Plan(sc, nil)
	if err != nil {
		return nil, err
	}
	if len(base) == 0 {
		return nil, fmt.Errorf("sim: %s has no launches to repeat", sc.Name)
	}
	flights := make([]Flight, 0, n)
	for i := range n {
		f := base[i%len(base)]
		f.Spec.ID = fmt.Sprintf("S%02d", i+1)
		f.Spec.Time = f.Spec.Time.Add(time.Duration(i/len(base)) * every)
		flights = append(flights, f)
	}
	return flights, nil
}
