package warn_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/warntest"
)

func TestJSON(t *testing.T) {
	for _, tt := range []struct {
		lat, lon float64
		want     string
	}{
		{41, 137, `{"nation":"jp","kind":"eez","country":"JPN"}`},
		{32.2, 177.4, `{"nation":"none","kind":"high_seas"}`},
		{39.04, 125.76, `{"nation":"none","kind":"land","country":"PRK"}`},
		{37.2417, 131.8667, `{"nation":"kr","kind":"land","country":"KOR","region":"KR-47","disputed":true}`},
	} {
		b, err := json.Marshal(warn.ImpactZone(tt.lat, tt.lon))
		if err != nil || string(b) != tt.want {
			t.Errorf("zone of %v, %v: %s, %v; want %s", tt.lat, tt.lon, b, err, tt.want)
		}
	}
	f := warntest.Overflight20221004()
	o := warn.Overflights(f.Path(0, 5*time.Second))
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"nation":"jp","region":"Aomori","region_id":"JP-02","enter":"2022-10-03T22:28:31.25Z","exit":"2022-10-03T22:29:25Z","min_altitude_km":704.5}]`
	if string(b) != want {
		t.Errorf("overflight JSON\n%s\nwant\n%s", b, want)
	}
}
