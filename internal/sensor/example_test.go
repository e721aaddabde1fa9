package sensor_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// A missile 300 km over the Sea of Japan, seen by the built-in network.
func ExampleSensor_Observe() {
	truth := sensor.Truth{
		T:      time.Date(2022, 10, 3, 22, 26, 0, 0, time.UTC),
		Pos:    geo.LLA{Lat: 40.5, Lon: 133.0, Alt: 300e3}.ECEF(),
		Object: "M1",
	}
	rng := rand.New(rand.NewPCG(1, 2)) // seeded: the same plots every run
	net := sensor.DefaultNetwork()
	for i := range net {
		s := &net[i]
		if !s.Covers(truth) {
			fmt.Printf("%-18s out of coverage\n", s.ID)
			continue
		}
		m, ok := s.Observe(truth, rng)
		if !ok {
			fmt.Printf("%-18s missed (Pd %.2f)\n", s.ID, s.Pd)
			continue
		}
		fmt.Printf("%-18s %s range %4.0f km, az %5.1f°, el %4.1f°\n",
			s.ID, m.Nation, m.Radar.Range/1e3, m.Radar.Az, m.Radar.El)
	}
	// Output:
	// tpy2-shariki       us range  702 km, az 268.4°, el 22.4°
	// tpy2-kyogamisaki   us range  646 km, az 340.4°, el 25.1°
	// aegis-jp-north     missed (Pd 0.90)
	// aegis-jp-west      jp range  456 km, az 352.8°, el 39.4°
	// fps5-shimokoshiki  out of coverage
	// fps5-sado          jp range  627 km, az 299.9°, el 26.2°
	// greenpine-central  kr range  731 km, az  46.7°, el 21.4°
	// greenpine-north    out of coverage
	// greenpine-busan    kr range  758 km, az  29.2°, el 20.3°
	// aegis-kr-east      kr range  526 km, az  37.2°, el 32.8°
	// sbirs-geo-pacific  out of coverage
	// sbirs-geo-indian   out of coverage
}

func ExampleDecode() {
	b := []byte(`{"kind":"radar","sensor":"greenpine-central","nation":"kr",
		"time":"2022-10-03T22:22:41.5Z","seq":3,
		"radar":{"site":{"lat_deg":36.6,"lon_deg":127.4,"alt_m":150},
		"range_m":351000.5,"az_deg":341.125,"el_deg":2.5,
		"sigma":{"range_m":50,"az_deg":0.1146,"el_deg":0.1146}}}`)
	m, err := sensor.Decode(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Kind, m.Sensor, m.Nation, m.Time.Format(time.RFC3339Nano), m.Seq, m.Dim())

	// Outside input is checked field by field.
	_, err = sensor.Decode([]byte(`{"kind":"radar","sensor":"greenpine-central","nation":"kp"}`))
	fmt.Println(err)

	// Encoding gives the wire format back.
	out, _ := json.Marshal(m)
	fmt.Println(len(out) > 0)
	// Output:
	// radar greenpine-central kr 2022-10-03T22:22:41.5Z 3 3
	// decode measurement: nation: unknown nation (want jp, kr or us): "kp"
	// true
}
