package fusion_test

import (
	"testing"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/ballistic/estimate"
	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sim"
)

// accuracySeeds is the Monte Carlo size of the accuracy test: with 20
// seeds, "≥ 90 % inside the 95 % ellipse" means at most two misses.
const accuracySeeds = 20

// The public 2022-10-04 and 2022-11-18 launches, simulated with the
// default network: once converged, apogee, range and flight time within
// 8 % of the truth, the class and shape right, and the truth impact inside
// the predicted 95 % ellipse in at least 90 % of seeds — at the final
// estimate, and for the lofted ICBM also at the end of its ascent
// coverage, an hour before impact.
func TestAccuracy(t *testing.T) {
	for _, tt := range []struct {
		scenario   string
		class      ballistic.Class
		trajectory estimate.Trajectory
		midcourse  time.Duration // a second coverage check this long after launch; 0: none
	}{
		{"2022-10-04-irbm-overflight", ballistic.IRBM, estimate.MinimumEnergy, 0},
		{"2022-11-18-hwasong17-lofted", ballistic.ICBM, estimate.Lofted, 30 * time.Minute},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			sc, fl := mustPlan(t, tt.scenario)
			truth := fl[0]
			impact := truth.Traj.Impact.LLA
			seeds := uint64(accuracySeeds)
			if testing.Short() {
				seeds = 5
			}
			var inside, insideMid, launchInside int
			for seed := uint64(1); seed <= seeds; seed++ {
				e := mustFuse(t, mustMeasure(t, sc, fl, seed))
				evs := e.Events()
				if len(evs) != 1 {
					t.Fatalf("seed %d: %d events, want 1", seed, len(evs))
				}
				est := evs[0].Estimate
				if est.Class != tt.class || est.Trajectory != tt.trajectory {
					t.Errorf("seed %d: %v %v, want %v %v", seed, est.Class, est.Trajectory, tt.class, tt.trajectory)
				}
				for _, c := range []struct {
					name      string
					got, want float64
				}{
					{"apogee", est.ApogeeKm * 1e3, float64(truth.Traj.MaxAltitude())},
					{"range", est.RangeKm * 1e3, float64(truth.Traj.Range())},
					{"flight time", est.FlightTimeS, truth.Traj.FlightTime().Seconds()},
				} {
					if e := relErr(c.got, c.want); e > 0.08 {
						t.Errorf("seed %d: %s %.1f, truth %.1f (%.1f %% off)", seed, c.name, c.got, c.want, 100*e)
					}
				}
				p := geo.LLA{Lat: geo.Degrees(est.Impact.Lat), Lon: geo.Degrees(est.Impact.Lon)}
				if insideEllipse(p, impact, est.Impact.Ellipse95) {
					inside++
				}
				lp := geo.LLA{Lat: geo.Degrees(est.Launch.Lat), Lon: geo.Degrees(est.Launch.Lon)}
				if d, _, _ := geo.Inverse(lp, truth.Launch.Site); float64(d) <= est.Launch.ErrorKm*1e3 {
					launchInside++
				}
				if tt.midcourse > 0 {
					s, ok := snapshotBefore(evs[0].History, truth.Start().Add(tt.midcourse))
					if !ok {
						t.Fatalf("seed %d: no estimate before %v", seed, tt.midcourse)
					}
					p := geo.LLA{Lat: geo.Degrees(s.ImpactLat), Lon: geo.Degrees(s.ImpactLon)}
					if insideEllipse(p, impact, fusion.Ellipse{MajorKm: s.MajorKm, MinorKm: s.MinorKm, BearingDeg: s.BearingDeg}) {
						insideMid++
					}
				}
			}
			t.Logf("truth impact inside the 95 %% ellipse: %d/%d final, %d/%d mid-course; launch point inside its 95 %% circle %d/%d",
				inside, seeds, insideMid, seeds, launchInside, seeds)
			need := int((9*seeds + 9) / 10)
			if inside < need {
				t.Errorf("final: truth inside the ellipse in %d of %d seeds, want at least %d", inside, seeds, need)
			}
			if tt.midcourse > 0 && insideMid < need {
				t.Errorf("mid-course: truth inside the ellipse in %d of %d seeds, want at least %d", insideMid, seeds, need)
			}
			if launchInside < need {
				t.Errorf("launch point inside its 95 %% circle in %d of %d seeds, want at least %d", launchInside, seeds, need)
			}
		})
	}
}

// snapshotBefore returns the last snapshot at or before t.
func snapshotBefore(h []fusion.Snapshot, t time.Time) (fusion.Snapshot, bool) {
	var out fusion.Snapshot
	ok := false
	for _, s := range h {
		if s.T.After(t) {
			break
		}
		out, ok = s, true
	}
	return out, ok
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return got
	}
	d := (got - want) / want
	if d < 0 {
		return -d
	}
	return d
}

// A flight no ballistic arc explains is flagged irregular; a steep but
// ballistic short-range shot (100 km apogee over 350 km) is not.
func TestIrregular(t *testing.T) {
	inline := []byte(`name: srbm-350
launches:
  - id: M1
    time: 2022-01-01T00:00:00Z
    site: {lat: 39.2, lon: 125.67}
    azimuth_deg: 90
    range_km: 350
    apogee_km: 100
    trajectory: ballistic
sensors: default
seed: 1
`)
	steep, err := sim.Parse("srbm-350.yaml", inline)
	if err != nil {
		t.Fatal(err)
	}
	steepFlights, err := sim.Plan(steep, inline)
	if err != nil {
		t.Fatal(err)
	}
	kn23, kn23Flights := mustPlan(t, "2019-07-25-kn23-pullup")
	for _, tt := range []struct {
		name      string
		sc        *sim.Scenario
		fl        []sim.Flight
		irregular bool
	}{
		{"kn23_pullup", kn23, kn23Flights, true},
		{"srbm_100km_350km", steep, steepFlights, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				evs := mustFuse(t, mustMeasure(t, tt.sc, tt.fl, seed)).Events()
				if len(evs) != 1 {
					t.Fatalf("seed %d: %d events, want 1", seed, len(evs))
				}
				est := evs[0].Estimate
				if got := est.Trajectory == estimate.Irregular; got != tt.irregular {
					t.Errorf("seed %d: trajectory %v (%s), irregular %v, want %v", seed, est.Trajectory, evs[0].Note, got, tt.irregular)
				}
				if est.Class != ballistic.SRBM {
					t.Errorf("seed %d: class %v, want SRBM", seed, est.Class)
				}
			}
		})
	}
}

// The 2022-06-05 salvo of eight SRBMs: one event per missile, tracks pure
// (at least 95 % of each event's measurements from its missile) and no
// swaps (each event's dominant missile never changes along its track).
func TestSalvo(t *testing.T) {
	sc, fl := mustPlan(t, "2022-06-05-srbm-salvo")
	seeds := []uint64{1, 2}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		ms := mustMeasure(t, sc, fl, seed)
		e := mustFuse(t, ms)
		truth := truthOf(ms)
		contrib := e.Contributions()
		evs := e.Events()
		if len(evs) != len(fl) {
			t.Errorf("seed %d: %d events for %d missiles", seed, len(evs), len(fl))
		}
		owner := map[string]string{} // missile → event
		var pure, total, swaps int
		for _, ev := range evs {
			refs := contrib[ev.ID]
			count := map[string]int{}
			for _, r := range refs {
				count[truth[r]]++
			}
			best, n := "", 0
			for obj, c := range count {
				if c > n || (c == n && obj < best) {
					best, n = obj, c
				}
			}
			pure += n
			total += len(refs)
			if prev, ok := owner[best]; ok {
				t.Errorf("seed %d: missile %s dominates events %s and %s", seed, best, prev, ev.ID)
			}
			owner[best] = ev.ID
			swaps += countSwaps(refs, truth)
		}
		purity := float64(pure) / float64(total)
		t.Logf("seed %d: %d events, purity %.4f, swaps %d", seed, len(evs), purity, swaps)
		if purity < 0.95 {
			t.Errorf("seed %d: purity %.3f, want ≥ 0.95", seed, purity)
		}
		if swaps != 0 {
			t.Errorf("seed %d: %d swaps, want none", seed, swaps)
		}
	}
}

// countSwaps counts the changes of the dominant object between
// consecutive windows of 20 of a track's measurements.
func countSwaps(refs []fusion.Ref, truth map[fusion.Ref]string) int {
	const w = 20
	prev, swaps := "", 0
	for i := 0; i+w <= len(refs); i += w {
		count := map[string]int{}
		for _, r := range refs[i : i+w] {
			count[truth[r]]++
		}
		best, n := "", 0
		for obj, c := range count {
			if c > n || (c == n && obj < best) {
				best, n = obj, c
			}
		}
		if prev != "" && best != prev {
			swaps++
		}
		prev = best
	}
	return swaps
}
