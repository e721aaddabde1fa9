package hotline

import (
	"fmt"
	"strings"
	"time"
)

// Precedence is a message's handling priority, after the CCEB precedence
// scheme of ACP 121/127 (research/alerting-hotline.md §4.3). Lower values are
// more urgent. Its text form is the lower-case name ("flash").
//
// The values are persisted and shared: do not reorder.
type Precedence int

const (
	PrecedenceUnknown Precedence = iota
	Flash                        // Z: extreme urgency; pre-empts everything
	Immediate                    // O: situations gravely affecting national security
	Priority                     // P: expeditious action, operations in progress
	Routine                      // R: everything else
)

var precedenceNames = [...]string{PrecedenceUnknown: "unknown", Flash: "flash", Immediate: "immediate", Priority: "priority", Routine: "routine"}

// Precedences lists the valid precedences, most urgent first.
var Precedences = []Precedence{Flash, Immediate, Priority, Routine}

// Valid reports whether p is one of the four precedences.
func (p Precedence) Valid() bool { return p >= Flash && p <= Routine }

// String returns the lower-case name ("flash"), or "unknown".
func (p Precedence) String() string {
	if p.Valid() {
		return precedenceNames[p]
	}
	return "unknown"
}

// Prosign returns the ACP 127 prosign: Z, O, P or R; or "" for an invalid p.
func (p Precedence) Prosign() string {
	if !p.Valid() {
		return ""
	}
	return "ZOPR"[p-1 : p]
}

// ParsePrecedence parses a precedence name, in any case.
func ParsePrecedence(s string) (Precedence, error) {
	for _, p := range Precedences {
		if strings.EqualFold(s, precedenceNames[p]) {
			return p, nil
		}
	}
	return PrecedenceUnknown, fmt.Errorf("%w: precedence %q (want flash, immediate, priority or routine)", ErrMalformed, s)
}

// MarshalText implements encoding.TextMarshaler; the unknown precedence is an error.
func (p Precedence) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("%w: precedence %d", ErrMalformed, int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Precedence) UnmarshalText(b []byte) error {
	v, err := ParsePrecedence(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Deadlines are the acknowledgement deadlines per precedence, counted from a
// message's creation time. A zero field means the default.
//
// The defaults (1 min, 5 min, 30 min, 4 h) are much tighter than ACP 121's
// handling objectives because they are for a human acknowledgement, not
// for delivery (research/alerting-hotline.md §4.3).
type Deadlines struct {
	Flash, Immediate, Priority, Routine time.Duration
}

// DefaultDeadlines returns the default acknowledgement deadlines.
func DefaultDeadlines() Deadlines {
	return Deadlines{Flash: time.Minute, Immediate: 5 * time.Minute, Priority: 30 * time.Minute, Routine: 4 * time.Hour}
}

// For returns the deadline for p: the configured one, else the default. It
// panics if p is not valid (a programmer error: envelopes are validated
// before they are tracked).
func (d Deadlines) For(p Precedence) time.Duration {
	def := DefaultDeadlines()
	var v, w time.Duration
	switch p {
	case Flash:
		v, w = d.Flash, def.Flash
	case Immediate:
		v, w = d.Immediate, def.Immediate
	case Priority:
		v, w = d.Priority, def.Priority
	case Routine:
		v, w = d.Routine, def.Routine
	default:
		panic(fmt.Sprintf("hotline: deadline for invalid precedence %d", int(p)))
	}
	if v > 0 {
		return v
	}
	return w
}
