package cot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/cot/takproto"
	"google.golang.org/protobuf/proto"
)

// ToProto converts ev to a TAK protocol v1 CotEvent (takmessage.proto):
// times in milliseconds since the epoch, the typed detail elements in their
// messages and Detail.XML as xmlDetail. The version is not carried.
func ToProto(ev *Event) *takproto.CotEvent {
	c := &takproto.CotEvent{
		Type: ev.Type, Access: ev.Access, Qos: ev.QoS, Opex: ev.Opex, Uid: ev.UID,
		SendTime: millis(ev.Time), StartTime: millis(ev.Start), StaleTime: millis(ev.Stale), How: ev.How,
		Lat: ev.Point.Lat, Lon: ev.Point.Lon, Hae: ev.Point.HAE, Ce: ev.Point.CE, Le: ev.Point.LE,
	}
	d := &ev.Detail
	if d.Contact == nil && d.Group == nil && d.PrecisionLocation == nil && d.Status == nil && d.Takv == nil && d.Track == nil && d.XML == "" {
		return c
	}
	pd := &takproto.Detail{XmlDetail: d.XML}
	if x := d.Contact; x != nil {
		pd.Contact = &takproto.Contact{Callsign: x.Callsign, Endpoint: x.Endpoint}
	}
	if x := d.Group; x != nil {
		pd.Group = &takproto.Group{Name: x.Name, Role: x.Role}
	}
	if x := d.PrecisionLocation; x != nil {
		pd.PrecisionLocation = &takproto.PrecisionLocation{Geopointsrc: x.GeoPointSrc, Altsrc: x.AltSrc}
	}
	if x := d.Status; x != nil {
		pd.Status = &takproto.Status{Battery: x.Battery}
	}
	if x := d.Takv; x != nil {
		pd.Takv = &takproto.Takv{Device: x.Device, Platform: x.Platform, Os: x.OS, Version: x.Version}
	}
	if x := d.Track; x != nil {
		pd.Track = &takproto.Track{Course: x.Course, Speed: x.Speed}
	}
	c.Detail = pd
	return c
}

// FromProto converts a TAK protocol v1 CotEvent to an Event (version
// "2.0") and validates it as [Event.Validate] does. xmlDetail must be
// well-formed XML content (a sequence of elements); the error wraps
// [ErrInvalid].
func FromProto(c *takproto.CotEvent) (Event, error) {
	if c == nil {
		return Event{}, fmt.Errorf("%w: no event", ErrInvalid)
	}
	ev := Event{
		Version: "2.0", UID: c.Uid, Type: c.Type, How: c.How, Access: c.Access, QoS: c.Qos, Opex: c.Opex,
		Point: Point{Lat: c.Lat, Lon: c.Lon, HAE: c.Hae, CE: c.Ce, LE: c.Le},
	}
	var err error
	if ev.Time, err = fromMillis("sendTime", c.SendTime); err != nil {
		return Event{}, err
	}
	if ev.Start, err = fromMillis("startTime", c.StartTime); err != nil {
		return Event{}, err
	}
	if ev.Stale, err = fromMillis("staleTime", c.StaleTime); err != nil {
		return Event{}, err
	}
	if pd := c.Detail; pd != nil {
		d := &ev.Detail
		d.XML = pd.XmlDetail
		if x := pd.Contact; x != nil {
			d.Contact = &Contact{Callsign: x.Callsign, Endpoint: x.Endpoint}
		}
		if x := pd.Group; x != nil {
			d.Group = &Group{Name: x.Name, Role: x.Role}
		}
		if x := pd.PrecisionLocation; x != nil {
			d.PrecisionLocation = &PrecisionLocation{GeoPointSrc: x.Geopointsrc, AltSrc: x.Altsrc}
		}
		if x := pd.Status; x != nil {
			d.Status = &Status{Battery: x.Battery}
		}
		if x := pd.Takv; x != nil {
			d.Takv = &Takv{Device: x.Device, Platform: x.Platform, OS: x.Os, Version: x.Version}
		}
		if x := pd.Track; x != nil {
			d.Track = &Track{Course: x.Course, Speed: x.Speed}
		}
		if d.XML != "" {
			if err := checkDetailXML(d.XML); err != nil {
				return Event{}, err
			}
		}
	}
	if err := ev.Validate(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// checkDetailXML checks that s is well-formed XML content of <detail>
// within the nesting limit.
func checkDetailXML(s string) error {
	if len(s) > MaxEventSize {
		return fmt.Errorf("%w: xmlDetail of %d bytes", ErrTooLarge, len(s))
	}
	d := xml.NewDecoder(strings.NewReader("<detail>" + s + "</detail>"))
	d.Strict = true
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: xmlDetail: %v", ErrInvalid, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if depth+2 > maxDepth {
				return fmt.Errorf("%w: xmlDetail nested deeper than %d", ErrInvalid, maxDepth)
			}
		case xml.EndElement:
			depth--
		case xml.Directive, xml.ProcInst:
			return fmt.Errorf("%w: xmlDetail has a directive or processing instruction", ErrInvalid)
		case xml.CharData:
			if depth == 1 && len(bytes.TrimSpace(tok)) != 0 {
				return fmt.Errorf("%w: text in xmlDetail", ErrInvalid)
			}
		}
	}
	return nil
}

// millis is t in milliseconds since the epoch; 0 for the zero time.
func millis(t time.Time) uint64 {
	if t.IsZero() || t.Before(time.Unix(0, 0)) {
		return 0
	}
	return uint64(t.UnixMilli())
}

// maxMillis bounds times to the year 9999.
const maxMillis = 253402300799999

func fromMillis(name string, ms uint64) (time.Time, error) {
	if ms == 0 || ms > maxMillis || ms > math.MaxInt64 {
		return time.Time{}, fmt.Errorf("%w: %s %d", ErrInvalid, name, ms)
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// MarshalFrame returns ev as a TAK protocol v1 streaming frame: 0xbf, the
// payload length as a varint, and the serialized TakMessage.
func MarshalFrame(ev *Event) ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return appendFrame(nil, ev), nil
}

// appendFrame appends a valid event as a streaming frame.
func appendFrame(dst []byte, ev *Event) []byte {
	m := &takproto.TakMessage{CotEvent: ToProto(ev)}
	n := proto.Size(m)
	b := AppendFrameHeader(slices.Grow(dst, n+1+10), n)
	b, err := proto.MarshalOptions{}.MarshalAppend(b, m)
	if err != nil {
		// Only invalid UTF-8 in a string makes marshalling fail, and
		// Validate has ruled it out.
		panic(fmt.Sprintf("cot: marshal a validated event: %v", err))
	}
	return b
}

// UnmarshalPayload decodes a TAK protocol v1 payload (a TakMessage) and
// returns its event, if any, and its control message, if any. A payload
// with neither is invalid. Errors wrap [ErrTooLarge] or [ErrInvalid].
func UnmarshalPayload(p []byte) (*Event, *takproto.TakControl, error) {
	if len(p) > MaxEventSize {
		return nil, nil, fmt.Errorf("%w: payload of %d bytes", ErrTooLarge, len(p))
	}
	var m takproto.TakMessage
	if err := proto.Unmarshal(p, &m); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if m.CotEvent == nil {
		if m.TakControl == nil {
			return nil, nil, fmt.Errorf("%w: TakMessage without event or control", ErrInvalid)
		}
		return nil, m.TakControl, nil
	}
	ev, err := FromProto(m.CotEvent)
	if err != nil {
		return nil, nil, err
	}
	return &ev, m.TakControl, nil
}
