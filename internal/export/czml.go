package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
)

// CZML packets: only the properties this package writes, in a fixed order.
type (
	czPacket struct {
		ID           string      `json:"id"`
		Name         string      `json:"name,omitempty"`
		Version      string      `json:"version,omitempty"`
		Description  string      `json:"description,omitempty"`
		Clock        *czClock    `json:"clock,omitempty"`
		Availability string      `json:"availability,omitempty"`
		Position     *czPosition `json:"position,omitempty"`
		Point        *czPoint    `json:"point,omitempty"`
		Label        *czLabel    `json:"label,omitempty"`
		Path         *czPath     `json:"path,omitempty"`
		Polyline     *czPolyline `json:"polyline,omitempty"`
		Polygon      *czPolygon  `json:"polygon,omitempty"`
		Properties   any         `json:"properties,omitempty"`
	}
	czClock struct {
		Interval    string  `json:"interval"`
		CurrentTime string  `json:"currentTime"`
		Multiplier  float64 `json:"multiplier"`
		Range       string  `json:"range"`
		Step        string  `json:"step"`
	}
	czPosition struct {
		Epoch                  string    `json:"epoch,omitempty"`
		CartographicDegrees    []float64 `json:"cartographicDegrees"`
		InterpolationAlgorithm string    `json:"interpolationAlgorithm,omitempty"`
		InterpolationDegree    int       `json:"interpolationDegree,omitempty"`
	}
	czColor struct {
		RGBA [4]uint8 `json:"rgba"`
	}
	czMaterial struct {
		SolidColor struct {
			Color czColor `json:"color"`
		} `json:"solidColor"`
	}
	czPoint struct {
		PixelSize       float64  `json:"pixelSize"`
		Color           czColor  `json:"color"`
		OutlineColor    *czColor `json:"outlineColor,omitempty"`
		OutlineWidth    float64  `json:"outlineWidth,omitempty"`
		HeightReference string   `json:"heightReference,omitempty"`
	}
	czLabel struct {
		Text        string  `json:"text"`
		Font        string  `json:"font"`
		PixelOffset czCart2 `json:"pixelOffset"`
		FillColor   czColor `json:"fillColor"`
		Show        bool    `json:"show"`
	}
	czCart2 struct {
		Cartesian2 [2]float64 `json:"cartesian2"`
	}
	czPath struct {
		Material   czMaterial `json:"material"`
		Width      float64    `json:"width"`
		LeadTime   float64    `json:"leadTime"`
		TrailTime  float64    `json:"trailTime"`
		Resolution float64    `json:"resolution"`
	}
	czPositions struct {
		CartographicDegrees []float64 `json:"cartographicDegrees"`
	}
	czHoles struct {
		CartographicDegrees [][]float64 `json:"cartographicDegrees"`
	}
	czPolyline struct {
		Positions czPositions `json:"positions"`
		Material  czMaterial  `json:"material"`
		Width     float64     `json:"width"`
		ArcType   string      `json:"arcType"`
	}
	czPolygon struct {
		Positions    czPositions `json:"positions"`
		Holes        *czHoles    `json:"holes,omitempty"`
		Material     czMaterial  `json:"material"`
		Outline      bool        `json:"outline"`
		OutlineColor czColor     `json:"outlineColor"`
		Height       float64     `json:"height"`
	}
)

func czSolid(c [4]uint8, alpha uint8) czMaterial {
	var m czMaterial
	c[3] = alpha
	m.SolidColor.Color = czColor{RGBA: c}
	return m
}

func czTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// CZML writes ev and areas to w as a CZML document (an array of packets):
// the document packet with a clock over the flight; the missile, whose
// position is sampled from the measured track followed by the predicted
// path (cartographicDegrees, seconds after the epoch, heights in metres,
// linear interpolation), available over that time and drawn with a trail;
// the measured track and the predicted trajectory as polylines; the launch
// and impact points; the 95 % ellipse and each area's polygons. It fails
// for an event without an ID or a write error.
func CZML(w io.Writer, ev fusion.Event, areas []Area) error {
	if err := checkEvent(&ev); err != nil {
		return err
	}
	doc := czPacket{ID: "document", Name: "trilink " + ev.ID, Version: "1.0"}
	packets := []czPacket{}
	fl := flight(&ev)
	if len(fl) >= 2 {
		start, end := fl[0].T, fl[len(fl)-1].T
		doc.Clock = &czClock{Interval: czTime(start) + "/" + czTime(end), CurrentTime: czTime(start),
			Multiplier: 10, Range: "LOOP_STOP", Step: "SYSTEM_CLOCK_MULTIPLIER"}
		samples := make([]float64, 0, 4*len(fl))
		for _, p := range fl {
			samples = append(samples, round(p.T.Sub(start).Seconds(), 3), round(normLon(p.Lon), 6), round(p.Lat, 6), round(p.AltKm*1000, 1))
		}
		packets = append(packets, czPacket{
			ID: ev.ID, Name: "Missile " + ev.ID, Description: summary(&ev),
			Availability: czTime(start) + "/" + czTime(end),
			Position: &czPosition{Epoch: czTime(start), CartographicDegrees: samples,
				InterpolationAlgorithm: "LINEAR", InterpolationDegree: 1},
			Point: &czPoint{PixelSize: 10, Color: czColor{colImpact}, OutlineColor: &czColor{[4]uint8{255, 255, 255, 255}}, OutlineWidth: 2},
			Label: &czLabel{Text: ev.ID, Font: "12pt sans-serif", PixelOffset: czCart2{[2]float64{0, -20}},
				FillColor: czColor{[4]uint8{255, 255, 255, 255}}, Show: true},
			Path: &czPath{Material: czSolid(colTrack, 255), Width: 2, LeadTime: 0, TrailTime: end.Sub(start).Seconds() + 1, Resolution: 1},
		})
	}
	line := func(id, name string, pts []fusion.PathPoint, c [4]uint8) {
		if len(pts) < 2 {
			return
		}
		pos := make([]float64, 0, 3*len(pts))
		for _, p := range pts {
			pos = append(pos, round(normLon(p.Lon), 6), round(p.Lat, 6), round(p.AltKm*1000, 1))
		}
		packets = append(packets, czPacket{ID: id, Name: name,
			Polyline: &czPolyline{Positions: czPositions{pos}, Material: czSolid(c, 255), Width: 2, ArcType: "NONE"}})
	}
	line(ev.ID+"-track", "Measured track", clean(ev.Track), colTrack)
	line(ev.ID+"-path", "Predicted trajectory", clean(ev.Path), colPath)
	e := ev.Estimate
	ground := func(id, name, desc string, lat, lon float64, c [4]uint8) {
		packets = append(packets, czPacket{ID: id, Name: name, Description: desc,
			Position: &czPosition{CartographicDegrees: []float64{round(normLon(lon), 6), round(lat, 6), 0}},
			Point:    &czPoint{PixelSize: 12, Color: czColor{c}, OutlineColor: &czColor{[4]uint8{0, 0, 0, 255}}, OutlineWidth: 1, HeightReference: "CLAMP_TO_GROUND"}})
	}
	if hasLaunch(&ev) {
		ground(ev.ID+"-launch", "Launch "+ev.ID,
			fmt.Sprintf("Estimated launch at %s; 95 %% radius %.1f km.", e.Launch.Time.UTC().Format(time.RFC3339), e.Launch.ErrorKm),
			e.Launch.Lat, e.Launch.Lon, colLaunch)
	}
	if hasImpact(&ev) {
		ground(ev.ID+"-impact", "Predicted impact "+ev.ID,
			fmt.Sprintf("Predicted impact at %s.", e.Impact.Time.UTC().Format(time.RFC3339)),
			e.Impact.Lat, e.Impact.Lon, colImpact)
	}
	polys := func(id, name string, parts [][]planeRing, c [4]uint8, alpha uint8, props any) {
		for i, pg := range parts {
			pid := id
			if len(parts) > 1 {
				pid = id + "-" + strconv.Itoa(i)
			}
			p := &czPolygon{Positions: czPositions{czRing(pg[0])}, Material: czSolid(c, alpha), Outline: true,
				OutlineColor: czColor{c}}
			if len(pg) > 1 {
				p.Holes = &czHoles{}
				for _, h := range pg[1:] {
					p.Holes.CartographicDegrees = append(p.Holes.CartographicDegrees, czRing(h))
				}
			}
			packets = append(packets, czPacket{ID: pid, Name: name, Polygon: p, Properties: props})
		}
	}
	if hasEllipse(&ev) {
		el := e.Impact.Ellipse95
		polys(ev.ID+"-ellipse95", "95 % impact ellipse", splitPolygon(geo.Polygon{ellipseRing(&ev)}), colEllipse, 0x50,
			map[string]float64{"major_km": round(el.MajorKm, 3), "minor_km": round(el.MinorKm, 3), "bearing_deg": round(el.BearingDeg, 2)})
	}
	for _, a := range areas {
		var parts [][]planeRing
		for _, pg := range a.Shape {
			parts = append(parts, splitPolygon(pg)...)
		}
		polys("area-"+a.Code, a.Label("en"), parts, stateColor(a.State), 0x60,
			map[string]string{"code": a.Code, "state": a.State})
	}
	// One packet a line, for readable diffs.
	out := []byte("[\n")
	for i, p := range append([]czPacket{doc}, packets...) {
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("export: czml: %w", err)
		}
		if i > 0 {
			out = append(out, ",\n"...)
		}
		out = append(out, b...)
	}
	out = append(out, "\n]\n"...)
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("export: czml: %w", err)
	}
	return nil
}

// czRing is a ring as [lon, lat, 0, …] without its closing vertex (Cesium
// closes polygons itself).
func czRing(r planeRing) []float64 {
	out := make([]float64, 0, 3*len(r))
	for _, p := range r[:len(r)-1] {
		out = append(out, round(p[0], 6), round(p[1], 6), 0)
	}
	return out
}
