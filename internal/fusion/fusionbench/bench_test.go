package fusionbench_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/trilink/trilink/internal/fusion/fusionbench"
)

// A small run of the benchmark gives every figure, sane values and the
// JSON names `trilink bench estimator --json` promises.
func TestBenchEstimator(t *testing.T) {
	if testing.Short() {
		t.Skip("Monte Carlo")
	}
	f, err := fusionbench.BenchEstimator(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Scenarios) != 5 {
		t.Fatalf("%d scenarios", len(f.Scenarios))
	}
	for _, s := range f.Scenarios {
		if s.EventsPerRun != float64(s.Missiles) {
			t.Errorf("%s: %.1f events per run for %d missiles", s.Name, s.EventsPerRun, s.Missiles)
		}
		if s.Purity < 0.9 || s.Purity > 1 {
			t.Errorf("%s: purity %g", s.Name, s.Purity)
		}
		if s.Missiles == 1 && (s.NEESMean <= 0 || s.RMSEOverPCRLB <= 0 || s.UpdatesPerS <= 0 || s.ImpactPredictionMs <= 0) {
			t.Errorf("%s: missing figures %+v", s.Name, s)
		}
	}
	if !(f.NEESLo < f.NEESHi) || f.UpdatesPerS <= 0 || f.ImpactPredictionMs <= 0 {
		t.Errorf("top level %+v", f)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"nees_mean", "nees_lo", "nees_hi", "rmse_over_pcrlb", "salvo_purity", "salvo_swaps", "updates_per_s", "impact_prediction_ms", "scenarios"} {
		if _, ok := top[k]; !ok {
			t.Errorf("no %q in the JSON", k)
		}
	}
	t.Logf("%s", b)
}
