package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
)

// WarnFigures is the output of `trilink bench warn`.
type WarnFigures struct {
	// EstimateToCAPP99Ms is the 99th percentile, over the estimates of the
	// 2022-10-04 replay that produced an alert, of the time from handing
	// the fused event to a nation's warning engine to a validated CAP
	// document.
	EstimateToCAPP99Ms  float64 `json:"estimate_to_cap_p99_ms"`
	EstimateToCAPP50Ms  float64 `json:"estimate_to_cap_p50_ms"`
	EstimatesWithAlert  int     `json:"estimates_with_alert"`
	EstimateUpdateP99Ms float64 `json:"estimate_update_p99_ms"` // every estimate, alert or not
	Estimates           int     `json:"estimates"`
	// RegionQueryMs is the mean time of "which of Japan's regions lie
	// within 50 km of this 4,600 km predicted ground track".
	RegionQueryMs    float64 `json:"region_query_ms"`
	RegionQueryP99Ms float64 `json:"region_query_p99_ms"`
}

// benchScenarios are replayed by bench warn: overflights, a lofted ICBM
// into the EEZ, an irregular flight and the salvo.
var benchScenarios = []string{"2022-10-04-irbm-overflight", "2017-08-29-hwasong12-overflight", "2017-09-15-hwasong12-overflight",
	"2022-11-18-hwasong17-lofted", "2019-07-25-kn23-pullup", "2022-06-05-srbm-salvo"}

func benchWarn(ctx context.Context) (*WarnFigures, error) {
	var all, withAlert []time.Duration
	var path []geo.LLA
	for _, name := range benchScenarios {
		if err := replayWarn(ctx, name, &all, &withAlert, &path); err != nil {
			return nil, err
		}
	}
	r := &WarnFigures{Estimates: len(all), EstimatesWithAlert: len(withAlert)}
	r.EstimateUpdateP99Ms = ms(quantile(all, 0.99))
	r.EstimateToCAPP99Ms = ms(quantile(withAlert, 0.99))
	r.EstimateToCAPP50Ms = ms(quantile(withAlert, 0.50))
	return r, regionQueries(r, path)
}

// replayWarn replays one scenario through fusion and the warning engines,
// timing each estimate's warning update.
func replayWarn(ctx context.Context, name string, all, withAlert *[]time.Duration, lastPath *[]geo.LLA) error {
	_, run, err := loadRun(name, nil)
	if err != nil {
		return err
	}
	warnings := map[nation.Nation]*Warning[warn.Live]{}
	for _, n := range nation.Nations {
		if warnings[n], err = NewWarning[warn.Live](n); err != nil {
			return err
		}
	}
	eng := fusion.New(fusion.Config{})
	err = replayFusion(ctx, run, eng, func(now time.Time) {
		for _, ev := range eng.Events() {
			if len(ev.Path) > 0 && name == benchScenarios[0] {
				*lastPath = (*lastPath)[:0]
				for _, p := range ev.Path {
					*lastPath = append(*lastPath, geo.LLA{Lat: geo.Degrees(p.Lat), Lon: geo.Degrees(p.Lon)})
				}
			}
			for _, n := range nation.Nations {
				t0 := time.Now()
				recs, _ := warnings[n].Update(ev, now)
				d := time.Since(t0)
				*all = append(*all, d)
				if len(recs) > 0 {
					*withAlert = append(*withAlert, d)
				}
			}
		}
	})
	return err
}

// regionQueries times corridor queries along a predicted path.
func regionQueries(r *WarnFigures, path []geo.LLA) error {
	if len(path) == 0 {
		return fmt.Errorf("bench warn: no predicted path")
	}
	atlas := warn.Default()
	var qs []time.Duration
	for range 1000 {
		t0 := time.Now()
		atlas.Corridor(nation.JP, path, 50e3)
		qs = append(qs, time.Since(t0))
	}
	var sum time.Duration
	for _, q := range qs {
		sum += q
	}
	r.RegionQueryMs = ms(sum / time.Duration(len(qs)))
	r.RegionQueryP99Ms = ms(quantile(qs, 0.99))
	return nil
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func printWarn(w io.Writer, r *WarnFigures) {
	fmt.Fprintf(w, "warn (%d scenarios replayed through fusion and the three nations' engines)\n", len(benchScenarios))
	fmt.Fprintf(w, "  estimate to validated CAP: p50 %.3f ms, p99 %.3f ms over %d estimates that produced an alert\n", r.EstimateToCAPP50Ms, r.EstimateToCAPP99Ms, r.EstimatesWithAlert)
	fmt.Fprintf(w, "  every estimate (alert or not): p99 %.3f ms over %d\n", r.EstimateUpdateP99Ms, r.Estimates)
	fmt.Fprintf(w, "  region query (4,600 km track, 50 km, Japan): mean %.3f ms, p99 %.3f ms\n", r.RegionQueryMs, r.RegionQueryP99Ms)
}
