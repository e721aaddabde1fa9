package warn

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/trilink/trilink/internal/geo"
)

// Phase is the state of a tracked object in a [Prediction].
//
// The values are persisted: do not reorder.
type Phase int

const (
	PhaseUnknown Phase = iota
	InFlight           // being tracked; Path and Impact are predictions
	Impacted           // came down; Impact is where and when
	Lost               // the track was lost; Path and Impact are the last predictions, if any
)

var phaseNames = [...]string{"unknown", "in_flight", "impacted", "lost"}

// String returns the text form ("in_flight"), or "unknown".
func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (p Phase) MarshalText() ([]byte, error) {
	if p <= PhaseUnknown || int(p) >= len(phaseNames) {
		return nil, fmt.Errorf("warn: unknown phase %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Phase) UnmarshalText(b []byte) error {
	for i := 1; i < len(phaseNames); i++ {
		if string(b) == phaseNames[i] {
			*p = Phase(i)
			return nil
		}
	}
	return fmt.Errorf("warn: unknown phase %q", b)
}

// Prediction is one estimate of a launch event, as the estimator hands it
// to the warning engine. Every field is in WGS-84 degrees, kilometres
// and absolute times.
type Prediction struct {
	// Event identifies the launch event; the same for every estimate of it.
	Event string
	// At is the time of this estimate (the time of its latest measurement).
	At time.Time
	// Launch is the estimated launch time.
	Launch time.Time
	// Phase is the object's state.
	Phase Phase
	// Irregular marks a flight that does not fit a ballistic model
	// (depressed, pull-up): its path is less certain, and the corridor is
	// widened.
	Irregular bool
	// Path is the predicted path from now to impact, in time order. Points
	// before At are ignored.
	Path []PathPoint
	// Impact is the predicted (or, when Phase is Impacted, the observed)
	// impact; nil if unknown.
	Impact *Impact
}

// PathPoint is a point of a predicted path.
type PathPoint struct {
	T        time.Time
	Lat, Lon float64 // degrees
	AltKm    float64 // height above the ellipsoid, km
}

// Impact is a predicted impact: the mean point and its 95 % ellipse.
type Impact struct {
	T                time.Time
	Lat, Lon         float64 // degrees
	MajorKm, MinorKm float64 // semi-axes of the 95 % ellipse, km
	BearingDeg       float64 // azimuth of the major axis, degrees clockwise from north
	// Samples are equally weighted draws of the impact point (such as
	// propagated sigma points or particles); nil if none. With fewer than
	// [MinSamples] the engine uses the ellipse instead.
	Samples []geo.LLA
}

// MinSamples is the fewest impact samples the engine will estimate a
// probability from; with fewer it draws a fixed sample of the 95 %
// ellipse's Gaussian.
const MinSamples = 64

// ErrPrediction is wrapped by the error for a prediction that cannot be
// used (missing event, bad coordinates, unordered path).
var ErrPrediction = errors.New("warn: unusable prediction")

// Validate reports whether p can be used: an event, a time, a known
// phase, finite coordinates in range, a path in time order, and an impact
// ellipse with 0 ≤ minor ≤ major.
func (p Prediction) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: event %q: %s", ErrPrediction, p.Event, fmt.Sprintf(format, a...))
	}
	switch {
	case p.Event == "":
		return bad("no event id")
	case len(p.Event) > 200:
		return bad("event id of %d bytes", len(p.Event))
	case p.At.IsZero():
		return bad("no estimate time")
	case p.Phase <= PhaseUnknown || p.Phase > Lost:
		return bad("phase %d", int(p.Phase))
	}
	for i, q := range p.Path {
		if err := checkLatLon(q.Lat, q.Lon); err != nil {
			return bad("path point %d: %v", i, err)
		}
		if !finite(q.AltKm) || q.T.IsZero() {
			return bad("path point %d: altitude %v or time missing", i, q.AltKm)
		}
		if i > 0 && q.T.Before(p.Path[i-1].T) {
			return bad("path point %d is earlier than point %d", i, i-1)
		}
	}
	if im := p.Impact; im != nil {
		if err := checkLatLon(im.Lat, im.Lon); err != nil {
			return bad("impact: %v", err)
		}
		if !finite(im.MajorKm) || !finite(im.MinorKm) || !finite(im.BearingDeg) ||
			im.MinorKm < 0 || im.MajorKm < im.MinorKm || im.MajorKm > 20000 {
			return bad("impact ellipse %v × %v km at %v°", im.MajorKm, im.MinorKm, im.BearingDeg)
		}
		for i, s := range im.Samples {
			if err := checkLatLon(float64(s.Lat), float64(s.Lon)); err != nil {
				return bad("impact sample %d: %v", i, err)
			}
		}
	}
	if p.Phase == Impacted && p.Impact == nil && len(p.Path) == 0 {
		return bad("impacted with no impact point")
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func checkLatLon(lat, lon float64) error {
	if !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 360) {
		return fmt.Errorf("(%v, %v) out of range", lat, lon)
	}
	return nil
}

// track is a path resampled for region queries.
type track struct {
	pts  []xy
	t    []time.Time
	altK []float64
}

// resample trims path to from onwards (interpolating the point at from)
// and splits it so no segment is longer than step metres (planar
// estimate). Longitudes are unwrapped along the track.
func resample(path []PathPoint, from time.Time, step float64) track {
	var tr track
	add := func(x, y float64, t time.Time, alt float64) {
		tr.pts = append(tr.pts, xy{x, y})
		tr.t = append(tr.t, t)
		tr.altK = append(tr.altK, alt)
	}
	for i := range path {
		q := path[i]
		if q.T.Before(from) {
			continue
		}
		qx, qy := frameX(q.Lon), q.Lat
		if len(tr.pts) == 0 {
			if i > 0 && path[i-1].T.Before(from) {
				// Interpolate the point at from.
				p := path[i-1]
				f := float64(from.Sub(p.T)) / float64(q.T.Sub(p.T))
				px := frameX(p.Lon)
				dx := math.Remainder(qx-px, 360)
				add(px+dx*f, p.Lat+(q.Lat-p.Lat)*f, from, p.AltKm+(q.AltKm-p.AltKm)*f)
			} else {
				add(qx, qy, q.T, q.AltKm)
				continue
			}
		}
		last := len(tr.pts) - 1
		p := tr.pts[last]
		qx = p.x + math.Remainder(qx-p.x, 360)
		pl := newPlane(p.x, p.y)
		dx, dy := pl.at(qx, qy)
		n := int(math.Ceil(math.Hypot(dx, dy) / step))
		t0, a0 := tr.t[last], tr.altK[last]
		for k := 1; k <= n; k++ {
			f := float64(k) / float64(n)
			add(p.x+(qx-p.x)*f, p.y+(qy-p.y)*f, t0.Add(time.Duration(float64(q.T.Sub(t0))*f)), a0+(q.AltKm-a0)*f)
		}
		if n == 0 {
			add(qx, qy, q.T, q.AltKm)
		}
	}
	if len(tr.pts) == 1 {
		// One point is a zero-length segment.
		add(tr.pts[0].x, tr.pts[0].y, tr.t[0], tr.altK[0])
	}
	return tr
}
