package export_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/export/exporttest"
	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/geo"
)

func TestParseFormat(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    export.Format
		wantErr bool
	}{
		{"kml", export.FormatKML, false},
		{"CZML", export.FormatCZML, false},
		{"geojson", export.FormatGeoJSON, false},
		{"", export.FormatUnknown, true},
		{"kmz", export.FormatUnknown, true},
		{"json", export.FormatUnknown, true},
	} {
		t.Run("in_"+tt.in, func(t *testing.T) {
			got, err := export.ParseFormat(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("ParseFormat(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), strconv.Quote(tt.in)) {
				t.Errorf("error %q does not name the bad value %q", err, tt.in)
			}
			if err == nil {
				var f export.Format
				txt, _ := got.MarshalText()
				if err := f.UnmarshalText(txt); err != nil || f != got {
					t.Errorf("text round trip: %v, %v", f, err)
				}
			}
		})
	}
	if _, err := export.FormatUnknown.MarshalText(); err == nil {
		t.Error("FormatUnknown.MarshalText: no error")
	}
	if got := export.FormatGeoJSON.MediaType(); got != "application/geo+json" {
		t.Errorf("geojson media type %q", got)
	}
	if err := export.Write(&bytes.Buffer{}, export.FormatUnknown, exporttest.Overflight(t0).At(t0.Add(time.Hour)), nil); err == nil {
		t.Error("Write with FormatUnknown: no error")
	}
}

func TestEllipse(t *testing.T) {
	const lat, lon, major, minor, bearing = 40.0, 145.0, 50.0, 20.0, 30.0
	r := export.Ellipse(lat, lon, major, minor, bearing, 72)
	if len(r) != 73 || r[0] != r[72] {
		t.Fatalf("ring of %d vertices, closed %v", len(r), r[0] == r[len(r)-1])
	}
	c := geo.LLA{Lat: lat, Lon: lon}
	var area2 float64
	for i, v := range r[:72] {
		d, az, _ := geo.Inverse(c, geo.LLA{Lat: v.Lat, Lon: v.Lon})
		// The point of an ellipse at angle φ from the major axis is at
		// ab/√((b cos φ)² + (a sin φ)²) from the centre.
		phi := (float64(az) - bearing) * math.Pi / 180
		want := major * minor / math.Hypot(minor*math.Cos(phi), major*math.Sin(phi)) * 1000
		if math.Abs(float64(d)-want) > 1e-6*want {
			t.Errorf("vertex %d at %.3f m from centre, want %.3f m", i, float64(d), want)
		}
		w := r[i+1]
		area2 += float64(v.Lon*w.Lat - w.Lon*v.Lat)
	}
	if area2 <= 0 {
		t.Errorf("ring runs clockwise (2A = %v)", area2)
	}
	// The major axis points at the bearing.
	if d, az, _ := geo.Inverse(c, geo.LLA{Lat: r[0].Lat, Lon: r[0].Lon}); math.Abs(float64(az)-bearing) > 1e-6 || math.Abs(float64(d)-major*1000) > 1e-3 {
		t.Errorf("first vertex at azimuth %v, %v m; want %v, %v m", az, d, bearing, major*1000)
	}
}

// geoDoc is the part of a GeoJSON document the tests read.
type geoDoc struct {
	Type     string `json:"type"`
	Features []struct {
		ID       string `json:"id"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func TestGeoJSONContent(t *testing.T) {
	l := exporttest.Overflight(t0)
	ev := l.At(t0.Add(400 * time.Second))
	var buf bytes.Buffer
	if err := export.GeoJSON(&buf, ev, exporttest.Areas()); err != nil {
		t.Fatal(err)
	}
	var doc geoDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, f := range doc.Features {
		kinds[f.ID] = f.Properties["kind"].(string) + "/" + f.Geometry.Type
	}
	want := map[string]string{
		"E-overflight-track": "track/LineString", "E-overflight-path": "path/LineString",
		"E-overflight-launch": "launch/Point", "E-overflight-impact": "impact/Point",
		"E-overflight-ellipse95": "ellipse95/Polygon",
		"area-JP-01":             "area/Polygon", "area-JP-02": "area/MultiPolygon", "area-US-AK": "area/MultiPolygon",
	}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("features\n got %v\nwant %v", kinds, want)
	}
	for _, f := range doc.Features {
		switch f.ID {
		case "E-overflight-path":
			var pts [][3]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &pts); err != nil {
				t.Fatal(err)
			}
			// Heights in metres: the last point is the impact, on the
			// ground; the highest near the apogee.
			var top float64
			for _, p := range pts {
				top = math.Max(top, p[2])
			}
			if last := pts[len(pts)-1]; last[2] != 0 {
				t.Errorf("path ends at height %v m, want 0", last[2])
			}
			if top < 0.95*l.ApogeeKm*1000 || top > l.ApogeeKm*1000 {
				t.Errorf("path peaks at %v m, want about %v m", top, l.ApogeeKm*1000)
			}
		case "area-JP-01":
			// Given clockwise with a counterclockwise hole: written the
			// other way round, as RFC 7946 §3.1.6 wants.
			var rings [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
				t.Fatal(err)
			}
			if len(rings) != 2 || signedArea(rings[0]) <= 0 || signedArea(rings[1]) >= 0 {
				t.Errorf("JP-01 rings %v: want a counterclockwise outer ring and a clockwise hole", rings)
			}
		case "area-US-AK":
			// 175°E to 185°E is cut at the antimeridian into 175..180 and
			// −180..−175.
			var pgs [][][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &pgs); err != nil {
				t.Fatal(err)
			}
			var spans []string
			for _, pg := range pgs {
				lo, hi := math.Inf(1), math.Inf(-1)
				for _, p := range pg[0] {
					lo, hi = math.Min(lo, p[0]), math.Max(hi, p[0])
				}
				spans = append(spans, fmt.Sprint(lo, "..", hi))
			}
			if got := strings.Join(spans, " "); got != "175..180 -180..-175" {
				t.Errorf("US-AK cut into %s, want 175..180 -180..-175", got)
			}
		}
	}
}

func signedArea(r [][2]float64) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

func TestGeoJSONDateline(t *testing.T) {
	ev := exporttest.Dateline(t0).At(t0.Add(300 * time.Second))
	var buf bytes.Buffer
	if err := export.GeoJSON(&buf, ev, nil); err != nil {
		t.Fatal(err)
	}
	var doc geoDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range doc.Features {
		types = append(types, f.ID+":"+f.Geometry.Type)
	}
	// The track (172°E to about 178.5°E at 300 s) stays east of the
	// antimeridian; the predicted path crosses it.
	want := "E-dateline-track:LineString E-dateline-path:MultiLineString E-dateline-launch:Point E-dateline-impact:Point E-dateline-ellipse95:Polygon"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("features\n got %s\nwant %s", got, want)
	}
}

func TestKMLContent(t *testing.T) {
	ev := exporttest.Overflight(t0).At(t0.Add(400 * time.Second))
	var buf bytes.Buffer
	if err := export.KML(&buf, ev, exporttest.Areas()); err != nil {
		t.Fatal(err)
	}
	// Read it back with encoding/xml into the structure KML 2.2 gives it.
	var doc struct {
		XMLName  xml.Name `xml:"http://www.opengis.net/kml/2.2 kml"`
		Document struct {
			Folders []struct {
				Name       string `xml:"name"`
				Placemarks []struct {
					ID         string `xml:"id,attr"`
					Name       string `xml:"name"`
					StyleURL   string `xml:"styleUrl"`
					LineString struct {
						AltitudeMode string `xml:"altitudeMode"`
						Coordinates  string `xml:"coordinates"`
					} `xml:"LineString"`
					Point struct {
						Coordinates string `xml:"coordinates"`
					} `xml:"Point"`
					When string `xml:"TimeStamp>when"`
				} `xml:"Placemark"`
			} `xml:"Folder"`
		} `xml:"Document"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Document.Folders) != 2 {
		t.Fatalf("%d folders, want 2 (event, areas)", len(doc.Document.Folders))
	}
	got := map[string]string{}
	for _, f := range doc.Document.Folders {
		for _, p := range f.Placemarks {
			got[p.ID] = p.StyleURL
			switch p.ID {
			case "E-overflight-path":
				if p.LineString.AltitudeMode != "absolute" {
					t.Errorf("path altitudeMode %q, want absolute", p.LineString.AltitudeMode)
				}
				tups := strings.Fields(p.LineString.Coordinates)
				if n := len(tups); n < 10 {
					t.Errorf("path has %d positions", n)
				}
				var maxH float64
				for _, tup := range tups {
					h, _ := strconv.ParseFloat(tup[strings.LastIndex(tup, ",")+1:], 64)
					maxH = math.Max(maxH, h)
				}
				if maxH < 900e3 || maxH > 970e3 {
					t.Errorf("path's highest point %v m, want near the 970 km apogee", maxH)
				}
			case "E-overflight-launch":
				if p.Point.Coordinates != "126.42,40.62,0" || p.When != "2022-10-03T22:22:00.000Z" {
					t.Errorf("launch at %q, %q", p.Point.Coordinates, p.When)
				}
			}
		}
	}
	want := map[string]string{
		"E-overflight-track": "#track", "E-overflight-path": "#path", "E-overflight-launch": "#launch",
		"E-overflight-impact": "#impact", "E-overflight-ellipse95": "#ellipse95",
		"area-JP-01": "#area-shelter", "area-JP-02": "#area-passed", "area-US-AK": "#area-all_clear",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("placemarks\n got %v\nwant %v", got, want)
	}
}

// TestEarlyEvent exports an event before its first impact prediction: no
// impact, no ellipse, and the documents still check.
func TestEarlyEvent(t *testing.T) {
	ev := exporttest.Overflight(t0).At(t0.Add(70 * time.Second))
	if ev.State != fusion.StateTracking {
		t.Fatalf("state %v", ev.State)
	}
	for _, f := range []export.Format{export.FormatKML, export.FormatCZML, export.FormatGeoJSON} {
		var buf bytes.Buffer
		if err := export.Write(&buf, f, ev, nil); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte("E-overflight-ellipse95")) || bytes.Contains(buf.Bytes(), []byte("E-overflight-impact")) {
			t.Errorf("%v: impact or ellipse written before any prediction", f)
		}
		var err error
		switch f {
		case export.FormatKML:
			err = export.CheckKML(buf.Bytes())
		case export.FormatGeoJSON:
			err = export.CheckGeoJSON(buf.Bytes())
		case export.FormatCZML:
			err = checkCZML(buf.Bytes())
		}
		if err != nil {
			t.Errorf("%v: %v", f, err)
		}
	}
	if err := export.KML(&bytes.Buffer{}, fusion.Event{}, nil); err == nil {
		t.Error("KML of an event without an ID: no error")
	}
}

func TestWriteError(t *testing.T) {
	ev := exporttest.Overflight(t0).At(t0.Add(400 * time.Second))
	for _, f := range []export.Format{export.FormatKML, export.FormatCZML, export.FormatGeoJSON} {
		if err := export.Write(failWriter{}, f, ev, nil); !errors.Is(err, errFail) {
			t.Errorf("%v: error %v, want one wrapping the write error", f, err)
		}
	}
}

var errFail = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFail }

// checkCZML checks what the tests rely on in a CZML document: an array
// whose first packet is the document packet (id "document", version
// "1.0"), unique ids, and for sampled positions groups of four numbers with
// increasing times inside the availability interval.
func checkCZML(b []byte) error {
	var packets []struct {
		ID           string `json:"id"`
		Version      string `json:"version"`
		Availability string `json:"availability"`
		Position     *struct {
			Epoch string    `json:"epoch"`
			Deg   []float64 `json:"cartographicDegrees"`
		} `json:"position"`
	}
	if err := json.Unmarshal(b, &packets); err != nil {
		return err
	}
	if len(packets) == 0 || packets[0].ID != "document" || packets[0].Version != "1.0" {
		return fmt.Errorf("first packet is not the document packet")
	}
	ids := map[string]bool{}
	for _, p := range packets {
		if ids[p.ID] {
			return fmt.Errorf("id %q twice", p.ID)
		}
		ids[p.ID] = true
		if p.Position == nil || p.Position.Epoch == "" {
			continue
		}
		d := p.Position.Deg
		if len(d)%4 != 0 || len(d) < 8 {
			return fmt.Errorf("%s: %d numbers in sampled position", p.ID, len(d))
		}
		epoch, err := time.Parse(time.RFC3339, p.Position.Epoch)
		if err != nil {
			return err
		}
		from, to, ok := strings.Cut(p.Availability, "/")
		if !ok {
			return fmt.Errorf("%s: availability %q", p.ID, p.Availability)
		}
		start, err1 := time.Parse(time.RFC3339, from)
		end, err2 := time.Parse(time.RFC3339, to)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s: availability %q", p.ID, p.Availability)
		}
		for i := 0; i < len(d); i += 4 {
			at := epoch.Add(time.Duration(d[i] * float64(time.Second)))
			if i > 0 && d[i] <= d[i-4] {
				return fmt.Errorf("%s: sample times not increasing at %d", p.ID, i/4)
			}
			if at.Before(start) || at.After(end) || d[i+1] < -180 || d[i+1] > 180 || d[i+2] < -90 || d[i+2] > 90 {
				return fmt.Errorf("%s: sample %d out of range", p.ID, i/4)
			}
		}
	}
	return nil
}

func TestCheckKMLRejects(t *testing.T) {
	const head = `<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Style id="s"><LineStyle><color>ff0000ff</color></LineStyle></Style>`
	const tail = `</Document></kml>`
	for _, tt := range []struct{ name, doc, want string }{
		{"ok", head + `<Placemark id="p"><name>x</name><styleUrl>#s</styleUrl><Point><coordinates>1,2,3</coordinates></Point></Placemark>` + tail, ""},
		{"wrong_namespace", `<kml xmlns="http://earth.google.com/kml/2.1"><Document/></kml>`, "namespace"},
		{"out_of_order", head + `<Placemark><styleUrl>#s</styleUrl><name>x</name><Point><coordinates>1,2</coordinates></Point></Placemark>` + tail, "not allowed"},
		{"unknown_element", head + `<Placemark><Foo/></Placemark>` + tail, "not allowed"},
		{"two_geometries", head + `<Placemark><Point><coordinates>1,2</coordinates></Point><Point><coordinates>1,2</coordinates></Point></Placemark>` + tail, "too many"},
		{"bad_color", `<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Style id="s"><LineStyle><color>red</color></LineStyle></Style></Document></kml>`, "aabbggrr"},
		{"bad_altitude_mode", head + `<Placemark><Point><altitudeMode>sky</altitudeMode><coordinates>1,2</coordinates></Point></Placemark>` + tail, "altitudeMode"},
		{"lat_out_of_range", head + `<Placemark><Point><coordinates>1,95</coordinates></Point></Placemark>` + tail, "out of range"},
		{"open_ring", head + `<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,1</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>` + tail, "not closed"},
		{"short_line", head + `<Placemark><LineString><coordinates>0,0</coordinates></LineString></Placemark>` + tail, "at least 2"},
		{"dangling_style", head + `<Placemark><styleUrl>#nope</styleUrl></Placemark>` + tail, "names no Style"},
		{"duplicate_id", head + `<Placemark id="s"/>` + tail, "not unique"},
		{"bad_id", head + `<Placemark id="1x"/>` + tail, "NCName"},
		{"bad_time", head + `<Placemark><TimeStamp><when>yesterday</when></TimeStamp></Placemark>` + tail, "dateTime"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := export.CheckKML([]byte(tt.doc))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckKML: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckKML: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestCheckGeoJSONRejects(t *testing.T) {
	feat := func(geom string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":` + geom + `}]}`
	}
	for _, tt := range []struct{ name, doc, want string }{
		{"ok", feat(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`), ""},
		{"null_geometry", feat(`null`), ""},
		{"clockwise", feat(`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,0]]]}`), "clockwise"},
		{"ccw_hole", feat(`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}`), "hole runs counterclockwise"},
		{"open_ring", feat(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`), "not closed"},
		{"short_ring", feat(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`), "at least 4"},
		{"lon_range", feat(`{"type":"Point","coordinates":[190,0]}`), "outside"},
		{"antimeridian", feat(`{"type":"LineString","coordinates":[[179,0],[-179,0]]}`), "antimeridian"},
		{"four_numbers", feat(`{"type":"Point","coordinates":[1,2,3,4]}`), "2 or 3"},
		{"unknown_type", feat(`{"type":"Circle","coordinates":[1,2]}`), "unknown type"},
		{"no_properties", `{"type":"Feature","geometry":null}`, "properties"},
		{"crs", `{"type":"FeatureCollection","crs":{},"features":[]}`, "crs"},
		{"bad_id", `{"type":"Feature","id":{},"properties":null,"geometry":null}`, "id"},
		{"trailing", `{"type":"FeatureCollection","features":[]} {}`, "trailing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := export.CheckGeoJSON([]byte(tt.doc))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckGeoJSON: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckGeoJSON: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func BenchmarkExport(b *testing.B) {
	ev := exporttest.Overflight(t0).At(t0.Add(400 * time.Second))
	areas := exporttest.Areas()
	for _, f := range []export.Format{export.FormatKML, export.FormatCZML, export.FormatGeoJSON} {
		b.Run(f.String(), func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := export.Write(&buf, f, ev, areas); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
