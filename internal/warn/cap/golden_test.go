package cap_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/cap"
	"github.com/trilink/trilink/internal/warn/warntest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenCase is one message kind and the document that shows it.
type goldenCase struct {
	name string
	doc  []byte
	// check asserts what the document must say.
	check func(t *testing.T, a *cap.Alert)
}

func firstWithState[M warn.Mode](ds []warn.Decision[M], pred func(warn.Decision[M]) bool) *warn.Decision[M] {
	for i := range ds {
		if pred(ds[i]) {
			return &ds[i]
		}
	}
	return nil
}

// goldenCases builds the message of each kind from hand-built predictions.
func goldenCases(t *testing.T) ([]goldenCase, []cap.Message[warn.Live]) {
	t.Helper()
	jp := run[warn.Live](t, nation.JP, overflightPredictions())
	jpMsgs := compose(t, jp)
	f := warntest.Overflight20221004()

	// Update: a second estimate flags the flight irregular, widening the
	// corridor: Hokkaido is added.
	e, err := warn.NewEngine[warn.Live](warn.DefaultPolicy(nation.JP), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Update(f.Prediction("NK-20221004", time.Minute, 50, 20)); err != nil {
		t.Fatal(err)
	}
	irr := f.Prediction("NK-20221004", 70*time.Second, 50, 20)
	irr.Irregular = true
	upd, err := e.Update(irr)
	if err != nil || len(upd) != 1 {
		t.Fatalf("irregular update: %v, %v", upd, err)
	}
	// All-clear: the next estimate falls short in the Sea of Japan.
	clr, err := e.Update(f.Shortened(700).Prediction("NK-20221004", 80*time.Second, 50, 20))
	if err != nil || len(clr) != 1 {
		t.Fatalf("all-clear: %v, %v", clr, err)
	}
	// Cancel: the event is retracted.
	cnl := e.Retract("NK-20221004", f.Launch.Add(3*time.Minute))

	// Landed: a lofted ICBM, converged at once, down in Japan's EEZ.
	l := warntest.LoftedICBM()
	landed := run[warn.Live](t, nation.JP, []warn.Prediction{
		l.Prediction("NK-ICBM", 10*time.Minute, 10, 5),
		l.Landed("NK-ICBM", l.FlightTime+20*time.Second),
	})
	// A predicted fall on Guam, for the US (UTC times, English first).
	gd, gaz, _ := geo.Inverse(geo.LLA{Lat: 39.03, Lon: 125.75}, geo.LLA{Lat: 13.45, Lon: 144.79})
	guam := warntest.Flight{Launch: f.Launch, Site: geo.LLA{Lat: 39.03, Lon: 125.75}, AzimuthDeg: float64(gaz),
		RangeKm: float64(gd) / 1000, FlightTime: 17 * time.Minute, ApogeeKm: 900, BoostTime: 3 * time.Minute, BoostRangeKm: 200}
	fall := run[warn.Live](t, nation.US, []warn.Prediction{guam.Prediction("NK-GUAM", 2*time.Minute, 15, 8)})
	drill := run[warn.Drill](t, nation.JP, overflightPredictions()[:1])

	one := func(name string, m []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	msg := func(d *warn.Decision[warn.Live]) []byte {
		t.Helper()
		if d == nil {
			t.Fatal("no such decision")
		}
		m, err := cap.Compose(d)
		return one(d.Identifier, m.XML, err)
	}
	dm, err := cap.Compose(&drill[0])
	drillXML := one("drill", dm.XML, err)

	hasInfo := func(phase string) func(*testing.T, *cap.Alert) {
		return func(t *testing.T, a *cap.Alert) {
			for _, in := range a.Info {
				if len(in.EventCode) > 0 && in.EventCode[0].Value == phase {
					return
				}
			}
			t.Errorf("no info with trilink:phase %s", phase)
		}
	}
	cases := []goldenCase{
		{"alert", jpMsgs[0].XML, func(t *testing.T, a *cap.Alert) {
			hasInfo("OVERFLIGHT_PREDICTED")(t, a)
			if a.MsgType != cap.MsgAlert || a.Status != cap.Actual || len(a.Info) != 3 {
				t.Errorf("msgType %v status %v with %d infos, want an Actual Alert with ja, ko, en", a.MsgType, a.Status, len(a.Info))
			}
			for i, lang := range []string{"ja-JP", "ko-KR", "en-US"} {
				in := a.Info[i]
				if in.Language != lang || len(in.Area) == 0 || len(in.Area[0].Polygon) == 0 {
					t.Errorf("info %d: language %q, %d areas; want %s with polygons", i, in.Language, len(in.Area), lang)
				}
			}
			if a.Info[0].Area[0].AreaDesc != "青森県" || a.Info[2].Area[0].AreaDesc != "Aomori" {
				t.Errorf("first area %q / %q, want Aomori", a.Info[0].Area[0].AreaDesc, a.Info[2].Area[0].AreaDesc)
			}
		}},
		{"update", msg(&upd[0]), func(t *testing.T, a *cap.Alert) {
			hasInfo("OVERFLIGHT_PREDICTED")(t, a)
			if a.MsgType != cap.MsgUpdate || len(a.References) != 1 || !strings.Contains(string(msg(&upd[0])), "trilink:added") {
				t.Errorf("msgType %v with %d references, want an Update of 1 with trilink:added", a.MsgType, len(a.References))
			}
		}},
		{"passed", msg(firstWithState(jp, func(d warn.Decision[warn.Live]) bool { return len(d.PassedOver) > 0 })), hasInfo("PASSED")},
		{"allclear", msg(&clr[0]), hasInfo("ALL_CLEAR")},
		{"landed", msg(&landed[len(landed)-1]), func(t *testing.T, a *cap.Alert) {
			hasInfo("LANDED")(t, a)
			if len(a.Info[0].Area) != 1 || len(a.Info[0].Area[0].Circle) != 1 {
				t.Errorf("landing areas %+v, want one circle", a.Info[0].Area)
			}
			if !strings.Contains(a.Info[2].Description, "inside the exclusive economic zone (EEZ) of Japan") {
				t.Errorf("landing description %q", a.Info[2].Description)
			}
		}},
		{"landed_after_passing", jpMsgs[len(jpMsgs)-1].XML, hasInfo("LANDED")},
		{"cancel", msg(&cnl[0]), func(t *testing.T, a *cap.Alert) {
			hasInfo("NO_THREAT")(t, a)
			if a.MsgType != cap.MsgCancel || len(a.References) != 3 {
				t.Errorf("msgType %v with %d references, want a Cancel of 3", a.MsgType, len(a.References))
			}
		}},
		{"fall_guam", msg(&fall[0]), func(t *testing.T, a *cap.Alert) {
			hasInfo("IMPACT_PREDICTED")(t, a)
			if !strings.HasSuffix(a.Sent.String(), "-00:00") || a.Info[0].Language != "en-US" || a.Info[0].Severity != cap.Extreme {
				t.Errorf("sent %v, first language %q, severity %v; want UTC as -00:00, en-US first, Extreme", a.Sent, a.Info[0].Language, a.Info[0].Severity)
			}
		}},
		{"drill", drillXML, func(t *testing.T, a *cap.Alert) {
			if a.Status != cap.Exercise || a.Note != cap.ExerciseNote || !strings.Contains(a.Identifier, "trilink-exercise") {
				t.Errorf("status %v note %q identifier %q, want a marked Exercise", a.Status, a.Note, a.Identifier)
			}
			for _, in := range a.Info {
				if !strings.HasPrefix(in.Headline, warn.DefaultTemplates()[langOf(in.Language)].Drill) {
					t.Errorf("%s headline %q lacks the drill marker", in.Language, in.Headline)
				}
			}
		}},
	}
	return cases, jpMsgs
}

func langOf(tag string) warn.Lang {
	var l warn.Lang
	_ = l.UnmarshalText([]byte(tag))
	return l
}

// TestGolden checks each message kind against its golden file, the CAP
// 1.2 schema (xmllint), Validate, and a decode–encode round trip.
func TestGolden(t *testing.T) {
	cases, jpMsgs := goldenCases(t)
	feed := cap.Feed(nation.JP, jpMsgs)
	docs := map[string][]byte{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, c.name, c.doc)
			a, err := cap.Decode(c.doc)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			c.check(t, a)
			again, err := cap.Encode(a)
			if err != nil {
				t.Fatalf("Encode(Decode(doc)): %v", err)
			}
			if !bytes.Equal(again, c.doc) {
				t.Errorf("decode–encode round trip changed the document")
			}
		})
		docs[c.name] = c.doc
	}
	t.Run("feed", func(t *testing.T) { golden(t, "feed", feed) })
	validateXSD(t, docs)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	fn := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(fn, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(fn)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; run go test -update and review the diff", name, fn)
	}
}

// TestOverflightMessagesValidate runs the whole 2022-10-04-like scenario
// for each nation in both modes and validates every document (schema and
// Go checks).
func TestOverflightMessagesValidate(t *testing.T) {
	docs := map[string][]byte{}
	for _, n := range nation.Nations {
		for _, m := range compose(t, run[warn.Live](t, n, overflightPredictions())) {
			docs["live-"+m.ID()] = m.XML
		}
		for _, m := range compose(t, run[warn.Drill](t, n, overflightPredictions())) {
			docs["drill-"+m.ID()] = m.XML
		}
	}
	if len(docs) != 8 {
		t.Errorf("%d documents, want 4 for Japan in each mode (alert, 2 passed, landed)", len(docs))
	}
	validateXSD(t, docs)
}
