package sim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/sim"
)

const good = `name: t
launches:
  - id: M1
    time: 2022-10-03T22:22:00Z
    site: {lat: 40.61, lon: 126.43}
    aim: {lat: 38.9, lon: 182.0}
    range_km: 4600
    apogee_km: 1000
sensors: default
seed: 7
`

func TestParseBadInputNamesFileLineField(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		line     int
		want     string
	}{
		{"unknown_field", strings.Replace(good, "    apogee_km: 1000\n", "    apogee_km: 1000\n    apogee_kmz: 3\n", 1), 9, "apogee_kmz"},
		{"lat_out_of_range", strings.Replace(good, "lat: 40.61", "lat: 95", 1), 5, "launches[0].site.lat"},
		{"aim_lon_out_of_range", strings.Replace(good, "lon: 182.0", "lon: 400", 1), 6, "launches[0].aim.lon"},
		{"no_time", strings.Replace(good, "    time: 2022-10-03T22:22:00Z\n", "", 1), 3, "launches[0].time"},
		{"negative_range", strings.Replace(good, "range_km: 4600", "range_km: -5", 1), 7, "launches[0].range_km"},
		{"bad_trajectory", strings.Replace(good, "    apogee_km: 1000\n", "    apogee_km: 1000\n    trajectory: zigzag\n", 1), 9, "launches[0].trajectory"},
		{"bad_class", strings.Replace(good, "    apogee_km: 1000\n", "    apogee_km: 1000\n    class: XRBM\n", 1), 9, "launches[0].class"},
		{"aim_and_azimuth", strings.Replace(good, "    range_km: 4600\n", "    azimuth_deg: 80\n    range_km: 4600\n", 1), 7, "launches[0].azimuth_deg"},
		{"bad_sensors", strings.Replace(good, "sensors: default", "sensors: all", 1), 9, "sensors"},
		{"no_launches", "name: t\nlaunches: []\nsensors: default\n", 2, "launches"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sim.Parse("s.yaml", []byte(tt.in))
			var e *sim.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a *sim.Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "s.yaml:") {
				t.Fatalf("error %q does not name the file and %q", err, tt.want)
			}
			if e.Line != tt.line {
				t.Errorf("error %q at line %d, want %d", err, e.Line, tt.line)
			}
		})
	}
}

// Combinations the physics rules out fail at planning with the field named.
func TestPlanImpossibleFlights(t *testing.T) {
	for _, tt := range []struct {
		name, from, to, field string
	}{
		{"srbm_cannot_reach", "    apogee_km: 1000\n", "    apogee_km: 1000\n    class: SRBM\n", "launches[0].class"},
		{"apogee_too_low_for_ballistic", "apogee_km: 1000", "apogee_km: 150", "launches[0].apogee_km"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(strings.Replace(good, tt.from, tt.to, 1))
			sc, err := sim.Parse("s.yaml", src)
			if err != nil {
				t.Fatal(err)
			}
			_, err = sim.Plan(sc, src)
			var e *sim.Error
			if !errors.As(err, &e) || e.Field != tt.field || e.Line == 0 {
				t.Fatalf("got %v, want an error at %s with its line", err, tt.field)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	if _, err := sim.Resolve("2022-10-04-irbm-overflight"); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Resolve("nope"); !errors.Is(err, sim.ErrNoScenario) {
		t.Fatalf("Resolve(nope): %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("name: x\nlaunches: [{id: a}]\nsensors: [a, b]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := sim.Parse("f.yaml", b)
		if err == nil && (sc == nil || len(sc.Launches) == 0) {
			t.Fatal("accepted a scenario without launches")
		}
	})
}
