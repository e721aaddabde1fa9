package sim_test

import (
	"testing"
	"time"

	"github.com/trilink/trilink/internal/sim"
)

func TestRepeat(t *testing.T) {
	sc, err := sim.Resolve("2022-06-05-srbm-salvo")
	if err != nil {
		t.Fatal(err)
	}
	base, err := sim.Plan(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := sim.Repeat(sc, 20, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 20 || fs[0].Spec.ID != "S01" || fs[19].Spec.ID != "S20" {
		t.Fatalf("%d flights, ids %s…%s", len(fs), fs[0].Spec.ID, fs[len(fs)-1].Spec.ID)
	}
	k := len(base)
	if got := fs[k].Spec.Time.Sub(fs[0].Spec.Time); got != 90*time.Second {
		t.Errorf("second round %v after the first, want 90 s", got)
	}
	if !fs[0].Spec.Time.Equal(base[0].Spec.Time) {
		t.Errorf("first flight moved: %v, want %v", fs[0].Spec.Time, base[0].Spec.Time)
	}
}
