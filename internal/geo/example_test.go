package geo_test

import (
	"fmt"

	"github.com/trilink/trilink/internal/geo"
)

// The figures in these examples agree with GeographicLib 2.1.2's
// CartConvert and GeodSolve.

func ExampleLLA_ECEF() {
	// A radar site near Kyoto, 200 m above the ellipsoid.
	site := geo.LLA{Lat: 35.0, Lon: 135.0, Alt: 200}
	e := site.ECEF()
	fmt.Printf("ECEF: %.3f %.3f %.3f m\n", e.X, e.Y, e.Z)

	back := e.LLA()
	fmt.Printf("back: %.9f %.9f %.6f\n", back.Lat, back.Lon, back.Alt)
	// Output:
	// ECEF: -3698586.133 3698586.133 3637981.625 m
	// back: 35.000000000 135.000000000 200.000000
}

func ExampleAER() {
	radar := geo.LLA{Lat: 35.0, Lon: 135.0, Alt: 200}
	// An object 500 km up over the Sea of Japan.
	target := geo.LLA{Lat: 39.0, Lon: 134.0, Alt: 500e3}.ECEF()
	az, el, rng := geo.AER(radar, target)
	fmt.Printf("azimuth %.2f°, elevation %.2f°, range %.1f km\n", az, el, rng/1000)
	// Output:
	// azimuth 348.96°, elevation 44.68°, range 686.1 km
}

func ExampleInverse() {
	pyongyang := geo.LLA{Lat: 39.0392, Lon: 125.7625}
	guam := geo.LLA{Lat: 13.4443, Lon: 144.7937}
	dist, azi1, azi2 := geo.Inverse(pyongyang, guam)
	fmt.Printf("%.3f km, leaving at %.4f°, arriving at %.4f°\n", dist/1000, azi1, azi2)
	// Output:
	// 3398.049 km, leaving at 141.3477°, arriving at 150.0415°
}

func ExampleDirect() {
	start := geo.LLA{Lat: 40.0, Lon: 127.0}
	p, azi := geo.Direct(start, 80, 1000e3)
	fmt.Printf("%.6f %.6f, heading %.4f°\n", p.Lat, p.Lon, azi)
	// Output:
	// 40.973998 138.734588, heading 87.6347°
}

func ExampleMultiPolygon_Contains() {
	// A box over the Aleutians, written across the antimeridian.
	region := geo.MultiPolygon{{geo.Ring{
		{Lon: 170, Lat: 50}, {Lon: -170, Lat: 50}, {Lon: -170, Lat: 55}, {Lon: 170, Lat: 55}, {Lon: 170, Lat: 50},
	}}}
	fmt.Println(region.Contains(geo.LLA{Lat: 52, Lon: 179}))
	fmt.Println(region.Contains(geo.LLA{Lat: 52, Lon: -175}))
	fmt.Println(region.Contains(geo.LLA{Lat: 52, Lon: 160}))
	fmt.Printf("%.1f km\n", region.Distance(geo.LLA{Lat: 52, Lon: 168})/1000)
	fmt.Printf("%+v\n", region.Bounds())
	// Output:
	// true
	// true
	// false
	// 137.3 km
	// {MinLon:170 MinLat:50 MaxLon:190 MaxLat:55}
}
