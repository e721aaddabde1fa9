// Package warntest builds hand-made predictions for tests of the warning
// engine and its users: synthetic ballistic flights whose ground track
// follows a geodesic and whose height is a parabola in range, with a boost
// phase that accelerates along the track.
package warntest

import (
	"math"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/warn"
)

// Flight is a synthetic flight.
type Flight struct {
	Launch     time.Time
	Site       geo.LLA
	AzimuthDeg float64       // initial azimuth of the ground track
	RangeKm    float64       // ground range to impact
	FlightTime time.Duration // launch to impact
	ApogeeKm   float64       // height at mid-range
	// BoostTime and BoostRangeKm shape the first part: the ground range
	// grows as t² until BoostTime, then uniformly.
	BoostTime    time.Duration
	BoostRangeKm float64
}

// Overflight20221004 is a flight like North Korea's IRBM of 2022-10-04:
// launched at 07:22 JST from 40.61°N 126.43°E on an azimuth of 85°, over
// Aomori between about 6.5 and 7.5 minutes after launch at 700–800 km, and
// down 4,600 km away in the Pacific 22 minutes after launch.
func Overflight20221004() Flight {
	return Flight{
		Launch:     time.Date(2022, 10, 3, 22, 22, 0, 0, time.UTC),
		Site:       geo.LLA{Lat: 40.61, Lon: 126.43},
		AzimuthDeg: 85, RangeKm: 4600, FlightTime: 22 * time.Minute, ApogeeKm: 970,
		BoostTime: 3 * time.Minute, BoostRangeKm: 300,
	}
}

// LoftedICBM is a lofted ICBM like those of 2017-11-29 and 2023: launched
// near Pyongyang, 6,000 km high, down after 70 minutes at 41.0°N 137.0°E,
// about 200 km west of Oshima-Oshima, inside Japan's EEZ.
func LoftedICBM() Flight {
	site := geo.LLA{Lat: 39.03, Lon: 125.75}
	target := geo.LLA{Lat: 41.0, Lon: 137.0}
	d, az, _ := geo.Inverse(site, target)
	return Flight{
		Launch: time.Date(2023, 7, 12, 1, 0, 0, 0, time.UTC),
		Site:   site, AzimuthDeg: float64(az), RangeKm: float64(d) / 1000,
		FlightTime: 70 * time.Minute, ApogeeKm: 6000,
		BoostTime: 5 * time.Minute, BoostRangeKm: 50,
	}
}

// rangeAt returns the ground range in metres t after launch.
func (f Flight) rangeAt(t time.Duration) float64 {
	s, tb, T := f.RangeKm*1000, f.BoostTime.Seconds(), f.FlightTime.Seconds()
	x := math.Min(math.Max(t.Seconds(), 0), T)
	if x < tb {
		return f.BoostRangeKm * 1000 * (x / tb) * (x / tb)
	}
	return f.BoostRangeKm*1000 + (s-f.BoostRangeKm*1000)*(x-tb)/(T-tb)
}

// At returns the flight's position t after launch.
func (f Flight) At(t time.Duration) warn.PathPoint {
	r := f.rangeAt(t)
	p, _ := geo.Direct(f.Site, geo.Degrees(f.AzimuthDeg), geo.Meters(r))
	u := r / (f.RangeKm * 1000)
	return warn.PathPoint{T: f.Launch.Add(t), Lat: float64(p.Lat), Lon: float64(p.Lon), AltKm: 4 * f.ApogeeKm * u * (1 - u)}
}

// Path returns the flight's points every step from from after launch to
// impact (the impact point included).
func (f Flight) Path(from, step time.Duration) []warn.PathPoint {
	var out []warn.PathPoint
	for t := from; t < f.FlightTime; t += step {
		out = append(out, f.At(t))
	}
	return append(out, f.At(f.FlightTime))
}

// Impact returns the impact with a 95 % ellipse of the given semi-axes,
// its major axis along the track.
func (f Flight) Impact(majorKm, minorKm float64) *warn.Impact {
	q := f.At(f.FlightTime)
	_, az := geo.Direct(f.Site, geo.Degrees(f.AzimuthDeg), geo.Meters(f.RangeKm*1000))
	return &warn.Impact{T: q.T, Lat: q.Lat, Lon: q.Lon, MajorKm: majorKm, MinorKm: minorKm, BearingDeg: float64(az)}
}

// Prediction returns the in-flight estimate made at t after launch: the
// path from then on, every 10 s, and an impact ellipse of the given size.
func (f Flight) Prediction(event string, t time.Duration, majorKm, minorKm float64) warn.Prediction {
	return warn.Prediction{
		Event: event, At: f.Launch.Add(t), Launch: f.Launch, Phase: warn.InFlight,
		Path: f.Path(t, 10*time.Second), Impact: f.Impact(majorKm, minorKm),
	}
}

// Landed returns the report that the object came down, made at t after
// launch.
func (f Flight) Landed(event string, t time.Duration) warn.Prediction {
	return warn.Prediction{
		Event: event, At: f.Launch.Add(t), Launch: f.Launch, Phase: warn.Impacted,
		Impact: f.Impact(2, 1),
	}
}

// Shifted returns the flight with its initial azimuth turned by
// dAzimuthDeg.
func (f Flight) Shifted(dAzimuthDeg float64) Flight {
	f.AzimuthDeg += dAzimuthDeg
	return f
}

// Shortened returns the flight cut to rangeKm of ground range, its flight
// time cut in proportion (the boost kept): an estimate that now falls
// short.
func (f Flight) Shortened(rangeKm float64) Flight {
	frac := (rangeKm - f.BoostRangeKm) / (f.RangeKm - f.BoostRangeKm)
	f.FlightTime = f.BoostTime + time.Duration(float64(f.FlightTime-f.BoostTime)*frac)
	f.RangeKm = rangeKm
	return f
}
