package app

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/cap"
)

// predictionOf turns a fused event into the warning engine's input.
func predictionOf(ev fusion.Event, now time.Time) (warn.Prediction, bool) {
	e := ev.Estimate
	p := warn.Prediction{Event: ev.ID, At: now, Launch: e.Launch.Time, Phase: warn.InFlight, Irregular: e.Trajectory.String() == "irregular"}
	switch ev.State {
	case fusion.StateImpacted, fusion.StateClosed:
		p.Phase = warn.Impacted
	case fusion.StateLost:
		p.Phase = warn.Lost
	case fusion.StateImpactPredicted:
	default:
		return p, false // no impact prediction yet: nothing to warn on
	}
	if p.Launch.IsZero() {
		return p, false
	}
	for _, pt := range ev.Path {
		p.Path = append(p.Path, warn.PathPoint{T: pt.T, Lat: pt.Lat, Lon: pt.Lon, AltKm: pt.AltKm})
	}
	if !e.Impact.Time.IsZero() {
		im := &warn.Impact{T: e.Impact.Time, Lat: e.Impact.Lat, Lon: e.Impact.Lon,
			MajorKm: e.Impact.Ellipse95.MajorKm, MinorKm: e.Impact.Ellipse95.MinorKm, BearingDeg: e.Impact.Ellipse95.BearingDeg}
		for _, s := range ev.ImpactSamples {
			im.Samples = append(im.Samples, geo.LLA{Lat: geo.Degrees(s.Lat), Lon: geo.Degrees(s.Lon)})
		}
		p.Impact = im
	}
	return p, true
}

// AlertRecord is one alert as the console and the API show it.
type AlertRecord struct {
	ID       string            `json:"id"`
	Origin   nation.Nation     `json:"origin"`
	Sent     time.Time         `json:"sent"`
	MsgType  string            `json:"msg_type"`
	Status   string            `json:"status"`
	Kind     string            `json:"kind"`
	Event    string            `json:"event"`
	Regions  []AlertRegion     `json:"regions"`
	Headline map[string]string `json:"headline"`
	CAPURL   string            `json:"cap_url"`
	Acks     []Ack             `json:"acks"`
	// SecondsAfterLaunch is how long after the estimated launch it was sent.
	SecondsAfterLaunch float64 `json:"seconds_after_launch"`
	xml                []byte
}

// AlertRegion names a region in every language.
type AlertRegion struct {
	Code string            `json:"code"`
	Name map[string]string `json:"name"`
}

// Ack is a partner's receipt of an alert.
type Ack struct {
	Nation nation.Nation `json:"nation"`
	At     time.Time     `json:"at"`
}

// Warning runs one nation's public-warning engine: it turns the picture's
// events into CAP alerts for the nation's own regions.
//
// M is warn.Live for real alerts and warn.Drill for exercises and replays
// (the demo): a drill's messages carry status Exercise and can never reach
// an Actual feed.
type Warning[M warn.Mode] struct {
	n   nation.Nation
	eng *warn.Engine[M]

	mu   sync.Mutex // guards msgs and recs
	msgs []cap.Message[M]
	recs map[string]*AlertRecord
}

// alerter is a Warning of either mode.
type alerter interface {
	Update(ev fusion.Event, now time.Time) ([]*AlertRecord, error)
	Tick(now time.Time) ([]*AlertRecord, error)
	Alerts() []*AlertRecord
	Feed() []byte
	Document(id string) ([]byte, bool)
}

var (
	_ alerter = (*Warning[warn.Live])(nil)
	_ alerter = (*Warning[warn.Drill])(nil)
)

// NewWarning returns nation n's warning with its default policy.
func NewWarning[M warn.Mode](n nation.Nation) (*Warning[M], error) {
	eng, err := warn.NewEngine[M](warn.DefaultPolicy(n), warn.Default())
	if err != nil {
		return nil, err
	}
	return &Warning[M]{n: n, eng: eng, recs: map[string]*AlertRecord{}}, nil
}

// Update feeds one event's estimate and returns the alerts to send. An
// alert that fails CAP validation is never returned: the error says why.
func (w *Warning[M]) Update(ev fusion.Event, now time.Time) ([]*AlertRecord, error) {
	p, ok := predictionOf(ev, now)
	if !ok {
		return nil, nil
	}
	ds, err := w.eng.Update(p)
	if err != nil {
		return nil, fmt.Errorf("warn %s: %w", ev.ID, err)
	}
	return w.compose(ds)
}

// Tick applies the passage of time (passed over, lost tracks).
func (w *Warning[M]) Tick(now time.Time) ([]*AlertRecord, error) {
	return w.compose(w.eng.Tick(now))
}

func (w *Warning[M]) compose(ds []warn.Decision[M]) ([]*AlertRecord, error) {
	var out []*AlertRecord
	var errs []error
	for i := range ds {
		d := &ds[i]
		m, err := cap.Compose(d)
		if err != nil {
			errs = append(errs, fmt.Errorf("alert %s not sent: %w", d.Identifier, err))
			continue
		}
		rec := recordOf(d, m)
		w.mu.Lock()
		w.msgs = append(w.msgs, m)
		w.recs[rec.ID] = rec
		w.mu.Unlock()
		out = append(out, rec)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%v", errs)
	}
	return out, nil
}

func recordOf[M warn.Mode](d *warn.Decision[M], m cap.Message[M]) *AlertRecord {
	status, _ := d.Status().MarshalText()
	rec := &AlertRecord{ID: m.ID(), Origin: d.Nation, Sent: d.Sent.UTC(), MsgType: msgTypeText(d), Status: string(status),
		Event: d.Event, CAPURL: m.Path(), Headline: map[string]string{}, Acks: []Ack{}, xml: m.XML}
	if !d.Launch.IsZero() {
		rec.SecondsAfterLaunch = d.Sent.Sub(d.Launch).Seconds()
	}
	kinds := map[warn.State]bool{}
	for _, g := range d.Groups {
		kinds[g.State] = true
		for _, rs := range g.Regions {
			r := rs.Region
			rec.Regions = append(rec.Regions, AlertRegion{Code: r.ID, Name: map[string]string{"en": r.Name.En, "ja": r.Name.Ja, "ko": r.Name.Ko}})
		}
		for l, t := range g.Text {
			if rec.Headline[l.String()] == "" {
				rec.Headline[l.String()] = t.Headline
			}
		}
	}
	switch {
	case d.Landing != nil || kinds[warn.Landed]:
		rec.Kind = "landed"
	case kinds[warn.Shelter]:
		rec.Kind = "take_shelter"
	case kinds[warn.Passed]:
		rec.Kind = "passed_over"
	default:
		rec.Kind = "all_clear"
	}
	return rec
}

func msgTypeText[M warn.Mode](d *warn.Decision[M]) string {
	b, err := d.MsgType.MarshalText()
	if err != nil {
		return "Alert"
	}
	return string(b)
}

// Alerts returns the nation's sent alerts, oldest first.
func (w *Warning[M]) Alerts() []*AlertRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*AlertRecord, 0, len(w.recs))
	for _, r := range w.recs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Sent.Equal(out[j].Sent) {
			return out[i].Sent.Before(out[j].Sent)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Feed returns the Atom feed of the nation's alerts.
func (w *Warning[M]) Feed() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return cap.Feed(w.n, w.msgs)
}

// Document returns one CAP document by id.
func (w *Warning[M]) Document(id string) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.recs[id]
	if !ok {
		return nil, false
	}
	return r.xml, true
}
