package sensor_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
)

// launchAreas are North Korean launch sites named in public reporting.
var launchAreas = map[string]geo.LLA{
	"sunan":         {Lat: 39.20, Lon: 125.67},
	"sohae":         {Lat: 39.66, Lon: 124.70},
	"mupyong-ni":    {Lat: 40.61, Lon: 126.43},
	"sinpo":         {Lat: 40.02, Lon: 128.19},
	"tonghae":       {Lat: 40.85, Lon: 129.67},
	"wonsan":        {Lat: 39.17, Lon: 127.48},
	"kaechon":       {Lat: 39.70, Lon: 125.90},
	"east-coast-nk": {Lat: 41.80, Lon: 129.80},
}

func TestDefaultNetwork(t *testing.T) {
	net := sensor.DefaultNetwork()
	if len(net) != 12 {
		t.Errorf("got %d sensors, want 12", len(net))
	}
	ids := map[string]bool{}
	kinds := map[nation.Nation]map[sensor.Kind]int{}
	for i := range net {
		s := &net[i]
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
		if ids[s.ID] {
			t.Errorf("duplicate id %s", s.ID)
		}
		ids[s.ID] = true
		if s.Name == "" {
			t.Errorf("%s has no name", s.ID)
		}
		if kinds[s.Nation] == nil {
			kinds[s.Nation] = map[sensor.Kind]int{}
		}
		kinds[s.Nation][s.Kind]++
	}
	// Every nation has radars of its own (DESIGN.md §2 principle 5); the US
	// also has the infrared layer.
	for _, n := range nation.Nations {
		if kinds[n][sensor.KindRadar] < 2 {
			t.Errorf("%s owns %d radars, want at least 2", n, kinds[n][sensor.KindRadar])
		}
	}
	if kinds[nation.US][sensor.KindSpaceIR] < 2 {
		t.Errorf("the US owns %d space IR sensors, want 2 (stereo)", kinds[nation.US][sensor.KindSpaceIR])
	}

	// Sequence numbers start afresh on every call.
	a, b := sensor.DefaultNetwork(), sensor.DefaultNetwork()
	a[0].Pd = 0.123
	if b[0].Pd == 0.123 {
		t.Error("DefaultNetwork returns shared sensors")
	}
}

// TestDefaultNetworkSectors checks that every fixed-face array faces all
// of North Korea's launch areas.
func TestDefaultNetworkSectors(t *testing.T) {
	for _, s := range sensor.DefaultNetwork() {
		if s.Kind != sensor.KindRadar {
			continue
		}
		for name, p := range launchAreas {
			p.Alt = 400e3
			az, _, _ := geo.AER(s.Site, p.ECEF())
			if s.AzWidth > 0 {
				if d := math.Abs(math.Remainder(float64(az-s.AzCenter), 360)); d > float64(s.AzWidth)/2 {
					t.Errorf("%s (facing %.0f°) does not face %s at azimuth %.0f°", s.ID, s.AzCenter, name, az)
				}
			}
		}
	}
}

// TestDefaultNetworkSeesLaunches checks what the network sees of a launch
// from Sunan (tracking.md §3.8): Korean radars 300–400 km away see it at
// about 10 km; Japanese and US radars only once it climbs past ~100 km; the
// infrared satellites while it boosts.
func TestDefaultNetworkSeesLaunches(t *testing.T) {
	net := sensor.DefaultNetwork()
	at := func(alt geo.Meters, boosting bool) sensor.Truth {
		p := launchAreas["sunan"]
		p.Alt = alt
		return sensor.Truth{T: launchTime, Pos: p.ECEF(), Vel: r3.Vec{}, Boosting: boosting}
	}
	seen := func(tr sensor.Truth) map[string]bool {
		out := map[string]bool{}
		for i := range net {
			if net[i].Covers(tr) {
				out[net[i].ID] = true
			}
		}
		return out
	}
	if low := seen(at(7e3, true)); low["greenpine-central"] || low["sbirs-geo-pacific"] {
		t.Errorf("at 7 km over Sunan, below greenpine-central's horizon (about 9 km at 0.5°) and the IR cloud floor (10 km), seen by %v", low)
	}
	low := seen(at(12e3, true))
	if !low["greenpine-central"] || !low["greenpine-north"] {
		t.Errorf("at 12 km over Sunan the central Green Pines do not see the missile; seen by %v", low)
	}
	for _, id := range []string{"tpy2-shariki", "tpy2-kyogamisaki", "fps5-sado"} {
		if low[id] {
			t.Errorf("%s sees 12 km over Sunan, below its horizon", id)
		}
	}
	mid := seen(at(40e3, true))
	for _, id := range []string{"sbirs-geo-pacific", "sbirs-geo-indian"} {
		if !mid[id] {
			t.Errorf("%s does not see a boosting missile 40 km over Sunan", id)
		}
	}
	if coast := seen(at(40e3, false)); coast["sbirs-geo-pacific"] {
		t.Error("space IR sees a missile that is not boosting")
	}
	high := seen(at(300e3, false))
	if high["aegis-jp-north"] {
		t.Error("aegis-jp-north sees Sunan, 935 km away, beyond its 800 km range")
	}
	for _, id := range []string{"tpy2-shariki", "tpy2-kyogamisaki", "aegis-jp-west", "aegis-kr-east", "greenpine-busan", "fps5-shimokoshiki"} {
		if !high[id] {
			t.Errorf("%s does not see the missile 300 km over Sunan", id)
		}
	}
}
