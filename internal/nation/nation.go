// Package nation names the three partners — jp, kr, us — as used in every
// machine interface, and the per-nation names derived from them (NATS
// accounts, streams, subject prefixes). It imports nothing of the project,
// so every package, physics included, may use it.
package nation

import (
	"errors"
	"fmt"
	"strings"
)

// Nation is one of the three partners. Its text form is the ISO 3166-1 alpha-2
// code in lower case, used in every machine interface (subjects, JSON, flags).
//
// The values are persisted and shared: do not reorder.
type Nation int

const (
	NationUnknown Nation = iota
	JP                   // Japan
	KR                   // Republic of Korea
	US                   // United States
)

// Nations lists the partners in their canonical order. The canonical order
// decides which side of a pair solicits the leaf link (the earlier one).
var Nations = []Nation{JP, KR, US}

// ErrUnknownNation is returned when a text does not name one of the partners.
var ErrUnknownNation = errors.New("unknown nation (want jp, kr or us)")

var nationCodes = [...]string{NationUnknown: "", JP: "jp", KR: "kr", US: "us"}

// String returns the lower-case code ("jp"), or "unknown".
func (n Nation) String() string {
	if n.Valid() {
		return nationCodes[n]
	}
	return "unknown"
}

// Upper returns the upper-case code used in NATS account and stream names ("JP").
func (n Nation) Upper() string { return strings.ToUpper(n.String()) }

// Valid reports whether n is one of the partners.
func (n Nation) Valid() bool { return n >= JP && n <= US }

// Parse parses a lower- or upper-case code.
func Parse(s string) (Nation, error) {
	for i, c := range nationCodes {
		if c != "" && strings.EqualFold(c, s) {
			return Nation(i), nil
		}
	}
	return NationUnknown, fmt.Errorf("%w: %q", ErrUnknownNation, s)
}

// MarshalText implements encoding.TextMarshaler.
func (n Nation) MarshalText() ([]byte, error) {
	if !n.Valid() {
		return nil, ErrUnknownNation
	}
	return []byte(n.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (n *Nation) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// Partners returns the other two nations, in canonical order.
func (n Nation) Partners() []Nation {
	out := make([]Nation, 0, 2)
	for _, p := range Nations {
		if p != n {
			out = append(out, p)
		}
	}
	return out
}

// Names of the per-nation NATS objects (research/nats.md §5.2).
func (n Nation) Account() string       { return n.Upper() }             // national account, e.g. JP
func (n Nation) BorderAccount() string { return n.Upper() + "_BORDER" } // the account a partner's link lands in on the other side
func (n Nation) PrivateStream() string { return n.Upper() + "_PRIVATE" }
func (n Nation) RelStream() string     { return n.Upper() + "_REL" }

// Subject prefixes.
func (n Nation) SharedPrefix() string  { return "shared." + n.String() + "." }
func (n Nation) PrivatePrefix() string { return n.String() + "." }

// OfShared returns the nation of a released subject shared.<n>.…: the
// nation whose border account published it.
func OfShared(subject string) (Nation, bool) {
	rest, ok := strings.CutPrefix(subject, "shared.")
	if !ok {
		return NationUnknown, false
	}
	code, _, ok := strings.Cut(rest, ".")
	if !ok {
		return NationUnknown, false
	}
	n, err := Parse(code)
	return n, err == nil
}
