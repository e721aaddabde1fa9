package cap

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// TimeLayout is CAP's date-time form (CAP 1.2 §3.3.2): an explicit offset,
// no fractional seconds and no "Z". UTC is written "-00:00".
const TimeLayout = "2006-01-02T15:04:05-07:00"

// Time is a CAP date-time. Its zone is kept as given, so a Japanese alert
// says +09:00.
type Time struct{ time.Time }

// At returns t truncated to the second as a Time.
func At(t time.Time) Time { return Time{t.Truncate(time.Second)} }

// AtPtr returns a pointer to At(t).
func AtPtr(t time.Time) *Time { v := At(t); return &v }

// String returns t in CAP form.
func (t Time) String() string {
	s := t.Time.Format(TimeLayout)
	if strings.HasSuffix(s, "+00:00") {
		s = s[:len(s)-6] + "-00:00"
	}
	return s
}

// MarshalText writes CAP form. It fails for the zero time, for fractional
// seconds (they would be lost, breaking references to the message) and for
// years outside 0000–9999.
func (t Time) MarshalText() ([]byte, error) {
	if t.IsZero() {
		return nil, fmt.Errorf("cap: zero time")
	}
	if t.Nanosecond() != 0 {
		return nil, fmt.Errorf("cap: time %v has fractional seconds", t.Time)
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("cap: year %d", y)
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads CAP form only: "Z" and fractional seconds are
// rejected, as the schema rejects them.
func (t *Time) UnmarshalText(b []byte) error {
	s := string(b)
	if !capTime(s) {
		return fmt.Errorf("cap: time %q not in the form 2006-01-02T15:04:05+09:00", s)
	}
	v, err := time.Parse(TimeLayout, s)
	if err != nil {
		return fmt.Errorf("cap: time %q: %w", s, err)
	}
	t.Time = v
	return nil
}

// capTime reports whether s matches the schema's pattern
// \d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d (without the comma).
func capTime(s string) bool {
	const pat = "dddd-dd-ddTdd:dd:dd+dd:dd"
	if len(s) != len(pat) {
		return false
	}
	for i := range len(pat) {
		c := s[i]
		switch pat[i] {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		case '+':
			if c != '+' && c != '-' {
				return false
			}
		default:
			if c != pat[i] {
				return false
			}
		}
	}
	return true
}

// Point is a WGS-84 position in degrees.
type Point struct{ Lat, Lon float64 }

// Valid reports whether p is finite and in range.
func (p Point) Valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// String returns "lat,lon" (CAP order), degrees to 5 decimals.
func (p Point) String() string { return fmtDeg(p.Lat) + "," + fmtDeg(p.Lon) }

// fmtDeg writes degrees to 5 decimals (about 1 m), trailing zeros trimmed.
func fmtDeg(v float64) string {
	s := strconv.FormatFloat(v, 'f', 5, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func parsePoint(s string) (Point, error) {
	la, lo, ok := strings.Cut(s, ",")
	if !ok {
		return Point{}, fmt.Errorf("cap: point %q is not lat,lon", s)
	}
	lat, err1 := strconv.ParseFloat(la, 64)
	lon, err2 := strconv.ParseFloat(lo, 64)
	p := Point{lat, lon}
	if err1 != nil || err2 != nil || !p.Valid() {
		return Point{}, fmt.Errorf("cap: point %q is not a WGS-84 lat,lon", s)
	}
	return p, nil
}

// Polygon is an area/polygon (CAP 1.2 §3.2.4): "lat,lon lat,lon …", at
// least four points, the first repeated last.
type Polygon []Point

// MarshalText writes the polygon; it does not check it ([Validate] does).
func (pg Polygon) MarshalText() ([]byte, error) {
	var b strings.Builder
	for i, p := range pg {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	return []byte(b.String()), nil
}

// UnmarshalText reads a polygon's points; [Validate] checks its shape.
func (pg *Polygon) UnmarshalText(b []byte) error {
	f := strings.Fields(string(b))
	out := make(Polygon, 0, len(f))
	for _, s := range f {
		p, err := parsePoint(s)
		if err != nil {
			return err
		}
		out = append(out, p)
	}
	*pg = out
	return nil
}

// Circle is an area/circle (CAP 1.2 §3.2.4): "lat,lon radius", the radius
// in kilometres.
type Circle struct {
	Center   Point
	RadiusKm float64
}

// MarshalText writes "lat,lon radius".
func (c Circle) MarshalText() ([]byte, error) {
	if !finite(c.RadiusKm) || c.RadiusKm < 0 {
		return nil, fmt.Errorf("cap: circle radius %v", c.RadiusKm)
	}
	return []byte(c.Center.String() + " " + strconv.FormatFloat(c.RadiusKm, 'f', -1, 64)), nil
}

// UnmarshalText reads "lat,lon radius".
func (c *Circle) UnmarshalText(b []byte) error {
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return fmt.Errorf("cap: circle %q is not \"lat,lon radius\"", b)
	}
	p, err := parsePoint(f[0])
	if err != nil {
		return err
	}
	r, err := strconv.ParseFloat(f[1], 64)
	if err != nil || !finite(r) || r < 0 {
		return fmt.Errorf("cap: circle radius %q", f[1])
	}
	c.Center, c.RadiusKm = p, r
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Reference identifies an earlier message (CAP 1.2 §3.2.1 references).
type Reference struct {
	Sender, Identifier string
	Sent               Time
}

// String returns "sender,identifier,sent".
func (r Reference) String() string {
	return r.Sender + "," + r.Identifier + "," + r.Sent.String()
}

// References is alert/references: space-separated
// "sender,identifier,sent" triplets.
type References []Reference

// MarshalText writes the triplets.
func (rs References) MarshalText() ([]byte, error) {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if _, err := r.Sent.MarshalText(); err != nil {
			return nil, fmt.Errorf("cap: reference %d: %w", i, err)
		}
		parts[i] = r.String()
	}
	return []byte(strings.Join(parts, " ")), nil
}

// UnmarshalText reads the triplets.
func (rs *References) UnmarshalText(b []byte) error {
	var out References
	for _, f := range strings.Fields(string(b)) {
		parts := strings.Split(f, ",")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			return fmt.Errorf("cap: reference %q is not sender,identifier,sent", f)
		}
		var t Time
		if err := t.UnmarshalText([]byte(parts[2])); err != nil {
			return fmt.Errorf("cap: reference %q: %w", f, err)
		}
		out = append(out, Reference{Sender: parts[0], Identifier: parts[1], Sent: t})
	}
	*rs = out
	return nil
}

// Decimal is an xs:decimal (area/altitude and ceiling, in feet): written
// without an exponent.
type Decimal float64

// MarshalText writes d in plain decimal form; NaN and infinities fail.
func (d Decimal) MarshalText() ([]byte, error) {
	if !finite(float64(d)) {
		return nil, fmt.Errorf("cap: decimal %v", float64(d))
	}
	return []byte(strconv.FormatFloat(float64(d), 'f', -1, 64)), nil
}

// UnmarshalText reads an xs:decimal: an optional sign, digits and an
// optional fraction.
func (d *Decimal) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	t := strings.TrimLeft(s, "+-")
	digits := 0
	for i, c := range t {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !strings.Contains(t[:i], "."):
		default:
			return fmt.Errorf("cap: decimal %q", s)
		}
	}
	if digits == 0 || len(s)-len(t) > 1 {
		return fmt.Errorf("cap: decimal %q", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(v) {
		return fmt.Errorf("cap: decimal %q", s)
	}
	*d = Decimal(v)
	return nil
}
