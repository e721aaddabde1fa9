package warn_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/geodata"
	"github.com/trilink/trilink/internal/warn/warntest"
)

// geodesicTrack returns points every step metres along the geodesic from
// start at azimuth az for length metres.
func geodesicTrack(start geo.LLA, az, length, step float64) []geo.LLA {
	var out []geo.LLA
	for d := 0.0; d <= length; d += step {
		p, _ := geo.Direct(start, geo.Degrees(az), geo.Meters(d))
		out = append(out, p)
	}
	return out
}

func ids(rs []*warn.Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestCorridor(t *testing.T) {
	a := warn.Default()
	over2022 := geodesicTrack(at(40.61, 126.43), 85, 4600e3, 20e3)
	guamDist, guamAz, _ := geo.Inverse(at(39.03, 125.75), at(13.45, 144.75))
	toGuam := geodesicTrack(at(39.03, 125.75), float64(guamAz), float64(guamDist), 20e3)
	for _, tt := range []struct {
		name  string
		n     nation.Nation
		track []geo.LLA
		w     float64 // km
		want  []string
	}{
		// The 2022-10-04 track crosses the Tsugaru peninsula; at 50 km it
		// also reaches Akita and Iwate, at 100 km southern Hokkaido.
		{"2022_line", nation.JP, over2022, 0, []string{"JP-02"}},
		{"2022_50km", nation.JP, over2022, 50, []string{"JP-02", "JP-03", "JP-05"}},
		{"2022_100km", nation.JP, over2022, 100, []string{"JP-01", "JP-02", "JP-03", "JP-05"}},
		{"2022_50km_korea", nation.KR, over2022, 50, nil},
		{"2022_50km_us", nation.US, over2022, 50, nil},
		// A single point in Tokyo Bay, 10 km from both shores.
		{"tokyo_bay_point", nation.JP, []geo.LLA{at(35.45, 139.8)}, 15, []string{"JP-12", "JP-13", "JP-14"}},
		// Pyongyang to Guam: over the sea until Guam.
		{"to_guam", nation.US, toGuam, 20, []string{"US-GU"}},
		{"over_seoul", nation.KR, []geo.LLA{at(37.3, 126.5), at(37.7, 127.5)}, 1, []string{"KR-11", "KR-28", "KR-41"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(a.Corridor(tt.n, tt.track, geo.Meters(tt.w*1000)))
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("Corridor = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCorridorMatchesGeodesic compares the corridor's planar distances with
// geo's exact geodesic distance to each region: a region nearer than
// 0.98 w must be found and one farther than 1.02 w must not (seeded
// random points round Japan and Korea, half-widths 5–150 km).
func TestCorridorMatchesGeodesic(t *testing.T) {
	if testing.Short() {
		t.Skip("exact distances are slow")
	}
	a := warn.Default()
	rng := rand.New(rand.NewPCG(3, 4))
	regions := append(slices.Clone(a.Regions(nation.JP)), a.Regions(nation.KR)...)
	checked := 0
	for range 60 {
		p := at(31+rng.Float64()*13, 127+rng.Float64()*16)
		w := 5e3 + rng.Float64()*145e3
		got := map[string]bool{}
		for _, r := range a.Corridor(nation.NationUnknown, []geo.LLA{p}, geo.Meters(w)) {
			got[r.ID] = true
		}
		for _, r := range regions {
			if !r.Bounds.Expand(geo.Meters(1.1 * w)).Contains(p) {
				if got[r.ID] {
					t.Errorf("%v, w %.0f km: %s found but its box is farther", p, w/1000, r.ID)
				}
				continue
			}
			d := float64(r.Shape.Distance(p))
			checked++
			switch {
			case d < 0.98*w && !got[r.ID]:
				t.Errorf("%v, w %.1f km: %s at %.1f km not found", p, w/1000, r.ID, d/1000)
			case d > 1.02*w && got[r.ID]:
				t.Errorf("%v, w %.1f km: %s at %.1f km found", p, w/1000, r.ID, d/1000)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d region distances checked", checked)
	}
}

func TestEllipse(t *testing.T) {
	a := warn.Default()
	for _, tt := range []struct {
		name         string
		n            nation.Nation
		c            geo.LLA
		major, minor float64 // km
		bearing      float64
		want         []string
	}{
		{"lofted_converged", nation.JP, at(41.0, 137.0), 10, 5, 80, nil},
		// 300 km along an east–west axis reaches the Tsugaru peninsula; with
		// a wider minor axis, Oshima-Oshima and Akita too.
		{"lofted_early_east", nation.JP, at(41.0, 137.0), 300, 60, 90, []string{"JP-02"}},
		{"lofted_early_east_wide", nation.JP, at(41.0, 137.0), 300, 150, 90, []string{"JP-01", "JP-02", "JP-05"}},
		// The same ellipse turned north–south reaches no land.
		{"lofted_early_north", nation.JP, at(41.0, 137.0), 300, 60, 0, nil},
		{"inside_tokyo", nation.JP, at(35.68, 139.77), 1, 1, 0, []string{"JP-13"}},
		{"guam_all_nations", nation.NationUnknown, at(13.45, 144.75), 20, 10, 45, []string{"US-GU"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(a.Ellipse(tt.n, tt.c, geo.Meters(tt.major*1000), geo.Meters(tt.minor*1000), geo.Degrees(tt.bearing)))
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("Ellipse = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOverflights(t *testing.T) {
	f := warntest.Overflight20221004()
	got := warn.Overflights(f.Path(0, 5*time.Second))
	if len(got) != 1 || got[0].Region.ID != "JP-02" || got[0].Nation != nation.JP {
		t.Fatalf("Overflights = %+v, want one pass over JP-02", got)
	}
	o := got[0]
	enter, exit := o.Enter.Sub(f.Launch), o.Exit.Sub(f.Launch)
	if enter < 390*time.Second || enter > 420*time.Second || exit < enter || exit > 460*time.Second {
		t.Errorf("over Aomori from +%v to +%v, want from about 6.5–7 min", enter, exit)
	}
	if o.MinAltitudeKm < 650 || o.MinAltitudeKm > 800 {
		t.Errorf("lowest over Aomori %.0f km, want 700–800", o.MinAltitudeKm)
	}
	if got := warn.Overflights(warntest.LoftedICBM().Path(0, 5*time.Second)); len(got) != 0 {
		t.Errorf("lofted ICBM overflights = %+v, want none", got)
	}
	if got := warn.Overflights(nil); got != nil {
		t.Errorf("Overflights(nil) = %v", got)
	}
}

func TestImpactZone(t *testing.T) {
	z := warn.ImpactZone(41.0, 137.0)
	if z.Nation != nation.JP || z.Kind != warn.EEZ {
		t.Errorf("ImpactZone(41, 137) = %v, want Japan's EEZ", z)
	}
	if z := warn.ImpactZone(32.2, 177.4); z.Nation != nation.NationUnknown || z.Kind != warn.HighSeas {
		t.Errorf("ImpactZone(32.2, 177.4) = %v, want the high seas", z)
	}
}

// BenchmarkRegionQuery measures the region queries the engine makes for
// one estimate: the 2022-10-04 ground track (4,600 km, a point every
// 20 km) against Japan's regions at 50 km, a 300 km impact ellipse, and a
// point's zone.
func BenchmarkRegionQuery(b *testing.B) {
	a := warn.Default()
	track := geodesicTrack(at(40.61, 126.43), 85, 4600e3, 20e3)
	b.Run("corridor_4600km_w50km", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.Corridor(nation.JP, track, 50e3)
		}
	})
	b.Run("corridor_4600km_w100km_all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.Corridor(nation.NationUnknown, track, 100e3)
		}
	})
	b.Run("ellipse_300km", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.Ellipse(nation.JP, at(41, 137), 300e3, 60e3, 90)
		}
	})
	b.Run("zone", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.ZoneFor(nation.JP, at(41, 137))
		}
	})
}

// BenchmarkLoad measures building the atlas from the embedded files, the
// cost of the first call to Default.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := warn.Load(geodata.FS); err != nil {
			b.Fatal(err)
		}
	}
}
