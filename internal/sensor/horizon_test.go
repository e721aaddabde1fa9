package sensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// TestHorizonAltitude reproduces the table of research/tracking.md §3.8
// (R = 6,371 km, values rounded to 0.1 km).
func TestHorizonAltitude(t *testing.T) {
	for _, tt := range []struct {
		groundKm               float64
		geomKm, k43Km, k43e1Km float64 // k=1 ε=0; k=4/3 ε=0; k=4/3 ε=1°
	}{
		{300, 7.1, 5.3, 10.5},
		{500, 19.7, 14.7, 23.5},
		{800, 50.6, 37.8, 51.9},
		{1000, 79.3, 59.2, 76.9},
		{1200, 114.7, 85.5, 106.8},
		{1500, 180.8, 134.2, 161.1},
		{2000, 327.4, 241.0, 277.7},
	} {
		t.Run(fmt.Sprintf("%.0fkm", tt.groundKm), func(t *testing.T) {
			s := geo.Meters(tt.groundKm * 1e3)
			for _, c := range []struct {
				k    float64
				eps  geo.Degrees
				want float64
			}{{1, 0, tt.geomKm}, {sensor.StandardRefraction, 0, tt.k43Km}, {sensor.StandardRefraction, 1, tt.k43e1Km}} {
				if got := float64(sensor.HorizonAltitude(s, c.eps, c.k)) / 1e3; math.Abs(got-c.want) > 0.06 {
					t.Errorf("HorizonAltitude(%g km, %g°, k=%.3f) = %.2f km, want %.1f", tt.groundKm, c.eps, c.k, got, c.want)
				}
			}
		})
	}
	if h := sensor.HorizonAltitude(20000e3, 0, 1); !math.IsInf(float64(h), 1) {
		t.Errorf("HorizonAltitude half way round the Earth = %g, want +Inf", h)
	}
}

// criticalAltitude returns the lowest altitude (to 0.1 m) above the point
// at ground distance s along azimuth az from site at which visible is true.
func criticalAltitude(site geo.LLA, az geo.Degrees, s geo.Meters, visible func(geo.ECEF) bool) float64 {
	p, _ := geo.Direct(site, az, s)
	lo, hi := 0.0, 3000e3
	for hi-lo > 0.1 {
		mid := (lo + hi) / 2
		p.Alt = geo.Meters(mid)
		if visible(p.ECEF()) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// clearOfEllipsoid reports, by brute force, whether the straight segment
// from a to b stays above the WGS-84 ellipsoid: it samples 2,000 points and
// converts each to geodetic height.
func clearOfEllipsoid(a, b geo.ECEF) bool {
	const n = 2000
	for i := 1; i < n; i++ {
		f := float64(i) / n
		p := geo.ECEF{X: a.X + f*(b.X-a.X), Y: a.Y + f*(b.Y-a.Y), Z: a.Z + f*(b.Z-a.Z)}
		if p.LLA().Alt < 0 {
			return false
		}
	}
	return true
}

// TestLineOfSightEllipsoid checks the osculating-sphere horizon against the
// ellipsoid itself: with k = 1 the lowest visible altitude must agree with a
// brute-force search along the straight ray to 0.05 % (measured: ≤ 0.04 %,
// at most 2 m), at latitudes 0–70° and in several directions. The sites
// are raised 1–3 km so that the ray grazes the Earth away from the site,
// where sampling finds it.
func TestLineOfSightEllipsoid(t *testing.T) {
	for _, site := range []geo.LLA{{Lat: 40.89, Lon: 140.33, Alt: 1000}, {Lat: 0, Lon: 0, Alt: 1000}, {Lat: 70, Lon: 10, Alt: 3000}} {
		for _, az := range []geo.Degrees{0, 45, 90} {
			for _, s := range []geo.Meters{400e3, 1500e3} {
				t.Run(fmt.Sprintf("%g_%g_%g_%gkm", site.Lat, site.Alt, az, s/1e3), func(t *testing.T) {
					got := criticalAltitude(site, az, s, func(p geo.ECEF) bool {
						_, clear := sensor.LineOfSight(site, p, 1)
						return clear
					})
					want := criticalAltitude(site, az, s, func(p geo.ECEF) bool {
						return clearOfEllipsoid(site.ECEF(), p)
					})
					if math.Abs(got-want) > 5e-4*want+0.2 {
						t.Errorf("lowest visible altitude %.1f m, ellipsoid %.1f m", got, want)
					}
				})
			}
		}
	}
}

// TestLineOfSightRefraction checks the 4/3-Earth horizon on the ellipsoid
// against the spherical formula of tracking.md §3.8. They differ only by the
// local radius of curvature, which on WGS 84 lies within −0.6 % … +0.5 % of
// the mean radius, so the lowest visible altitudes agree to 1 %.
func TestLineOfSightRefraction(t *testing.T) {
	for _, site := range []geo.LLA{{Lat: 40.89, Lon: 140.33}, {Lat: 0, Lon: 0}, {Lat: 70, Lon: 10}} {
		for _, az := range []geo.Degrees{0, 90} {
			for _, s := range []geo.Meters{300e3, 900e3, 1500e3} {
				for _, eps := range []geo.Degrees{0, 1} {
					got := criticalAltitude(site, az, s, func(p geo.ECEF) bool {
						el, clear := sensor.LineOfSight(site, p, sensor.StandardRefraction)
						return clear && el >= eps
					})
					want := float64(sensor.HorizonAltitude(s, eps, sensor.StandardRefraction))
					if math.Abs(got-want) > 0.01*want {
						t.Errorf("site %v az %g s %g km ε %g°: lowest visible %.0f m, spherical formula %.0f m", site, az, s/1e3, eps, got, want)
					}
				}
			}
		}
	}
}

// TestLineOfSightElevation checks that with k = 1 the elevation is the
// geometric one of geo.AER, and that refraction raises it.
func TestLineOfSightElevation(t *testing.T) {
	site := geo.LLA{Lat: 36.6, Lon: 127.4, Alt: 150}
	for _, p := range []geo.LLA{{Lat: 39.2, Lon: 125.67, Alt: 20e3}, {Lat: 41, Lon: 129, Alt: 300e3}, {Lat: 36.7, Lon: 127.4, Alt: 50e3}} {
		target := p.ECEF()
		_, want, _ := geo.AER(site, target)
		el, clear := sensor.LineOfSight(site, target, 1)
		if !clear || math.Abs(float64(el-want)) > 1e-9 {
			t.Errorf("target %v: k=1 elevation %.12f° (clear %v), geo.AER %.12f°", p, el, clear, want)
		}
		if el43, _ := sensor.LineOfSight(site, target, sensor.StandardRefraction); !(el43 > el) {
			t.Errorf("target %v: refracted elevation %.6f° not above geometric %.6f°", p, el43, el)
		}
	}
}
