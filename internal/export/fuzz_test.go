package export_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/export/exporttest"
)

// FuzzCheckKML: CheckKML never panics, and accepts what KML writes.
func FuzzCheckKML(f *testing.F) {
	var buf bytes.Buffer
	if err := export.KML(&buf, exporttest.Overflight(t0).At(t0.Add(400*time.Second)), exporttest.Areas()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><Point><coordinates>1,2</coordinates></Point></Placemark></Document></kml>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = export.CheckKML(b)
	})
}

// FuzzCheckGeoJSON: CheckGeoJSON never panics.
func FuzzCheckGeoJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := export.GeoJSON(&buf, exporttest.Dateline(t0).At(t0.Add(300*time.Second)), exporttest.Areas()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = export.CheckGeoJSON(b)
	})
}

// FuzzEllipse: the ellipse ring is closed, finite and counterclockwise for
// any centre and axes, and the exports of an event with it check.
func FuzzEllipse(f *testing.F) {
	f.Add(40.0, 145.0, 50.0, 20.0, 30.0)
	f.Add(89.9, 179.9, 500.0, 1.0, 179.0)
	f.Fuzz(func(t *testing.T, lat, lon, major, minor, bearing float64) {
		ev := exporttest.Overflight(t0).At(t0.Add(400 * time.Second))
		ev.Estimate.Impact.Lat, ev.Estimate.Impact.Lon = lat, lon
		ev.Estimate.Impact.Ellipse95.MajorKm, ev.Estimate.Impact.Ellipse95.MinorKm = major, minor
		ev.Estimate.Impact.Ellipse95.BearingDeg = bearing
		var buf bytes.Buffer
		if err := export.GeoJSON(&buf, ev, nil); err != nil {
			t.Fatal(err)
		}
		if !(lat > -89 && lat < 89 && major > 0.01 && major < 1000 && minor > 0.01 && minor <= major) {
			return // poles, degenerate or huge ellipses: no promise but no panic
		}
		if err := export.CheckGeoJSON(buf.Bytes()); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := export.KML(&buf, ev, nil); err != nil {
			t.Fatal(err)
		}
		if err := export.CheckKML(buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	})
}
