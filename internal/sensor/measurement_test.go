package sensor_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

func TestKindText(t *testing.T) {
	for _, tt := range []struct {
		kind sensor.Kind
		text string
	}{{sensor.KindRadar, "radar"}, {sensor.KindSpaceIR, "space_ir"}} {
		b, err := tt.kind.MarshalText()
		if err != nil || string(b) != tt.text {
			t.Errorf("MarshalText(%d) = %q, %v; want %q", tt.kind, b, err, tt.text)
		}
		var k sensor.Kind
		if err := k.UnmarshalText([]byte(tt.text)); err != nil || k != tt.kind {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tt.text, k, err, tt.kind)
		}
		if tt.kind.String() != tt.text {
			t.Errorf("String() = %q, want %q", tt.kind.String(), tt.text)
		}
	}
	if _, err := sensor.KindUnknown.MarshalText(); err == nil {
		t.Error("KindUnknown encodes")
	}
	var k sensor.Kind
	if err := k.UnmarshalText([]byte("RADAR")); err == nil {
		t.Error(`"RADAR" decodes; kinds are lower case`)
	}
	if sensor.Kind(7).String() != "unknown" {
		t.Errorf("Kind(7).String() = %q", sensor.Kind(7).String())
	}
}

// TestValidateNonFinite covers what JSON cannot carry but a Go caller can
// build: NaN and infinities are rejected with the field named.
func TestValidateNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name  string
		edit  func(*sensor.Measurement)
		field string
	}{
		{"range_nan", func(m *sensor.Measurement) { m.Radar.Range = geo.Meters(nan) }, "radar.range_m"},
		{"az_nan", func(m *sensor.Measurement) { m.Radar.Az = geo.Degrees(nan) }, "radar.az_deg"},
		{"el_inf", func(m *sensor.Measurement) { m.Radar.El = geo.Degrees(inf) }, "radar.el_deg"},
		{"site_nan", func(m *sensor.Measurement) { m.Radar.Site.Lon = geo.Degrees(nan) }, "radar.site.lon_deg"},
		{"rate_inf", func(m *sensor.Measurement) { m.Radar.RangeRate = ptr(inf) }, "radar.range_rate_mps"},
		{"sigma_nan", func(m *sensor.Measurement) { m.Radar.Sigma.El = geo.Degrees(nan) }, "radar.sigma.el_deg"},
		{"corr_nan", func(m *sensor.Measurement) { m.Radar.Corr.AzEl = nan }, "radar.corr.az_el"},
		{"bias_inf", func(m *sensor.Measurement) { m.Radar.BiasSigma.Range = geo.Meters(inf) }, "radar.bias_sigma.range_m"},
		{"time_local", func(m *sensor.Measurement) { m.Time = m.Time.In(fixedZone) }, "time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := goldenMeasurements()["radar_doppler"]
			tt.edit(&m)
			err := m.Validate()
			var fe *sensor.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Validate: %v; want a FieldError for %s", err, tt.field)
			}
			if !errors.Is(err, sensor.ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
		})
	}
	ir := goldenMeasurements()["space_ir"]
	ir.SpaceIR.LOS[1] = nan
	if err := ir.Validate(); err == nil {
		t.Error("NaN line of sight accepted")
	}
}

// TestR checks the covariance of the radar_doppler example in SI units.
func TestR(t *testing.T) {
	m := goldenMeasurements()["radar_doppler"]
	r := m.R()
	saz := float64(geo.Degrees(0.1146).Radians())
	for _, c := range []struct {
		i, j int
		want float64
	}{
		{0, 0, 50 * 50},
		{1, 1, saz * saz},
		{2, 2, saz * saz},
		{3, 3, 2 * 2},
		{0, 3, 0.5 * 50 * 2},
		{1, 2, -0.1 * saz * saz},
		{0, 1, 0},
		{2, 3, 0},
	} {
		if got := r.At(c.i, c.j); math.Abs(got-c.want) > 1e-12*math.Abs(c.want)+1e-300 {
			t.Errorf("R[%d][%d] = %g, want %g", c.i, c.j, got, c.want)
		}
	}
	ir := goldenMeasurements()["space_ir"]
	if r := ir.R(); r.SymmetricDim() != 2 || r.At(0, 0) != 9e-10 || r.At(1, 1) != 9e-10 || r.At(0, 1) != 0 {
		t.Errorf("space IR R = %v, want 9e-10·I₂", r)
	}
}

// TestResidual checks z − h(x) for exact measurements (zero), across the
// azimuth wrap, and for a line of sight off by a known angle.
func TestResidual(t *testing.T) {
	site := geo.LLA{Lat: 40.89, Lon: 140.33, Alt: 60}
	pos := geo.LLA{Lat: 44, Lon: 140.2, Alt: 300e3}.ECEF() // nearly due north
	vel := r3.Vec{X: 1000, Y: -3000, Z: 2000}
	az, el, rho := geo.AER(site, pos)
	d := r3.Sub(pos.Vec(), site.ECEF().Vec())
	rate := r3.Dot(d, vel) / r3.Norm(d)

	m := goldenMeasurements()["radar_doppler"]
	m.Radar.Site = sensor.Site(site)
	m.Radar.Range, m.Radar.Az, m.Radar.El, m.Radar.RangeRate = rho, az, el, &rate
	for i, x := range m.Residual(pos, vel) {
		if math.Abs(x) > 1e-6 {
			t.Errorf("exact plot: residual[%d] = %g, want 0", i, x)
		}
	}

	// A measured azimuth 0.1° east of north, a truth 0.1° west: +0.2°.
	west := geo.FromAER(site, 359.9, 20, 1000e3)
	m.Radar.Az, m.Radar.El, m.Radar.Range = 0.1, 20, 1000e3
	nu := m.Residual(west, vel)
	if want := float64(geo.Degrees(0.2).Radians()); math.Abs(nu[1]-want) > 1e-9 {
		t.Errorf("azimuth residual across north = %g rad, want %g", nu[1], want)
	}

	// Space IR: the true line of sight, then one 1e-4 rad off.
	ir := goldenMeasurements()["space_ir"]
	sat := ir.SpaceIR.SatPos()
	u := ir.SpaceIR.Dir()
	on := geo.ECEFFromVec(r3.Add(sat.Vec(), r3.Scale(38e6, u)))
	if nu := ir.Residual(on, r3.Vec{}); math.Hypot(nu[0], nu[1]) > 1e-12 {
		t.Errorf("IR residual on the line of sight = %v, want 0", nu)
	}
	perp := r3.Unit(r3.Cross(u, r3.Vec{Z: 1}))
	off := geo.ECEFFromVec(r3.Add(sat.Vec(), r3.Scale(38e6, r3.Add(u, r3.Scale(math.Tan(1e-4), perp)))))
	if nu := ir.Residual(off, r3.Vec{}); math.Abs(math.Hypot(nu[0], nu[1])-1e-4) > 1e-12 {
		t.Errorf("IR residual 1e-4 rad off the line of sight has norm %g", math.Hypot(nu[0], nu[1]))
	}
}

// TestEncodeUnknownKind: a measurement without a kind does not encode.
func TestEncodeUnknownKind(t *testing.T) {
	m := goldenMeasurements()["radar"]
	m.Kind = sensor.KindUnknown
	if _, err := json.Marshal(m); err == nil {
		t.Error("a measurement of unknown kind encodes")
	}
}

var fixedZone = time.FixedZone("JST", 9*3600)
