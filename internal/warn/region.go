package warn

import (
	"fmt"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// Lang is a language of warning texts. Its text form is the ISO 639-1 code.
//
// The values are persisted: do not reorder.
type Lang int

const (
	LangUnknown Lang = iota
	Ja               // Japanese
	Ko               // Korean
	En               // English
)

// Langs lists the languages of every warning, in CAP order (ja, ko, en).
var Langs = []Lang{Ja, Ko, En}

var langCodes = [...]string{"", "ja", "ko", "en"}
var langTags = [...]string{"", "ja-JP", "ko-KR", "en-US"}

// String returns the ISO 639-1 code ("ja"), or "unknown".
func (l Lang) String() string {
	if l > LangUnknown && int(l) < len(langCodes) {
		return langCodes[l]
	}
	return "unknown"
}

// Tag returns the RFC 3066 tag used in CAP info/language ("ja-JP"), or "".
func (l Lang) Tag() string {
	if l > LangUnknown && int(l) < len(langTags) {
		return langTags[l]
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler.
func (l Lang) MarshalText() ([]byte, error) {
	if l <= LangUnknown || int(l) >= len(langCodes) {
		return nil, fmt.Errorf("warn: unknown language %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts "ja" or
// "ja-JP".
func (l *Lang) UnmarshalText(b []byte) error {
	for i := 1; i < len(langCodes); i++ {
		if string(b) == langCodes[i] || string(b) == langTags[i] {
			*l = Lang(i)
			return nil
		}
	}
	return fmt.Errorf("warn: unknown language %q (want ja, ko or en)", b)
}

// Names holds a name in each warning language.
type Names struct {
	Ja, Ko, En string
}

// In returns the name in l, falling back to English when the data has no
// name in l.
func (n Names) In(l Lang) string {
	switch {
	case l == Ja && n.Ja != "":
		return n.Ja
	case l == Ko && n.Ko != "":
		return n.Ko
	}
	return n.En
}

// Region is a warning region: a Japanese prefecture, a Korean first-level
// division or a US state or territory. Its land is drawn in its own
// nation's view of its territory (see the package documentation on
// disputed areas). Regions are immutable once loaded and safe to share.
type Region struct {
	// ID is the ISO 3166-2 code: "JP-02" (Aomori), "KR-47"
	// (Gyeongsangbuk-do), "US-GU" (Guam).
	ID string
	// Nation is the nation the region belongs to.
	Nation nation.Nation
	// Code is the national code used in CAP geocodes: the JIS X 0401
	// prefecture code ("02"), the KOSTAT census code ("37") or the FIPS
	// state code ("66").
	Code string
	// Name is the region's name in each language.
	Name Names
	// Shape is the region's land in WGS-84 longitude/latitude.
	Shape geo.MultiPolygon
	// Bounds is the bounding box of Shape.
	Bounds geo.Box

	idx   int // position in Atlas.regions
	shape int // the index's shape
}

// String returns the region's ID.
func (r *Region) String() string { return r.ID }

// Geocodes returns the CAP geocodes of the region as (valueName, value)
// pairs: the ISO 3166-2 code, and the national code under its system's
// name ("JIS X 0401", "KOSTAT", or "FIPS" and "SAME" for the US, SAME
// being the 6-digit PSSCCC form for the whole state: "015000").
func (r *Region) Geocodes() [][2]string {
	out := [][2]string{{"ISO 3166-2", r.ID}}
	switch r.Nation {
	case nation.JP:
		out = append(out, [2]string{"JIS X 0401", r.Code})
	case nation.KR:
		out = append(out, [2]string{"KOSTAT", r.Code})
	case nation.US:
		out = append(out, [2]string{"FIPS", r.Code}, [2]string{"SAME", "0" + r.Code + "000"})
	}
	return out
}
