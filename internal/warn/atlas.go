package warn

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"sync"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn/geodata"
)

// Atlas holds the warning regions and maritime zones of the theatre, with
// a spatial index over them. An Atlas is immutable after [Load] and safe
// for concurrent use.
type Atlas struct {
	ix       *index
	regions  []*Region
	byID     map[string]*Region
	byNation map[nation.Nation][]*Region
	shapes   []shapeInfo // by index shape
	disputes []*dispute
	ts       map[nation.Nation]int // territorial-sea shape of each partner
}

// layer is what an indexed shape stands for.
type layer int

const (
	layerRegion layer = iota // a partner's region (land, own view)
	layerLand                // another country's land
	layerSea                 // a country's land, internal waters and territorial sea
	layerEEZ                 // an EEZ, joint regime or disputed maritime area
	layerClaim               // islands of a disputed area claimed by a partner
)

// shapeInfo describes an indexed shape.
type shapeInfo struct {
	layer   layer
	country string        // ISO 3166-1 alpha-3 (sovereign for partners)
	nation  nation.Nation // for partner shapes; NationUnknown otherwise
	region  *Region       // layerRegion
	eez     *eezInfo      // layerEEZ
	claim   *dispute      // layerClaim
}

// eezInfo is one feature of the EEZ layer.
type eezInfo struct {
	mrgid   int
	name    string
	polType string          // "200NM", "Joint regime" or "Disputed"
	parties []nation.Nation // partner sovereigns
	country string          // first territory's ISO alpha-3
	dispute *dispute        // the disputed area this feature is, or nil
}

var (
	defaultOnce  sync.Once
	defaultAtlas *Atlas
)

// Default returns the atlas built from the embedded [geodata] files. It is
// loaded on first use (about 0.5 s) and shared.
func Default() *Atlas {
	defaultOnce.Do(func() {
		a, err := Load(geodata.FS)
		if err != nil {
			panic(fmt.Sprintf("warn: embedded geodata: %v", err)) // a build defect
		}
		defaultAtlas = a
	})
	return defaultAtlas
}

// gjFeature is a GeoJSON feature with string properties and MultiPolygon
// geometry.
type gjFeature struct {
	Properties map[string]string `json:"properties"`
	Geometry   struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	} `json:"geometry"`
}

func readLayer(fsys fs.FS, name string) ([]gjFeature, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var fc struct {
		Features []gjFeature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	for i, f := range fc.Features {
		if f.Geometry.Type != "MultiPolygon" {
			return nil, fmt.Errorf("decode %s: feature %d: geometry %q, want MultiPolygon", name, i, f.Geometry.Type)
		}
		if err := f.shape().Valid(); err != nil {
			return nil, fmt.Errorf("decode %s: feature %d: %w", name, i, err)
		}
	}
	return fc.Features, nil
}

func (f gjFeature) shape() geo.MultiPolygon {
	mp := make(geo.MultiPolygon, len(f.Geometry.Coordinates))
	for i, pg := range f.Geometry.Coordinates {
		mp[i] = make(geo.Polygon, len(pg))
		for j, r := range pg {
			ring := make(geo.Ring, len(r))
			for k, c := range r {
				ring[k] = geo.LonLat{Lon: geo.Degrees(c[0]), Lat: geo.Degrees(c[1])}
			}
			mp[i][j] = ring
		}
	}
	return mp
}

// sovereigns maps the EEZ layer's sovereign names to partners.
var sovereigns = map[string]nation.Nation{"Japan": nation.JP, "South Korea": nation.KR, "United States": nation.US}

// countryOf gives the ISO alpha-3 code used for a partner's zones.
var countryOf = map[nation.Nation]string{nation.JP: "JPN", nation.KR: "KOR", nation.US: "USA"}

// Load builds an atlas from a directory laid out as package [geodata]
// (regions_jp.geojson and the rest); [Default] uses the embedded copy.
func Load(fsys fs.FS) (*Atlas, error) {
	a := &Atlas{
		ix:       newIndex(),
		byID:     map[string]*Region{},
		byNation: map[nation.Nation][]*Region{},
		ts:       map[nation.Nation]int{},
	}
	for _, l := range []struct {
		file string
		n    nation.Nation
	}{{"regions_jp.geojson", nation.JP}, {"regions_kr.geojson", nation.KR}, {"regions_us.geojson", nation.US}} {
		feats, err := readLayer(fsys, l.file)
		if err != nil {
			return nil, err
		}
		for _, f := range feats {
			p := f.Properties
			r := &Region{
				ID: p["id"], Nation: l.n, Code: p["code"],
				Name:  Names{Ja: p["name_ja"], Ko: p["name_ko"], En: p["name_en"]},
				Shape: f.shape(),
			}
			if r.ID == "" || r.Code == "" || r.Name.En == "" || a.byID[r.ID] != nil {
				return nil, fmt.Errorf("decode %s: region %q: missing or repeated id, code or English name", l.file, r.ID)
			}
			r.idx = len(a.regions)
			a.regions = append(a.regions, r)
			a.byID[r.ID] = r
			a.byNation[l.n] = append(a.byNation[l.n], r)
		}
	}

	eezs, err := readLayer(fsys, "eez.geojson")
	if err != nil {
		return nil, err
	}
	// Disputed areas: find their maritime polygons and the islands each
	// claimant's own data puts in them (the package doc explains the views).
	a.disputes = knownDisputes()
	eezShape := map[int]geo.MultiPolygon{}
	for _, f := range eezs {
		id, _ := strconv.Atoi(f.Properties["mrgid"])
		eezShape[id] = f.shape()
	}
	for _, d := range a.disputes {
		area, ok := eezShape[d.mrgid]
		if !ok {
			return nil, fmt.Errorf("geodata: disputed area %s (mrgid %d) missing from eez.geojson", d.name, d.mrgid)
		}
		for _, c := range d.claims {
			src := a.byID[c.region]
			if src == nil {
				return nil, fmt.Errorf("geodata: disputed area %s: no region %s", d.name, c.region)
			}
			for _, pg := range src.Shape {
				if mostlyInside(area, pg[0]) {
					c.islands = append(c.islands, pg)
				}
			}
			if len(c.islands) == 0 {
				return nil, fmt.Errorf("geodata: disputed area %s: no island of %s inside it", d.name, c.region)
			}
		}
	}

	for _, r := range a.regions {
		r.Bounds = r.Shape.Bounds()
		r.shape = a.ix.add(r.Shape)
		a.shapes = append(a.shapes, shapeInfo{layer: layerRegion, country: countryOf[r.Nation], nation: r.Nation, region: r})
	}
	land, err := readLayer(fsys, "land_other.geojson")
	if err != nil {
		return nil, err
	}
	for _, f := range land {
		a.ix.add(f.shape())
		a.shapes = append(a.shapes, shapeInfo{layer: layerLand, country: f.Properties["iso_a3"]})
	}
	seas, err := readLayer(fsys, "territorial_sea.geojson")
	if err != nil {
		return nil, err
	}
	for _, f := range seas {
		iso := f.Properties["iso_a3"]
		info := shapeInfo{layer: layerSea, country: iso}
		for n, c := range countryOf {
			if c == iso {
				info.nation = n
				a.ts[n] = len(a.shapes)
			}
		}
		a.ix.add(f.shape())
		a.shapes = append(a.shapes, info)
	}
	for _, n := range nation.Nations {
		if _, ok := a.ts[n]; !ok {
			return nil, fmt.Errorf("geodata: no territorial sea for %s", n)
		}
	}
	for _, f := range eezs {
		p := f.Properties
		id, _ := strconv.Atoi(p["mrgid"])
		e := &eezInfo{mrgid: id, name: p["geoname"], polType: p["pol_type"], country: p["iso_ter1"]}
		for _, k := range []string{"sovereign1", "sovereign2", "sovereign3"} {
			if n, ok := sovereigns[p[k]]; ok {
				e.parties = append(e.parties, n)
			}
		}
		for _, d := range a.disputes {
			if d.mrgid == id {
				e.dispute = d
			}
		}
		a.ix.add(f.shape())
		a.shapes = append(a.shapes, shapeInfo{layer: layerEEZ, country: e.country, eez: e})
	}
	for _, d := range a.disputes {
		for _, c := range d.claims {
			c.shape = a.ix.add(c.islands)
			a.shapes = append(a.shapes, shapeInfo{layer: layerClaim, nation: c.nation, claim: d})
		}
	}
	a.ix.build()
	a.markLimits()
	return a, nil
}

// mostlyInside reports whether at least half the vertices of r are inside
// mp. The disputed areas' maritime polygons are coarse and cut through the
// larger islands (Etorofu, Kunashiri), so "all" would miss them; no
// undisputed island has half its coast inside one.
func mostlyInside(mp geo.MultiPolygon, r geo.Ring) bool {
	n := 0
	for _, v := range r {
		if mp.Contains(geo.LLA{Lat: v.Lat, Lon: v.Lon}) {
			n++
		}
	}
	return 2*n >= len(r)
}

// markLimits flags the EEZ layer's edges that are sea limits rather than
// its (coarse) coastline: those whose midpoint is outside every country's
// land and territorial sea.
func (a *Atlas) markLimits() {
	ix := a.ix
	ix.mark = make([]bool, len(ix.segs))
	for _, e := range ix.ents {
		if a.shapes[e.shape].layer != layerEEZ {
			continue
		}
		for k := e.lo; k < e.hi; k++ {
			s := ix.segs[k]
			mx, my := (s.ax+s.bx)/2, (s.ay+s.by)/2
			limit := true
			ix.locate(my, mx, func(sh int) bool {
				if l := a.shapes[sh].layer; l == layerSea || l == layerLand || l == layerRegion {
					limit = false
					return false
				}
				return true
			})
			ix.mark[k] = limit
		}
	}
}

// Regions returns the regions of n in code order (JIS, KOSTAT, FIPS), or
// every region if n is NationUnknown. The slice must not be modified.
func (a *Atlas) Regions(n nation.Nation) []*Region {
	if n == nation.NationUnknown {
		return a.regions
	}
	return a.byNation[n]
}

// Region returns the region with the given ISO 3166-2 ID, or nil.
func (a *Atlas) Region(id string) *Region { return a.byID[id] }
