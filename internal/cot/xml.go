package cot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Limits of [Decode].
const (
	// MaxEventSize is the default limit on one CoT XML event or TAK
	// protocol v1 payload, in bytes. It is far above what TAK clients send
	// (TAK Server reads 2 KiB chunks; goatak refuses events over 2 KiB).
	MaxEventSize = 64 << 10
	// maxDepth is the deepest element nesting accepted (event is depth 1).
	maxDepth = 32
)

// XMLHeader starts every event [Encode] writes. TAK protocol v0 streams
// send it before each event, followed by a newline (protocol.txt,
// "Traditional Protocol").
const XMLHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// timeLayout is CoT's time form: xs:dateTime in UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Encode validates ev and returns it as a CoT XML document: [XMLHeader],
// then the <event> with its <point> and <detail>, and no trailing newline.
// Times are written in UTC to the millisecond, numbers in their shortest
// exact decimal form.
func Encode(ev *Event) ([]byte, error) {
	return AppendXML(make([]byte, 0, 512), ev)
}

// AppendXML is [Encode] appending to dst.
func AppendXML(dst []byte, ev *Event) ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return dst, err
	}
	return appendXML(dst, ev), nil
}

// appendXML is AppendXML for a valid event.
func appendXML(dst []byte, ev *Event) []byte {
	b := append(dst, XMLHeader...)
	v := ev.Version
	if v == "" {
		v = "2.0"
	}
	b = append(b, `<event version="`...)
	b = appendAttr(b, v)
	b = append(b, `" uid="`...)
	b = appendAttr(b, ev.UID)
	b = append(b, `" type="`...)
	b = appendAttr(b, ev.Type)
	b = append(b, `" how="`...)
	b = appendAttr(b, ev.How)
	b = append(b, '"')
	b = attr(b, "access", ev.Access)
	b = attr(b, "qos", ev.QoS)
	b = attr(b, "opex", ev.Opex)
	b = append(b, ` time="`...)
	b = ev.Time.UTC().AppendFormat(b, timeLayout)
	b = append(b, `" start="`...)
	b = ev.Start.UTC().AppendFormat(b, timeLayout)
	b = append(b, `" stale="`...)
	b = ev.Stale.UTC().AppendFormat(b, timeLayout)
	b = append(b, `"><point lat="`...)
	b = appendNum(b, ev.Point.Lat)
	b = append(b, `" lon="`...)
	b = appendNum(b, ev.Point.Lon)
	b = append(b, `" hae="`...)
	b = appendNum(b, ev.Point.HAE)
	b = append(b, `" ce="`...)
	b = appendNum(b, ev.Point.CE)
	b = append(b, `" le="`...)
	b = appendNum(b, ev.Point.LE)
	b = append(b, `"/>`...)
	b = appendDetail(b, &ev.Detail)
	return append(b, "</event>"...)
}

// appendDetail writes <detail>: the typed elements in a fixed order, then
// the other XML. An empty detail is written as <detail/>.
func appendDetail(b []byte, d *Detail) []byte {
	if d.Contact == nil && d.Group == nil && d.PrecisionLocation == nil && d.Status == nil && d.Takv == nil && d.Track == nil && d.XML == "" {
		return append(b, "<detail/>"...)
	}
	b = append(b, "<detail>"...)
	if c := d.Contact; c != nil {
		b = append(b, "<contact"...)
		b = attr(b, "endpoint", c.Endpoint)
		b = append(b, ` callsign="`...)
		b = appendAttr(b, c.Callsign)
		b = append(b, `"/>`...)
	}
	if g := d.Group; g != nil {
		b = append(b, `<__group name="`...)
		b = appendAttr(b, g.Name)
		b = append(b, `" role="`...)
		b = appendAttr(b, g.Role)
		b = append(b, `"/>`...)
	}
	if p := d.PrecisionLocation; p != nil {
		b = append(b, `<precisionlocation geopointsrc="`...)
		b = appendAttr(b, p.GeoPointSrc)
		b = append(b, `" altsrc="`...)
		b = appendAttr(b, p.AltSrc)
		b = append(b, `"/>`...)
	}
	if s := d.Status; s != nil {
		b = append(b, `<status battery="`...)
		b = strconv.AppendUint(b, uint64(s.Battery), 10)
		b = append(b, `"/>`...)
	}
	if t := d.Takv; t != nil {
		b = append(b, `<takv device="`...)
		b = appendAttr(b, t.Device)
		b = append(b, `" platform="`...)
		b = appendAttr(b, t.Platform)
		b = append(b, `" os="`...)
		b = appendAttr(b, t.OS)
		b = append(b, `" version="`...)
		b = appendAttr(b, t.Version)
		b = append(b, `"/>`...)
	}
	if t := d.Track; t != nil {
		b = append(b, `<track course="`...)
		b = appendNum(b, t.Course)
		b = append(b, `" speed="`...)
		b = appendNum(b, t.Speed)
		b = append(b, `"/>`...)
	}
	b = append(b, d.XML...)
	return append(b, "</detail>"...)
}

// attr appends ` name="value"` if value is not empty.
func attr(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendAttr(b, value)
	return append(b, '"')
}

// appendAttr appends s escaped for a double-quoted attribute value.
func appendAttr(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&quot;"...)
		case '\'':
			b = append(b, "&apos;"...)
		case '\n':
			b = append(b, "&#xA;"...)
		case '\r':
			b = append(b, "&#xD;"...)
		case '\t':
			b = append(b, "&#x9;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendText appends s escaped for element content.
func appendText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '\r':
			b = append(b, "&#xD;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendNum appends v in its shortest exact decimal form, never with an
// exponent.
func appendNum(b []byte, v float64) []byte {
	if v == 0 {
		return append(b, '0') // no "-0"
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// Decode parses one CoT XML event, as a TAK client or server sends it: an
// optional XML declaration, comments and whitespace, then one <event>
// element and nothing else. It is strict: at most MaxEventSize bytes,
// elements nested at most 32 deep, no DOCTYPE, UTF-8 only, one <point> and
// at most one <detail>, no other children of <event>, the attributes that
// CoT requires (uid may also be spelled UID, as in protocol.txt's
// examples), and the checks of [Event.Validate]. Detail children with a TAK
// protocol v1 message (contact, __group, precisionlocation, status, takv,
// track) become typed fields when they carry exactly the message's
// attributes and no content; every other child is kept verbatim in
// Detail.XML. Errors wrap [ErrTooLarge] or [ErrInvalid].
func Decode(b []byte) (Event, error) {
	var ev Event
	if len(b) > MaxEventSize {
		return ev, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxEventSize)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	seen := false
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ev, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target != "xml" || off != 0 {
				return ev, fmt.Errorf("%w: unexpected processing instruction %q", ErrInvalid, t.Target)
			}
		case xml.Comment:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return ev, fmt.Errorf("%w: text outside <event>", ErrInvalid)
			}
		case xml.Directive:
			return ev, fmt.Errorf("%w: directive <!%s", ErrInvalid, clip(string(t)))
		case xml.StartElement:
			if seen {
				return ev, fmt.Errorf("%w: more than one root element", ErrInvalid)
			}
			if t.Name.Local != "event" {
				return ev, fmt.Errorf("%w: root element <%s>, want <event>", ErrInvalid, clip(t.Name.Local))
			}
			seen = true
			if err := decodeEvent(d, b, t, &ev); err != nil {
				return Event{}, err
			}
		default:
			return ev, fmt.Errorf("%w: unexpected %T", ErrInvalid, tok)
		}
	}
	if !seen {
		return ev, fmt.Errorf("%w: no <event>", ErrInvalid)
	}
	if err := ev.Validate(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// decodeEvent reads the attributes and children of <event>.
func decodeEvent(d *xml.Decoder, src []byte, start xml.StartElement, ev *Event) error {
	var err error
	for _, a := range start.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch a.Name.Local {
		case "version":
			ev.Version = a.Value
		case "uid", "UID":
			ev.UID = a.Value
		case "type":
			ev.Type = a.Value
		case "how":
			ev.How = a.Value
		case "access":
			ev.Access = a.Value
		case "qos":
			ev.QoS = a.Value
		case "opex":
			ev.Opex = a.Value
		case "time":
			ev.Time, err = parseTime("time", a.Value)
		case "start":
			ev.Start, err = parseTime("start", a.Value)
		case "stale":
			ev.Stale, err = parseTime("stale", a.Value)
		}
		if err != nil {
			return err
		}
	}
	if ev.Version == "" {
		return fmt.Errorf("%w: no version", ErrInvalid)
	}
	points, details := 0, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if points != 1 {
				return fmt.Errorf("%w: %d <point> elements, want 1", ErrInvalid, points)
			}
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return fmt.Errorf("%w: text in <event>", ErrInvalid)
			}
		case xml.Comment:
		case xml.StartElement:
			switch t.Name.Local {
			case "point":
				points++
				if err := decodePoint(t, &ev.Point); err != nil {
					return err
				}
				if err := skip(d, 2); err != nil {
					return err
				}
			case "detail":
				details++
				if details > 1 {
					return fmt.Errorf("%w: more than one <detail>", ErrInvalid)
				}
				if err := decodeDetail(d, src, &ev.Detail); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%w: unexpected <%s> in <event>", ErrInvalid, clip(t.Name.Local))
			}
		default:
			return fmt.Errorf("%w: unexpected %T in <event>", ErrInvalid, tok)
		}
	}
}

// parseTime parses an xs:dateTime; one without a zone is taken as UTC.
// The time is truncated to the millisecond, CoT's and TAK protocol v1's
// precision.
func parseTime(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q is not an xs:dateTime", ErrInvalid, name, clip(s))
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

func decodePoint(t xml.StartElement, p *Point) error {
	var have [5]bool
	for _, a := range t.Attr {
		var dst *float64
		var i int
		switch a.Name.Local {
		case "lat":
			dst, i = &p.Lat, 0
		case "lon":
			dst, i = &p.Lon, 1
		case "hae":
			dst, i = &p.HAE, 2
		case "ce":
			dst, i = &p.CE, 3
		case "le":
			dst, i = &p.LE, 4
		default:
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
		if err != nil {
			return fmt.Errorf("%w: point %s %q", ErrInvalid, a.Name.Local, clip(a.Value))
		}
		*dst, have[i] = v, true
	}
	for i, n := range []string{"lat", "lon", "hae", "ce", "le"} {
		if !have[i] {
			return fmt.Errorf("%w: point has no %s", ErrInvalid, n)
		}
	}
	return nil
}

// skip consumes the rest of the element just started at depth, checking
// the nesting limit.
func skip(d *xml.Decoder, depth int) error {
	for n := 1; n > 0; {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		switch tok.(type) {
		case xml.StartElement:
			n++
			if depth+n-1 > maxDepth {
				return fmt.Errorf("%w: elements nested deeper than %d", ErrInvalid, maxDepth)
			}
		case xml.EndElement:
			n--
		case xml.Directive:
			return fmt.Errorf("%w: directive", ErrInvalid)
		}
	}
	return nil
}

// decodeDetail reads <detail>'s children (depth 3).
func decodeDetail(d *xml.Decoder, src []byte, det *Detail) error {
	var rest []byte
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			det.XML = string(rest)
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return fmt.Errorf("%w: text in <detail>", ErrInvalid)
			}
		case xml.Comment, xml.ProcInst:
		case xml.StartElement:
			empty, err := skipEmpty(d)
			if err != nil {
				return err
			}
			if !empty || !typed(t, det) {
				end := d.InputOffset()
				if off < 0 || end > int64(len(src)) || off > end {
					return fmt.Errorf("%w: detail offsets", ErrInvalid)
				}
				rest = append(rest, src[off:end]...)
			}
		default:
			return fmt.Errorf("%w: unexpected %T in <detail>", ErrInvalid, tok)
		}
	}
}

// skipEmpty consumes the element just started (at depth 3) and reports
// whether it had no content but whitespace.
func skipEmpty(d *xml.Decoder) (bool, error) {
	empty := true
	for n := 1; n > 0; {
		tok, err := d.Token()
		if err != nil {
			return false, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n++
			empty = false
			if 2+n > maxDepth {
				return false, fmt.Errorf("%w: elements nested deeper than %d", ErrInvalid, maxDepth)
			}
		case xml.EndElement:
			n--
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				empty = false
			}
		case xml.Directive:
			return false, fmt.Errorf("%w: directive", ErrInvalid)
		default:
			empty = false
		}
	}
	return empty, nil
}

// typed stores an attribute-only detail child in its typed field if it is
// one of TAK protocol v1's messages, not yet set, with exactly that
// message's attributes (contact's endpoint is optional), all parseable.
func typed(t xml.StartElement, det *Detail) bool {
	attrs := map[string]string{}
	for _, a := range t.Attr {
		if a.Name.Space != "" {
			return false
		}
		if _, dup := attrs[a.Name.Local]; dup {
			return false
		}
		attrs[a.Name.Local] = a.Value
	}
	exactly := func(names ...string) bool {
		if len(attrs) != len(names) {
			return false
		}
		for _, n := range names {
			if _, ok := attrs[n]; !ok {
				return false
			}
		}
		return true
	}
	if t.Name.Space != "" {
		return false
	}
	switch t.Name.Local {
	case "contact":
		if det.Contact != nil || !(exactly("callsign") || exactly("callsign", "endpoint")) {
			return false
		}
		det.Contact = &Contact{Callsign: attrs["callsign"], Endpoint: attrs["endpoint"]}
	case "__group":
		if det.Group != nil || !exactly("name", "role") {
			return false
		}
		det.Group = &Group{Name: attrs["name"], Role: attrs["role"]}
	case "precisionlocation":
		if det.PrecisionLocation != nil || !exactly("geopointsrc", "altsrc") {
			return false
		}
		det.PrecisionLocation = &PrecisionLocation{GeoPointSrc: attrs["geopointsrc"], AltSrc: attrs["altsrc"]}
	case "status":
		if det.Status != nil || !exactly("battery") {
			return false
		}
		v, err := strconv.ParseUint(attrs["battery"], 10, 32)
		if err != nil || strconv.FormatUint(v, 10) != attrs["battery"] {
			return false
		}
		det.Status = &Status{Battery: uint32(v)}
	case "takv":
		if det.Takv != nil || !exactly("device", "platform", "os", "version") {
			return false
		}
		det.Takv = &Takv{Device: attrs["device"], Platform: attrs["platform"], OS: attrs["os"], Version: attrs["version"]}
	case "track":
		if det.Track != nil || !exactly("course", "speed") {
			return false
		}
		c, err1 := strconv.ParseFloat(attrs["course"], 64)
		s, err2 := strconv.ParseFloat(attrs["speed"], 64)
		if err1 != nil || err2 != nil || !finite(c) || !finite(s) {
			return false
		}
		det.Track = &Track{Course: c, Speed: s}
	default:
		return false
	}
	return true
}

// Unmarshal decodes Detail.XML with encoding/xml into v, as the children
// of a <detail> element: v is typically a pointer to a struct with fields
// tagged `xml:"link"`, `xml:"shape"` and so on.
func (d Detail) Unmarshal(v any) error {
	if err := xml.Unmarshal([]byte("<detail>"+d.XML+"</detail>"), v); err != nil {
		return fmt.Errorf("cot: detail: %w", err)
	}
	return nil
}
