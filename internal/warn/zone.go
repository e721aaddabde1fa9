package warn

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// Kind is the kind of place a point is in. Its text form is used in
// `trilink analyze --json` ("land", "territorial_sea", "eez",
// "high_seas").
//
// The values are persisted: do not reorder.
type Kind int

const (
	KindUnknown    Kind = iota
	Land                // a country's land
	TerritorialSea      // internal waters or the 12-nm territorial sea
	EEZ                 // an exclusive economic zone (or a joint regime), outside the territorial sea
	HighSeas            // none of the above
)

var kindNames = [...]string{"unknown", "land", "territorial_sea", "eez", "high_seas"}

// String returns the text form ("territorial_sea"), or "unknown".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) {
	if k <= KindUnknown || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("warn: unknown zone kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	for i := 1; i < len(kindNames); i++ {
		if string(b) == kindNames[i] {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("warn: unknown zone kind %q", b)
}

// Zone says whose land or sea a point is in.
type Zone struct {
	// Nation is the partner whose land, territorial sea or EEZ it is, or
	// NationUnknown (another country's, or the high seas). In disputed
	// areas it follows the viewer's claim (see [Atlas.ZoneFor]) or, for
	// [Atlas.Zone], the state in de-facto control.
	Nation nation.Nation
	// Kind is land, territorial sea, EEZ or high seas.
	Kind Kind
	// Country is the ISO 3166-1 alpha-3 code of the state whose land or
	// sea it is ("JPN", "PRK", "RUS"; "USA" for US territories), or "" on
	// the high seas.
	Country string
	// Region is the partner region: the one whose land holds the point, or
	// for the territorial sea the region whose land is nearest (within
	// 60 km); nil otherwise.
	Region *Region
	// Joint marks a joint regime area (the 1974 Japan–Korea zone, the
	// US–Russia area); Nation is then the viewer if it is a party.
	Joint bool
	// Disputed marks a disputed area (Takeshima/Dokdo, the Northern
	// Territories/Southern Kurils, Senkaku).
	Disputed bool
	// Claimants are the partners that claim a disputed point (or are
	// parties to a joint regime).
	Claimants []nation.Nation
	// NearLimit marks an EEZ or high-seas answer within 20 km of an EEZ
	// limit: the EEZ layer is simplified and under-states outer limits by
	// up to about 20 km, so the answer there is not firm.
	NearLimit bool
}

// String returns a short description, such as "jp territorial_sea JP-02".
func (z Zone) String() string {
	s := z.Nation.String()
	if z.Nation == nation.NationUnknown {
		s = "none"
		if z.Country != "" {
			s = z.Country
		}
	}
	s += " " + z.Kind.String()
	if z.Region != nil {
		s += " " + z.Region.ID
	}
	if z.Disputed {
		s += " (disputed)"
	}
	if z.NearLimit {
		s += " (near EEZ limit)"
	}
	return s
}

// Territorial-sea and EEZ distances, metres.
const (
	territorialSea = 12 * 1852.0 // UNCLOS art. 3
	tsAttribution  = 60e3        // territorial sea → nearest region
	nearLimit      = 20e3        // EEZ layer accuracy (geodata README §3)
)

// dispute is a disputed area and each partner's view of it.
type dispute struct {
	name    string
	mrgid   int           // its maritime polygon in the EEZ layer
	deFacto nation.Nation // the partner in de-facto control, or NationUnknown
	country string        // ISO alpha-3 of the state in de-facto control
	claims  []*claim
}

// claim is one partner's claim to a disputed area's islands.
type claim struct {
	nation  nation.Nation
	region  string // the region whose data holds the islands in this view
	islands geo.MultiPolygon
	shape   int
}

// knownDisputes lists the disputed areas of the theatre and the views
// applied; the package documentation explains them.
func knownDisputes() []*dispute {
	return []*dispute{
		{name: "Takeshima/Dokdo", mrgid: 48955, deFacto: nation.KR, country: "KOR", claims: []*claim{
			{nation: nation.KR, region: "KR-47"},
			{nation: nation.JP, region: "JP-32"},
		}},
		{name: "Northern Territories/Southern Kurils", mrgid: 48950, deFacto: nation.NationUnknown, country: "RUS", claims: []*claim{
			{nation: nation.JP, region: "JP-01"},
		}},
		{name: "Senkaku", mrgid: 48954, deFacto: nation.JP, country: "JPN", claims: []*claim{
			{nation: nation.JP, region: "JP-47"},
		}},
	}
}

func (d *dispute) claimants() []nation.Nation {
	out := make([]nation.Nation, 0, len(d.claims))
	for _, c := range d.claims {
		out = append(out, c.nation)
	}
	return out
}

func (d *dispute) claimBy(n nation.Nation) *claim {
	for _, c := range d.claims {
		if c.nation == n {
			return c
		}
	}
	return nil
}

// Zone returns whose land or sea p is in, following de-facto control in
// disputed areas (as Natural Earth and OpenStreetMap do). Layers are tested
// in the order the geodata README prescribes: land (each partner's own
// regions, then other countries), then the territorial sea, then the EEZ.
// Points outside the theatre window (90°E eastward to 60°W, 30°S to 85°N)
// are high seas with no country.
func (a *Atlas) Zone(p geo.LLA) Zone { return a.ZoneFor(nation.NationUnknown, p) }

// ZoneFor returns whose land or sea p is in as viewer sees it: where viewer
// claims a disputed area, its land, its 12-nm territorial sea and its
// maritime area count as viewer's. A viewer of NationUnknown gives
// [Atlas.Zone]'s de-facto answer.
func (a *Atlas) ZoneFor(viewer nation.Nation, p geo.LLA) Zone {
	lat, lon := float64(p.Lat), float64(p.Lon)
	if z, ok := a.ownLandSea(viewer, lat, lon); ok {
		return a.withLimit(z, lat, lon)
	}

	// Land and territorial sea in de-facto terms.
	var z Zone
	var sea, land []int
	var eezs []*eezInfo
	a.ix.locate(lat, lon, func(s int) bool {
		switch info := a.shapes[s]; info.layer {
		case layerRegion, layerLand:
			land = append(land, s)
		case layerSea:
			sea = append(sea, s)
		case layerEEZ:
			eezs = append(eezs, info.eez)
		}
		return true
	})
	if d, ok := a.disputedIsland(lat, lon); ok {
		z = Zone{Nation: d.deFacto, Kind: Land, Country: d.country, Disputed: true, Claimants: d.claimants()}
		if c := d.claimBy(d.deFacto); c != nil {
			z.Region = a.byID[c.region]
		}
		return z
	}
	if len(land) > 0 {
		// Partner regions have the lower shape numbers, so they come first.
		info := a.shapes[land[0]]
		return Zone{Nation: info.nation, Kind: Land, Country: info.country, Region: info.region}
	}
	// OpenStreetMap's lines first (they follow de-facto control, and the
	// median lines between neighbouring islands), then the 12-nm sea of
	// disputed islands that no polygon covers (Senkaku).
	if len(sea) > 0 {
		info := a.shapes[sea[0]] // the layer's countries do not overlap
		z = Zone{Nation: info.nation, Kind: TerritorialSea, Country: info.country}
		if info.nation.Valid() {
			z.Region = a.nearestRegion(info.nation, lat, lon, tsAttribution)
		}
		if d, ok := a.disputedWaters(lat, lon); ok {
			z.Disputed, z.Claimants = true, d.claimants()
		}
		return z
	}
	if d, ok := a.disputedWaters(lat, lon); ok {
		z = Zone{Nation: d.deFacto, Kind: TerritorialSea, Country: d.country, Disputed: true, Claimants: d.claimants()}
		if c := d.claimBy(d.deFacto); c != nil {
			z.Region = a.byID[c.region]
		}
		return z
	}
	z = a.eezZone(viewer, eezs)
	return a.withLimit(z, lat, lon)
}

// ownLandSea returns viewer's land or territorial sea, in its own view:
// its regions' land (claimed islands included), then the 12-nm sea of its
// claimed disputed islands, then its territorial sea as OpenStreetMap draws
// it.
func (a *Atlas) ownLandSea(viewer nation.Nation, lat, lon float64) (Zone, bool) {
	if !viewer.Valid() {
		return Zone{}, false
	}
	country := countryOf[viewer]
	if r := a.LocateFor(viewer, geo.LLA{Lat: geo.Degrees(lat), Lon: geo.Degrees(lon)}); r != nil {
		z := Zone{Nation: viewer, Kind: Land, Country: country, Region: r}
		if d, ok := a.disputedIsland(lat, lon); ok && d.claimBy(viewer) != nil {
			z.Disputed, z.Claimants = true, d.claimants()
		}
		return z, true
	}
	for _, d := range a.disputes {
		if c := d.claimBy(viewer); c != nil && a.within(c.shape, lat, lon, territorialSea) {
			return Zone{Nation: viewer, Kind: TerritorialSea, Country: country, Region: a.byID[c.region],
				Disputed: true, Claimants: d.claimants()}, true
		}
	}
	if a.ix.contains(a.ts[viewer], lat, lon) {
		return Zone{Nation: viewer, Kind: TerritorialSea, Country: country,
			Region: a.nearestRegion(viewer, lat, lon, tsAttribution)}, true
	}
	return Zone{}, false
}

// disputedIsland returns the disputed area whose islands hold p.
func (a *Atlas) disputedIsland(lat, lon float64) (*dispute, bool) {
	for _, d := range a.disputes {
		for _, c := range d.claims {
			if a.ix.contains(c.shape, lat, lon) {
				return d, true
			}
		}
	}
	return nil, false
}

// disputedWaters returns the disputed area within 12 nm of whose islands p
// lies.
func (a *Atlas) disputedWaters(lat, lon float64) (*dispute, bool) {
	for _, d := range a.disputes {
		for _, c := range d.claims {
			if a.within(c.shape, lat, lon, territorialSea) {
				return d, true
			}
		}
	}
	return nil, false
}

// eezZone picks the answer from the EEZ features containing a point.
func (a *Atlas) eezZone(viewer nation.Nation, eezs []*eezInfo) Zone {
	// The viewer's own claims first, then the de-facto holder.
	for _, e := range eezs {
		for _, n := range e.parties {
			if n == viewer && viewer.Valid() {
				return a.eezAnswer(e, viewer)
			}
		}
	}
	if len(eezs) == 0 {
		return Zone{Kind: HighSeas}
	}
	// Otherwise the most specific feature: a disputed area, a joint
	// regime, a partner's zone, another country's.
	rank := func(e *eezInfo) int {
		switch {
		case e.dispute != nil:
			return 0
		case e.polType == "Joint regime":
			return 1
		case len(e.parties) > 0:
			return 2
		}
		return 3
	}
	e := eezs[0]
	for _, f := range eezs[1:] {
		if rank(f) < rank(e) {
			e = f
		}
	}
	switch {
	case e.dispute != nil:
		return a.eezAnswer(e, e.dispute.deFacto)
	case e.polType == "Joint regime" && len(e.parties) == 1:
		return a.eezAnswer(e, e.parties[0])
	case e.polType == "Joint regime":
		return a.eezAnswer(e, nation.NationUnknown)
	case len(e.parties) > 0:
		return a.eezAnswer(e, e.parties[0])
	}
	return Zone{Kind: EEZ, Country: e.country}
}

func (a *Atlas) eezAnswer(e *eezInfo, n nation.Nation) Zone {
	z := Zone{Nation: n, Kind: EEZ, Country: e.country, Joint: e.polType == "Joint regime"}
	switch {
	case n.Valid():
		z.Country = countryOf[n]
	case e.dispute != nil:
		z.Country = e.dispute.country
	}
	if e.dispute != nil {
		z.Disputed = true
		z.Claimants = e.dispute.claimants()
	} else if z.Joint {
		z.Claimants = append([]nation.Nation(nil), e.parties...)
	}
	return z
}

// withLimit sets NearLimit for EEZ and high-seas answers.
func (a *Atlas) withLimit(z Zone, lat, lon float64) Zone {
	if z.Kind != EEZ && z.Kind != HighSeas {
		return z
	}
	a.ix.nearestMarked(lat, lon, nearLimit, func(s int) bool { return a.shapes[s].layer == layerEEZ },
		func(int, float64, float64, float64) { z.NearLimit = true })
	return z
}

// within reports whether shape s is within d metres of p (inside counts).
func (a *Atlas) within(s int, lat, lon, d float64) bool {
	if a.ix.contains(s, lat, lon) {
		return true
	}
	hit := false
	a.ix.nearest(lat, lon, d, func(t int) bool { return t == s }, func(int, float64, float64, float64) { hit = true })
	return hit
}

// nearestRegion returns n's region whose land is nearest to p within rmax
// metres, or nil.
func (a *Atlas) nearestRegion(n nation.Nation, lat, lon, rmax float64) *Region {
	r, _, _ := a.nearestRegionPoint(n, lat, lon, rmax)
	return r
}

// nearestRegionPoint also returns the nearest point of its land.
func (a *Atlas) nearestRegionPoint(n nation.Nation, lat, lon, rmax float64) (*Region, geo.LLA, float64) {
	var best *Region
	var bp geo.LLA
	bd := math.Inf(1)
	a.ix.nearest(lat, lon, rmax, func(s int) bool {
		info := a.shapes[s]
		return info.layer == layerRegion && info.nation == n
	}, func(s int, d, x, y float64) {
		if d < bd {
			best, bd = a.shapes[s].region, d
			bp = geo.LLA{Lat: geo.Degrees(y), Lon: geo.NormalizeLon(geo.Degrees(x))}
		}
	})
	return best, bp, bd
}

// Locate returns the partner region whose land holds p, following de-facto
// control on disputed islands (Takeshima/Dokdo gives KR-47, the Northern
// Territories none), or nil.
func (a *Atlas) Locate(p geo.LLA) *Region {
	z := a.Zone(p)
	if z.Kind == Land {
		return z.Region
	}
	return nil
}

// LocateFor returns viewer's region whose land holds p in viewer's own
// view, or nil.
func (a *Atlas) LocateFor(viewer nation.Nation, p geo.LLA) *Region {
	var out *Region
	a.ix.locate(float64(p.Lat), float64(p.Lon), func(s int) bool {
		if info := a.shapes[s]; info.layer == layerRegion && info.nation == viewer {
			out = info.region
			return false
		}
		return true
	})
	return out
}

// ImpactZone returns [Atlas.Zone] of the point (lat, lon), in degrees, in
// the [Default] atlas: the "impact.zone" of `trilink analyze`.
func ImpactZone(lat, lon float64) Zone {
	return Default().Zone(geo.LLA{Lat: geo.Degrees(lat), Lon: geo.Degrees(lon)})
}

// ownRegionAt returns viewer's region whose land or territorial sea (in
// viewer's view; the sea attributed to the nearest region) holds the point,
// or nil. It is [Atlas.ZoneFor] cut down for sampling impact points.
func (a *Atlas) ownRegionAt(viewer nation.Nation, lat, lon float64) *Region {
	var land *Region
	inSea := false
	a.ix.locate(lat, lon, func(s int) bool {
		info := &a.shapes[s]
		switch {
		case info.layer == layerRegion && info.nation == viewer:
			land = info.region
			return false
		case s == a.ts[viewer]:
			inSea = true
		}
		return true
	})
	if land != nil {
		return land
	}
	x := frameX(lon)
	for _, d := range a.disputes {
		c := d.claimBy(viewer)
		if c == nil {
			continue
		}
		b := a.ix.shapes[c.shape].box
		dlon, dlat := degPerM(lat, territorialSea)
		if x < b[0]-dlon || x > b[2]+dlon || lat < b[1]-dlat || lat > b[3]+dlat {
			continue
		}
		if a.within(c.shape, lat, lon, territorialSea) {
			return a.byID[c.region]
		}
	}
	if inSea {
		return a.nearestRegion(viewer, lat, lon, tsAttribution)
	}
	return nil
}

// MarshalJSON writes the zone as `trilink analyze` reports it:
// {"nation":"jp|kr|us|none","kind":"land|territorial_sea|eez|high_seas"},
// plus country, region (ISO 3166-2), joint, disputed and near_limit when
// set.
func (z Zone) MarshalJSON() ([]byte, error) {
	n := "none"
	if z.Nation.Valid() {
		n = z.Nation.String()
	}
	out := struct {
		Nation    string `json:"nation"`
		Kind      string `json:"kind"`
		Country   string `json:"country,omitempty"`
		Region    string `json:"region,omitempty"`
		Joint     bool   `json:"joint,omitempty"`
		Disputed  bool   `json:"disputed,omitempty"`
		NearLimit bool   `json:"near_limit,omitempty"`
	}{Nation: n, Kind: z.Kind.String(), Country: z.Country, Joint: z.Joint, Disputed: z.Disputed, NearLimit: z.NearLimit}
	if z.Region != nil {
		out.Region = z.Region.ID
	}
	return json.Marshal(out)
}
