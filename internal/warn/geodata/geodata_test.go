package geodata_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/warn/geodata"
)

type collection struct {
	Features []struct {
		Properties map[string]string `json:"properties"`
		Geometry   struct {
			Type        string           `json:"type"`
			Coordinates [][][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

func read(tb testing.TB, fsys fs.FS, name string) collection {
	tb.Helper()
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		tb.Fatal(err)
	}
	var c collection
	if err := json.Unmarshal(b, &c); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return c
}

// TestFiles checks each file's features, properties and rings: closed,
// at least four points, longitudes in [-180, 180] and no ring crossing the
// antimeridian.
func TestFiles(t *testing.T) {
	for _, tt := range []struct {
		file     string
		features int
		props    []string
	}{
		{"regions_jp.geojson", 47, []string{"id", "code", "name_ja", "name_ko", "name_en"}},
		{"regions_kr.geojson", 17, []string{"id", "code", "name_ja", "name_ko", "name_en"}},
		{"regions_us.geojson", 56, []string{"id", "code", "name_en"}},
		{"land_other.geojson", 8, []string{"iso_a3", "name"}},
		{"territorial_sea.geojson", 7, []string{"iso_a3"}},
		{"eez.geojson", 130, []string{"mrgid", "geoname", "pol_type"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			c := read(t, geodata.FS, tt.file)
			if len(c.Features) != tt.features {
				t.Errorf("%d features, want %d", len(c.Features), tt.features)
			}
			for i, f := range c.Features {
				for _, p := range tt.props {
					if f.Properties[p] == "" {
						t.Errorf("feature %d lacks %s", i, p)
					}
				}
				if f.Geometry.Type != "MultiPolygon" {
					t.Errorf("feature %d: %s", i, f.Geometry.Type)
				}
				for _, pg := range f.Geometry.Coordinates {
					for _, r := range pg {
						if len(r) < 4 || r[0] != r[len(r)-1] {
							t.Errorf("feature %d: ring of %d points, closed %v", i, len(r), r[0] == r[len(r)-1])
						}
						for k, v := range r {
							if math.Abs(v[0]) > 180 || math.Abs(v[1]) > 90 {
								t.Errorf("feature %d: vertex %v out of range", i, v)
							}
							if k > 0 && math.Abs(v[0]-r[k-1][0]) > 180 {
								t.Errorf("feature %d: ring crosses the antimeridian", i)
							}
						}
					}
				}
			}
		})
	}
	att, err := fs.ReadFile(geodata.FS, "ATTRIBUTION.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, credit := range []string{"Natural Earth", "© OpenStreetMap contributors", "ODbL", "国土地理院", "공공누리", "U.S. Census Bureau", "Flanders Marine Institute"} {
		if !strings.Contains(string(att), credit) {
			t.Errorf("ATTRIBUTION.md lacks %q", credit)
		}
	}
}

// TestSimplification checks the promise that no boundary moved more than
// 0.25 km (plus 11 m of rounding): seeded random vertices of the shared
// source files lie within 0.27 km of the simplified rings of the same
// feature. It needs the shared copies (../shared/geodata) and skips
// without them.
func TestSimplification(t *testing.T) {
	src := filepath.Join("..", "..", "..", "..", "shared", "geodata")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("shared geodata not found at %s", src)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tt := range []struct{ src, out, key, outKey string }{
		{"jp_prefectures.geojson", "regions_jp.geojson", "iso_3166_2", "id"},
		{"kr_provinces.geojson", "regions_kr.geojson", "iso_3166_2", "id"},
	} {
		t.Run(tt.out, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(src, tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
					Geometry   struct {
						Coordinates json.RawMessage `json:"coordinates"`
						Type        string          `json:"type"`
					} `json:"geometry"`
				} `json:"features"`
			}
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			out := read(t, geodata.FS, tt.out)
			rings := map[string][][][2]float64{}
			for _, f := range out.Features {
				for _, pg := range f.Geometry.Coordinates {
					rings[f.Properties[tt.outKey]] = append(rings[f.Properties[tt.outKey]], pg...)
				}
			}
			worst := 0.0
			for _, f := range raw.Features {
				id := fmt.Sprint(f.Properties[tt.key])
				var mp [][][][2]float64
				if f.Geometry.Type == "Polygon" {
					var p [][][2]float64
					if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
						t.Fatal(err)
					}
					mp = [][][][2]float64{p}
				} else if err := json.Unmarshal(f.Geometry.Coordinates, &mp); err != nil {
					t.Fatal(err)
				}
				var verts [][2]float64
				for _, pg := range mp {
					for _, r := range pg {
						verts = append(verts, r...)
					}
				}
				for range 30 {
					v := verts[rng.IntN(len(verts))]
					d := nearestKm(v, rings[id])
					worst = math.Max(worst, d)
					if d > 0.27 {
						t.Errorf("%s: source vertex %v is %.3f km from the simplified boundary", id, v, d)
					}
				}
			}
			t.Logf("worst displacement %.3f km", worst)
		})
	}
}

// nearestKm is the planar (equirectangular) distance from v to rings.
func nearestKm(v [2]float64, rings [][][2]float64) float64 {
	kx := 111.32 * math.Cos(v[1]*math.Pi/180)
	const ky = 110.57
	best := math.Inf(1)
	for _, r := range rings {
		for k := 0; k+1 < len(r); k++ {
			ax, ay := (r[k][0]-v[0])*kx, (r[k][1]-v[1])*ky
			bx, by := (r[k+1][0]-v[0])*kx, (r[k+1][1]-v[1])*ky
			dx, dy := bx-ax, by-ay
			t := 0.0
			if l2 := dx*dx + dy*dy; l2 > 0 {
				t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
			}
			best = math.Min(best, math.Hypot(ax+t*dx, ay+t*dy))
		}
	}
	return best
}

func Example() {
	names, _ := fs.Glob(geodata.FS, "*.geojson")
	for _, n := range names {
		fmt.Println(n)
	}
	// Output:
	// eez.geojson
	// land_other.geojson
	// regions_jp.geojson
	// regions_kr.geojson
	// regions_us.geojson
	// territorial_sea.geojson
}
