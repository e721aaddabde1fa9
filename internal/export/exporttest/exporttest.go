// Package exporttest makes deterministic synthetic launch events and
// warning areas for the tests and benchmarks of the export and cot
// packages.
package exporttest

import (
	"fmt"
	"math"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
)

// Launch describes a synthetic flight: from (Lat, Lon) at Time, along the
// geodesic at AzimuthDeg for RangeKm, its height a parabola peaking at
// ApogeeKm half-way.
type Launch struct {
	ID                  string
	Time                time.Time
	Lat, Lon            float64
	AzimuthDeg, RangeKm float64
	ApogeeKm            float64
	// TrackStep is the spacing of measured track points; 0 means 2 s.
	TrackStep time.Duration
}

// Seconds after launch of the first measurement, of the end of boost and
// of the first impact prediction.
const (
	DetectAfter   = 30
	BurnoutAfter  = 60
	PredictAfter  = 90
	launchErrorKm = 5
)

// FlightTime is the flight's duration: 240 s plus 0.45 s a km.
func (l Launch) FlightTime() time.Duration {
	return time.Duration((240 + 0.45*l.RangeKm) * float64(time.Second))
}

// posAt is the true position at s in [0, 1] of the flight.
func (l Launch) posAt(s float64) fusion.PathPoint {
	p, _ := geo.Direct(geo.LLA{Lat: geo.Degrees(l.Lat), Lon: geo.Degrees(l.Lon)}, geo.Degrees(l.AzimuthDeg), geo.Meters(s*l.RangeKm*1000))
	ft := l.FlightTime()
	return fusion.PathPoint{
		T:   l.Time.Add(time.Duration(s * float64(ft))).UTC(),
		Lat: float64(p.Lat), Lon: float64(p.Lon), AltKm: 4 * l.ApogeeKm * s * (1 - s),
	}
}

// At returns the event as the fused picture would show it at t: detected
// DetectAfter seconds after launch, an impact prediction (with an error
// and a 95 % ellipse that shrink as the flight goes on) from PredictAfter,
// impacted after the flight time. Before DetectAfter it returns an event
// in StateUnknown with no track.
func (l Launch) At(t time.Time) fusion.Event { return l.at(t, false) }

// Live is At without the predicted path and with only the last two track
// points (0.1 s apart): what a live gateway needs, cheap enough to make at
// a high rate.
func (l Launch) Live(t time.Time) fusion.Event { return l.at(t, true) }

func (l Launch) at(t time.Time, live bool) fusion.Event {
	ft := l.FlightTime()
	el := t.Sub(l.Time)
	step := l.TrackStep
	if step <= 0 {
		step = 2 * time.Second
	}
	ev := fusion.Event{ID: l.ID, Nations: []string{"jp", "kr", "us"}}
	if el < DetectAfter*time.Second {
		return ev
	}
	class := ballistic.SRBM
	switch {
	case l.RangeKm >= 5500:
		class = ballistic.ICBM
	case l.RangeKm >= 3000:
		class = ballistic.IRBM
	case l.RangeKm >= 1000:
		class = ballistic.MRBM
	}
	s := math.Min(float64(el)/float64(ft), 1)
	if live {
		end := min(el, ft)
		for _, d := range []time.Duration{end - 100*time.Millisecond, end} {
			ev.Track = append(ev.Track, l.posAt(float64(d)/float64(ft)))
		}
	} else {
		for d := DetectAfter * time.Second; d <= el && d <= ft; d += step {
			ev.Track = append(ev.Track, l.posAt(float64(d)/float64(ft)))
			ev.Measurements += 3
		}
	}
	ev.Estimate.Launch = fusion.Launch{Time: l.Time.UTC(), Lat: l.Lat + 0.01, Lon: l.Lon - 0.01, ErrorKm: launchErrorKm}
	switch {
	case el < BurnoutAfter*time.Second:
		ev.State = fusion.StateDetected
		return ev
	case el < PredictAfter*time.Second:
		ev.State = fusion.StateTracking
		ev.Estimate.Class = class
		return ev
	case el < ft:
		ev.State = fusion.StateImpactPredicted
	default:
		ev.State = fusion.StateImpacted
	}
	e := &ev.Estimate
	e.Class = class
	e.ApogeeKm, e.RangeKm, e.FlightTimeS = l.ApogeeKm, l.RangeKm, ft.Seconds()
	imp := l.posAt(1)
	miss := 0.2 * (1 - s) // degrees of error, shrinking
	e.Impact = fusion.Impact{Time: imp.T, Lat: imp.Lat + miss, Lon: imp.Lon - miss,
		Ellipse95: fusion.Ellipse{MajorKm: round(5 + 60*(1-s)), MinorKm: round(2 + 15*(1-s)), BearingDeg: math.Mod(l.AzimuthDeg+360, 180)}}
	if s < 1 && !live {
		for u := s; u < 1; u += 20 / ft.Seconds() {
			ev.Path = append(ev.Path, l.posAt(u))
		}
		ev.Path = append(ev.Path, imp)
	}
	return ev
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// Salvo returns n launches from the Korean peninsula's east coast fanned
// over azimuths 60–120°, 1 000–1 500 km, launched 10 s apart from t0, with
// IDs "E-salvo-01"….
func Salvo(n int, t0 time.Time) []Launch {
	ls := make([]Launch, n)
	for i := range ls {
		f := 0.0
		if n > 1 {
			f = float64(i) / float64(n-1)
		}
		ls[i] = Launch{
			ID:   fmt.Sprintf("E-salvo-%02d", i+1),
			Time: t0.Add(time.Duration(i) * 10 * time.Second),
			Lat:  39.0 + 0.1*float64(i%5), Lon: 127.5 + 0.05*float64(i%3),
			AzimuthDeg: 60 + 60*f, RangeKm: 1000 + 500*f, ApogeeKm: 400 + 100*f,
		}
	}
	return ls
}

// Overflight is a launch from near Pyongyang over northern Japan into the
// Pacific, like the flight of 4 October 2022 (4 600 km, apogee 970 km).
func Overflight(t0 time.Time) Launch {
	return Launch{ID: "E-overflight", Time: t0, Lat: 40.61, Lon: 126.43, AzimuthDeg: 82, RangeKm: 4600, ApogeeKm: 970, TrackStep: 20 * time.Second}
}

// Dateline is a launch that crosses the antimeridian (from the
// northwestern Pacific eastward).
func Dateline(t0 time.Time) Launch {
	return Launch{ID: "E-dateline", Time: t0, Lat: 45, Lon: 172, AzimuthDeg: 90, RangeKm: 1800, ApogeeKm: 500, TrackStep: 20 * time.Second}
}

// Areas returns three small warning areas: "JP-01" (a box with a lake as a
// hole; shelter), "JP-02" (two islands; passed) and "US-AK" (a box across
// the antimeridian, given with longitudes 175 to 185; all_clear).
func Areas() []export.Area {
	box := func(lon0, lat0, lon1, lat1 float64) geo.Ring {
		return geo.Ring{{Lon: geo.Degrees(lon0), Lat: geo.Degrees(lat0)}, {Lon: geo.Degrees(lon1), Lat: geo.Degrees(lat0)},
			{Lon: geo.Degrees(lon1), Lat: geo.Degrees(lat1)}, {Lon: geo.Degrees(lon0), Lat: geo.Degrees(lat1)}, {Lon: geo.Degrees(lon0), Lat: geo.Degrees(lat0)}}
	}
	rev := func(r geo.Ring) geo.Ring {
		out := make(geo.Ring, len(r))
		for i, v := range r {
			out[len(r)-1-i] = v
		}
		return out
	}
	return []export.Area{
		{Code: "JP-01", Name: map[string]string{"en": "Hokkaido", "ja": "北海道", "ko": "홋카이도"}, State: "shelter",
			Shape: geo.MultiPolygon{{rev(box(140, 42, 145, 45)), box(142, 43, 143, 44)}}}, // outer given clockwise, hole counterclockwise
		{Code: "JP-02", Name: map[string]string{"en": "Aomori", "ja": "青森県"}, State: "passed",
			Shape: geo.MultiPolygon{{box(140, 40.3, 141.6, 41.5)}, {box(141.7, 41.0, 141.9, 41.2)}}},
		{Code: "US-AK", Name: map[string]string{"en": "Alaska"}, State: "all_clear",
			Shape: geo.MultiPolygon{{box(175, 50, 185, 53)}}},
	}
}
