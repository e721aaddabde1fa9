package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
)

// areaState is the export state of an alert's regions.
func areaState(rec *AlertRecord) string {
	if rec.MsgType == "Cancel" {
		return "cancelled"
	}
	switch rec.Kind {
	case "take_shelter":
		return "shelter"
	case "passed_over":
		return "passed"
	case "landed", "all_clear":
		return rec.Kind
	}
	return rec.Kind
}

// exportPicture is what the TAK gateway and the exports show of one
// nation's picture: its events, the regions its own alerts last named
// (with the state they were last told), and its alerts' texts.
func exportPicture(p *Picture) cot.Picture {
	p.mu.Lock()
	evs := make([]fusion.Event, 0, len(p.events))
	for _, ev := range p.events {
		evs = append(evs, ev)
	}
	p.mu.Unlock()
	var recs []*AlertRecord
	if p.warning != nil {
		recs = p.warning.Alerts()
	}
	return picture(evs, recs)
}

// picture builds the gateway's picture from events and a nation's own
// alerts, oldest first.
func picture(evs []fusion.Event, recs []*AlertRecord) cot.Picture {
	slices.SortFunc(evs, func(a, b fusion.Event) int { return cmpStr(a.ID, b.ID) })
	pic := cot.Picture{Events: evs}
	atlas := warn.Default()
	latest := map[string]*AlertRecord{} // region code → latest alert naming it
	var order []string
	for _, rec := range recs {
		at := export.AlertText{ID: rec.ID, EventID: rec.Event, State: areaState(rec), Headline: rec.Headline, Sent: rec.Sent}
		for _, r := range rec.Regions {
			at.Areas = append(at.Areas, r.Code)
			if _, ok := latest[r.Code]; !ok {
				order = append(order, r.Code)
			}
			latest[r.Code] = rec
		}
		pic.Alerts = append(pic.Alerts, at)
	}
	for _, code := range order {
		reg := atlas.Region(code)
		if reg == nil {
			continue
		}
		rec := latest[code]
		name := map[string]string{}
		for _, r := range rec.Regions {
			if r.Code == code {
				name = r.Name
			}
		}
		pic.Areas = append(pic.Areas, export.Area{Code: code, Name: name, State: areaState(rec), Shape: reg.Shape})
	}
	return pic
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// exportEvent renders event id of p's picture in format f, with the regions
// the nation's alerts about that event named.
func exportEvent(pic cot.Picture, id string, f export.Format) ([]byte, error) {
	var ev *fusion.Event
	for i := range pic.Events {
		if pic.Events[i].ID == id {
			ev = &pic.Events[i]
		}
	}
	if ev == nil {
		return nil, &httpError{http.StatusNotFound, fmt.Errorf("no event %q", id)}
	}
	var areas []export.Area
	named := map[string]bool{}
	for _, a := range pic.Alerts {
		if a.EventID == id {
			for _, c := range a.Areas {
				named[c] = true
			}
		}
	}
	for _, a := range pic.Areas {
		if named[a.Code] {
			areas = append(areas, a)
		}
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, f, *ev, areas); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ExportOptions are the flags of `trilink export`.
type ExportOptions struct {
	Scenario string
	Seed     *uint64
	Event    string // "" = the scenario's only (or first) event
	Format   string
	Nation   string // whose alerts' regions to draw; default jp
	Out      string // "" or "-" = stdout
}

// RunExport simulates the scenario, fuses and warns as `trilink analyze`
// does, and writes one event as KML, CZML or GeoJSON.
func RunExport(ctx context.Context, o ExportOptions, stdout io.Writer) error {
	f, err := export.ParseFormat(o.Format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if o.Nation == "" {
		o.Nation = "jp"
	}
	n, err := nation.Parse(o.Nation)
	if err != nil {
		return usagef("--nation: %v", err)
	}
	_, run, err := loadRun(o.Scenario, o.Seed)
	if err != nil {
		return err
	}
	w, err := NewWarning[warn.Live](n)
	if err != nil {
		return err
	}
	eng := fusion.New(fusion.Config{})
	err = replayFusion(ctx, run, eng, func(now time.Time) {
		for _, ev := range eng.Events() {
			_, _ = w.Update(ev, now)
		}
		_, _ = w.Tick(now)
	})
	if err != nil {
		return err
	}
	eng.Flush()
	evs := eng.Events()
	if len(evs) == 0 {
		return fmt.Errorf("export: the scenario produced no event")
	}
	id := o.Event
	if id == "" {
		id = evs[0].ID
	}
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	if !slices.Contains(ids, id) {
		return usagef("--event: %q is not an event of this scenario (have: %s)", id, strings.Join(ids, ", "))
	}
	b, err := exportEvent(picture(evs, w.Alerts()), id, f)
	if err != nil {
		return err
	}
	if o.Out == "" || o.Out == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(o.Out, b, 0o644)
}
