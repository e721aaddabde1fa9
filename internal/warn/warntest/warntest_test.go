package warntest_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/warntest"
)

func TestFlights(t *testing.T) {
	for _, tt := range []struct {
		name     string
		f        warntest.Flight
		end      geo.LLA
		apogeeKm float64
	}{
		{"overflight_2022", warntest.Overflight20221004(), geo.LLA{Lat: 32.16, Lon: 177.37}, 970},
		{"lofted_icbm", warntest.LoftedICBM(), geo.LLA{Lat: 41.0, Lon: 137.0}, 6000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			start := f.At(0)
			if start.T != f.Launch || start.AltKm != 0 || math.Abs(start.Lat-float64(f.Site.Lat)) > 1e-9 {
				t.Errorf("at launch: %+v", start)
			}
			end := f.At(f.FlightTime)
			if d, _, _ := geo.Inverse(geo.LLA{Lat: geo.Degrees(end.Lat), Lon: geo.Degrees(end.Lon)}, tt.end); d > 2e3 || math.Abs(end.AltKm) > 1e-6 {
				t.Errorf("impact %+v is %.1f km from %v", end, d/1000, tt.end)
			}
			if mid := f.At(f.BoostTime + (f.FlightTime-f.BoostTime)/2); mid.AltKm < 0.9*tt.apogeeKm {
				t.Errorf("mid-flight height %.0f km, want near %v", mid.AltKm, tt.apogeeKm)
			}
			p := f.Prediction("E", time.Minute, 10, 5)
			if err := p.Validate(); err != nil {
				t.Errorf("Prediction: %v", err)
			}
			if err := f.Landed("E", f.FlightTime).Validate(); err != nil {
				t.Errorf("Landed: %v", err)
			}
		})
	}
	f := warntest.Overflight20221004()
	if s := f.Shortened(700); s.RangeKm != 700 || s.FlightTime >= f.FlightTime {
		t.Errorf("Shortened(700): %v km in %v", s.RangeKm, s.FlightTime)
	}
}

func ExampleFlight_Prediction() {
	f := warntest.Overflight20221004()
	p := f.Prediction("NK-20221004", time.Minute, 50, 20)
	fmt.Println(p.Phase, len(p.Path), "points")
	fmt.Printf("impact %.2f %.2f at +%v\n", p.Impact.Lat, p.Impact.Lon, p.Impact.T.Sub(f.Launch))
	fmt.Println(p.Validate() == nil, p.Phase == warn.InFlight)
	// Output:
	// in_flight 127 points
	// impact 32.16 177.37 at +22m0s
	// true true
}
