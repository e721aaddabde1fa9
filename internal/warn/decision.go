package warn

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// MsgType is the CAP message type of a decision (CAP 1.2 §3.2.1 msgType).
//
// The values are persisted: do not reorder.
type MsgType int

const (
	MsgTypeUnknown MsgType = iota
	Alert                  // the first message of an event
	Update                 // supersedes the messages in References
	Cancel                 // withdraws the messages in References (they were in error)
)

var msgTypeNames = [...]string{"unknown", "Alert", "Update", "Cancel"}

// String returns the CAP form ("Update"), or "unknown".
func (m MsgType) String() string {
	if m >= 0 && int(m) < len(msgTypeNames) {
		return msgTypeNames[m]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (m MsgType) MarshalText() ([]byte, error) {
	if m <= MsgTypeUnknown || int(m) >= len(msgTypeNames) {
		return nil, fmt.Errorf("warn: unknown message type %d", int(m))
	}
	return []byte(m.String()), nil
}

// State is what a message tells the people of a region (or, for a landing
// at sea, of no region). It is also the level in the NATS subject
// shared.<n>.alert.<region>.<level>.
//
// The values are persisted: do not reorder.
type State int

const (
	StateUnknown State = iota
	Shelter            // take shelter: the object will pass over, or may fall on, the region
	Passed             // the object has passed over
	Landed             // the object has come down (on or near the region, or at sea)
	AllClear           // the call to take shelter is lifted
	Cancelled          // an earlier message was in error and is withdrawn
)

var stateNames = [...]string{"unknown", "shelter", "passed", "landed", "all_clear", "cancelled"}

// String returns the text form ("all_clear"), or "unknown".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) {
	if s <= StateUnknown || int(s) >= len(stateNames) {
		return nil, fmt.Errorf("warn: unknown state %d", int(s))
	}
	return []byte(s.String()), nil
}

// Reason says why a region is told to take shelter.
type Reason int

const (
	ReasonNone       Reason = iota
	ReasonOverflight        // under the predicted ground-track corridor
	ReasonFall              // the probability of impact on it exceeds the threshold
)

var reasonNames = [...]string{"none", "overflight", "fall"}

// String returns "overflight", "fall" or "none".
func (r Reason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "none"
}

// RegionStatus is one region's part in a message.
type RegionStatus struct {
	Region *Region
	State  State
	Reason Reason // for Shelter
	// Enter and Exit bound the time the ground track is within the
	// corridor's half-width of the region; zero if it never is.
	Enter, Exit time.Time
	// PImpact is the probability of impact on the region's land or
	// territorial sea, from the latest impact estimate.
	PImpact float64
	// Footprint is the area of the threat over the region: the corridor's
	// band over it, or the 95 % impact ellipse; closed rings, each first
	// vertex repeated last. Empty for passed and all-clear regions.
	Footprint [][]geo.LLA
}

// Text is a message's wording in one language.
type Text struct {
	Event       string // CAP info/event: what the event is
	SenderName  string
	Headline    string
	Description string
	Instruction string
}

// Group is a set of regions sharing a state, with its wording. In CAP each
// group becomes one info block per language.
type Group struct {
	State   State
	Reason  Reason // for Shelter
	Regions []RegionStatus
	// Area describes the area when there is no region (a landing at sea),
	// per language; nil otherwise.
	Area map[Lang]string
	// Circle is the landing point and the radius of its 95 % ellipse, for
	// landings; nil otherwise.
	Circle *Circle
	// Text holds the rendered wording in each of the policy's languages.
	Text map[Lang]Text
}

// Circle is a point and a radius (CAP 1.2 area/circle).
type Circle struct {
	Center   geo.LLA
	RadiusKm float64
}

// Landing says where the object came down, in the deciding nation's view.
type Landing struct {
	T     time.Time
	Point geo.LLA
	Zone  Zone
	// Nearest is the nation's region nearest to the point (within
	// 2,000 km), DistanceKm the distance to its land and BearingDeg the
	// direction from that land to the point (degrees clockwise from
	// north); nil and 0 if none or if the point is on the region's land.
	Nearest    *Region
	DistanceKm float64
	BearingDeg float64
}

// Ref identifies an earlier message (CAP 1.2 references: sender,
// identifier, sent).
type Ref struct {
	Sender, Identifier string
	Sent               time.Time
}

// Decision is one message to send: a complete picture of the event for
// one nation, superseding its earlier messages. M is [Live] or [Drill].
// Its slices may be shared with the engine's state and must not be
// modified.
type Decision[M Mode] struct {
	Nation nation.Nation
	Event  string
	Seq    int // 1 for the event's first message, then 2, 3, …
	// Identifier is the CAP identifier: unique per sender and stable
	// (a function of nation, mode, event and Seq), such as
	// "JP.trilink.NK-20221004.0001" (drills: "JP.trilink-exercise.…").
	Identifier string
	Sender     string
	// Sent is the time of the estimate the decision was made on, to the
	// second, in the policy's time zone; Expires follows by Policy.Expiry.
	Sent, Expires time.Time
	MsgType       MsgType
	// References are the event's earlier messages, oldest first.
	References []Ref
	// Launch is the estimated launch time.
	Launch time.Time
	// Groups hold the regions by state, in the order landed, shelter
	// (fall), shelter (overflight), passed, all-clear, cancelled.
	Groups []Group
	// Added, Dropped and PassedOver list the changes since the previous
	// message: regions newly told to shelter, regions whose call was
	// lifted because the estimate moved away, regions passed over.
	Added, Dropped, PassedOver []*Region
	// Impact is the estimate's impact (nil if none); Landing is set for a
	// landing report.
	Impact  *Impact
	Landing *Landing
	// Irregular copies the prediction's flag.
	Irregular bool
	// Langs is the order of the languages of the groups' texts.
	Langs []Lang
}

// Status returns the decision's CAP status: Actual for Live, Exercise for
// Drill.
func (d *Decision[M]) Status() Status { return StatusOf[M]() }

// Regions returns the IDs of the regions in groups of the given states
// (all states if none given), in group order.
func (d *Decision[M]) Regions(states ...State) []string {
	var out []string
	for _, g := range d.Groups {
		if len(states) > 0 && !containsState(states, g.State) {
			continue
		}
		for _, r := range g.Regions {
			out = append(out, r.Region.ID)
		}
	}
	return out
}

func containsState(ss []State, s State) bool {
	for _, t := range ss {
		if t == s {
			return true
		}
	}
	return false
}

// identifier builds a CAP identifier. CAP forbids spaces, commas, '<' and
// '&'; the event part is [SafeEvent], so distinct events never share an
// identifier.
func identifier(n nation.Nation, s Status, event string, seq int) string {
	prog := "trilink"
	if s == Exercise {
		prog = "trilink-exercise"
	}
	return fmt.Sprintf("%s.%s.%s.%04d", n.Upper(), prog, SafeEvent(event), seq)
}

// SafeEvent returns event reduced to the characters [A-Za-z0-9_-], at
// most 64 bytes, followed by '~' and an 8-hex-digit hash of the original
// when anything had to change. It is used in CAP identifiers and incidents.
func SafeEvent(event string) string {
	var b strings.Builder
	changed := false
	for _, r := range event {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
			changed = true
		}
	}
	s := b.String()
	if len(s) > 64 {
		s, changed = s[:64], true
	}
	if changed || s == "" {
		h := sha256.Sum256([]byte(event))
		s += "~" + hex.EncodeToString(h[:4])
	}
	return s
}
