//go:build ignore

// Gen rebuilds the boundary files of package geodata from the project's
// shared copies (../shared/geodata, described in its README.md):
//
//	go run gen.go -src ../../../../shared/geodata
//
// For every layer it keeps the features trilink needs, clips them to the
// theatre window (longitude 90°E eastward to 60°W, latitude 30°S to 85°N),
// simplifies each ring with Douglas–Peucker at -tol km (measured on a local
// equirectangular plane) and rounds coordinates to 1e-4° (11 m). A ring
// that simplification would reduce below four vertices is kept as it was, so
// no islet is lost. Names in other languages come from exonyms.csv.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The theatre window, in longitudes unwrapped eastward from 90°E.
const (
	winW, winE = 90.0, 300.0
	winS, winN = -30.0, 85.0
)

var (
	src = flag.String("src", "../../../../shared/geodata", "directory of the shared geodata")
	tol = flag.Float64("tol", 0.25, "Douglas–Peucker tolerance, km")
)

type pt struct{ x, y float64 }

type feature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

type collection struct {
	Features []feature `json:"features"`
}

// polys returns a feature's polygons as rings of unwrapped points.
func (f feature) polys() [][][]pt {
	var mp [][][][]float64
	switch f.Geometry.Type {
	case "Polygon":
		var p [][][]float64
		must(json.Unmarshal(f.Geometry.Coordinates, &p))
		mp = [][][][]float64{p}
	case "MultiPolygon":
		must(json.Unmarshal(f.Geometry.Coordinates, &mp))
	default:
		log.Fatalf("geometry %s", f.Geometry.Type)
	}
	out := make([][][]pt, 0, len(mp))
	for _, p := range mp {
		var rings [][]pt
		for _, r := range p {
			rings = append(rings, unwrap(r))
		}
		out = append(out, rings)
	}
	return out
}

// unwrap converts a GeoJSON ring to points whose consecutive longitudes
// differ by at most 180°, the first in [90, 450).
func unwrap(r [][]float64) []pt {
	out := make([]pt, 0, len(r))
	prev := 0.0
	for i, c := range r {
		lon, lat := c[0], c[1]
		if i == 0 {
			x := math.Mod(lon-winW, 360)
			if x < 0 {
				x += 360
			}
			out = append(out, pt{winW + x, lat})
		} else {
			d := math.Remainder(lon-prev, 360)
			out = append(out, pt{out[i-1].x + d, lat})
		}
		prev = lon
	}
	if n := out[len(out)-1].x - out[0].x; math.Abs(n) > 180 {
		log.Fatalf("ring winds %v° round the Earth; polar rings are not supported", n)
	}
	return out
}

// clip clips a ring to the window (Sutherland–Hodgman), trying shifts of
// ±360° so that parts on either side of the seam are kept. A concave ring
// may come out with overlapping edges along the window's border; the
// even–odd rule is unaffected.
func clip(r []pt) [][]pt {
	var out [][]pt
	for _, shift := range []float64{-360, 0, 360} {
		s := make([]pt, len(r))
		for i, p := range r {
			s[i] = pt{p.x + shift, p.y}
		}
		for _, h := range []struct {
			in  func(pt) bool
			cut func(a, b pt) pt
		}{
			{func(p pt) bool { return p.x >= winW }, func(a, b pt) pt { return atX(a, b, winW) }},
			{func(p pt) bool { return p.x <= winE }, func(a, b pt) pt { return atX(a, b, winE) }},
			{func(p pt) bool { return p.y >= winS }, func(a, b pt) pt { return atY(a, b, winS) }},
			{func(p pt) bool { return p.y <= winN }, func(a, b pt) pt { return atY(a, b, winN) }},
		} {
			s = clipHalf(s, h.in, h.cut)
			if len(s) == 0 {
				break
			}
		}
		if distinct(s) >= 3 {
			out = append(out, closeRing(s))
		}
	}
	return out
}

func atX(a, b pt, x float64) pt { return pt{x, a.y + (b.y-a.y)*(x-a.x)/(b.x-a.x)} }
func atY(a, b pt, y float64) pt { return pt{a.x + (b.x-a.x)*(y-a.y)/(b.y-a.y), y} }

func clipHalf(r []pt, in func(pt) bool, cut func(a, b pt) pt) []pt {
	if len(r) > 1 && r[0] == r[len(r)-1] {
		r = r[:len(r)-1]
	}
	var out []pt
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		switch ia, ib := in(a), in(b); {
		case ia && ib:
			out = append(out, b)
		case ia && !ib:
			out = append(out, cut(a, b))
		case !ia && ib:
			out = append(out, cut(a, b), b)
		}
	}
	return out
}

func closeRing(r []pt) []pt {
	if r[0] != r[len(r)-1] {
		r = append(r, r[0])
	}
	return r
}

func distinct(r []pt) int {
	seen := map[pt]bool{}
	for _, p := range r {
		seen[p] = true
	}
	return len(seen)
}

// simplify applies Douglas–Peucker to a closed ring at tolerance tol km.
func simplify(r []pt, tol float64) []pt {
	if len(r) <= 4 || tol <= 0 {
		return r
	}
	lat := 0.0
	for _, p := range r {
		lat += p.y
	}
	kx := 111.32 * math.Cos(lat/float64(len(r))*math.Pi/180)
	const ky = 110.57
	keep := make([]bool, len(r))
	keep[0], keep[len(r)-1] = true, true
	// The ring is closed: split it at the vertex farthest from the first.
	far, fd := 0, -1.0
	for i, p := range r {
		if d := math.Hypot((p.x-r[0].x)*kx, (p.y-r[0].y)*ky); d > fd {
			far, fd = i, d
		}
	}
	keep[far] = true
	var rec func(i, j int)
	rec = func(i, j int) {
		if j <= i+1 {
			return
		}
		ax, ay := r[i].x*kx, r[i].y*ky
		bx, by := r[j].x*kx, r[j].y*ky
		best, bd := -1, tol
		for k := i + 1; k < j; k++ {
			if d := segDist(r[k].x*kx, r[k].y*ky, ax, ay, bx, by); d > bd {
				best, bd = k, d
			}
		}
		if best >= 0 {
			keep[best] = true
			rec(i, best)
			rec(best, j)
		}
	}
	rec(0, far)
	rec(far, len(r)-1)
	var out []pt
	for i, p := range r {
		if keep[i] {
			out = append(out, p)
		}
	}
	if distinct(out) < 3 {
		return r
	}
	return out
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	return math.Hypot(px-ax-t*dx, py-ay-t*dy)
}

// output is one feature to write.
type output struct {
	props map[string]string
	polys [][][]pt
}

// process clips and simplifies a feature's polygons. Holes are clipped on
// their own; a hole left without its outer ring is dropped.
func process(f feature) [][][]pt {
	var out [][][]pt
	for _, p := range f.polys() {
		outers := clip(p[0])
		for _, o := range outers {
			poly := [][]pt{simplify(o, *tol)}
			for _, h := range p[1:] {
				for _, hc := range clip(h) {
					poly = append(poly, simplify(hc, *tol))
				}
			}
			out = append(out, poly)
		}
	}
	return out
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func read(name string) collection {
	b, err := os.ReadFile(filepath.Join(*src, name))
	must(err)
	var c collection
	must(json.Unmarshal(b, &c))
	return c
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	}
	return fmt.Sprint(v)
}

// write writes a FeatureCollection, longitudes normalised to [-180, 180].
func write(name string, fs []output) {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	verts := 0
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n")
		keys := make([]string, 0, len(f.props))
		for k := range f.props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`{"type":"Feature","properties":{`)
		for j, k := range keys {
			if j > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			vb, _ := json.Marshal(f.props[k])
			b.Write(kb)
			b.WriteByte(':')
			b.Write(vb)
		}
		b.WriteString(`},"geometry":{"type":"MultiPolygon","coordinates":[`)
		for j, p := range f.polys {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for k, r := range p {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('[')
				// A ring lies on one side of the antimeridian (the sources
				// are split there); write it in that side's longitudes.
				shift := 0.0
				minX := math.Inf(1)
				for _, q := range r {
					minX = math.Min(minX, q.x)
				}
				if minX >= 180 {
					shift = -360
				}
				for m, q := range r {
					if m > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, "[%s,%s]", num(q.x+shift), num(q.y))
					verts++
				}
				b.WriteByte(']')
			}
			b.WriteByte(']')
		}
		b.WriteString(`]}}`)
	}
	b.WriteString("\n]}\n")
	must(os.WriteFile(name, []byte(b.String()), 0o644))
	log.Printf("%s: %d features, %d vertices, %d bytes", name, len(fs), verts, b.Len())
}

func num(v float64) string {
	s := fmt.Sprintf("%.4f", math.Round(v*1e4)/1e4)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// exonyms reads exonyms.csv: id → language → name.
func exonyms() map[string]map[string]string {
	f, err := os.Open("exonyms.csv")
	must(err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	must(err)
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		out[r[0]] = map[string]string{"ja": r[1], "ko": r[2], "en": r[3]}
	}
	return out
}

func names(ex map[string]map[string]string, id string, props map[string]string) {
	for _, l := range []string{"ja", "ko", "en"} {
		if v := ex[id][l]; v != "" {
			props["name_"+l] = v
		}
	}
}

func main() {
	flag.Parse()
	ex := exonyms()

	var jp []output
	for _, f := range read("jp_prefectures.geojson").Features {
		p := f.Properties
		props := map[string]string{
			"id": str(p["iso_3166_2"]), "code": str(p["jis_code"]),
			"name_ja": str(p["name_ja"]), "name_en": str(p["name_en"]),
		}
		names(ex, props["id"], props)
		jp = append(jp, output{props, process(f)})
	}
	sort.Slice(jp, func(i, j int) bool { return jp[i].props["id"] < jp[j].props["id"] })
	write("regions_jp.geojson", jp)

	var kr []output
	for _, f := range read("kr_provinces.geojson").Features {
		p := f.Properties
		props := map[string]string{
			"id": str(p["iso_3166_2"]), "code": str(p["kostat_code"]),
			"name_ko": str(p["name_ko_current"]), "name_en": str(p["name_en_current"]),
		}
		names(ex, props["id"], props)
		kr = append(kr, output{props, process(f)})
	}
	sort.Slice(kr, func(i, j int) bool { return kr[i].props["code"] < kr[j].props["code"] })
	write("regions_kr.geojson", kr)

	var us []output
	for _, f := range read("us_states.geojson").Features {
		p := f.Properties
		props := map[string]string{
			"id": "US-" + str(p["usps"]), "code": str(p["state_fips"]), "name_en": str(p["name"]),
		}
		names(ex, props["id"], props)
		if polys := process(f); len(polys) > 0 {
			us = append(us, output{props, polys})
		}
	}
	sort.Slice(us, func(i, j int) bool { return us[i].props["code"] < us[j].props["code"] })
	write("regions_us.geojson", us)

	// Other countries' land: Natural Earth, without the three partners
	// (whose own data above is more detailed and follows their own views).
	var land []output
	for _, f := range read("ne10m_countries_east_asia_pacific.geojson").Features {
		iso := str(f.Properties["iso_a3"])
		switch iso {
		case "JPN", "KOR", "USA", "GUM", "MNP":
			continue
		}
		if polys := process(f); len(polys) > 0 {
			land = append(land, output{map[string]string{"iso_a3": iso, "name": str(f.Properties["name"])}, polys})
		}
	}
	write("land_other.geojson", land)

	// Land plus territorial sea (OpenStreetMap). USA includes GUM and MNP.
	var ts []output
	for _, f := range read("osm_country_maritime_east_asia_pacific.geojson").Features {
		iso := str(f.Properties["iso_a3"])
		if iso == "GUM" || iso == "MNP" {
			continue
		}
		if polys := process(f); len(polys) > 0 {
			ts = append(ts, output{map[string]string{"iso_a3": iso}, polys})
		}
	}
	write("territorial_sea.geojson", ts)

	// EEZ: every feature that reaches the window.
	var eez []output
	for _, f := range read("eez_marineregions_v10_simplified_world.geojson").Features {
		polys := process(f)
		if len(polys) == 0 {
			continue
		}
		props := map[string]string{}
		for _, k := range []string{"mrgid", "geoname", "pol_type", "iso_ter1", "iso_ter2", "iso_ter3", "sovereign1", "sovereign2", "sovereign3"} {
			if v := str(f.Properties[k]); v != "" {
				props[k] = v
			}
		}
		eez = append(eez, output{props, polys})
	}
	write("eez.geojson", eez)
}
