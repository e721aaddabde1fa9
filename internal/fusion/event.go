package fusion

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/ballistic/estimate"
)

// EventState is where a launch event is in its life:
//
//	detected → tracking → impact_predicted → impacted | lost → closed
//
// The zero value is StateUnknown. Values are shared: do not reorder.
type EventState uint8

const (
	// StateUnknown is the zero value.
	StateUnknown EventState = iota
	// StateDetected: a confirmed track, still boosting (no impact can be
	// predicted yet).
	StateDetected
	// StateTracking: in free flight, before the first impact prediction.
	StateTracking
	// StateImpactPredicted: an impact point and ellipse are available.
	StateImpactPredicted
	// StateImpacted: the predicted impact time has passed.
	StateImpacted
	// StateLost: no measurements for Config.LostAfter before any impact
	// could be predicted, or the filter diverged beyond restart.
	StateLost
	// StateClosed: Config.CloseAfter after impacted or lost.
	StateClosed
)

var stateNames = [...]string{"unknown", "detected", "tracking", "impact_predicted", "impacted", "lost", "closed"}

// String returns the state's name, e.g. "impact_predicted".
func (s EventState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// MarshalText encodes s as its String; it fails for values out of range.
func (s EventState) MarshalText() ([]byte, error) {
	if int(s) >= len(stateNames) {
		return nil, fmt.Errorf("fusion: event state %d out of range", s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a state name.
func (s *EventState) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = EventState(i)
			return nil
		}
	}
	return fmt.Errorf("fusion: unknown event state %q", b)
}

// ended reports whether the event no longer takes measurements.
func (s EventState) ended() bool { return s >= StateImpacted }

// Estimate holds an event's figures in the fields of DESIGN §4's analyze
// schema (the warning layer adds the impact zone, overflights and alerts).
// Distances are in km, angles in degrees, times in UTC.
type Estimate struct {
	Class      ballistic.Class     `json:"class"`
	Trajectory estimate.Trajectory `json:"trajectory"`
	Launch     Launch              `json:"launch"`
	ApogeeKm   float64             `json:"apogee_km"`
	RangeKm    float64             `json:"range_km"`
	// FlightTimeS is from launch to the predicted impact, seconds.
	FlightTimeS float64 `json:"flight_time_s"`
	Impact      Impact  `json:"impact"`
	// FirstDetection is the time of the event's first measurement and
	// FirstEstimate that of its first impact prediction;
	// FirstDetectionS and FirstEstimateS are the same as seconds after the
	// estimated launch (zero while unknown).
	FirstDetection  time.Time `json:"first_detection,omitzero"`
	FirstEstimate   time.Time `json:"first_estimate,omitzero"`
	FirstDetectionS float64   `json:"first_detection_s"`
	FirstEstimateS  float64   `json:"first_estimate_s"`
}

// Launch is the estimated launch point and time, with the radius of its
// 95 % circle.
type Launch struct {
	Time    time.Time `json:"time"`
	Lat     float64   `json:"lat"`
	Lon     float64   `json:"lon"`
	ErrorKm float64   `json:"error_km"`
}

// Impact is the predicted impact point and time with its 95 % ellipse.
type Impact struct {
	Time      time.Time `json:"time"`
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
	Ellipse95 Ellipse   `json:"ellipse95"`
}

// Ellipse is an ellipse on the ground: semi-axes in km and the bearing of
// the major axis, degrees clockwise from north in [0, 180).
type Ellipse struct {
	MajorKm    float64 `json:"major_km"`
	MinorKm    float64 `json:"minor_km"`
	BearingDeg float64 `json:"bearing_deg"`
}

// PathPoint is a point of a path: time, geodetic position and height.
type PathPoint struct {
	T     time.Time `json:"t"`
	Lat   float64   `json:"lat"`
	Lon   float64   `json:"lon"`
	AltKm float64   `json:"alt_km"`
}

// LatLon is a point on the ground.
type LatLon struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Snapshot is one step of an event's convergence: the estimate as it
// stood at T.
type Snapshot struct {
	T          time.Time `json:"t"`
	ImpactLat  float64   `json:"impact_lat"`
	ImpactLon  float64   `json:"impact_lon"`
	ImpactTime time.Time `json:"impact_time"`
	MajorKm    float64   `json:"major_km"`
	MinorKm    float64   `json:"minor_km"`
	BearingDeg float64   `json:"bearing_deg"`
	ApogeeKm   float64   `json:"apogee_km"`
	RangeKm    float64   `json:"range_km"`
	// FlightTimeS is the estimated time from launch to impact, seconds.
	FlightTimeS float64 `json:"flight_time_s"`
}

// Ref identifies a measurement: its sensor and sequence number.
type Ref struct {
	Sensor string `json:"sensor"`
	Seq    uint64 `json:"seq"`
}

// Event is one launched object as the fused picture sees it. Its JSON
// form puts the Estimate's fields at the top level beside id and state,
// as in DESIGN §4's analyze output.
type Event struct {
	// ID is deterministic from the evidence: "E-" and a hash of the
	// track's first measurement, the same in every nation.
	ID       string
	State    EventState
	Estimate Estimate
	// Path is the predicted path from the latest estimate to the impact.
	Path []PathPoint
	// ImpactSamples are the cubature points' impacts (equal weights), for
	// probabilities of impact per region.
	ImpactSamples []LatLon
	// Track is the fused track, at most one point a second.
	Track []PathPoint
	// History is how the estimate converged.
	History []Snapshot
	// Nations are the owners of the sensors that contributed, sorted.
	Nations []string
	// Measurements is the number of measurements used.
	Measurements int
	// Note tells what a user should know: filter resets, manoeuvres.
	Note string
}

// eventJSON is Event's wire form.
type eventJSON struct {
	ID    string     `json:"id"`
	State EventState `json:"state"`
	Estimate
	Path          []PathPoint `json:"path,omitempty"`
	ImpactSamples []LatLon    `json:"impact_samples,omitempty"`
	Track         []PathPoint `json:"track,omitempty"`
	History       []Snapshot  `json:"history,omitempty"`
	Nations       []string    `json:"nations"`
	Measurements  int         `json:"measurements"`
	Note          string      `json:"note,omitempty"`
}

// MarshalJSON encodes the event with its estimate's fields at the top
// level.
func (ev Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(eventJSON{
		ID: ev.ID, State: ev.State, Estimate: ev.Estimate, Path: ev.Path, ImpactSamples: ev.ImpactSamples,
		Track: ev.Track, History: ev.History, Nations: ev.Nations, Measurements: ev.Measurements, Note: ev.Note,
	})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (ev *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*ev = Event{ID: j.ID, State: j.State, Estimate: j.Estimate, Path: j.Path, ImpactSamples: j.ImpactSamples,
		Track: j.Track, History: j.History, Nations: j.Nations, Measurements: j.Measurements, Note: j.Note}
	return nil
}

// Digest summarises the picture so that nations can compare theirs.
type Digest struct {
	// Evidence is a hex SHA-256 over the set of processed measurements,
	// independent of the order they arrived in.
	Evidence string `json:"evidence"`
	// Picture is a hex SHA-256 of the canonical encoding of Events.
	Picture string `json:"picture"`
	// Measurements is the number of processed measurements.
	Measurements int `json:"measurements"`
	// Through is the measurement time the picture is complete up to.
	Through time.Time `json:"through"`
}

// finite returns v, or 0 and false if v is NaN or infinite.
func finite(v float64) (float64, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// sanitize replaces non-finite figures, which no consumer can use and JSON
// cannot carry, by zero (scalars) or drops them (points), and says so in
// the event's note. It keeps a numerical failure inside the estimator from
// taking down the picture, its digest or the API.
func (ev *Event) sanitize() {
	bad := false
	fix := func(p *float64) {
		v, ok := finite(*p)
		if !ok {
			*p, bad = v, true
		}
	}
	e := &ev.Estimate
	for _, p := range []*float64{&e.Launch.Lat, &e.Launch.Lon, &e.Launch.ErrorKm, &e.ApogeeKm, &e.RangeKm, &e.FlightTimeS,
		&e.Impact.Lat, &e.Impact.Lon, &e.Impact.Ellipse95.MajorKm, &e.Impact.Ellipse95.MinorKm, &e.Impact.Ellipse95.BearingDeg,
		&e.FirstDetectionS, &e.FirstEstimateS} {
		fix(p)
	}
	keep := func(pts []PathPoint) []PathPoint {
		if pts == nil {
			return nil
		}
		out := make([]PathPoint, 0, len(pts)) // never write into the track's own slices
		for _, p := range pts {
			_, a := finite(p.Lat)
			_, b := finite(p.Lon)
			_, c := finite(p.AltKm)
			if a && b && c {
				out = append(out, p)
			} else {
				bad = true
			}
		}
		return out
	}
	ev.Path, ev.Track = keep(ev.Path), keep(ev.Track)
	var samples []LatLon
	if ev.ImpactSamples != nil {
		samples = make([]LatLon, 0, len(ev.ImpactSamples))
	}
	for _, s := range ev.ImpactSamples {
		_, a := finite(s.Lat)
		_, b := finite(s.Lon)
		if a && b {
			samples = append(samples, s)
		} else {
			bad = true
		}
	}
	ev.ImpactSamples = samples
	ev.History = append([]Snapshot(nil), ev.History...)
	for i := range ev.History {
		h := &ev.History[i]
		for _, p := range []*float64{&h.ImpactLat, &h.ImpactLon, &h.MajorKm, &h.MinorKm, &h.ApogeeKm, &h.RangeKm} {
			fix(p)
		}
	}
	if bad && !strings.Contains(ev.Note, "non-finite") {
		if ev.Note != "" {
			ev.Note += "; "
		}
		ev.Note += "non-finite figures withheld"
	}
}
