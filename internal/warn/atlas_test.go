package warn_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
)

func at(lat, lon float64) geo.LLA { return geo.LLA{Lat: geo.Degrees(lat), Lon: geo.Degrees(lon)} }

func TestRegions(t *testing.T) {
	a := warn.Default()
	for _, tt := range []struct {
		n    nation.Nation
		want int
	}{{nation.JP, 47}, {nation.KR, 17}, {nation.US, 56}} {
		if got := len(a.Regions(tt.n)); got != tt.want {
			t.Errorf("%s: %d regions, want %d", tt.n, got, tt.want)
		}
	}
	if got, want := len(a.Regions(nation.NationUnknown)), 47+17+56; got != want {
		t.Errorf("all: %d regions, want %d", got, want)
	}
	for _, tt := range []struct {
		id, code   string
		n          nation.Nation
		ja, ko, en string
	}{
		{"JP-01", "01", nation.JP, "北海道", "홋카이도", "Hokkaido"},
		{"JP-02", "02", nation.JP, "青森県", "아오모리현", "Aomori"},
		{"JP-13", "13", nation.JP, "東京都", "도쿄도", "Tokyo"},
		{"JP-47", "47", nation.JP, "沖縄県", "오키나와현", "Okinawa"},
		{"KR-11", "11", nation.KR, "ソウル特別市", "서울특별시", "Seoul"},
		{"KR-42", "32", nation.KR, "江原特別自治道", "강원특별자치도", "Gangwon State"},
		{"KR-47", "37", nation.KR, "慶尚北道", "경상북도", "Gyeongsangbuk-do"},
		{"US-GU", "66", nation.US, "グアム", "괌", "Guam"},
		{"US-MP", "69", nation.US, "北マリアナ諸島", "북마리아나 제도", "Northern Mariana Islands"},
		{"US-HI", "15", nation.US, "ハワイ州", "하와이주", "Hawaii"},
		{"US-AK", "02", nation.US, "アラスカ州", "알래스카주", "Alaska"},
		{"US-TX", "48", nation.US, "Texas", "Texas", "Texas"}, // no exonym: English
	} {
		t.Run(tt.id, func(t *testing.T) {
			r := a.Region(tt.id)
			if r == nil {
				t.Fatalf("Region(%q) = nil", tt.id)
			}
			if r.Code != tt.code || r.Nation != tt.n {
				t.Errorf("code %q nation %s, want %q %s", r.Code, r.Nation, tt.code, tt.n)
			}
			for l, want := range map[warn.Lang]string{warn.Ja: tt.ja, warn.Ko: tt.ko, warn.En: tt.en} {
				if got := r.Name.In(l); got != want {
					t.Errorf("name in %s = %q, want %q", l, got, want)
				}
			}
			if err := r.Shape.Valid(); err != nil {
				t.Errorf("shape: %v", err)
			}
		})
	}
	if a.Region("JP-48") != nil {
		t.Error("Region(JP-48) is not nil")
	}
}

func TestGeocodes(t *testing.T) {
	a := warn.Default()
	for _, tt := range []struct {
		id   string
		want [][2]string
	}{
		{"JP-02", [][2]string{{"ISO 3166-2", "JP-02"}, {"JIS X 0401", "02"}}},
		{"KR-47", [][2]string{{"ISO 3166-2", "KR-47"}, {"KOSTAT", "37"}}},
		{"US-GU", [][2]string{{"ISO 3166-2", "US-GU"}, {"FIPS", "66"}, {"SAME", "066000"}}},
	} {
		if got := a.Region(tt.id).Geocodes(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Geocodes() = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestZone checks the README's sample points and the disputed areas in
// each view.
func TestZone(t *testing.T) {
	a := warn.Default()
	type zone struct {
		n        nation.Nation
		kind     warn.Kind
		region   string
		disputed bool
	}
	for _, tt := range []struct {
		name     string
		p        geo.LLA
		neutral  zone
		jp, kr   zone
		country  string // neutral Country
		nearEdge bool
	}{
		{name: "tokyo", p: at(35.6812, 139.7671), neutral: zone{nation.JP, warn.Land, "JP-13", false}, country: "JPN"},
		{name: "off_nojima_17km", p: at(34.75, 139.95), neutral: zone{nation.JP, warn.TerritorialSea, "JP-12", false}, country: "JPN"},
		{name: "off_nojima_38km", p: at(34.6, 140.1), neutral: zone{nation.JP, warn.EEZ, "", false}, country: "JPN"},
		{name: "east_of_choshi_100km", p: at(35.73, 141.94), neutral: zone{nation.JP, warn.EEZ, "", false}, country: "JPN"},
		{name: "sea_of_japan", p: at(40.78, 137.77), neutral: zone{nation.JP, warn.EEZ, "", false}, country: "JPN"},
		{name: "lofted_icbm_impact", p: at(41.0, 137.0), neutral: zone{nation.JP, warn.EEZ, "", false}, country: "JPN"},
		{name: "aomori", p: at(40.8244, 140.74), neutral: zone{nation.JP, warn.Land, "JP-02", false}, country: "JPN"},
		{name: "nemuro", p: at(43.33, 145.58), neutral: zone{nation.JP, warn.Land, "JP-01", false}, country: "JPN"},
		{name: "seoul", p: at(37.5665, 126.978), neutral: zone{nation.KR, warn.Land, "KR-11", false}, country: "KOR"},
		{name: "ulleungdo", p: at(37.5, 130.87), neutral: zone{nation.KR, warn.Land, "KR-47", false}, country: "KOR"},
		{name: "hagatna", p: at(13.4745, 144.7504), neutral: zone{nation.US, warn.Land, "US-GU", false}, country: "USA"},
		{name: "saipan", p: at(15.18, 145.75), neutral: zone{nation.US, warn.Land, "US-MP", false}, country: "USA"},
		{name: "honolulu", p: at(21.3069, -157.8583), neutral: zone{nation.US, warn.Land, "US-HI", false}, country: "USA"},
		{name: "anchorage", p: at(61.2181, -149.9003), neutral: zone{nation.US, warn.Land, "US-AK", false}, country: "USA"},
		{name: "pyongyang", p: at(39.0392, 125.7625), neutral: zone{nation.NationUnknown, warn.Land, "", false}, country: "PRK"},
		{name: "vladivostok", p: at(43.1155, 131.8855), neutral: zone{nation.NationUnknown, warn.Land, "", false}, country: "RUS"},
		{name: "far_pacific", p: at(32.2, 177.4), neutral: zone{nation.NationUnknown, warn.HighSeas, "", false}},
		{name: "outside_window", p: at(0, 0), neutral: zone{nation.NationUnknown, warn.HighSeas, "", false}},
		// Disputed areas: de facto for the neutral view, each claimant's own.
		{name: "takeshima", p: at(37.2417, 131.8667),
			neutral: zone{nation.KR, warn.Land, "KR-47", true}, country: "KOR",
			jp: zone{nation.JP, warn.Land, "JP-32", true}, kr: zone{nation.KR, warn.TerritorialSea, "KR-47", true}},
		{name: "takeshima_5km", p: at(37.2, 131.9),
			neutral: zone{nation.KR, warn.TerritorialSea, "KR-47", true}, country: "KOR",
			jp: zone{nation.JP, warn.TerritorialSea, "JP-32", true}, kr: zone{nation.KR, warn.TerritorialSea, "KR-47", true}},
		{name: "kunashiri", p: at(44.3, 146.3),
			neutral: zone{nation.NationUnknown, warn.Land, "", true}, country: "RUS",
			jp: zone{nation.JP, warn.Land, "JP-01", true}, kr: zone{nation.NationUnknown, warn.Land, "", true}},
		{name: "off_etorofu", p: at(45.0, 147.7),
			neutral: zone{nation.NationUnknown, warn.TerritorialSea, "", true}, country: "RUS",
			jp: zone{nation.JP, warn.TerritorialSea, "JP-01", true}},
		{name: "uotsuri", p: at(25.7435, 123.4737),
			neutral: zone{nation.JP, warn.Land, "JP-47", true}, country: "JPN",
			jp: zone{nation.JP, warn.Land, "JP-47", true}, kr: zone{nation.JP, warn.Land, "JP-47", true}},
		{name: "off_uotsuri", p: at(25.8, 123.55),
			neutral: zone{nation.JP, warn.TerritorialSea, "JP-47", true}, country: "JPN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check := func(view string, z warn.Zone, want zone) {
				t.Helper()
				region := ""
				if z.Region != nil {
					region = z.Region.ID
				}
				got := zone{z.Nation, z.Kind, region, z.Disputed}
				if got != want {
					t.Errorf("%s view: got %+v (%v), want %+v", view, got, z, want)
				}
			}
			z := a.Zone(tt.p)
			check("neutral", z, tt.neutral)
			if z.Country != tt.country {
				t.Errorf("neutral Country = %q, want %q", z.Country, tt.country)
			}
			if tt.jp.kind != warn.KindUnknown {
				check("jp", a.ZoneFor(nation.JP, tt.p), tt.jp)
			}
			if tt.kr.kind != warn.KindUnknown {
				check("kr", a.ZoneFor(nation.KR, tt.p), tt.kr)
			}
		})
	}
}

func TestZoneJointAndNearLimit(t *testing.T) {
	a := warn.Default()
	// The 1974 Japan–Korea joint development zone: each party's EEZ.
	jdz := at(30.5, 127.5)
	for _, n := range []nation.Nation{nation.JP, nation.KR} {
		z := a.ZoneFor(n, jdz)
		if z.Nation != n || z.Kind != warn.EEZ || !z.Joint {
			t.Errorf("%s view of the joint zone: %+v, want its own joint EEZ", n, z)
		}
	}
	if z := a.Zone(jdz); z.Nation != nation.NationUnknown || !z.Joint || len(z.Claimants) != 2 {
		t.Errorf("neutral view of the joint zone: %+v, want no nation, joint, two claimants", z)
	}
	// Find Japan's EEZ limit along 35°N east of Honshu by bisection, then
	// check the 20 km band round it.
	lo, hi := 144.0, 165.0
	if a.Zone(at(35, lo)).Kind != warn.EEZ || a.Zone(at(35, hi)).Kind != warn.HighSeas {
		t.Fatalf("35°N: %v at %v°E and %v at %v°E, want EEZ then high seas", a.Zone(at(35, lo)), lo, a.Zone(at(35, hi)), hi)
	}
	for hi-lo > 1e-4 {
		mid := (lo + hi) / 2
		if a.Zone(at(35, mid)).Kind == warn.EEZ {
			lo = mid
		} else {
			hi = mid
		}
	}
	t.Logf("Japan's EEZ limit at 35°N: %.3f°E", lo)
	for _, tt := range []struct {
		dKm  float64
		kind warn.Kind
		near bool
	}{{-40, warn.EEZ, false}, {-10, warn.EEZ, true}, {10, warn.HighSeas, true}, {40, warn.HighSeas, false}} {
		p, _ := geo.Direct(at(35, lo), 90, geo.Meters(tt.dKm*1000))
		z := a.Zone(p)
		if z.Kind != tt.kind || z.NearLimit != tt.near {
			t.Errorf("%+.0f km from the limit: %v, want %v near=%v", tt.dKm, z, tt.kind, tt.near)
		}
	}
}

// TestLocateMatchesGeo checks the grid index against geo's exact
// point-in-polygon on random points in each Japanese and Korean region's
// box (seeded).
func TestLocateMatchesGeo(t *testing.T) {
	a := warn.Default()
	rng := rand.New(rand.NewPCG(1, 2))
	regions := append(slices.Clone(a.Regions(nation.JP)), a.Regions(nation.KR)...)
	regions = append(regions, a.Region("US-GU"), a.Region("US-HI"))
	n := 0
	for _, r := range regions {
		b := r.Bounds
		for range 40 {
			p := at(float64(b.MinLat)+rng.Float64()*float64(b.MaxLat-b.MinLat),
				float64(b.MinLon)+rng.Float64()*float64(b.MaxLon-b.MinLon))
			want := r.Shape.Contains(p)
			got := a.LocateFor(r.Nation, p) == r
			if got != want {
				t.Errorf("%s at %v: index says %v, geo says %v", r.ID, p, got, want)
			}
			if want {
				n++
			}
		}
	}
	if n < 500 {
		t.Errorf("only %d points fell inside; the test is too weak", n)
	}
}

func TestKindText(t *testing.T) {
	for _, k := range []warn.Kind{warn.Land, warn.TerritorialSea, warn.EEZ, warn.HighSeas} {
		b, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back warn.Kind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("%v: round trip gave %v, %v", k, back, err)
		}
	}
	if _, err := warn.KindUnknown.MarshalText(); err == nil {
		t.Error("KindUnknown marshals")
	}
	var k warn.Kind
	if err := k.UnmarshalText([]byte("ocean")); err == nil {
		t.Error(`UnmarshalText("ocean") succeeded`)
	}
}
