package cot

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
)

// Picture is what a gateway shows: one nation's launch events, the
// warning areas it has alerted and its alert texts.
type Picture struct {
	Events []fusion.Event
	Areas  []export.Area
	Alerts []export.AlertText
}

// CoT types of the picture's products (research/tak.md §3.3, §5.5).
const (
	// TypeMissile is a hostile surface-to-surface missile in flight
	// (MIL-STD-2525C SHAPWMSS--).
	TypeMissile = "a-h-A-W-M-S-S"
	// TypeMissileUnknown is a missile in flight not yet assessed (no
	// class yet).
	TypeMissileUnknown = "a-u-A-W-M"
	// TypeLaunch is a launch detection.
	TypeLaunch = "b-d-l"
	// TypeImpactPoint is the predicted impact point, a spot map marker.
	TypeImpactPoint = "b-m-p-s-m"
	// TypeEllipse is an ATAK ellipse drawing, for the 95 % impact area.
	TypeEllipse = "u-d-c-e"
	// TypeArea is an ATAK polygon drawing, for a warning area.
	TypeArea = "u-d-f"
	// TypeChat is a GeoChat message, for alert texts.
	TypeChat = "b-t-f"
	// TypeDelete asks clients to remove the linked item.
	TypeDelete = "t-x-d-d"
	// TypePing and TypePong are the TAK keep-alive and its answer.
	TypePing = "t-x-c-t"
	TypePong = "t-x-c-t-r"
	// TypeProtoOffer, TypeProtoRequest and TypeProtoResponse are the TAK
	// protocol negotiation (protocol.txt, "Streaming Connection Protocol
	// Negotiation").
	TypeProtoOffer    = "t-x-takp-v"
	TypeProtoRequest  = "t-x-takp-q"
	TypeProtoResponse = "t-x-takp-r"
)

// AllChatRooms is GeoChat's room that every client shows.
const AllChatRooms = "All Chat Rooms"

// item is one thing on the clients' maps (or one chat message): its
// content without times, and how long it stays fresh.
type item struct {
	ev    Event
	stale time.Duration
	chat  bool
}

// renderer turns a Picture into items.
type renderer struct {
	o *Options
}

// sigma95 is the ratio of the 95 % radius of a circular normal
// distribution to its standard deviation: √(−2 ln 0.05).
const sigma95 = 2.4477468306808166

// events renders ev's items, in a fixed order: track, launch, impact
// point, ellipse. A closed event has none.
func (r renderer) event(ev *fusion.Event, out []item) []item {
	if ev.State == fusion.StateClosed || ev.ID == "" {
		return out
	}
	o := r.o
	e := &ev.Estimate
	trackUID := o.UIDPrefix + ev.ID
	trackType := TypeMissile
	if e.Class == ballistic.ClassUnknown {
		trackType = TypeMissileUnknown
	}
	link := func(b []byte) []byte {
		return xmlElem(b, "link", "uid", trackUID, "type", trackType, "relation", "p-p")
	}
	inFlight := ev.State >= fusion.StateDetected && ev.State <= fusion.StateImpactPredicted
	if last, ok := lastPoint(ev.Track); inFlight && ok {
		det := Detail{Contact: &Contact{Callsign: callsign(ev)}}
		if n := len(ev.Track); n >= 2 {
			if c, s, ok := courseSpeed(ev.Track[n-2], ev.Track[n-1]); ok {
				det.Track = &Track{Course: c, Speed: s}
			}
		}
		var b []byte
		b = xmlText(b, "remarks", trackRemarks(ev))
		det.XML = string(b)
		out = append(out, item{stale: o.TrackStale, ev: Event{
			UID: trackUID, Type: trackType, How: "m-f", QoS: "9-r-d", Opex: o.Opex,
			Point:  Point{Lat: rnd(last.Lat, 7), Lon: rnd(normLon(last.Lon), 7), HAE: rnd(last.AltKm*1000, 1), CE: Unknown, LE: Unknown},
			Detail: det,
		}})
	}
	if !e.Launch.Time.IsZero() && validLatLon(e.Launch.Lat, e.Launch.Lon) {
		var b []byte
		b = link(b)
		b = xmlText(b, "remarks", "Estimated launch of "+ev.ID+" at "+e.Launch.Time.UTC().Format(time.RFC3339)+
			"; 95 % radius "+ftoa(e.Launch.ErrorKm, 1)+" km.")
		out = append(out, item{stale: o.ItemStale, ev: Event{
			UID: trackUID + ".launch", Type: TypeLaunch, How: "m-f", Opex: o.Opex,
			Point:  Point{Lat: rnd(e.Launch.Lat, 7), Lon: rnd(normLon(e.Launch.Lon), 7), HAE: 0, CE: rnd(nonNeg(e.Launch.ErrorKm)*1000/sigma95, 1), LE: Unknown},
			Detail: Detail{Contact: &Contact{Callsign: "Launch " + ev.ID}, XML: string(b)},
		}})
	}
	im := &e.Impact
	if im.Time.IsZero() || !validLatLon(im.Lat, im.Lon) || ev.State < fusion.StateImpactPredicted {
		return out
	}
	el := im.Ellipse95
	eta := im.Time.UTC().Format("15:04:05Z")
	sigma := 0.0
	if el.MajorKm > 0 && el.MinorKm > 0 {
		sigma = math.Sqrt(el.MajorKm*el.MinorKm) * 1000 / sigma95
	}
	var b []byte
	b = xmlElem(b, "color", "argb", "-65536")
	b = link(b)
	b = xmlText(b, "remarks", "Predicted impact of "+ev.ID+" at "+im.Time.UTC().Format(time.RFC3339)+".")
	out = append(out, item{stale: o.ItemStale, ev: Event{
		UID: trackUID + ".impact", Type: TypeImpactPoint, How: "m-p", Opex: o.Opex,
		Point:  Point{Lat: rnd(im.Lat, 7), Lon: rnd(normLon(im.Lon), 7), HAE: 0, CE: rnd(sigma, 1), LE: Unknown},
		Detail: Detail{Contact: &Contact{Callsign: "Impact " + ev.ID + " " + eta}, XML: string(b)},
	}})
	if !(el.MajorKm > 0 && el.MinorKm > 0) || !finite(el.BearingDeg) || !finite(el.MajorKm) || !finite(el.MinorKm) {
		return out
	}
	b = nil
	b = append(b, "<shape>"...)
	b = xmlElem(b, "ellipse", "major", ftoa(el.MajorKm*1000, 1), "minor", ftoa(el.MinorKm*1000, 1), "angle", ftoa(el.BearingDeg, 2))
	b = append(b, "</shape>"...)
	b = xmlElem(b, "strokeColor", "value", strconv.Itoa(argb(255, 255, 0, 0)))
	b = xmlElem(b, "fillColor", "value", strconv.Itoa(argb(64, 255, 0, 0)))
	b = xmlElem(b, "strokeWeight", "value", "3")
	b = link(b)
	b = xmlText(b, "remarks", "95 % impact area of "+ev.ID+": semi-axes "+ftoa(el.MajorKm, 1)+" km and "+ftoa(el.MinorKm, 1)+
		" km, bearing "+ftoa(el.BearingDeg, 0)+"°; impact at "+im.Time.UTC().Format(time.RFC3339)+".")
	out = append(out, item{stale: o.ItemStale, ev: Event{
		UID: trackUID + ".ellipse95", Type: TypeEllipse, How: "m-p", Opex: o.Opex,
		// CoT_shape.xsd: ce must enclose the shape.
		Point:  Point{Lat: rnd(im.Lat, 7), Lon: rnd(normLon(im.Lon), 7), HAE: 0, CE: rnd(el.MajorKm*1000, 1), LE: Unknown},
		Detail: Detail{Contact: &Contact{Callsign: "95% impact area " + ev.ID}, XML: string(b)},
	}})
	return out
}

// callsign is the track's label on the map: its class and ID.
func callsign(ev *fusion.Event) string {
	if ev.Estimate.Class == ballistic.ClassUnknown {
		return "Missile " + ev.ID
	}
	return ev.Estimate.Class.String() + " " + ev.ID
}

func trackRemarks(ev *fusion.Event) string {
	e := &ev.Estimate
	var b strings.Builder
	b.WriteString("Fused track " + ev.ID + "; state " + ev.State.String())
	if e.Class != ballistic.ClassUnknown {
		b.WriteString("; class " + e.Class.String())
	}
	if e.ApogeeKm > 0 {
		b.WriteString("; apogee " + ftoa(e.ApogeeKm, 0) + " km; range " + ftoa(e.RangeKm, 0) + " km")
	}
	if !e.Impact.Time.IsZero() && ev.State >= fusion.StateImpactPredicted {
		b.WriteString("; predicted impact " + e.Impact.Time.UTC().Format(time.RFC3339))
	}
	if len(ev.Nations) > 0 {
		b.WriteString("; sensors " + strings.Join(ev.Nations, ", "))
	}
	b.WriteString(".")
	return b.String()
}

func lastPoint(pts []fusion.PathPoint) (fusion.PathPoint, bool) {
	for i := len(pts) - 1; i >= 0; i-- {
		p := pts[i]
		if validLatLon(p.Lat, p.Lon) && finite(p.AltKm) {
			return p, true
		}
	}
	return fusion.PathPoint{}, false
}

// courseSpeed is the course (degrees true, [0, 360)) and ground speed
// (m/s) from a to b.
func courseSpeed(a, b fusion.PathPoint) (course, speed float64, ok bool) {
	dt := b.T.Sub(a.T).Seconds()
	if !(dt > 0) || !validLatLon(a.Lat, a.Lon) || !validLatLon(b.Lat, b.Lon) {
		return 0, 0, false
	}
	d, az, _ := geo.Inverse(geo.LLA{Lat: geo.Degrees(a.Lat), Lon: geo.Degrees(a.Lon)}, geo.LLA{Lat: geo.Degrees(b.Lat), Lon: geo.Degrees(b.Lon)})
	c := math.Mod(float64(az)+360, 360)
	if !finite(c) || !finite(float64(d)) {
		return 0, 0, false
	}
	return rnd(c, 1), rnd(float64(d)/dt, 1), true
}

// area renders a warning area as up to MaxAreaPolygons polygon drawings
// (the largest of its polygons, outer rings only), each simplified to at
// most MaxAreaVertices vertices.
func (r renderer) area(a *export.Area, out []item) []item {
	if a.Code == "" {
		return out
	}
	o := r.o
	type cand struct {
		ring geo.Ring
		size float64
	}
	var cs []cand
	for _, pg := range a.Shape {
		if len(pg) == 0 || len(pg[0]) < 3 {
			continue
		}
		cs = append(cs, cand{pg[0], ringSize(pg[0])})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].size > cs[j].size })
	if len(cs) > o.MaxAreaPolygons {
		cs = cs[:o.MaxAreaPolygons]
	}
	stroke, fill := areaColors(a.State)
	for i, c := range cs {
		ring := simplify(c.ring, o.MaxAreaVertices)
		if len(ring) < 3 {
			continue
		}
		lat, lon, radius := enclose(ring)
		var b []byte
		for _, v := range ring {
			b = xmlElem(b, "link", "point", ftoa(float64(v.Lat), 6)+","+ftoa(normLon(float64(v.Lon)), 6))
		}
		b = xmlElem(b, "link", "point", ftoa(float64(ring[0].Lat), 6)+","+ftoa(normLon(float64(ring[0].Lon)), 6))
		b = xmlElem(b, "strokeColor", "value", strconv.Itoa(stroke))
		b = xmlElem(b, "fillColor", "value", strconv.Itoa(fill))
		b = xmlElem(b, "strokeWeight", "value", "2")
		b = xmlElem(b, "labels_on", "value", "true")
		b = xmlText(b, "remarks", areaRemarks(a))
		out = append(out, item{stale: o.ItemStale, ev: Event{
			UID: o.UIDPrefix + "area." + a.Code + "." + strconv.Itoa(i), Type: TypeArea, How: "m-f", Opex: o.Opex,
			Point:  Point{Lat: rnd(lat, 7), Lon: rnd(lon, 7), HAE: 0, CE: rnd(radius, 0), LE: Unknown},
			Detail: Detail{Contact: &Contact{Callsign: a.Label(o.Lang) + " (" + strings.ReplaceAll(a.State, "_", "-") + ")"}, XML: string(b)},
		}})
	}
	return out
}

func areaRemarks(a *export.Area) string {
	langs := make([]string, 0, len(a.Name))
	for l := range a.Name {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var b strings.Builder
	b.WriteString("Warning area " + a.Code + ": " + a.State + ".")
	for _, l := range langs {
		b.WriteString(" " + l + ": " + a.Name[l] + ".")
	}
	return b.String()
}

// areaColors are the stroke and fill colours (ARGB as signed 32-bit
// integers, as ATAK writes them) of a warning state.
func areaColors(state string) (stroke, fill int) {
	r, g, b := 128, 128, 128
	switch state {
	case "shelter":
		r, g, b = 230, 30, 30
	case "passed", "landed":
		r, g, b = 245, 150, 20
	case "all_clear":
		r, g, b = 40, 170, 60
	}
	return argb(255, r, g, b), argb(96, r, g, b)
}

// argb packs a colour as ATAK's signed 32-bit ARGB integer.
func argb(a, r, g, b int) int {
	return int(int32(uint32(a)<<24 | uint32(r)<<16 | uint32(g)<<8 | uint32(b)))
}

// alert renders an alert text as a GeoChat message to All Chat Rooms
// (research/tak.md §3.5).
func (r renderer) alert(a *export.AlertText, out []item) []item {
	text := a.Text(r.o.Lang)
	if a.ID == "" || text == "" {
		return out
	}
	o := r.o
	sender := o.UIDPrefix + "warn"
	if len(a.Areas) > 0 {
		text += " [" + strings.Join(a.Areas, ", ") + "]"
	}
	if a.State != "" {
		text = strings.ToUpper(strings.ReplaceAll(a.State, "_", " ")) + ": " + text
	}
	var b []byte
	b = append(b, "<__chat"...)
	b = xmlAttrs(b, "parent", "RootContactGroup", "groupOwner", "false", "chatroom", AllChatRooms, "id", AllChatRooms,
		"senderCallsign", o.Callsign, "messageId", a.ID)
	b = append(b, '>')
	b = xmlElem(b, "chatgrp", "uid0", sender, "uid1", AllChatRooms, "id", AllChatRooms)
	b = append(b, "</__chat>"...)
	b = xmlElem(b, "link", "uid", sender, "type", "a-f-G-U-C", "relation", "p-p")
	b = append(b, "<remarks"...)
	b = xmlAttrs(b, "source", "BAO.F.ATAK."+sender, "to", AllChatRooms, "time", a.Sent.UTC().Format(timeLayout))
	b = append(b, '>')
	b = appendText(b, text)
	b = append(b, "</remarks>"...)
	return append(out, item{chat: true, stale: o.ChatStale, ev: Event{
		UID: "GeoChat." + sender + "." + AllChatRooms + "." + a.ID, Type: TypeChat, How: "h-g-i-g-o", Opex: o.Opex,
		Point:  Point{Lat: 0, Lon: 0, HAE: Unknown, CE: Unknown, LE: Unknown},
		Detail: Detail{XML: string(b)},
	}})
}

// deletion is the t-x-d-d event that removes the item ev from the
// clients' maps.
func deletion(ev *Event, opex string) Event {
	var b []byte
	b = xmlElem(b, "link", "uid", ev.UID, "type", ev.Type, "relation", "p-p")
	b = append(b, "<__forcedelete/>"...)
	return Event{UID: ev.UID + ".delete", Type: TypeDelete, How: "m-f", Opex: opex,
		Point: Point{Lat: ev.Point.Lat, Lon: ev.Point.Lon, HAE: Unknown, CE: Unknown, LE: Unknown}, Detail: Detail{XML: string(b)}}
}

// xmlElem appends <name a1="v1" …/>.
func xmlElem(b []byte, name string, kv ...string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = xmlAttrs(b, kv...)
	return append(b, "/>"...)
}

// xmlText appends <name>text</name>.
func xmlText(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

func xmlAttrs(b []byte, kv ...string) []byte {
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, ' ')
		b = append(b, kv[i]...)
		b = append(b, `="`...)
		b = appendAttr(b, kv[i+1])
		b = append(b, '"')
	}
	return b
}

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && finite(lon) && lon >= -540 && lon <= 540
}

func normLon(lon float64) float64 { return float64(geo.NormalizeLon(geo.Degrees(lon))) }

func nonNeg(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// rnd rounds v to d decimals (no "-0").
func rnd(v float64, d int) float64 {
	p := math.Pow10(d)
	r := math.Round(v*p) / p
	if r == 0 {
		return 0
	}
	return r
}

func ftoa(v float64, d int) string { return strconv.FormatFloat(rnd(v, d), 'f', -1, 64) }

// ringSize is a ring's area in square degrees (scaled by the cosine of
// its latitude), for ranking an area's polygons.
func ringSize(r geo.Ring) float64 {
	var s float64
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		dx := wrap180(float64(b.Lon - a.Lon))
		s += dx * float64(a.Lat+b.Lat) / 2
	}
	return math.Abs(s) * math.Cos(float64(r[0].Lat)*math.Pi/180)
}

func wrap180(d float64) float64 {
	d = math.Remainder(d, 360)
	if d == -180 {
		d = 180
	}
	return d
}

// simplify returns r's distinct vertices (without the closing one),
// reduced by Douglas–Peucker with a growing tolerance until at most max
// remain.
func simplify(r geo.Ring, max int) geo.Ring {
	if len(r) > 1 && r[0] == r[len(r)-1] {
		r = r[:len(r)-1]
	}
	if len(r) <= max {
		return r
	}
	// Work in a local plane: x = Δlon·cos(lat0), y = lat, unwrapped.
	c := math.Cos(float64(r[0].Lat) * math.Pi / 180)
	xs, ys := make([]float64, len(r)+1), make([]float64, len(r)+1)
	x := 0.0
	for i := 0; i <= len(r); i++ {
		v := r[i%len(r)]
		if i > 0 {
			x += wrap180(float64(v.Lon-r[i-1].Lon)) * c
		}
		xs[i], ys[i] = x, float64(v.Lat)
	}
	for tol := 0.001; ; tol *= 1.5 {
		keep := make([]bool, len(r)+1)
		keep[0], keep[len(r)] = true, true
		dp(xs, ys, 0, len(r), tol, keep)
		var out geo.Ring
		for i := 0; i < len(r); i++ {
			if keep[i] {
				out = append(out, r[i])
			}
		}
		if len(out) <= max || tol > 360 {
			return out
		}
	}
}

func dp(xs, ys []float64, i, j int, tol float64, keep []bool) {
	for j > i+1 {
		dx, dy := xs[j]-xs[i], ys[j]-ys[i]
		l := math.Hypot(dx, dy)
		best, bi := -1.0, -1
		for k := i + 1; k < j; k++ {
			var d float64
			if l == 0 {
				d = math.Hypot(xs[k]-xs[i], ys[k]-ys[i])
			} else {
				d = math.Abs(dy*(xs[k]-xs[i])-dx*(ys[k]-ys[i])) / l
			}
			if d > best {
				best, bi = d, k
			}
		}
		if best <= tol {
			return
		}
		keep[bi] = true
		dp(xs, ys, i, bi, tol, keep)
		i = bi
	}
}

// enclose returns a centre for r (the middle of its bounding box) and the
// distance in metres from it to the farthest vertex.
func enclose(r geo.Ring) (lat, lon, radius float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	blo, bhi := math.Inf(1), math.Inf(-1)
	x := float64(r[0].Lon)
	for i, v := range r {
		if i > 0 {
			x += wrap180(float64(v.Lon - r[i-1].Lon))
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
		blo, bhi = math.Min(blo, float64(v.Lat)), math.Max(bhi, float64(v.Lat))
	}
	lat, lon = (blo+bhi)/2, normLon((lo+hi)/2)
	c := geo.LLA{Lat: geo.Degrees(lat), Lon: geo.Degrees(lon)}
	for _, v := range r {
		d, _, _ := geo.Inverse(c, geo.LLA{Lat: v.Lat, Lon: v.Lon})
		radius = math.Max(radius, float64(d))
	}
	return lat, lon, radius
}
