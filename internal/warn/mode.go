package warn

import "fmt"

// Status is the CAP status of the messages an engine produces (CAP 1.2
// §3.2.1 status): Actual for real events, Exercise for drills and replays.
//
// The values are persisted: do not reorder.
type Status int

const (
	StatusUnknown Status = iota
	Actual               // actionable by all targeted recipients
	Exercise             // only for designated exercise participants
)

var statusNames = [...]string{"unknown", "Actual", "Exercise"}

// String returns the CAP form ("Actual"), or "unknown".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) {
	if s != Actual && s != Exercise {
		return nil, fmt.Errorf("warn: unknown status %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	switch string(b) {
	case "Actual":
		*s = Actual
	case "Exercise":
		*s = Exercise
	default:
		return fmt.Errorf("warn: unknown status %q (want Actual or Exercise)", b)
	}
	return nil
}

// Mode is the type-level status of an [Engine] and of everything it
// produces: [Live] (status Actual) or [Drill] (status Exercise). An
// Engine[Drill]'s decisions are Decision[Drill] values, which Go will not
// let anyone pass where a Decision[Live] is wanted, so a drill cannot reach
// an Actual channel by mistake (the 2018 Hawaii false alarm, the 2022
// leftover drill data).
type Mode interface {
	Live | Drill
	Status() Status
}

// Live is the Mode of real warnings.
type Live struct{}

// Drill is the Mode of exercises and replays.
type Drill struct{}

// Status returns Actual.
func (Live) Status() Status { return Actual }

// Status returns Exercise.
func (Drill) Status() Status { return Exercise }

// StatusOf returns the status of mode M.
func StatusOf[M Mode]() Status {
	var m M
	return m.Status()
}
