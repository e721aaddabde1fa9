package app_test

import (
	"context"
	"math"
	"testing"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/ballistic"
)

// analyze gives the figures a ministry announces, close to the reported
// ones that the scenarios were built from.
func TestAnalyzeReportedLaunches(t *testing.T) {
	for _, tt := range []struct {
		scenario           string
		class              ballistic.Class
		apogee, rng, minut float64
	}{
		{"2022-10-04-irbm-overflight", ballistic.IRBM, 1000, 4600, 22},
		{"2022-11-18-hwasong17-lofted", ballistic.ICBM, 6000, 1000, 69},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			a, err := app.Analyze(context.Background(), app.AnalyzeOptions{Scenario: tt.scenario})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Events) != 1 {
				t.Fatalf("%d events, want 1", len(a.Events))
			}
			e := a.Events[0].Estimate
			if e.Class != tt.class {
				t.Errorf("class %v, want %v", e.Class, tt.class)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"apogee km", e.ApogeeKm, tt.apogee}, {"range km", e.RangeKm, tt.rng}, {"flight min", e.FlightTimeS / 60, tt.minut}} {
				if math.Abs(c.got-c.want)/c.want > 0.08 {
					t.Errorf("%s %.1f, reported %.1f: off by more than 8 %%", c.name, c.got, c.want)
				}
			}
		})
	}
}
