package fusion

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestSanitizeWithholdsNonFinite(t *testing.T) {
	nan := math.NaN()
	ev := Event{ID: "E-x", Estimate: Estimate{ApogeeKm: nan, Impact: Impact{Ellipse95: Ellipse{MajorKm: math.Inf(1)}}},
		Path:          []PathPoint{{Lat: 1, Lon: 2}, {Lat: nan, Lon: 2}},
		ImpactSamples: []LatLon{{Lat: 1, Lon: nan}},
		History:       []Snapshot{{MajorKm: nan}}}
	orig := ev.Path
	ev.sanitize()
	if _, err := json.Marshal(ev); err != nil {
		t.Fatalf("sanitized event does not encode: %v", err)
	}
	if len(ev.Path) != 1 || len(ev.ImpactSamples) != 0 || ev.Estimate.ApogeeKm != 0 || !strings.Contains(ev.Note, "non-finite") {
		t.Fatalf("sanitize: %+v", ev)
	}
	if !math.IsNaN(orig[1].Lat) {
		t.Fatal("sanitize wrote into the original slice")
	}
}
