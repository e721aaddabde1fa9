package cap

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
)

// ExerciseNote is the note of every Exercise alert trilink sends.
const ExerciseNote = "EXERCISE: a trilink drill or replay. This is not a real event."

// Message is a CAP document ready to send: validated, with its bytes. M
// carries the status at the type level, so a Message[warn.Drill] cannot be
// handed to anything that takes Message[warn.Live] values.
type Message[M warn.Mode] struct {
	Nation nation.Nation
	Alert  *Alert
	XML    []byte
}

// ID returns the CAP identifier.
func (m Message[M]) ID() string { return m.Alert.Identifier }

// Path returns the document's path in the nation's feed,
// "/cap/{nation}/alerts/{id}.xml".
func (m Message[M]) Path() string {
	return "/cap/" + m.Nation.String() + "/alerts/" + url.PathEscape(m.Alert.Identifier) + ".xml"
}

// Compose turns a warning decision into a validated CAP message, following
// trilink's profile (research/alerting-hotline.md §1.7): one info block per
// language for each group of regions, areas with the regions' geocodes and
// footprint polygons, references to every earlier message, and the status
// of M. It fails, naming the reason, if the document does not validate;
// such a document must never be sent.
func Compose[M warn.Mode](d *warn.Decision[M]) (Message[M], error) {
	a, err := Build(d)
	if err != nil {
		return Message[M]{}, err
	}
	b, err := Encode(a)
	if err != nil {
		return Message[M]{}, fmt.Errorf("compose %s: %w", d.Identifier, err)
	}
	return Message[M]{Nation: d.Nation, Alert: a, XML: b}, nil
}

// Build maps a decision to a CAP alert without validating it ([Compose]
// validates). It fails only for a decision it cannot map (an unknown
// state or message type).
func Build[M warn.Mode](d *warn.Decision[M]) (*Alert, error) {
	a := &Alert{
		Identifier: d.Identifier,
		Sender:     d.Sender,
		Sent:       At(d.Sent),
		Scope:      Public,
		Code:       []string{Profile},
		Incidents:  warn.SafeEvent(d.Event),
	}
	switch d.Status() {
	case warn.Actual:
		a.Status = Actual
	case warn.Exercise:
		a.Status, a.Note = Exercise, ExerciseNote
	}
	switch d.MsgType {
	case warn.Alert:
		a.MsgType = MsgAlert
	case warn.Update:
		a.MsgType = MsgUpdate
	case warn.Cancel:
		a.MsgType = MsgCancel
	default:
		return nil, fmt.Errorf("cap: build %s: message type %v", d.Identifier, d.MsgType)
	}
	for _, r := range d.References {
		a.References = append(a.References, Reference{Sender: r.Sender, Identifier: r.Identifier, Sent: At(r.Sent)})
	}
	params := parameters(d)
	for _, g := range d.Groups {
		for _, l := range d.Langs {
			in, err := info(d, g, l, params)
			if err != nil {
				return nil, err
			}
			a.Info = append(a.Info, in)
		}
	}
	return a, nil
}

// profileOf gives the CAP codes of a group (§1.7 of the research).
func profileOf(g warn.Group, landedOwn bool) (rt ResponseType, u Urgency, s Severity, c Certainty, phase string, err error) {
	switch g.State {
	case warn.Shelter:
		if g.Reason == warn.ReasonFall {
			c = Possible
			for _, r := range g.Regions {
				if r.PImpact > 0.5 {
					c = Likely
				}
			}
			return ResponseShelter, Immediate, Extreme, c, "IMPACT_PREDICTED", nil
		}
		return ResponseShelter, Immediate, Severe, Likely, "OVERFLIGHT_PREDICTED", nil
	case warn.Passed:
		return ResponseMonitor, Past, Minor, Observed, "PASSED", nil
	case warn.Landed:
		if landedOwn {
			return ResponseShelter, Immediate, Extreme, Observed, "LANDED", nil
		}
		return ResponseMonitor, Past, Minor, Observed, "LANDED", nil
	case warn.AllClear:
		return ResponseAllClear, Past, Minor, Likely, "ALL_CLEAR", nil
	case warn.Cancelled:
		return ResponseNone, Past, Minor, Unlikely, "NO_THREAT", nil
	}
	return 0, 0, 0, 0, "", fmt.Errorf("cap: no CAP codes for state %v", g.State)
}

func info[M warn.Mode](d *warn.Decision[M], g warn.Group, l warn.Lang, params []Value) (Info, error) {
	landedOwn := g.State == warn.Landed && len(g.Regions) > 0
	rt, u, s, c, phase, err := profileOf(g, landedOwn)
	if err != nil {
		return Info{}, fmt.Errorf("cap: build %s: %w", d.Identifier, err)
	}
	t := g.Text[l]
	in := Info{
		Language:     l.Tag(),
		Category:     []Category{CategorySecurity},
		Event:        t.Event,
		ResponseType: []ResponseType{rt},
		Urgency:      u,
		Severity:     s,
		Certainty:    c,
		EventCode:    []Value{{"trilink:phase", phase}},
		Expires:      AtPtr(d.Expires),
		SenderName:   t.SenderName,
		Headline:     t.Headline,
		Description:  t.Description,
		Instruction:  t.Instruction,
		Parameter:    append([]Value(nil), params...),
	}
	if rt == ResponseMonitor && (g.State == warn.Passed || g.State == warn.Landed) {
		in.ResponseType = append(in.ResponseType, ResponseAvoid) // suspicious objects
	}
	if g.State == warn.Shelter && g.Reason == warn.ReasonFall {
		var ps []string
		for _, r := range g.Regions {
			ps = append(ps, r.Region.ID+"="+strconv.FormatFloat(r.PImpact, 'f', 3, 64))
		}
		in.Parameter = append(in.Parameter, Value{"trilink:impactProbability", strings.Join(ps, " ")})
	}
	for _, r := range g.Regions {
		ar := Area{AreaDesc: r.Region.Name.In(l)}
		for _, ring := range r.Footprint {
			if pg, ok := polygon(ring); ok {
				ar.Polygon = append(ar.Polygon, pg)
			}
		}
		if g.Circle != nil {
			ar.Circle = append(ar.Circle, circle(g.Circle))
		}
		for _, gc := range r.Region.Geocodes() {
			ar.Geocode = append(ar.Geocode, Value{gc[0], gc[1]})
		}
		in.Area = append(in.Area, ar)
	}
	if len(g.Regions) == 0 && g.Circle != nil {
		desc := g.Area[l]
		if desc == "" {
			desc = g.Circle.Center.String()
		}
		in.Area = append(in.Area, Area{AreaDesc: desc, Circle: []Circle{circle(g.Circle)}})
	}
	return in, nil
}

// parameters gives the trilink parameters shared by every info block.
func parameters[M warn.Mode](d *warn.Decision[M]) []Value {
	ps := []Value{{"trilink:event", d.Event}}
	if !d.Launch.IsZero() {
		ps = append(ps, Value{"trilink:launchTime", At(d.Launch.In(d.Sent.Location())).String()})
	}
	if im := d.Impact; im != nil {
		ps = append(ps,
			Value{"trilink:predictedImpactTime", At(im.T.In(d.Sent.Location())).String()},
			Value{"trilink:impactPoint", Point{im.Lat, normLon(im.Lon)}.String()},
			Value{"trilink:ellipse", fmt.Sprintf("%.1f %.1f %.0f", im.MajorKm, im.MinorKm, math.Mod(im.BearingDeg+360, 360))})
	}
	if d.Irregular {
		ps = append(ps, Value{"trilink:irregular", "true"})
	}
	var added, dropped, passed []string
	for _, r := range d.Added {
		added = append(added, r.ID)
	}
	for _, r := range d.Dropped {
		dropped = append(dropped, r.ID)
	}
	for _, r := range d.PassedOver {
		passed = append(passed, r.ID)
	}
	for _, c := range []struct {
		name string
		ids  []string
	}{{"trilink:added", added}, {"trilink:dropped", dropped}, {"trilink:passedOver", passed}} {
		if len(c.ids) > 0 {
			sort.Strings(c.ids)
			ps = append(ps, Value{c.name, strings.Join(c.ids, " ")})
		}
	}
	return ps
}

func normLon(lon float64) float64 {
	l := math.Remainder(lon, 360)
	if l == -180 {
		l = 180
	}
	return l
}

// polygon converts a footprint ring. A ring that crosses the antimeridian
// (a jump of more than 180° of longitude) cannot be a CAP polygon; it is
// left out (the area's geocodes still target the region).
func polygon(ring []geo.LLA) (Polygon, bool) {
	if len(ring) < 4 {
		return nil, false
	}
	pg := make(Polygon, len(ring))
	for i, p := range ring {
		pg[i] = Point{round5(float64(p.Lat)), round5(normLon(float64(p.Lon)))}
		if i > 0 && math.Abs(pg[i].Lon-pg[i-1].Lon) > 180 {
			return nil, false
		}
	}
	pg[len(pg)-1] = pg[0]
	if _, _, bad := selfIntersection(pg); bad {
		return nil, false
	}
	return pg, true
}

func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }

func circle(c *warn.Circle) Circle {
	return Circle{
		Center:   Point{round5(float64(c.Center.Lat)), round5(normLon(float64(c.Center.Lon)))},
		RadiusKm: math.Round(c.RadiusKm*10) / 10,
	}
}
