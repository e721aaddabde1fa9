package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/sim"
	"github.com/trilink/trilink/internal/warn"
)

// AnalyzeOptions are the flags of `trilink analyze`.
type AnalyzeOptions struct {
	Scenario string
	Seed     *uint64
	JSON     bool
}

// Analysis is the output of `trilink analyze --json` (DESIGN §4).
type Analysis struct {
	Scenario string          `json:"scenario"`
	Events   []AnalyzedEvent `json:"events"`
}

// AnalyzedEvent is one event's figures as a ministry release gives them.
type AnalyzedEvent struct {
	ID string `json:"id"`
	fusion.Estimate
	Impact     AnalyzedImpact    `json:"impact"`
	Overflight []AnalyzedOverfly `json:"overflight"`
	Alerts     []AnalyzedAlert   `json:"alerts"`
}

// AnalyzedImpact is the predicted impact with the zone it lies in.
type AnalyzedImpact struct {
	fusion.Impact
	Zone warn.Zone `json:"zone"`
}

// AnalyzedOverfly is one pass over a region.
type AnalyzedOverfly struct {
	Nation        nation.Nation `json:"nation"`
	Region        string        `json:"region"`
	Enter         time.Time     `json:"enter"`
	Exit          time.Time     `json:"exit"`
	MinAltitudeKm float64       `json:"min_altitude_km"`
}

// AnalyzedAlert is one alert a nation sent.
type AnalyzedAlert struct {
	Nation             nation.Nation `json:"nation"`
	ID                 string        `json:"id"`
	Sent               time.Time     `json:"sent"`
	MsgType            string        `json:"msg_type"`
	Kind               string        `json:"kind"`
	Regions            []string      `json:"regions"`
	SecondsAfterLaunch float64       `json:"seconds_after_launch"`
}

// Analyze simulates a scenario and replays its measurements, in time
// order, through fusion and every nation's warning engine, as a node would
// live: fusion advances and the warning engines decide once a second of
// scenario time. It returns each event's estimates, overflights and alerts.
func Analyze(ctx context.Context, o AnalyzeOptions) (*Analysis, error) {
	sc, run, err := loadRun(o.Scenario, o.Seed)
	if err != nil {
		return nil, err
	}
	warnings := map[nation.Nation]*Warning[warn.Live]{}
	for _, n := range nation.Nations {
		if warnings[n], err = NewWarning[warn.Live](n); err != nil {
			return nil, err
		}
	}
	eng := fusion.New(fusion.Config{})
	alerts := map[string][]AnalyzedAlert{}
	err = replayFusion(ctx, run, eng, func(now time.Time) {
		for _, ev := range eng.Events() {
			for _, n := range nation.Nations {
				recs, _ := warnings[n].Update(ev, now)
				for _, r := range recs {
					alerts[r.Event] = append(alerts[r.Event], analyzedAlert(r))
				}
			}
		}
		for _, n := range nation.Nations {
			recs, _ := warnings[n].Tick(now)
			for _, r := range recs {
				alerts[r.Event] = append(alerts[r.Event], analyzedAlert(r))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	eng.Flush()
	out := &Analysis{Scenario: sc.Name, Events: []AnalyzedEvent{}}
	for _, ev := range eng.Events() {
		a := AnalyzedEvent{ID: ev.ID, Estimate: ev.Estimate, Impact: AnalyzedImpact{Impact: ev.Estimate.Impact},
			Overflight: []AnalyzedOverfly{}, Alerts: alerts[ev.ID]}
		if a.Alerts == nil {
			a.Alerts = []AnalyzedAlert{}
		}
		if !ev.Estimate.Impact.Time.IsZero() {
			a.Impact.Zone = warn.ImpactZone(ev.Estimate.Impact.Lat, ev.Estimate.Impact.Lon)
		}
		for _, of := range warn.Overflights(flownPath(ev)) {
			a.Overflight = append(a.Overflight, AnalyzedOverfly{Nation: of.Nation, Region: of.Region.Name.En, Enter: of.Enter.UTC(), Exit: of.Exit.UTC(), MinAltitudeKm: of.MinAltitudeKm})
		}
		out.Events = append(out.Events, a)
	}
	return out, nil
}

// replayFusion feeds a run's measurements to eng in time order, as a node
// would receive them live: once every second of scenario time it advances
// fusion and calls step, and after the last measurement it goes on until
// three minutes past the last predicted impact, so that events reach
// their end and time-driven decisions are made. The truth labels are
// removed before fusion sees the measurements.
func replayFusion(ctx context.Context, run *sim.Run, eng *fusion.Engine, step func(now time.Time)) error {
	var next, last time.Time
	advance := func(now time.Time) {
		eng.Advance(now)
		step(now)
	}
	err := run.Simulate(ctx, func(_ context.Context, m sensor.Measurement) error {
		m.SimTruth = nil // fusion never sees the truth
		if next.IsZero() {
			next = m.Time
		}
		for !m.Time.Before(next) {
			advance(next)
			next = next.Add(time.Second)
		}
		last = m.Time
		return eng.Add(m)
	})
	if err != nil {
		return err
	}
	end := last
	for _, ev := range eng.Events() {
		if ev.Estimate.Impact.Time.After(end) {
			end = ev.Estimate.Impact.Time
		}
	}
	for t := next; !t.After(end.Add(3 * time.Minute)); t = t.Add(time.Second) {
		advance(t)
	}
	return nil
}

// flownPath is the event's fused track followed by its predicted path.
func flownPath(ev fusion.Event) []warn.PathPoint {
	var out []warn.PathPoint
	var end time.Time
	for _, p := range ev.Track {
		out = append(out, warn.PathPoint{T: p.T, Lat: p.Lat, Lon: p.Lon, AltKm: p.AltKm})
		end = p.T
	}
	for _, p := range ev.Path {
		if p.T.After(end) {
			out = append(out, warn.PathPoint{T: p.T, Lat: p.Lat, Lon: p.Lon, AltKm: p.AltKm})
		}
	}
	return out
}

func analyzedAlert(r *AlertRecord) AnalyzedAlert {
	a := AnalyzedAlert{Nation: r.Origin, ID: r.ID, Sent: r.Sent, MsgType: r.MsgType, Kind: r.Kind, SecondsAfterLaunch: r.SecondsAfterLaunch, Regions: []string{}}
	for _, reg := range r.Regions {
		a.Regions = append(a.Regions, reg.Name["en"])
	}
	return a
}

// RunAnalyze prints the analysis as JSON or as a readable release.
func RunAnalyze(ctx context.Context, o AnalyzeOptions, stdout io.Writer) error {
	a, err := Analyze(ctx, o)
	if err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}
	printRelease(stdout, a)
	return nil
}

var jst = time.FixedZone("JST", 9*3600)

// printRelease writes the analysis in the style of a defence ministry's
// launch release.
func printRelease(w io.Writer, a *Analysis) {
	fmt.Fprintf(w, "Scenario %s: %d launch event(s)\n", a.Scenario, len(a.Events))
	for i, ev := range a.Events {
		e := ev.Estimate
		fmt.Fprintf(w, "\n(%d) Event %s: %s, %s trajectory\n", i+1, ev.ID, e.Class, e.Trajectory)
		if !e.Launch.Time.IsZero() {
			fmt.Fprintf(w, "  Launch       %s (%s JST) from about %s (±%.0f km)\n",
				e.Launch.Time.UTC().Format("2006-01-02 15:04:05 UTC"), e.Launch.Time.In(jst).Format("15:04"), latlon(e.Launch.Lat, e.Launch.Lon), e.Launch.ErrorKm)
		}
		fmt.Fprintf(w, "  Apogee       about %s km\n", roundKm(e.ApogeeKm))
		fmt.Fprintf(w, "  Range        about %s km\n", roundKm(e.RangeKm))
		if e.FlightTimeS > 0 {
			fmt.Fprintf(w, "  Flight time  about %.0f min\n", e.FlightTimeS/60)
		}
		if !e.Impact.Time.IsZero() {
			fmt.Fprintf(w, "  Impact       %s at %s (95 %% ellipse %.1f × %.1f km, major axis %.0f°)\n",
				e.Impact.Time.UTC().Format("15:04:05 UTC"), latlon(e.Impact.Lat, e.Impact.Lon), e.Impact.Ellipse95.MajorKm, e.Impact.Ellipse95.MinorKm, e.Impact.Ellipse95.BearingDeg)
		}
		if ev.Impact.Zone.Kind != 0 {
			zb, _ := json.Marshal(ev.Impact.Zone)
			fmt.Fprintf(w, "  Impact zone  %s\n", zb)
		}
		fmt.Fprintf(w, "  Detected     %.0f s after launch; first impact estimate %.0f s after launch\n", e.FirstDetectionS, e.FirstEstimateS)
		for _, of := range ev.Overflight {
			fmt.Fprintf(w, "  Overflight   %s %s, %s–%s UTC, lowest %.0f km\n", of.Nation, of.Region, of.Enter.Format("15:04:05"), of.Exit.Format("15:04:05"), of.MinAltitudeKm)
		}
		for _, al := range ev.Alerts {
			fmt.Fprintf(w, "  Alert        %s %-6s %-12s +%4.0f s  %s\n", al.Nation, al.MsgType, al.Kind, al.SecondsAfterLaunch, strings.Join(al.Regions, ", "))
		}
	}
}

func latlon(lat, lon float64) string {
	ns, ew := "N", "E"
	if lat < 0 {
		ns, lat = "S", -lat
	}
	lon = math.Mod(lon+540, 360) - 180
	if lon < 0 {
		ew, lon = "W", -lon
	}
	return fmt.Sprintf("%.2f°%s %.2f°%s", lat, ns, lon, ew)
}

// roundKm rounds as releases do: to 10 km below 1,000 km, to 100 km above.
func roundKm(km float64) string {
	step := 10.0
	if km >= 1000 {
		step = 100
	}
	r := math.Round(km/step) * step
	return fmt.Sprintf("%s", commas(int64(r)))
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
