package cap_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/warn/cap"
)

func TestTime(t *testing.T) {
	for _, tt := range []struct {
		name string
		t    time.Time
		want string
	}{
		{"jst", time.Date(2022, 10, 4, 7, 27, 0, 0, jst), "2022-10-04T07:27:00+09:00"},
		{"utc_is_minus_zero", time.Date(2022, 10, 3, 22, 27, 0, 0, time.UTC), "2022-10-03T22:27:00-00:00"},
		{"hawaii", time.Date(2018, 1, 13, 8, 7, 0, 0, time.FixedZone("HST", -10*3600)), "2018-01-13T08:07:00-10:00"},
		{"truncated", time.Date(2022, 10, 4, 7, 27, 0, 999e6, jst), "2022-10-04T07:27:00+09:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := cap.At(tt.t).MarshalText()
			if err != nil || string(b) != tt.want {
				t.Fatalf("MarshalText = %q, %v; want %q", b, err, tt.want)
			}
			var back cap.Time
			if err := back.UnmarshalText(b); err != nil || !back.Equal(cap.At(tt.t).Time) {
				t.Errorf("UnmarshalText(%q) = %v, %v", b, back, err)
			}
		})
	}
	for _, bad := range []string{"2022-10-04T07:27:00Z", "2022-10-04T07:27:00.5+09:00", "2022-10-04 07:27:00+09:00", "2022-13-04T07:27:00+09:00", ""} {
		var v cap.Time
		if err := v.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) succeeded", bad)
		}
	}
	if _, err := (cap.Time{Time: time.Date(2022, 1, 1, 0, 0, 0, 1, time.UTC)}).MarshalText(); err == nil {
		t.Error("fractional seconds marshalled")
	}
	if _, err := (cap.Time{}).MarshalText(); err == nil {
		t.Error("zero time marshalled")
	}
}

func TestShapesText(t *testing.T) {
	pg := cap.Polygon{{41, 140}, {41.5, 141.5}, {40.5, 141.5}, {41, 140}}
	b, _ := pg.MarshalText()
	if want := "41,140 41.5,141.5 40.5,141.5 41,140"; string(b) != want {
		t.Errorf("polygon = %q, want %q", b, want)
	}
	var back cap.Polygon
	if err := back.UnmarshalText(b); err != nil || len(back) != 4 || back[1] != pg[1] {
		t.Errorf("polygon round trip: %v, %v", back, err)
	}
	c := cap.Circle{Center: cap.Point{Lat: -12.345, Lon: 67.89}, RadiusKm: 15.2}
	if b, _ := c.MarshalText(); string(b) != "-12.345,67.89 15.2" {
		t.Errorf("circle = %q", b)
	}
	for _, bad := range []string{"41;140", "91,0", "0,181", "a,b"} {
		var p cap.Polygon
		if err := p.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("polygon %q accepted", bad)
		}
	}
	for _, bad := range []string{"1,2", "1,2 -3", "1,2 x", "1,2 3 4"} {
		var c cap.Circle
		if err := c.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("circle %q accepted", bad)
		}
	}
	refs := "trilink-jp@example.invalid,JP.trilink.E.0001,2022-10-04T07:27:00+09:00 s,JP.trilink.E.0002,2022-10-04T07:28:00+09:00"
	var rs cap.References
	if err := rs.UnmarshalText([]byte(refs)); err != nil || len(rs) != 2 || rs[1].Identifier != "JP.trilink.E.0002" {
		t.Fatalf("references: %v, %v", rs, err)
	}
	if b, _ := rs.MarshalText(); string(b) != refs {
		t.Errorf("references round trip: %q", b)
	}
	for _, bad := range []string{"a,b", "a,b,c", ",b,2022-10-04T07:27:00+09:00"} {
		var r cap.References
		if err := r.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("references %q accepted", bad)
		}
	}
}

func TestEnums(t *testing.T) {
	for _, v := range []interface {
		MarshalText() ([]byte, error)
	}{cap.Actual, cap.MsgCancel, cap.Public, cap.CategoryCBRNE, cap.ResponseAllClear, cap.Past, cap.SeverityUnknown, cap.Unlikely} {
		if _, err := v.MarshalText(); err != nil {
			t.Errorf("%v: %v", v, err)
		}
	}
	if b, _ := cap.UrgencyUnknown.MarshalText(); string(b) != "Unknown" {
		t.Errorf("UrgencyUnknown = %q, want CAP's Unknown", b)
	}
	if _, err := cap.UrgencyUnset.MarshalText(); err == nil {
		t.Error("UrgencyUnset marshals")
	}
	var s cap.Status
	if err := s.UnmarshalText([]byte("actual")); err == nil {
		t.Error(`status "actual" accepted (CAP values are case-sensitive)`)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := cap.Encode(base())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cap.Decode(good); err != nil {
		t.Fatalf("Decode(good): %v", err)
	}
	doc := string(good)
	for _, tt := range []struct {
		name      string
		doc       string
		malformed bool // ErrMalformed rather than a ValidationError
	}{
		{"not_xml", "hello", true},
		{"empty", "", true},
		{"doctype", strings.Replace(doc, "<alert", `<!DOCTYPE alert [<!ENTITY x "y">]><alert`, 1), true},
		{"wrong_root", `<feed xmlns="http://www.w3.org/2005/Atom"></feed>`, true},
		{"wrong_namespace", strings.Replace(doc, "urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1", 1), true},
		{"two_roots", doc + doc[strings.Index(doc, "<alert"):], true},
		{"oversize", doc + strings.Repeat(" ", cap.MaxSize), true},
		{"bad_enum", strings.Replace(doc, "<urgency>Immediate", "<urgency>NOW", 1), true},
		{"z_time", strings.Replace(doc, "07:27:00+09:00</sent>", "22:27:00Z</sent>", 1), true},
		{"restricted", strings.Replace(doc, "<scope>Public", "<scope>Restricted", 1), false},
		{"open_polygon", strings.Replace(doc, "40.5,141.5 41,140<", "40.5,141.5 41,140.5<", 1), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := cap.Decode([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Decode accepted it: %+v", a)
			}
			if got := errors.Is(err, cap.ErrMalformed); got != tt.malformed {
				t.Errorf("error %v: malformed %v, want %v", err, got, tt.malformed)
			}
			if !tt.malformed && !errors.Is(err, cap.ErrInvalid) {
				t.Errorf("error %v is not a validation error", err)
			}
		})
	}
}
