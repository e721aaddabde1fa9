package sensor_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// FuzzDecode checks that Decode never panics, that every error wraps
// ErrInvalid, and that whatever it accepts is valid, encodes, and decodes
// again to the same value. The corpus is seeded from testdata/measurements.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "measurements", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"kind":"radar"}`))
	f.Add([]byte(`{"kind":"space_ir","space_ir":{"los_ecef":[1,0,0,0]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := sensor.Decode(b)
		if err != nil {
			if !errors.Is(err, sensor.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Decode accepted an invalid measurement: %v", err)
		}
		enc, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("encode %+v: %v", m, err)
		}
		m2, err := sensor.Decode(enc)
		if err != nil {
			t.Fatalf("re-decode: %v\ninput: %s\nencoded: %s", err, b, enc)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the value:\n%+v\n%+v\nencoded: %s", m, m2, enc)
		}
		// A filter can use it: R and the residual against some state
		// have the right size, and the residual is finite.
		nu := m.Residual(geo.ECEF{X: 7e6, Y: 1e5, Z: -2e5}, r3.Vec{X: 100})
		if n := m.Dim(); len(nu) != n || m.R().SymmetricDim() != n {
			t.Fatalf("Residual (%d) or R (%d) not of dimension %d", len(nu), m.R().SymmetricDim(), n)
		}
		for i, x := range nu {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("residual component %d is %g", i, x)
			}
		}
	})
}
