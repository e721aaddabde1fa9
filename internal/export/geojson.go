package export

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
)

// geoFeature is an RFC 7946 §3.2 Feature.
type geoFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id,omitempty"`
	Geometry   geoGeometry    `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// geoGeometry is an RFC 7946 §3.1 Geometry object.
type geoGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

type geoCollection struct {
	Type     string       `json:"type"`
	Features []geoFeature `json:"features"`
}

// GeoJSON writes ev and areas to w as an RFC 7946 FeatureCollection
// (see the package documentation). Every feature has the properties "kind"
// ("track", "path", "launch", "impact", "ellipse95" or "area") and
// "event" (the event's ID, except for areas); times are RFC 3339 UTC. It
// fails for an event without an ID or a write error.
func GeoJSON(w io.Writer, ev fusion.Event, areas []Area) error {
	if err := checkEvent(&ev); err != nil {
		return err
	}
	fc := geoCollection{Type: "FeatureCollection", Features: []geoFeature{}}
	add := func(id, kind string, g *geoGeometry, props map[string]any) {
		if g == nil {
			return
		}
		if props == nil {
			props = map[string]any{}
		}
		props["kind"] = kind
		fc.Features = append(fc.Features, geoFeature{Type: "Feature", ID: id, Geometry: *g, Properties: props})
	}
	evProps := func(extra map[string]any) map[string]any {
		m := map[string]any{"event": ev.ID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	if tr := clean(ev.Track); len(tr) >= 2 {
		add(ev.ID+"-track", "track", geoLine(tr), evProps(map[string]any{
			"start": rfc3339(tr[0].T), "end": rfc3339(tr[len(tr)-1].T), "name": "Measured track"}))
	}
	if p := clean(ev.Path); len(p) >= 2 {
		add(ev.ID+"-path", "path", geoLine(p), evProps(map[string]any{
			"start": rfc3339(p[0].T), "end": rfc3339(p[len(p)-1].T), "name": "Predicted trajectory"}))
	}
	e := ev.Estimate
	if hasLaunch(&ev) {
		add(ev.ID+"-launch", "launch", geoPoint(e.Launch.Lat, e.Launch.Lon), evProps(map[string]any{
			"name": "Launch point", "time": rfc3339(e.Launch.Time), "error95_km": round(e.Launch.ErrorKm, 3),
			"class": e.Class.String()}))
	}
	if hasImpact(&ev) {
		add(ev.ID+"-impact", "impact", geoPoint(e.Impact.Lat, e.Impact.Lon), evProps(map[string]any{
			"name": "Predicted impact point", "time": rfc3339(e.Impact.Time), "state": ev.State.String()}))
	}
	if hasEllipse(&ev) {
		el := e.Impact.Ellipse95
		add(ev.ID+"-ellipse95", "ellipse95", geoPolygons(splitPolygon(geo.Polygon{ellipseRing(&ev)})), evProps(map[string]any{
			"name": "95 % impact ellipse", "major_km": round(el.MajorKm, 3), "minor_km": round(el.MinorKm, 3),
			"bearing_deg": round(el.BearingDeg, 2), "time": rfc3339(e.Impact.Time)}))
	}
	for _, a := range areas {
		var parts [][]planeRing
		for _, pg := range a.Shape {
			parts = append(parts, splitPolygon(pg)...)
		}
		names := map[string]string{}
		for k, v := range a.Name {
			names[k] = v
		}
		add("area-"+a.Code, "area", geoPolygons(parts), map[string]any{
			"code": a.Code, "name": a.Label("en"), "names": names, "state": a.State})
	}
	b, err := json.MarshalIndent(fc, "", " ")
	if err != nil {
		return fmt.Errorf("export: geojson: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("export: geojson: %w", err)
	}
	return nil
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func geoPoint(lat, lon float64) *geoGeometry {
	return &geoGeometry{Type: "Point", Coordinates: []float64{round(normLon(lon), 6), round(lat, 6)}}
}

// geoLine is a LineString of [lon, lat, height m], or a MultiLineString if
// it crosses the antimeridian.
func geoLine(pts []fusion.PathPoint) *geoGeometry {
	lon, lat, h := make([]float64, len(pts)), make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		lon[i], lat[i], h[i] = p.Lon, p.Lat, p.AltKm*1000
	}
	pieces := splitLine(lon, lat, h)
	conv := func(piece [][3]float64) [][]float64 {
		out := make([][]float64, len(piece))
		for i, p := range piece {
			out[i] = []float64{round(p[0], 6), round(p[1], 6), round(p[2], 1)}
		}
		return out
	}
	switch len(pieces) {
	case 0:
		return nil
	case 1:
		return &geoGeometry{Type: "LineString", Coordinates: conv(pieces[0])}
	}
	ml := make([][][]float64, len(pieces))
	for i, p := range pieces {
		ml[i] = conv(p)
	}
	return &geoGeometry{Type: "MultiLineString", Coordinates: ml}
}

// geoPolygons is a Polygon for one part, a MultiPolygon for several, nil
// for none.
func geoPolygons(parts [][]planeRing) *geoGeometry {
	conv := func(pg []planeRing) [][][]float64 {
		out := make([][][]float64, len(pg))
		for i, r := range pg {
			ring := make([][]float64, len(r))
			for j, p := range r {
				ring[j] = []float64{round(p[0], 6), round(p[1], 6)}
			}
			out[i] = ring
		}
		return out
	}
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return &geoGeometry{Type: "Polygon", Coordinates: conv(parts[0])}
	}
	mp := make([][][][]float64, len(parts))
	for i, pg := range parts {
		mp[i] = conv(pg)
	}
	return &geoGeometry{Type: "MultiPolygon", Coordinates: mp}
}
