package warn_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/warntest"
)

// FuzzUpdate feeds the engine flights built from arbitrary numbers and
// checks that it never panics and that its decisions stay well formed:
// numbered in order, referencing every earlier message, naming only the
// nation's own regions, with a footprint for every region told to shelter.
func FuzzUpdate(f *testing.F) {
	f.Add(40.61, 126.43, 85.0, 4600.0, 970.0, 50.0, 20.0, 85.0, uint8(0), "NK-20221004")
	f.Add(39.03, 125.75, 79.5, 1000.0, 6000.0, 400.0, 150.0, 0.0, uint8(1), "ICBM")
	f.Add(39.0, 125.7, 135.0, 3400.0, 800.0, 5.0, 5.0, 10.0, uint8(2), "guam,<&")
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, uint8(3), "")
	f.Add(40.61, 126.43, 85.0, 1200.0, 700.0, 50.0, 20.0, 85.0, uint8(16), "one-point")
	f.Fuzz(func(t *testing.T, lat, lon, az, rangeKm, apogee, major, minor, bearing float64, mode uint8, event string) {
		fl := warntest.Flight{
			Launch:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			Site:       geo.LLA{Lat: geo.Degrees(lat), Lon: geo.Degrees(lon)},
			AzimuthDeg: az, RangeKm: rangeKm, FlightTime: 20 * time.Minute, ApogeeKm: apogee,
			BoostTime: 3 * time.Minute, BoostRangeKm: 100,
		}
		if !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 360) || !(rangeKm > 100 && rangeKm < 15000) ||
			math.IsNaN(az) || math.IsInf(az, 0) || math.IsNaN(apogee) || math.IsInf(apogee, 0) {
			return // warntest builds flights from sane numbers only
		}
		n := nation.Nations[int(mode)%3]
		e, err := warn.NewEngine[warn.Live](warn.DefaultPolicy(n), nil)
		if err != nil {
			t.Fatal(err)
		}
		var all []warn.Decision[warn.Live]
		for _, at := range []time.Duration{time.Minute, 5 * time.Minute, 9 * time.Minute, 15 * time.Minute} {
			p := fl.Prediction(event, at, major, minor)
			p.Irregular = mode&4 != 0
			if mode&16 != 0 && len(p.Path) > 1 {
				p.Path = p.Path[len(p.Path)/2 : len(p.Path)/2+1] // one point
			}
			p.Impact.BearingDeg = bearing
			ds, err := e.Update(p)
			if err != nil {
				continue // bad ellipses are rejected: fine
			}
			all = append(all, ds...)
		}
		if mode&8 != 0 {
			all = append(all, e.Retract(event, fl.Launch.Add(16*time.Minute))...)
		} else {
			ds, _ := e.Update(fl.Landed(event, fl.FlightTime+time.Minute))
			all = append(all, ds...)
		}
		all = append(all, e.Tick(fl.Launch.Add(time.Hour))...)
		seen := map[string]bool{}
		for i, d := range all {
			if d.Seq != i+1 || len(d.References) != i || seen[d.Identifier] {
				t.Fatalf("message %d: seq %d, %d references, identifier %q (seen %v)", i, d.Seq, len(d.References), d.Identifier, seen[d.Identifier])
			}
			seen[d.Identifier] = true
			if strings.ContainsAny(d.Identifier, " ,<&") {
				t.Fatalf("identifier %q has a character CAP forbids", d.Identifier)
			}
			for _, g := range d.Groups {
				for _, r := range g.Regions {
					if r.Region.Nation != n {
						t.Fatalf("%s's message names %s", n, r.Region.ID)
					}
					if r.State == warn.Shelter && len(r.Footprint) == 0 {
						t.Fatalf("%s told to shelter without a footprint", r.Region.ID)
					}
				}
			}
		}
	})
}
