package cot

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is a Cursor-on-Target event (CoT 2.0, MITRE Event-PUBLIC.xsd): what
// (Type), which (UID), how it was derived (How), when (Time, Start, Stale)
// and where (Point), with the Detail.
type Event struct {
	// Version is the CoT version, "2.0" when empty on encoding. TAK
	// protocol v1 does not carry it: events read from protobuf have "2.0".
	Version string
	// UID identifies the thing; a newer event with the same UID replaces
	// the older one.
	UID string
	// Type is the CoT type, e.g. "a-h-A-W-M-S-S" (pattern
	// \w+(-\w+)*(;[^;]*)?).
	Type string
	// How is how the event was produced, e.g. "m-f" fused, "m-p" predicted
	// (pattern \w(-\w+)*).
	How string
	// Access, QoS and Opex are optional: access control, quality of
	// service ("9-r-d": priority, overtaking, assurance) and
	// operations/exercise/simulation ("e-…").
	Access, QoS, Opex string
	// Time is when the event was generated; Start and Stale bound when it
	// is valid. CoT and TAK protocol v1 carry milliseconds: finer parts are
	// truncated on encoding.
	Time, Start, Stale time.Time
	Point              Point
	Detail             Detail
}

// Point is the event's WGS-84 position: latitude and longitude in degrees,
// height above the ellipsoid (HAE), circular (CE) and linear (LE) error in
// metres; [Unknown] for a figure that is not known.
type Point struct {
	Lat, Lon, HAE, CE, LE float64
}

// Unknown is CoT's value for an unknown height or error, in metres.
const Unknown = 9999999

// Detail is the event's <detail>: the children that TAK protocol v1 has
// messages for, each nil if absent, and the XML of the others.
type Detail struct {
	Contact           *Contact
	Group             *Group
	PrecisionLocation *PrecisionLocation
	Status            *Status
	Takv              *Takv
	Track             *Track
	// XML holds the other children of <detail>, as XML without the
	// <detail> tags (TAK protocol v1's xmlDetail); "" if none.
	XML string
}

// Contact is <contact callsign endpoint/>.
type Contact struct{ Callsign, Endpoint string }

// Group is <__group name role/>: the sender's team colour and role.
type Group struct{ Name, Role string }

// PrecisionLocation is <precisionlocation geopointsrc altsrc/>.
type PrecisionLocation struct{ GeoPointSrc, AltSrc string }

// Status is <status battery/>, the battery level in percent.
type Status struct{ Battery uint32 }

// Takv is <takv device platform os version/>: the sending software.
type Takv struct{ Device, Platform, OS, Version string }

// Track is <track course speed/>: course in degrees true, speed in m/s.
type Track struct{ Course, Speed float64 }

// Errors that [Decode] and the stream readers wrap. A caller counting
// rejected input can tell them apart with errors.Is.
var (
	// ErrTooLarge: a message exceeds the size limit.
	ErrTooLarge = errors.New("cot: message too large")
	// ErrInvalid: a message is not a valid CoT event.
	ErrInvalid = errors.New("cot: invalid event")
)

// validType reports whether s matches CoT's type pattern
// \w+(-\w+)*(;[^;]*)? (\w being [0-9A-Za-z_]).
func validType(s string) bool {
	atoms, rest, semi := strings.Cut(s, ";")
	return words(atoms, false) && (!semi || !strings.Contains(rest, ";"))
}

// validHow reports whether s matches CoT's how pattern \w(-\w+)*.
func validHow(s string) bool { return words(s, true) }

// words reports whether s is one or more '-'-separated runs of [0-9A-Za-z_],
// the first of one character only if single.
func words(s string, single bool) bool {
	for i, part := range strings.Split(s, "-") {
		if part == "" || single && i == 0 && len(part) != 1 {
			return false
		}
		for j := 0; j < len(part); j++ {
			c := part[j]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
				return false
			}
		}
	}
	return true
}

// xmlChars reports whether s is valid UTF-8 of characters XML 1.0 allows
// (§2.2 Char: tab, newline, carriage return and from U+0020 on, without
// surrogates, U+FFFE and U+FFFF).
func xmlChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// The times an event may carry: after the Unix epoch (TAK protocol v1
// counts milliseconds from it, 0 meaning none) and before the year 10000.
var (
	minTime = time.Unix(0, 0)
	maxTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// MaxUIDLen is the longest UID accepted, in bytes.
const MaxUIDLen = 1024

// Validate checks what CoT requires of an event: a version of at least
// 2, a UID of 1 to MaxUIDLen bytes of UTF-8 without control characters,
// type and how matching their patterns, every other text valid UTF-8 of
// characters XML 1.0 allows, the three times after 1970 and before the
// year 10000, latitude in [−90, 90], longitude in [−180, 180], finite
// heights and non-negative finite errors. An event that passes encodes
// both ways. The error wraps [ErrInvalid].
func (e *Event) Validate() error {
	if e.Version != "" {
		v, err := strconv.ParseFloat(e.Version, 64)
		if err != nil || !(v >= 2) {
			return fmt.Errorf("%w: version %q, want 2.0 or later", ErrInvalid, e.Version)
		}
	}
	if e.UID == "" || len(e.UID) > MaxUIDLen || !utf8.ValidString(e.UID) || hasControl(e.UID) {
		return fmt.Errorf("%w: uid %q", ErrInvalid, clip(e.UID))
	}
	if !validType(e.Type) {
		return fmt.Errorf("%w: type %q", ErrInvalid, clip(e.Type))
	}
	if !validHow(e.How) {
		return fmt.Errorf("%w: how %q", ErrInvalid, clip(e.How))
	}
	if !e.textOK() {
		return fmt.Errorf("%w: text that is not UTF-8 or has characters XML does not allow", ErrInvalid)
	}
	for _, t := range []time.Time{e.Time, e.Start, e.Stale} {
		if !t.After(minTime) || !t.Before(maxTime) {
			return fmt.Errorf("%w: time, start and stale are required, after 1970 and before 10000", ErrInvalid)
		}
	}
	p := e.Point
	switch {
	case !(p.Lat >= -90 && p.Lat <= 90):
		return fmt.Errorf("%w: lat %v", ErrInvalid, p.Lat)
	case !(p.Lon >= -180 && p.Lon <= 180):
		return fmt.Errorf("%w: lon %v", ErrInvalid, p.Lon)
	case math.IsNaN(p.HAE) || math.IsInf(p.HAE, 0):
		return fmt.Errorf("%w: hae %v", ErrInvalid, p.HAE)
	case !(p.CE >= 0) || math.IsInf(p.CE, 0):
		return fmt.Errorf("%w: ce %v", ErrInvalid, p.CE)
	case !(p.LE >= 0) || math.IsInf(p.LE, 0):
		return fmt.Errorf("%w: le %v", ErrInvalid, p.LE)
	}
	if t := e.Detail.Track; t != nil && (!finite(t.Course) || !finite(t.Speed)) {
		return fmt.Errorf("%w: track course %v speed %v", ErrInvalid, t.Course, t.Speed)
	}
	return nil
}

// textOK reports whether every string of e other than the UID (checked
// apart) is made of characters XML allows, so that both encodings succeed.
func (e *Event) textOK() bool {
	var buf [16]string
	ss := append(buf[:0], e.Version, e.Access, e.QoS, e.Opex, e.Detail.XML)
	d := &e.Detail
	if c := d.Contact; c != nil {
		ss = append(ss, c.Callsign, c.Endpoint)
	}
	if g := d.Group; g != nil {
		ss = append(ss, g.Name, g.Role)
	}
	if p := d.PrecisionLocation; p != nil {
		ss = append(ss, p.GeoPointSrc, p.AltSrc)
	}
	if t := d.Takv; t != nil {
		ss = append(ss, t.Device, t.Platform, t.OS, t.Version)
	}
	for _, s := range ss {
		if !xmlChars(s) {
			return false
		}
	}
	return true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
