package sensor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// decodeError is an error from Decode: it reads "decode measurement: …" and
// wraps both ErrInvalid and the cause.
type decodeError struct{ err error }

func (e *decodeError) Error() string   { return "decode measurement: " + e.err.Error() }
func (e *decodeError) Unwrap() []error { return []error{ErrInvalid, e.err} }

// measurementFields has Measurement's fields without its methods, so the
// decoder can shadow some of them.
type measurementFields Measurement

// spaceIRWire is SpaceIR as decoded.
type spaceIRWire struct {
	Sat   []float64   `json:"sat_ecef_m"`
	LOS   []float64   `json:"los_ecef"`
	Sigma geo.Radians `json:"sigma_rad"`
}

// Decode parses one JSON-encoded [Measurement] strictly, as input from
// outside: unknown fields, trailing data, a time that is not RFC 3339 in UTC
// (offset zero), and anything [Measurement.Validate] rejects are errors that
// name the field and wrap [ErrInvalid]. JSON cannot carry NaN or infinities,
// and numbers beyond float64's range are rejected. A time with offset
// "+00:00" is accepted and returned in UTC.
//
// Limitations of encoding/json: object keys match field names
// case-insensitively, and of repeated keys the last wins.
func Decode(b []byte) (Measurement, error) {
	var m Measurement
	w := struct {
		*measurementFields
		// Decoded by hand so that their errors name the field.
		Kind   string `json:"kind"`
		Nation string `json:"nation"`
		Time   string `json:"time"`
		// Slices, so that arrays of the wrong length are errors.
		SpaceIR *spaceIRWire `json:"space_ir"`
	}{measurementFields: (*measurementFields)(&m)}

	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Measurement{}, &decodeError{err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Measurement{}, &decodeError{errors.New("trailing data after the JSON object")}
	}

	if w.Kind == "" {
		return Measurement{}, &decodeError{fieldErr("kind", "missing")}
	}
	var err error
	if m.Kind, err = parseKind(w.Kind); err != nil {
		return Measurement{}, &decodeError{fieldErr("kind", "%v", err)}
	}
	if w.Nation == "" {
		return Measurement{}, &decodeError{fieldErr("nation", "missing")}
	}
	if m.Nation, err = nation.Parse(w.Nation); err != nil {
		return Measurement{}, &decodeError{fieldErr("nation", "%v", err)}
	}
	if w.Time == "" {
		return Measurement{}, &decodeError{fieldErr("time", "missing")}
	}
	t, err := time.Parse(time.RFC3339Nano, w.Time)
	if err != nil {
		return Measurement{}, &decodeError{fieldErr("time", "%v", err)}
	}
	if _, off := t.Zone(); off != 0 {
		return Measurement{}, &decodeError{fieldErr("time", "%q is not UTC", w.Time)}
	}
	m.Time = t.UTC()
	if w.SpaceIR != nil {
		ir := SpaceIR{Sigma: w.SpaceIR.Sigma}
		for _, f := range []struct {
			name string
			src  []float64
			dst  *[3]float64
		}{{"sat_ecef_m", w.SpaceIR.Sat, &ir.Sat}, {"los_ecef", w.SpaceIR.LOS, &ir.LOS}} {
			if len(f.src) != 3 {
				return Measurement{}, &decodeError{fieldErr("space_ir."+f.name, "want 3 numbers, got %d", len(f.src))}
			}
			copy(f.dst[:], f.src)
		}
		m.SpaceIR = &ir
	}

	if err := m.Validate(); err != nil {
		return Measurement{}, &decodeError{err}
	}
	return m, nil
}
