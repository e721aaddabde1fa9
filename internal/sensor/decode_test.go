package sensor_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// launchTime is the 2022-10-04 IRBM launch, 07:22 JST.
var launchTime = time.Date(2022, 10, 3, 22, 22, 30, 123456789, time.UTC)

func ptr[T any](v T) *T { return &v }

// goldenMeasurements are the measurements in testdata/measurements, one per
// file: literal values, so the files do not depend on the noise generator.
func goldenMeasurements() map[string]sensor.Measurement {
	return map[string]sensor.Measurement{
		"radar": {
			Kind: sensor.KindRadar, Sensor: "tpy2-shariki", Nation: nation.US, Time: launchTime, Seq: 17,
			Radar: &sensor.Radar{
				Site:  sensor.Site{Lat: 40.89, Lon: 140.33, Alt: 60},
				Range: 1234567.25, Az: 268.5, El: 12.25,
				Sigma: sensor.RadarSigma{Range: 10, Az: 0.0286, El: 0.0286},
			},
			SimTruth: &sensor.SimTruth{Object: "M1"},
		},
		"radar_doppler": {
			Kind: sensor.KindRadar, Sensor: "greenpine-central", Nation: nation.KR, Time: launchTime.Add(1500 * time.Millisecond), Seq: 3,
			Radar: &sensor.Radar{
				Site:      sensor.Site{Lat: 36.6, Lon: 127.4, Alt: 150},
				Range:     351000.5,
				Az:        341.125,
				El:        2.5,
				RangeRate: ptr(-1234.5),
				Sigma:     sensor.RadarSigma{Range: 50, Az: 0.1146, El: 0.1146, RangeRate: 2},
				Corr:      &sensor.RadarCorr{RangeRangeRate: 0.5, AzEl: -0.1},
				BiasSigma: &sensor.RadarBias{Range: 20, Az: 0.01, El: 0.01},
			},
		},
		"space_ir": {
			Kind: sensor.KindSpaceIR, Sensor: "sbirs-geo-pacific", Nation: nation.US, Time: launchTime.Add(40 * time.Second), Seq: 1,
			SpaceIR: &sensor.SpaceIR{
				Sat:   [3]float64{-36620225.9, 21142564.1, 0},
				LOS:   [3]float64{0.6, -0.8, 0},
				Sigma: 30e-6,
			},
			SimTruth: &sensor.SimTruth{Object: "M1"},
		},
		"false_alarm": {
			Kind: sensor.KindRadar, Sensor: "aegis-kr-east", Nation: nation.KR, Time: launchTime, Seq: 99,
			Radar: &sensor.Radar{
				Site:  sensor.Site{Lat: 37.5, Lon: 130, Alt: 45},
				Range: 500000, Az: 0, El: 45,
				Sigma: sensor.RadarSigma{Range: 30, Az: 0.086, El: 0.086},
			},
			SimTruth: &sensor.SimTruth{FalseAlarm: true},
		},
	}
}

// TestEncodeGolden locks the wire format: encoding/json of each golden
// measurement, indented, must equal testdata/measurements/<name>.json.
// Regenerate with go test ./internal/sensor -run TestEncodeGolden -update.
func TestEncodeGolden(t *testing.T) {
	for name, m := range goldenMeasurements() {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "measurements", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoding of %s differs from %s:\ngot:\n%s\nwant:\n%s", name, path, got, want)
			}
		})
	}
}

// TestDecodeTestdata decodes each file in testdata/measurements to the
// golden value.
func TestDecodeTestdata(t *testing.T) {
	golden := goldenMeasurements()
	files, err := filepath.Glob(filepath.Join("testdata", "measurements", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(golden) {
		t.Errorf("got %d files in testdata/measurements, want %d", len(files), len(golden))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sensor.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := golden[name]; !reflect.DeepEqual(got, want) {
				t.Errorf("Decode(%s) = %+v, want %+v", f, got, want)
			}
		})
	}
}

// TestDecodeObserved round-trips measurements straight from the sensor
// models: JSON encoding then Decode gives back the same value.
func TestDecodeObserved(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	net := sensor.DefaultNetwork()
	truth := sensor.Truth{
		T:        launchTime,
		Pos:      geo.LLA{Lat: 39.5, Lon: 127.5, Alt: 150e3}.ECEF(),
		Boosting: true, Object: "M1",
	}
	n := 0
	for i := range net {
		for range 5 {
			m, ok := net[i].Observe(truth, rng)
			if !ok {
				continue
			}
			n++
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sensor.Decode(b)
			if err != nil {
				t.Fatalf("%s: %v\n%s", net[i].ID, err, b)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("%s: round trip gave %+v, want %+v", net[i].ID, got, m)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d measurements observed; the test needs a target that most sensors see", n)
	}
}

func TestDecodeBad(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "measurements", "radar_doppler.json"))
	if err != nil {
		t.Fatal(err)
	}
	ir, err := os.ReadFile(filepath.Join("testdata", "measurements", "space_ir.json"))
	if err != nil {
		t.Fatal(err)
	}
	// edit returns the radar_doppler (or space_ir) example with one change:
	// path is a dotted path, and a nil value deletes the field.
	edit := func(src []byte, path string, v any) string {
		t.Helper()
		var obj map[string]any
		if err := json.Unmarshal(src, &obj); err != nil {
			t.Fatal(err)
		}
		keys := strings.Split(path, ".")
		m := obj
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		if v == nil {
			delete(m, keys[len(keys)-1])
		} else {
			m[keys[len(keys)-1]] = v
		}
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tt := range []struct {
		name  string
		input string
		field string // the error must contain this
	}{
		{"empty", ``, "EOF"},
		{"not_object", `[1,2]`, "cannot unmarshal array"},
		{"truncated", string(base[:len(base)/2]), "unexpected EOF"},
		{"trailing", string(base) + `{}`, "trailing data"},
		{"unknown_field", edit(base, "colour", "red"), `unknown field "colour"`},
		{"unknown_nested_field", edit(base, "radar.range_km", 3), `unknown field "range_km"`},
		{"kind_missing", edit(base, "kind", nil), "kind: missing"},
		{"kind_unknown", edit(base, "kind", "sonar"), "kind: unknown kind"},
		{"kind_mismatch", edit(base, "kind", "space_ir"), "radar: present in a space_ir measurement"},
		{"payload_missing", edit(base, "radar", nil), "radar: missing"},
		{"both_payloads", strings.Replace(string(ir), `"space_ir": {`, `"radar": {"range_m": 1}, "space_ir": {`, 1), "radar: present"},
		{"sensor_missing", edit(base, "sensor", nil), "sensor:"},
		{"sensor_dot", edit(base, "sensor", "a.b"), "sensor:"},
		{"sensor_wildcard", edit(base, "sensor", "*"), "sensor:"},
		{"sensor_upper", edit(base, "sensor", "TPY2"), "sensor:"},
		{"nation_missing", edit(base, "nation", nil), "nation: missing"},
		{"nation_unknown", edit(base, "nation", "kp"), "nation: unknown nation"},
		{"time_missing", edit(base, "time", nil), "time: missing"},
		{"time_garbage", edit(base, "time", "yesterday"), "time: parsing time"},
		{"time_not_utc", edit(base, "time", "2022-10-04T07:22:30+09:00"), "time: \"2022-10-04T07:22:30+09:00\" is not UTC"},
		{"time_old", edit(base, "time", "1969-12-31T23:59:59Z"), "time: year 1969"},
		{"time_number", edit(base, "time", 12), "cannot unmarshal number"},
		{"seq_missing", edit(base, "seq", nil), "seq: missing or zero"},
		{"seq_negative", edit(base, "seq", -1), "seq"},
		{"seq_fraction", edit(base, "seq", 1.5), "seq"},
		{"site_lat", edit(base, "radar.site.lat_deg", 91), "radar.site.lat_deg: 91 out of [-90, 90]"},
		{"site_lon", edit(base, "radar.site.lon_deg", 181), "radar.site.lon_deg"},
		{"site_alt", edit(base, "radar.site.alt_m", 2e5), "radar.site.alt_m"},
		{"range_zero", edit(base, "radar.range_m", 0), "radar.range_m: 0 out of (0, 1e+08]"},
		{"range_negative", edit(base, "radar.range_m", -5), "radar.range_m"},
		{"range_huge", edit(base, "radar.range_m", 1e9), "radar.range_m"},
		{"range_overflow", strings.Replace(string(base), `"range_m": 351000.5`, `"range_m": 1e400`, 1), "range_m"},
		{"range_string", edit(base, "radar.range_m", "far"), "range_m"},
		{"az_360", edit(base, "radar.az_deg", 360), "radar.az_deg: 360 out of [0, 360)"},
		{"az_negative", edit(base, "radar.az_deg", -1), "radar.az_deg"},
		{"el_high", edit(base, "radar.el_deg", 90.5), "radar.el_deg"},
		{"range_rate_huge", edit(base, "radar.range_rate_mps", 2e5), "radar.range_rate_mps"},
		{"sigma_range_zero", edit(base, "radar.sigma.range_m", 0), "radar.sigma.range_m"},
		{"sigma_az_negative", edit(base, "radar.sigma.az_deg", -0.1), "radar.sigma.az_deg"},
		{"sigma_el_huge", edit(base, "radar.sigma.el_deg", 50), "radar.sigma.el_deg"},
		{"sigma_rate_missing", edit(base, "radar.sigma.range_rate_mps", nil), "radar.sigma.range_rate_mps"},
		{"sigma_rate_without_rate", edit(base, "radar.range_rate_mps", nil), "radar.sigma.range_rate_mps: set without range_rate_mps"},
		{"corr_one", edit(base, "radar.corr.range_az", 1), "radar.corr.range_az"},
		{"corr_not_pd", edit(base, "radar.corr", map[string]any{"range_az": 0.9, "range_el": 0.9, "az_el": -0.9}), "radar.corr: correlation matrix not positive definite"},
		{"bias_negative", edit(base, "radar.bias_sigma.az_deg", -1), "radar.bias_sigma.az_deg"},
		{"ir_sat_inside_earth", edit(ir, "space_ir.sat_ecef_m", []float64{6e6, 0, 0}), "space_ir.sat_ecef_m"},
		{"ir_sat_short", edit(ir, "space_ir.sat_ecef_m", []float64{4e7, 0}), "space_ir.sat_ecef_m"},
		{"ir_los_not_unit", edit(ir, "space_ir.los_ecef", []float64{0.6, 0.6, 0}), "space_ir.los_ecef: norm"},
		{"ir_los_long", edit(ir, "space_ir.los_ecef", []float64{1, 0, 0, 0}), "los_ecef"},
		{"ir_sigma_zero", edit(ir, "space_ir.sigma_rad", 0), "space_ir.sigma_rad"},
		{"ir_sigma_huge", edit(ir, "space_ir.sigma_rad", 1), "space_ir.sigma_rad"},
		{"truth_object_long", edit(ir, "sim_truth.object", strings.Repeat("x", 200)), "sim_truth.object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := sensor.Decode([]byte(tt.input))
			if err == nil {
				t.Fatalf("Decode succeeded with %+v; want an error naming %q\ninput: %s", m, tt.field, tt.input)
			}
			if !errors.Is(err, sensor.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), "decode measurement: ") || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("got error %q, want one starting \"decode measurement: \" and naming %q", err, tt.field)
			}
		})
	}
}

// TestDecodeNormalizes checks the accepted variants: a "+00:00" offset,
// which is returned in UTC, and an upper-case nation code.
func TestDecodeNormalizes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "measurements", "radar.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"2022-10-03T22:22:30.123456789Z"`, `"2022-10-03T22:22:30.123456789+00:00"`, 1)
	s = strings.Replace(s, `"nation": "us"`, `"nation": "US"`, 1)
	if s == string(b) {
		t.Fatal("test input not edited")
	}
	got, err := sensor.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if want := goldenMeasurements()["radar"]; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got.Time.Location() != time.UTC {
		t.Errorf("time location %v, want UTC", got.Time.Location())
	}
}
