package warn_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/warntest"
)

// newEngine returns an engine with n's default policy, changed by edit.
func newEngine[M warn.Mode](tb testing.TB, n nation.Nation, edit func(*warn.Policy)) *warn.Engine[M] {
	tb.Helper()
	p := warn.DefaultPolicy(n)
	if edit != nil {
		edit(&p)
	}
	e, err := warn.NewEngine[M](p, nil)
	if err != nil {
		tb.Fatalf("NewEngine: %v", err)
	}
	return e
}

// step is one prediction fed to an engine and what it decided.
type step[M warn.Mode] struct {
	p  warn.Prediction
	ds []warn.Decision[M]
}

// feed runs predictions through e and returns every step.
func feed[M warn.Mode](tb testing.TB, e *warn.Engine[M], ps []warn.Prediction) []step[M] {
	tb.Helper()
	var out []step[M]
	for _, p := range ps {
		ds, err := e.Update(p)
		if err != nil {
			tb.Fatalf("Update at %v: %v", p.At, err)
		}
		out = append(out, step[M]{p, ds})
	}
	return out
}

func decisions[M warn.Mode](steps []step[M]) []warn.Decision[M] {
	var out []warn.Decision[M]
	for _, s := range steps {
		out = append(out, s.ds...)
	}
	return out
}

// overflightRun is the 2022-10-04-like flight estimated every 10 s from
// 60 s after launch (a 50 × 20 km ellipse), then reported down.
func overflightRun() (warntest.Flight, []warn.Prediction) {
	f := warntest.Overflight20221004()
	var ps []warn.Prediction
	for t := 60 * time.Second; t <= f.FlightTime; t += 10 * time.Second {
		ps = append(ps, f.Prediction("NK-20221004", t, 50, 20))
	}
	return f, append(ps, f.Landed("NK-20221004", f.FlightTime+10*time.Second))
}

// TestOverflight20221004 is the public 2022-10-04-like scenario: Japan's
// first take-shelter alert names Aomori at least 120 s before the object
// crosses it and never the Tokyo islands, a passed-over message follows,
// then a landing report outside Japan's EEZ; Korea and the US say nothing.
func TestOverflight20221004(t *testing.T) {
	f, ps := overflightRun()
	var crossing time.Time
	for _, o := range warn.Overflights(f.Path(0, 5*time.Second)) {
		if o.Region.ID == "JP-02" {
			crossing = o.Enter
		}
	}
	if crossing.IsZero() {
		t.Fatal("the flight does not cross Aomori")
	}
	t.Logf("crosses Aomori at +%v", crossing.Sub(f.Launch))

	jp := decisions(feed(t, newEngine[warn.Live](t, nation.JP, nil), ps))
	if len(jp) < 3 {
		t.Fatalf("Japan sent %d messages, want an alert, a passed-over and a landing report", len(jp))
	}
	first := jp[0]
	if first.MsgType != warn.Alert || first.Seq != 1 {
		t.Errorf("first message: %v seq %d, want Alert seq 1", first.MsgType, first.Seq)
	}
	if !slices.Contains(first.Regions(warn.Shelter), "JP-02") {
		t.Errorf("first take-shelter regions %v lack Aomori (JP-02)", first.Regions(warn.Shelter))
	}
	if lead := crossing.Sub(first.Sent); lead < 120*time.Second {
		t.Errorf("first alert sent %v before the crossing, want at least 120 s", lead)
	} else {
		t.Logf("first alert at +%v, %v before the crossing", first.Sent.Sub(f.Launch), lead)
	}
	passedAt := -1
	for i, d := range jp {
		if slices.ContainsFunc(d.Regions(), func(id string) bool { return id == "JP-13" }) {
			t.Errorf("message %d names the Tokyo islands (JP-13)", d.Seq)
		}
		if slices.ContainsFunc(d.PassedOver, func(r *warn.Region) bool { return r.ID == "JP-02" }) {
			if passedAt >= 0 {
				t.Errorf("Aomori reported passed twice (messages %d and %d)", jp[passedAt].Seq, d.Seq)
			}
			passedAt = i
			if d.Sent.Before(crossing) {
				t.Errorf("passed over Aomori reported at %v, before the crossing at %v", d.Sent, crossing)
			}
		}
		if i > 0 && (d.MsgType != warn.Update || len(d.References) != i) {
			t.Errorf("message %d: %v with %d references, want Update with %d", d.Seq, d.MsgType, len(d.References), i)
		}
	}
	if passedAt < 0 {
		t.Error("no passed-over message for Aomori")
	}
	last := jp[len(jp)-1]
	if last.Landing == nil {
		t.Fatalf("last message %d is not a landing report", last.Seq)
	}
	if z := last.Landing.Zone; z.Nation == nation.JP || (z.Kind != warn.HighSeas && z.Kind != warn.EEZ) {
		t.Errorf("landing zone %v, want outside Japan's EEZ", z)
	}
	if got := last.Regions(warn.Shelter); len(got) != 0 {
		t.Errorf("landing report still has %v sheltering", got)
	}
	if en := last.Groups[0].Text[warn.En].Description; !strings.Contains(en, "outside the exclusive economic zone (EEZ) of Japan") {
		t.Errorf("landing text %q does not say outside Japan's EEZ", en)
	}
	for _, n := range []nation.Nation{nation.KR, nation.US} {
		if ds := decisions(feed(t, newEngine[warn.Live](t, n, nil), ps)); len(ds) != 0 {
			t.Errorf("%s sent %d messages, first %v regions %v; want none", n, len(ds), ds[0].MsgType, ds[0].Regions())
		}
	}
}

// TestLoftedICBM: a lofted ICBM landing about 200 km west of Oshima-Oshima
// gives an "inside Japan's EEZ" landing report and, once the estimate has
// converged, no take-shelter alert.
func TestLoftedICBM(t *testing.T) {
	f := warntest.LoftedICBM()
	const event = "NK-ICBM"
	e := newEngine[warn.Live](t, nation.JP, nil)
	var ps []warn.Prediction
	// Early estimates with a wide ellipse, converged from 10 minutes on.
	converged := 10 * time.Minute
	for t := 60 * time.Second; t < f.FlightTime; t += 30 * time.Second {
		major, minor := 10.0, 5.0
		if t < converged {
			major, minor = 400, 150
		}
		ps = append(ps, f.Prediction(event, t, major, minor))
	}
	ps = append(ps, f.Landed(event, f.FlightTime+20*time.Second))
	steps := feed(t, e, ps)
	var landing *warn.Decision[warn.Live]
	for _, s := range steps {
		for i, d := range s.ds {
			if s.p.At.Sub(f.Launch) >= converged {
				if sh := d.Regions(warn.Shelter); len(sh) != 0 {
					t.Errorf("converged estimate at +%v: take shelter for %v", s.p.At.Sub(f.Launch), sh)
				}
			}
			if d.Landing != nil {
				landing = &s.ds[i]
			}
		}
	}
	if landing == nil {
		t.Fatal("no landing report")
	}
	z := landing.Landing.Zone
	if z.Nation != nation.JP || z.Kind != warn.EEZ {
		t.Errorf("landing zone %v, want inside Japan's EEZ", z)
	}
	if ld := landing.Landing; ld.Nearest == nil || ld.Nearest.ID != "JP-01" || ld.DistanceKm < 150 || ld.DistanceKm > 260 {
		t.Errorf("nearest land %v at %.0f km, want Hokkaido (Oshima-Oshima) at about 200 km", ld.Nearest, ld.DistanceKm)
	}
	for l, want := range map[warn.Lang]string{
		warn.En: "inside the exclusive economic zone (EEZ) of Japan",
		warn.Ja: "日本の排他的経済水域（EEZ）内",
		warn.Ko: "일본 배타적경제수역(EEZ) 내",
	} {
		if got := landing.Groups[0].Text[l].Description; !strings.Contains(got, want) {
			t.Errorf("%s landing text %q lacks %q", l, got, want)
		}
	}
	t.Logf("landing report: %s", landing.Groups[0].Text[warn.En].Description)
}

// TestEstimateMovesAway: when the estimate moves away from a region, its
// call is lifted by the very next Update.
func TestEstimateMovesAway(t *testing.T) {
	t.Run("overflight", func(t *testing.T) {
		f := warntest.Overflight20221004()
		e := newEngine[warn.Live](t, nation.JP, nil)
		ds, err := e.Update(f.Prediction("E1", 60*time.Second, 50, 20))
		if err != nil || len(ds) != 1 || !slices.Contains(ds[0].Regions(warn.Shelter), "JP-02") {
			t.Fatalf("first estimate: %v, %v; want an alert for Aomori", ds, err)
		}
		// The next estimate, 10 s later, falls short in the Sea of Japan.
		away := f.Shortened(700).Prediction("E1", 70*time.Second, 50, 20)
		ds, err = e.Update(away)
		if err != nil || len(ds) != 1 {
			t.Fatalf("moved estimate: %d decisions, %v; want 1", len(ds), err)
		}
		d := ds[0]
		if d.MsgType != warn.Update || len(d.Regions(warn.Shelter)) != 0 || len(d.PassedOver) != 0 {
			t.Errorf("moved estimate: %v shelter %v passed %v; want an Update lifting every call", d.MsgType, d.Regions(warn.Shelter), d.PassedOver)
		}
		if got := d.Regions(warn.AllClear); !slices.Contains(got, "JP-02") || len(d.Dropped) != len(got) {
			t.Errorf("all-clear regions %v, dropped %v; want Aomori among them", got, d.Dropped)
		}
	})
	t.Run("fall", func(t *testing.T) {
		// An impact ellipse over Aomori, then one far at sea.
		f := warntest.LoftedICBM()
		e := newEngine[warn.Live](t, nation.JP, nil)
		p := f.Prediction("E2", 10*time.Minute, 30, 20)
		p.Impact.Lat, p.Impact.Lon = 40.8, 140.7
		ds, err := e.Update(p)
		if err != nil || len(ds) != 1 || ds[0].Groups[0].Reason != warn.ReasonFall || !slices.Contains(ds[0].Regions(warn.Shelter), "JP-02") {
			t.Fatalf("impact over Aomori: %+v, %v; want a fall alert for Aomori", ds, err)
		}
		if pr := ds[0].Groups[0].Regions[0].PImpact; pr < 0.5 {
			t.Errorf("P(impact on Aomori) = %.3f, want most of the ellipse", pr)
		}
		q := f.Prediction("E2", 10*time.Minute+time.Second, 10, 5)
		ds, err = e.Update(q)
		if err != nil || len(ds) != 1 || len(ds[0].Regions(warn.Shelter)) != 0 || !slices.Contains(ds[0].Regions(warn.AllClear), "JP-02") {
			t.Fatalf("impact moved away: %+v, %v; want an all-clear for Aomori", ds, err)
		}
	})
}

func TestDrill(t *testing.T) {
	_, ps := overflightRun()
	ds := decisions(feed(t, newEngine[warn.Drill](t, nation.JP, nil), ps))
	if len(ds) == 0 {
		t.Fatal("no drill messages")
	}
	for _, d := range ds {
		if d.Status() != warn.Exercise {
			t.Errorf("message %d status %v, want Exercise", d.Seq, d.Status())
		}
		if !strings.Contains(d.Identifier, ".trilink-exercise.") {
			t.Errorf("identifier %q lacks the exercise marker", d.Identifier)
		}
		for _, g := range d.Groups {
			for l, tx := range g.Text {
				if !strings.HasPrefix(tx.Headline, warn.DefaultTemplates()[l].Drill) {
					t.Errorf("%s headline %q lacks the drill marker", l, tx.Headline)
				}
			}
		}
	}
	live := decisions(feed(t, newEngine[warn.Live](t, nation.JP, nil), ps))
	if live[0].Status() != warn.Actual || strings.Contains(live[0].Identifier, "exercise") {
		t.Errorf("live message: status %v identifier %q", live[0].Status(), live[0].Identifier)
	}
}

func TestLostTrack(t *testing.T) {
	f := warntest.Overflight20221004()
	e := newEngine[warn.Live](t, nation.JP, nil)
	feed(t, e, []warn.Prediction{f.Prediction("L", 60*time.Second, 50, 20)})
	lost := f.Prediction("L", 90*time.Second, 50, 20)
	lost.Phase, lost.Path = warn.Lost, nil
	if ds, err := e.Update(lost); err != nil || len(ds) != 0 {
		t.Fatalf("lost: %v, %v; want the calls held", ds, err)
	}
	impact := f.Launch.Add(f.FlightTime)
	if ds := e.Tick(impact); len(ds) != 0 {
		t.Errorf("Tick at the predicted impact: %d messages, want the calls still held", len(ds))
	}
	ds := e.Tick(impact.Add(61 * time.Second))
	if len(ds) != 1 || len(ds[0].Regions(warn.Shelter)) != 0 || !slices.Contains(ds[0].Regions(warn.AllClear), "JP-02") {
		t.Fatalf("Tick after the hold: %+v, want an all-clear", ds)
	}
	if tx := ds[0].Groups[len(ds[0].Groups)-1].Text[warn.En].Description; !strings.Contains(tx, "track was lost") {
		t.Errorf("all-clear text %q, want the lost-track wording", tx)
	}
	if ds, _ := e.Update(f.Prediction("L", 20*time.Minute, 50, 20)); len(ds) != 0 {
		t.Errorf("update after closing: %d messages, want none", len(ds))
	}
}

func TestTickPassed(t *testing.T) {
	f := warntest.Overflight20221004()
	e := newEngine[warn.Live](t, nation.JP, nil)
	feed(t, e, []warn.Prediction{f.Prediction("T", 60*time.Second, 50, 20)})
	if ds := e.Tick(f.Launch.Add(5 * time.Minute)); len(ds) != 0 {
		t.Errorf("Tick before the crossing: %d messages", len(ds))
	}
	ds := e.Tick(f.Launch.Add(8 * time.Minute))
	if len(ds) != 1 || len(ds[0].PassedOver) != 3 || len(ds[0].Regions(warn.Shelter)) != 0 {
		t.Fatalf("Tick after the crossing: %+v, want Aomori, Iwate and Akita passed", ds)
	}
}

func TestRetract(t *testing.T) {
	f := warntest.Overflight20221004()
	e := newEngine[warn.Live](t, nation.JP, nil)
	if ds := e.Retract("R", f.Launch); ds != nil {
		t.Errorf("Retract of an unknown event: %v", ds)
	}
	first := decisions(feed(t, e, []warn.Prediction{f.Prediction("R", 60*time.Second, 50, 20)}))
	ds := e.Retract("R", f.Launch.Add(2*time.Minute))
	if len(ds) != 1 {
		t.Fatalf("Retract: %d messages, want 1", len(ds))
	}
	d := ds[0]
	if d.MsgType != warn.Cancel || len(d.References) != 1 || d.References[0].Identifier != first[0].Identifier {
		t.Errorf("Retract: %v referencing %v, want a Cancel of %s", d.MsgType, d.References, first[0].Identifier)
	}
	if got, want := d.Regions(warn.Cancelled), first[0].Regions(); !slices.Equal(got, want) {
		t.Errorf("cancelled regions %v, want %v", got, want)
	}
	if ds, _ := e.Update(f.Prediction("R", 3*time.Minute, 50, 20)); len(ds) != 0 {
		t.Errorf("update after the Cancel: %d messages", len(ds))
	}
}

func TestPolicyOptions(t *testing.T) {
	f := warntest.Overflight20221004()
	p := f.Prediction("P", 60*time.Second, 50, 20)
	for _, tt := range []struct {
		name      string
		edit      func(*warn.Policy)
		irregular bool
		want      []string
	}{
		{"default", nil, false, []string{"JP-02", "JP-03", "JP-05"}},
		{"irregular_widens", nil, true, []string{"JP-01", "JP-02", "JP-03", "JP-05"}},
		// Over Aomori at 700–800 km: a 500 km ceiling leaves it out.
		{"ceiling_500km", func(p *warn.Policy) { p.OverflightCeilingKm = 500 }, false, nil},
		{"lead_time_2min", func(p *warn.Policy) { p.LeadTime = 2 * time.Minute }, false, nil},
		{"lead_time_6min", func(p *warn.Policy) { p.LeadTime = 6 * time.Minute }, false, []string{"JP-02", "JP-03", "JP-05"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine[warn.Live](t, nation.JP, tt.edit)
			q := p
			q.Irregular = tt.irregular
			ds, err := e.Update(q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if len(ds) > 0 {
				got = ds[0].Regions(warn.Shelter)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("shelter %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPredictionValidate(t *testing.T) {
	f := warntest.Overflight20221004()
	good := f.Prediction("V", 60*time.Second, 50, 20)
	for _, tt := range []struct {
		name string
		edit func(*warn.Prediction)
		ok   bool
	}{
		{"good", func(*warn.Prediction) {}, true},
		{"no_event", func(p *warn.Prediction) { p.Event = "" }, false},
		{"no_time", func(p *warn.Prediction) { p.At = time.Time{} }, false},
		{"no_phase", func(p *warn.Prediction) { p.Phase = warn.PhaseUnknown }, false},
		{"nan_lat", func(p *warn.Prediction) { p.Path[3].Lat = math.NaN() }, false},
		{"lat_out_of_range", func(p *warn.Prediction) { p.Path[3].Lat = 91 }, false},
		{"inf_alt", func(p *warn.Prediction) { p.Path[3].AltKm = math.Inf(1) }, false},
		{"unordered", func(p *warn.Prediction) { p.Path[3].T = p.Path[0].T.Add(-time.Second) }, false},
		{"minor_gt_major", func(p *warn.Prediction) { p.Impact.MinorKm = 60 }, false},
		{"bad_sample", func(p *warn.Prediction) { p.Impact.Samples = []geo.LLA{at(0, 400)} }, false},
		{"impacted_nowhere", func(p *warn.Prediction) { p.Phase, p.Path, p.Impact = warn.Impacted, nil, nil }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			p.Path = slices.Clone(good.Path)
			im := *good.Impact
			p.Impact = &im
			tt.edit(&p)
			err := p.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, warn.ErrPrediction) {
				t.Errorf("error %v does not wrap ErrPrediction", err)
			}
			e := newEngine[warn.Live](t, nation.JP, nil)
			if _, uerr := e.Update(p); (uerr == nil) != tt.ok {
				t.Errorf("Update error %v, want ok %v", uerr, tt.ok)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*warn.Policy)
	}{
		{"nation", func(p *warn.Policy) { p.Nation = nation.NationUnknown }},
		{"sender_space", func(p *warn.Policy) { p.Sender = "a b" }},
		{"no_zone", func(p *warn.Policy) { p.Location = nil }},
		{"corridor", func(p *warn.Policy) { p.CorridorKm = 0 }},
		{"irregular_narrower", func(p *warn.Policy) { p.IrregularCorridorKm = 10 }},
		{"threshold", func(p *warn.Policy) { p.ImpactThreshold = 1 }},
		{"drop_factor", func(p *warn.Policy) { p.DropFactor = 0.5 }},
		{"lang_repeated", func(p *warn.Policy) { p.Langs = []warn.Lang{warn.Ja, warn.Ja} }},
		{"missing_text", func(p *warn.Policy) {
			tx := p.Texts[warn.Ko]
			tx.Fall.Headline = ""
			p.Texts[warn.Ko] = tx
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := warn.DefaultPolicy(nation.JP)
			tt.edit(&p)
			if err := p.Validate(); err == nil {
				t.Error("Validate() = nil, want an error")
			}
		})
	}
	for _, n := range nation.Nations {
		if err := warn.DefaultPolicy(n).Validate(); err != nil {
			t.Errorf("DefaultPolicy(%s): %v", n, err)
		}
	}
}

func TestStaleAndUnknownIgnored(t *testing.T) {
	f := warntest.Overflight20221004()
	e := newEngine[warn.Live](t, nation.JP, nil)
	feed(t, e, []warn.Prediction{f.Prediction("S", 90*time.Second, 50, 20)})
	if ds, err := e.Update(f.Shortened(700).Prediction("S", 80*time.Second, 50, 20)); err != nil || len(ds) != 0 {
		t.Errorf("stale prediction: %v, %v; want ignored", ds, err)
	}
}

func TestSafeEvent(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"NK-20221004", "NK-20221004"},
		{"a_b", "a_b"},
		{"a b", "a_b~"},
		{"a,b<&", "a_b__~"},
		{"", "~"},
	} {
		got := warn.SafeEvent(tt.in)
		if !strings.HasPrefix(got, tt.want) || (strings.HasSuffix(tt.want, "~") && len(got) != len(tt.want)+8) {
			t.Errorf("SafeEvent(%q) = %q, want %q (plus 8 hex digits after ~)", tt.in, got, tt.want)
		}
	}
	if warn.SafeEvent("a b") == warn.SafeEvent("a,b") {
		t.Error(`SafeEvent("a b") == SafeEvent("a,b")`)
	}
}

// TestShortPaths: a path of one point (or none left after the estimate's
// time) is handled.
func TestShortPaths(t *testing.T) {
	f := warntest.Overflight20221004()
	aomori := warn.PathPoint{T: f.Launch.Add(7 * time.Minute), Lat: 40.8, Lon: 140.7, AltKm: 700}
	for _, tt := range []struct {
		name string
		path []warn.PathPoint
		want []string
	}{
		{"one_point_over_aomori", []warn.PathPoint{aomori}, []string{"JP-02", "JP-05"}}, // Akita within 50 km
		{"all_in_the_past", []warn.PathPoint{{T: f.Launch, Lat: 40.8, Lon: 140.7}}, nil},
		{"none", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine[warn.Live](t, nation.JP, nil)
			p := warn.Prediction{Event: "X", At: f.Launch.Add(time.Minute), Launch: f.Launch, Phase: warn.InFlight, Path: tt.path}
			ds, err := e.Update(p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if len(ds) > 0 {
				got = ds[0].Regions(warn.Shelter)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("shelter %v, want %v", got, tt.want)
			}
		})
	}
}
