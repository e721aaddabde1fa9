package export

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
)

// KMLNamespace is the OGC KML 2.2 namespace.
const KMLNamespace = "http://www.opengis.net/kml/2.2"

// KML writes ev and areas to w as an OGC KML 2.2 document (OGC 07-147r2):
// a Document with one style per part and per warning state, a Folder for
// the event (measured track and predicted trajectory at absolute altitude,
// extruded to the ground; launch and impact points; the 95 % ellipse
// clamped to the ground) and a Folder of the warning areas. Elements are
// written in the order of the KML 2.2 schema. It fails for an event without
// an ID or a write error.
func KML(w io.Writer, ev fusion.Event, areas []Area) error {
	if err := checkEvent(&ev); err != nil {
		return err
	}
	k := &kmlWriter{ew: errWriter{w: w}}
	k.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	k.raw(`<kml xmlns="` + KMLNamespace + `">` + "\n")
	k.raw(`<Document id="` + kmlID(ev.ID) + `">` + "\n")
	k.elem("name", "trilink "+ev.ID)
	k.elem("open", "1")
	k.elem("description", summary(&ev))
	k.lineStyle("track", colTrack, 3, true)
	k.lineStyle("path", colPath, 2, false)
	k.iconStyle("launch", colLaunch)
	k.iconStyle("impact", colImpact)
	k.polyStyle("ellipse95", colEllipse, 0x50)
	for _, s := range states {
		k.polyStyle("area-"+s, stateColor(s), 0x60)
	}

	k.raw("<Folder>\n")
	k.elem("name", "Event "+ev.ID)
	k.elem("open", "1")
	e := ev.Estimate
	if tr := clean(ev.Track); len(tr) >= 2 {
		k.placemark(ev.ID+"-track", "Measured track", "", "#track", span(tr), nil, func() { k.line(tr, true) })
	}
	if p := clean(ev.Path); len(p) >= 2 {
		k.placemark(ev.ID+"-path", "Predicted trajectory", "", "#path", span(p), nil, func() { k.line(p, false) })
	}
	if hasLaunch(&ev) {
		desc := fmt.Sprintf("Estimated launch at %s; 95 %% radius %.1f km.", e.Launch.Time.UTC().Format(time.RFC3339), e.Launch.ErrorKm)
		k.placemark(ev.ID+"-launch", "Launch "+ev.ID, desc, "#launch", stamp(e.Launch.Time),
			[][2]string{{"event", ev.ID}, {"class", e.Class.String()}, {"error95_km", ftoa(e.Launch.ErrorKm, 3)}},
			func() { k.point(e.Launch.Lat, e.Launch.Lon) })
	}
	if hasImpact(&ev) {
		desc := fmt.Sprintf("Predicted impact at %s.", e.Impact.Time.UTC().Format(time.RFC3339))
		k.placemark(ev.ID+"-impact", "Predicted impact "+ev.ID, desc, "#impact", stamp(e.Impact.Time),
			[][2]string{{"event", ev.ID}, {"state", ev.State.String()}},
			func() { k.point(e.Impact.Lat, e.Impact.Lon) })
	}
	if hasEllipse(&ev) {
		el := e.Impact.Ellipse95
		desc := fmt.Sprintf("95 %% impact ellipse: semi-axes %.1f km and %.1f km, major axis bearing %.0f°.", el.MajorKm, el.MinorKm, el.BearingDeg)
		parts := splitPolygon(geo.Polygon{ellipseRing(&ev)})
		k.placemark(ev.ID+"-ellipse95", "95 % impact ellipse", desc, "#ellipse95", "",
			[][2]string{{"major_km", ftoa(el.MajorKm, 3)}, {"minor_km", ftoa(el.MinorKm, 3)}, {"bearing_deg", ftoa(el.BearingDeg, 2)}},
			func() { k.polygons(parts) })
	}
	k.raw("</Folder>\n")

	if len(areas) > 0 {
		k.raw("<Folder>\n")
		k.elem("name", "Warning areas")
		for _, a := range areas {
			var parts [][]planeRing
			for _, pg := range a.Shape {
				parts = append(parts, splitPolygon(pg)...)
			}
			if len(parts) == 0 {
				continue
			}
			k.placemark("area-"+a.Code, a.Label("en"), areaDescription(a), "#area-"+styleState(a.State), "",
				[][2]string{{"code", a.Code}, {"state", a.State}}, func() { k.polygons(parts) })
		}
		k.raw("</Folder>\n")
	}
	k.raw("</Document>\n</kml>\n")
	if k.ew.err != nil {
		return fmt.Errorf("export: kml: %w", k.ew.err)
	}
	return nil
}

// areaDescription lists an area's names and state.
func areaDescription(a Area) string {
	langs := make([]string, 0, len(a.Name))
	for l := range a.Name {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s.", a.Code, a.State)
	for _, l := range langs {
		fmt.Fprintf(&b, " %s: %s.", l, a.Name[l])
	}
	return b.String()
}

type kmlWriter struct{ ew errWriter }

func (k *kmlWriter) raw(s string) { k.ew.str(s) }

func (k *kmlWriter) elem(name, text string) {
	k.raw("<" + name + ">")
	_ = xml.EscapeText(&k.ew, []byte(text))
	k.raw("</" + name + ">\n")
}

// kmlColor is an RGBA colour as KML's aabbggrr, with alpha a.
func kmlColor(c [4]uint8, a uint8) string {
	return fmt.Sprintf("%02x%02x%02x%02x", a, c[2], c[1], c[0])
}

func (k *kmlWriter) lineStyle(id string, c [4]uint8, width int, poly bool) {
	k.raw(`<Style id="` + id + `">`)
	k.raw("<LineStyle><color>" + kmlColor(c, 0xff) + "</color><width>" + strconv.Itoa(width) + "</width></LineStyle>")
	if poly { // the extruded curtain under the track
		k.raw("<PolyStyle><color>" + kmlColor(c, 0x40) + "</color></PolyStyle>")
	}
	k.raw("</Style>\n")
}

func (k *kmlWriter) iconStyle(id string, c [4]uint8) {
	k.raw(`<Style id="` + id + `"><IconStyle><color>` + kmlColor(c, 0xff) + `</color><scale>1.2</scale></IconStyle></Style>` + "\n")
}

func (k *kmlWriter) polyStyle(id string, c [4]uint8, alpha uint8) {
	k.raw(`<Style id="` + id + `"><LineStyle><color>` + kmlColor(c, 0xff) + `</color><width>2</width></LineStyle>` +
		`<PolyStyle><color>` + kmlColor(c, alpha) + `</color></PolyStyle></Style>` + "\n")
}

// span is a TimeSpan over pts; stamp a TimeStamp at t.
func span(pts []fusion.PathPoint) string {
	return "<TimeSpan><begin>" + kmlTime(pts[0].T) + "</begin><end>" + kmlTime(pts[len(pts)-1].T) + "</end></TimeSpan>"
}

func stamp(t time.Time) string { return "<TimeStamp><when>" + kmlTime(t) + "</when></TimeStamp>" }

func kmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// placemark writes a Placemark with its children in schema order: name,
// description, time primitive, styleUrl, ExtendedData, then the geometry.
func (k *kmlWriter) placemark(id, name, desc, style, timePrim string, data [][2]string, geom func()) {
	k.raw(`<Placemark id="` + kmlID(id) + `">` + "\n")
	k.elem("name", name)
	if desc != "" {
		k.elem("description", desc)
	}
	if timePrim != "" {
		k.raw(timePrim + "\n")
	}
	k.elem("styleUrl", style)
	if len(data) > 0 {
		k.raw("<ExtendedData>")
		for _, d := range data {
			k.raw(`<Data name="` + xmlAttr(d[0]) + `"><value>`)
			_ = xml.EscapeText(&k.ew, []byte(d[1]))
			k.raw("</value></Data>")
		}
		k.raw("</ExtendedData>\n")
	}
	geom()
	k.raw("</Placemark>\n")
}

func (k *kmlWriter) point(lat, lon float64) {
	k.raw("<Point><altitudeMode>clampToGround</altitudeMode><coordinates>" + ftoa(normLon(lon), 6) + "," + ftoa(lat, 6) + ",0</coordinates></Point>\n")
}

// line writes pts as a LineString at absolute altitude, or a
// MultiGeometry of LineStrings if it crosses the antimeridian.
func (k *kmlWriter) line(pts []fusion.PathPoint, extrude bool) {
	lon, lat, h := make([]float64, len(pts)), make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		lon[i], lat[i], h[i] = p.Lon, p.Lat, p.AltKm*1000
	}
	pieces := splitLine(lon, lat, h)
	if len(pieces) > 1 {
		k.raw("<MultiGeometry>\n")
	}
	ex := "0"
	if extrude {
		ex = "1"
	}
	for _, piece := range pieces {
		k.raw("<LineString><extrude>" + ex + "</extrude><altitudeMode>absolute</altitudeMode><coordinates>")
		for i, p := range piece {
			if i > 0 {
				k.raw(" ")
			}
			k.raw(ftoa(p[0], 6) + "," + ftoa(p[1], 6) + "," + ftoa(p[2], 1))
		}
		k.raw("</coordinates></LineString>\n")
	}
	if len(pieces) > 1 {
		k.raw("</MultiGeometry>\n")
	}
}

// polygons writes parts as a Polygon, or a MultiGeometry of Polygons,
// clamped to the ground and tessellated.
func (k *kmlWriter) polygons(parts [][]planeRing) {
	if len(parts) > 1 {
		k.raw("<MultiGeometry>\n")
	}
	ring := func(r planeRing) {
		k.raw("<LinearRing><coordinates>")
		for i, p := range r {
			if i > 0 {
				k.raw(" ")
			}
			k.raw(ftoa(p[0], 6) + "," + ftoa(p[1], 6))
		}
		k.raw("</coordinates></LinearRing>")
	}
	for _, pg := range parts {
		k.raw("<Polygon><tessellate>1</tessellate><altitudeMode>clampToGround</altitudeMode><outerBoundaryIs>")
		ring(pg[0])
		k.raw("</outerBoundaryIs>")
		for _, h := range pg[1:] {
			k.raw("<innerBoundaryIs>")
			ring(h)
			k.raw("</innerBoundaryIs>")
		}
		k.raw("</Polygon>\n")
	}
	if len(parts) > 1 {
		k.raw("</MultiGeometry>\n")
	}
}

// ftoa formats v with at most d decimals, without trailing zeros.
func ftoa(v float64, d int) string { return strconv.FormatFloat(round(v, d), 'f', -1, 64) }

// xmlAttr escapes s for a double-quoted attribute value.
func xmlAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // escapes quotes too
	return b.String()
}

// kmlID makes s a valid xs:ID (an NCName): characters other than letters,
// digits, '_', '-' and '.' become '_', and an id not starting with a
// letter or '_' gets the prefix "id-".
func kmlID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || !(b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z' || b[0] == '_') {
		return "id-" + string(b)
	}
	return string(b)
}
