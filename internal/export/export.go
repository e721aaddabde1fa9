package export

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
)

// Area is a warning region as the exports and the TAK gateway show it.
type Area struct {
	// Code is the region's ISO 3166-2 code, e.g. "JP-02".
	Code string
	// Name is the region's name by language ("ja", "ko", "en").
	Name map[string]string
	// State is what the region was last told: "shelter", "passed",
	// "landed", "all_clear" or "cancelled" (warn.State's text form).
	State string
	// Shape is the region's land in WGS-84 longitude/latitude.
	Shape geo.MultiPolygon
}

// Label returns the area's name in lang, else in English, else its code.
func (a Area) Label(lang string) string {
	if n := a.Name[lang]; n != "" {
		return n
	}
	if n := a.Name["en"]; n != "" {
		return n
	}
	return a.Code
}

// AlertText is a public warning's wording, for the TAK gateway's chat
// messages.
type AlertText struct {
	// ID is the alert's unique identifier (the CAP identifier).
	ID string
	// EventID is the launch event the alert is about; empty if none.
	EventID string
	// State is the alert's state, as in [Area.State].
	State string
	// Headline is the alert's headline by language ("ja", "ko", "en").
	Headline map[string]string
	// Sent is when the alert was issued.
	Sent time.Time
	// Areas are the codes of the regions the alert is for.
	Areas []string
}

// Text returns the headline in lang, else in English, else any, else "".
func (a AlertText) Text(lang string) string {
	if h := a.Headline[lang]; h != "" {
		return h
	}
	if h := a.Headline["en"]; h != "" {
		return h
	}
	for _, l := range []string{"ja", "ko"} {
		if h := a.Headline[l]; h != "" {
			return h
		}
	}
	return ""
}

// Format is an export format. The zero value is FormatUnknown.
type Format uint8

const (
	// FormatUnknown is the zero value.
	FormatUnknown Format = iota
	// FormatKML is OGC KML 2.2 (Google Earth).
	FormatKML
	// FormatCZML is Cesium's CZML.
	FormatCZML
	// FormatGeoJSON is RFC 7946 GeoJSON.
	FormatGeoJSON
)

var formatNames = [...]string{"unknown", "kml", "czml", "geojson"}

// ParseFormat parses "kml", "czml" or "geojson" (any case). The error
// names the bad value.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames[1:] {
		if strings.EqualFold(s, n) {
			return Format(i + 1), nil
		}
	}
	return FormatUnknown, fmt.Errorf("export: unknown format %q (want kml, czml or geojson)", s)
}

// String returns "kml", "czml", "geojson" or "unknown".
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// MarshalText encodes f as its String; it fails for FormatUnknown and
// values out of range.
func (f Format) MarshalText() ([]byte, error) {
	if f == FormatUnknown || int(f) >= len(formatNames) {
		return nil, fmt.Errorf("export: format %d out of range", uint8(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText parses a format name as [ParseFormat] does.
func (f *Format) UnmarshalText(b []byte) error {
	v, err := ParseFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// MediaType returns the format's media type for HTTP: the registered
// application/vnd.google-earth.kml+xml and application/geo+json (RFC 7946
// §12), and application/json for CZML, which has none.
func (f Format) MediaType() string {
	switch f {
	case FormatKML:
		return "application/vnd.google-earth.kml+xml"
	case FormatCZML:
		return "application/json"
	case FormatGeoJSON:
		return "application/geo+json"
	}
	return "application/octet-stream"
}

// Ext returns the file name extension with its dot: ".kml", ".czml" or
// ".geojson".
func (f Format) Ext() string {
	if f == FormatUnknown || int(f) >= len(formatNames) {
		return ""
	}
	return "." + f.String()
}

// Write writes ev and areas to w in format f. It fails for an unknown
// format, an event without an ID, or a write error.
func Write(w io.Writer, f Format, ev fusion.Event, areas []Area) error {
	switch f {
	case FormatKML:
		return KML(w, ev, areas)
	case FormatCZML:
		return CZML(w, ev, areas)
	case FormatGeoJSON:
		return GeoJSON(w, ev, areas)
	}
	return fmt.Errorf("export: unknown format %d", uint8(f))
}

// EllipseVertices is the number of distinct vertices of the polygon that
// stands for the 95 % impact ellipse.
const EllipseVertices = 72

// hasImpact reports whether ev has an impact prediction to show.
func hasImpact(ev *fusion.Event) bool {
	return !ev.Estimate.Impact.Time.IsZero() && validLatLon(ev.Estimate.Impact.Lat, ev.Estimate.Impact.Lon)
}

// hasLaunch reports whether ev has a launch point to show.
func hasLaunch(ev *fusion.Event) bool {
	return !ev.Estimate.Launch.Time.IsZero() && validLatLon(ev.Estimate.Launch.Lat, ev.Estimate.Launch.Lon)
}

// hasEllipse reports whether ev has a non-degenerate impact ellipse.
func hasEllipse(ev *fusion.Event) bool {
	e := ev.Estimate.Impact.Ellipse95
	return hasImpact(ev) && e.MajorKm > 0 && e.MinorKm > 0 && finite(e.MajorKm) && finite(e.MinorKm) && finite(e.BearingDeg)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && finite(lon) && lon >= -540 && lon <= 540
}

// Ellipse returns the ring of the ellipse centred at (lat, lon) with
// semi-axes majorKm and minorKm, the major axis at bearingDeg clockwise from
// north, as n points on the WGS-84 ellipsoid (geodesics from the centre)
// running counterclockwise seen from above, the first repeated last.
// Longitudes are in (−180, 180].
func Ellipse(lat, lon, majorKm, minorKm, bearingDeg float64, n int) geo.Ring {
	c := geo.LLA{Lat: geo.Degrees(lat), Lon: geo.Degrees(lon)}
	a, b := majorKm*1000, minorKm*1000
	ring := make(geo.Ring, 0, n+1)
	for i := range n {
		// Parameter t runs clockwise from the major axis; go backwards
		// for a counterclockwise ring.
		t := -2 * math.Pi * float64(i) / float64(n)
		x, y := a*math.Cos(t), b*math.Sin(t) // along the major and the minor axis (minor = major + 90°)
		az := bearingDeg + math.Atan2(y, x)*180/math.Pi
		p, _ := geo.Direct(c, geo.Degrees(az), geo.Meters(math.Hypot(x, y)))
		ring = append(ring, geo.LonLat{Lon: p.Lon, Lat: p.Lat})
	}
	return append(ring, ring[0])
}

// ellipseRing is ev's 95 % ellipse as a ring.
func ellipseRing(ev *fusion.Event) geo.Ring {
	im := ev.Estimate.Impact
	e := im.Ellipse95
	return Ellipse(im.Lat, im.Lon, e.MajorKm, e.MinorKm, e.BearingDeg, EllipseVertices)
}

// flight returns the measured track followed by the points of the
// predicted path after it: the whole known flight in time order, times
// strictly increasing, non-finite points left out.
func flight(ev *fusion.Event) []fusion.PathPoint {
	out := make([]fusion.PathPoint, 0, len(ev.Track)+len(ev.Path))
	var last time.Time
	for _, pts := range [][]fusion.PathPoint{ev.Track, ev.Path} {
		for _, p := range pts {
			if !validLatLon(p.Lat, p.Lon) || !finite(p.AltKm) {
				continue
			}
			if len(out) > 0 && !p.T.After(last) {
				continue
			}
			out = append(out, p)
			last = p.T
		}
	}
	return out
}

// clean returns the valid points of pts.
func clean(pts []fusion.PathPoint) []fusion.PathPoint {
	out := make([]fusion.PathPoint, 0, len(pts))
	for _, p := range pts {
		if validLatLon(p.Lat, p.Lon) && finite(p.AltKm) {
			out = append(out, p)
		}
	}
	return out
}

// normLon reduces lon to (−180, 180].
func normLon(lon float64) float64 { return float64(geo.NormalizeLon(geo.Degrees(lon))) }

// round rounds v to d decimals.
func round(v float64, d int) float64 {
	p := math.Pow10(d)
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

// stateColor is the RGBA colour of a warning state: red to take shelter,
// orange once passed or landed, green for all-clear, grey otherwise.
func stateColor(state string) [4]uint8 {
	switch state {
	case "shelter":
		return [4]uint8{230, 30, 30, 255}
	case "passed", "landed":
		return [4]uint8{245, 150, 20, 255}
	case "all_clear":
		return [4]uint8{40, 170, 60, 255}
	}
	return [4]uint8{128, 128, 128, 255}
}

// states are the warning states in the order their styles are written.
var states = []string{"shelter", "passed", "landed", "all_clear", "cancelled", "unknown"}

// styleState maps an area's state to one of states.
func styleState(s string) string {
	for _, v := range states {
		if s == v {
			return s
		}
	}
	return "unknown"
}

// Colours of the event's parts, RGBA.
var (
	colTrack   = [4]uint8{255, 220, 0, 255}
	colPath    = [4]uint8{255, 80, 0, 255}
	colLaunch  = [4]uint8{200, 0, 200, 255}
	colImpact  = [4]uint8{255, 0, 0, 255}
	colEllipse = [4]uint8{255, 0, 0, 255}
)

// summary is a plain-text description of ev's estimate.
func summary(ev *fusion.Event) string {
	e := ev.Estimate
	var b strings.Builder
	fmt.Fprintf(&b, "Event %s, state %s, class %s.", ev.ID, ev.State, e.Class)
	if hasLaunch(ev) {
		fmt.Fprintf(&b, " Launch %s at %.3f, %.3f (95 %% radius %.1f km).", e.Launch.Time.UTC().Format(time.RFC3339), e.Launch.Lat, e.Launch.Lon, e.Launch.ErrorKm)
	}
	if e.ApogeeKm > 0 {
		fmt.Fprintf(&b, " Apogee %.0f km, range %.0f km, flight time %.0f s.", e.ApogeeKm, e.RangeKm, e.FlightTimeS)
	}
	if hasImpact(ev) {
		el := e.Impact.Ellipse95
		fmt.Fprintf(&b, " Predicted impact %s at %.3f, %.3f; 95 %% ellipse %.1f x %.1f km (semi-axes), bearing %.0f°.",
			e.Impact.Time.UTC().Format(time.RFC3339), e.Impact.Lat, e.Impact.Lon, el.MajorKm, el.MinorKm, el.BearingDeg)
	}
	if len(ev.Nations) > 0 {
		fmt.Fprintf(&b, " Sensors of %s.", strings.Join(ev.Nations, ", "))
	}
	return b.String()
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) str(s string) { _, _ = io.WriteString(e, s) }

func checkEvent(ev *fusion.Event) error {
	if ev.ID == "" {
		return fmt.Errorf("export: event has no id")
	}
	return nil
}
