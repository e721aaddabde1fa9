package cot_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/takproto"
	"google.golang.org/protobuf/proto"
)

var when = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sample is a track event with every part set.
func sample() cot.Event {
	return cot.Event{
		Version: "2.0", UID: "trilink.E-1", Type: "a-h-A-W-M-S-S", How: "m-f", QoS: "9-r-d", Opex: "e-TEST", Access: "Unclassified",
		Time: when, Start: when, Stale: when.Add(20 * time.Second),
		Point: cot.Point{Lat: 39.12, Lon: 131.55, HAE: 212000, CE: 1500, LE: 2000},
		Detail: cot.Detail{
			Contact:           &cot.Contact{Callsign: "MRBM E-1", Endpoint: "*:-1:stcp"},
			Group:             &cot.Group{Name: "Red", Role: "Team Member"},
			PrecisionLocation: &cot.PrecisionLocation{GeoPointSrc: "CALC", AltSrc: "CALC"},
			Status:            &cot.Status{Battery: 87},
			Takv:              &cot.Takv{Device: "srv", Platform: "trilink", OS: "linux", Version: "1"},
			Track:             &cot.Track{Course: 112, Speed: 2400.5},
			XML:               `<link uid="SENSOR-J-01" type="a-f-G-E-S" relation="p-p"/><remarks>fused &amp; tracked</remarks>`,
		},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	ev := sample()
	b, err := cot.Encode(&ev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(cot.XMLHeader)) || !bytes.HasSuffix(b, []byte("</event>")) {
		t.Errorf("encoding does not start with the XML header and end with </event>:\n%s", b)
	}
	got, err := cot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ev) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, ev)
	}
	// The same event through protobuf.
	pe, err := cot.FromProto(cot.ToProto(&ev))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pe, ev) {
		t.Errorf("protobuf round trip\n got %+v\nwant %+v", pe, ev)
	}
	// An independent reading with encoding/xml of the CoT schema's shape.
	var x struct {
		XMLName xml.Name `xml:"event"`
		Version string   `xml:"version,attr"`
		UID     string   `xml:"uid,attr"`
		Type    string   `xml:"type,attr"`
		Time    string   `xml:"time,attr"`
		Stale   string   `xml:"stale,attr"`
		Point   struct {
			Lat float64 `xml:"lat,attr"`
			HAE float64 `xml:"hae,attr"`
		} `xml:"point"`
		Detail struct {
			Contact struct {
				Callsign string `xml:"callsign,attr"`
			} `xml:"contact"`
			Track struct {
				Speed float64 `xml:"speed,attr"`
			} `xml:"track"`
			Remarks string `xml:"remarks"`
		} `xml:"detail"`
	}
	if err := xml.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	if x.Version != "2.0" || x.UID != "trilink.E-1" || x.Time != "2026-01-01T00:00:00.000Z" || x.Stale != "2026-01-01T00:00:20.000Z" ||
		x.Point.Lat != 39.12 || x.Point.HAE != 212000 || x.Detail.Contact.Callsign != "MRBM E-1" ||
		x.Detail.Track.Speed != 2400.5 || x.Detail.Remarks != "fused & tracked" {
		t.Errorf("encoding/xml reads %+v", x)
	}
}

func TestDecode(t *testing.T) {
	const pt = `<point lat="1" lon="2" hae="3" ce="4" le="5"/>`
	ev := func(attrs, body string) string {
		return `<event version="2.0" uid="u" type="a-f-G" how="m-g" time="2026-01-01T00:00:00Z" start="2026-01-01T00:00:00Z" stale="2026-01-01T00:01:00Z"` + attrs + `>` + body + `</event>`
	}
	for _, tt := range []struct {
		name, in string
		err      error
		check    func(t *testing.T, e cot.Event)
	}{
		{name: "minimal", in: ev("", pt), check: func(t *testing.T, e cot.Event) {
			if e.Point != (cot.Point{Lat: 1, Lon: 2, HAE: 3, CE: 4, LE: 5}) || e.Detail != (cot.Detail{}) {
				t.Errorf("got %+v", e)
			}
		}},
		{name: "header_comment_whitespace", in: "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<!-- hi -->\n" + ev("", pt) + "\n"},
		{name: "upper_case_UID", in: strings.Replace(ev("", pt), `uid="u"`, `UID="u"`, 1), check: func(t *testing.T, e cot.Event) {
			if e.UID != "u" {
				t.Errorf("uid %q", e.UID)
			}
		}},
		{name: "time_without_zone_and_offset", in: strings.Replace(strings.Replace(ev("", pt), `time="2026-01-01T00:00:00Z"`, `time="2026-01-01T00:00:00.5"`, 1),
			`stale="2026-01-01T00:01:00Z"`, `stale="2026-01-01T09:01:00+09:00"`, 1), check: func(t *testing.T, e cot.Event) {
			if !e.Time.Equal(when.Add(500*time.Millisecond)) || !e.Stale.Equal(when.Add(time.Minute)) {
				t.Errorf("times %v %v", e.Time, e.Stale)
			}
		}},
		{name: "typed_and_raw_detail", in: ev("", pt+`<detail><contact callsign="A" phone="1"/><track course="1" speed="2"/><track course="3" speed="4"/><status battery="x"/></detail>`),
			check: func(t *testing.T, e cot.Event) {
				// contact has an attribute the message lacks, the second
				// track is a duplicate, the battery is not a number: all
				// stay XML.
				if e.Detail.Contact != nil || e.Detail.Status != nil || e.Detail.Track == nil || *e.Detail.Track != (cot.Track{Course: 1, Speed: 2}) ||
					e.Detail.XML != `<contact callsign="A" phone="1"/><track course="3" speed="4"/><status battery="x"/>` {
					t.Errorf("detail %+v", e.Detail)
				}
			}},
		{name: "detail_before_point", in: ev("", `<detail/>`+pt)},
		{name: "not_event", in: `<auth><cot username="a"/></auth>`, err: cot.ErrInvalid},
		{name: "no_point", in: ev("", `<detail/>`), err: cot.ErrInvalid},
		{name: "two_points", in: ev("", pt+pt), err: cot.ErrInvalid},
		{name: "two_details", in: ev("", pt+`<detail/><detail/>`), err: cot.ErrInvalid},
		{name: "unknown_child", in: ev("", pt+`<foo/>`), err: cot.ErrInvalid},
		{name: "lat_out_of_range", in: ev("", strings.Replace(pt, `lat="1"`, `lat="91"`, 1)), err: cot.ErrInvalid},
		{name: "lon_nan", in: ev("", strings.Replace(pt, `lon="2"`, `lon="NaN"`, 1)), err: cot.ErrInvalid},
		{name: "negative_ce", in: ev("", strings.Replace(pt, `ce="4"`, `ce="-4"`, 1)), err: cot.ErrInvalid},
		{name: "missing_le", in: ev("", strings.Replace(pt, ` le="5"`, ``, 1)), err: cot.ErrInvalid},
		{name: "bad_type", in: strings.Replace(ev("", pt), `type="a-f-G"`, `type="a--f"`, 1), err: cot.ErrInvalid},
		{name: "bad_how", in: strings.Replace(ev("", pt), `how="m-g"`, `how="mg-"`, 1), err: cot.ErrInvalid},
		{name: "no_uid", in: strings.Replace(ev("", pt), `uid="u"`, ``, 1), err: cot.ErrInvalid},
		{name: "control_char_uid", in: strings.Replace(ev("", pt), `uid="u"`, `uid="u&#x1;"`, 1), err: cot.ErrInvalid},
		{name: "version_1", in: strings.Replace(ev("", pt), `version="2.0"`, `version="1.1"`, 1), err: cot.ErrInvalid},
		{name: "sub_millisecond_truncated", in: strings.Replace(ev("", pt), `time="2026-01-01T00:00:00Z"`, `time="2026-01-01T00:00:00.0019Z"`, 1),
			check: func(t *testing.T, e cot.Event) {
				if !e.Time.Equal(when.Add(time.Millisecond)) {
					t.Errorf("time %v, want truncated to the millisecond", e.Time)
				}
			}},
		{name: "year_0", in: strings.Replace(ev("", pt), `time="2026-01-01T00:00:00Z"`, `time="0000-01-01T00:00:00"`, 1), err: cot.ErrInvalid},
		{name: "before_1970", in: strings.Replace(ev("", pt), `start="2026-01-01T00:00:00Z"`, `start="1969-12-31T23:59:59Z"`, 1), err: cot.ErrInvalid},
		{name: "bad_time", in: strings.Replace(ev("", pt), `time="2026-01-01T00:00:00Z"`, `time="yesterday"`, 1), err: cot.ErrInvalid},
		{name: "doctype", in: `<!DOCTYPE event [<!ENTITY x "y">]>` + ev("", pt), err: cot.ErrInvalid},
		{name: "unknown_entity", in: ev("", pt+`<detail><remarks>&x;</remarks></detail>`), err: cot.ErrInvalid},
		{name: "text_in_event", in: ev("", pt+"hello"), err: cot.ErrInvalid},
		{name: "trailing_element", in: ev("", pt) + "<event/>", err: cot.ErrInvalid},
		{name: "truncated", in: ev("", pt)[:100], err: cot.ErrInvalid},
		{name: "deep", in: ev("", pt+"<detail>"+strings.Repeat("<a>", 40)+strings.Repeat("</a>", 40)+"</detail>"), err: cot.ErrInvalid},
		{name: "too_large", in: ev("", pt+"<detail><remarks>"+strings.Repeat("x", cot.MaxEventSize)+"</remarks></detail>"), err: cot.ErrTooLarge},
		{name: "latin1", in: `<?xml version="1.0" encoding="ISO-8859-1"?>` + ev("", pt), err: cot.ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := cot.Decode([]byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Decode: %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
			// What decodes re-encodes to something that decodes the same.
			b, err := cot.Encode(&e)
			if err != nil {
				t.Fatal(err)
			}
			e2, err := cot.Decode(b)
			if err != nil || !reflect.DeepEqual(e, e2) {
				t.Errorf("re-decode: %v\n got %+v\nwant %+v", err, e2, e)
			}
		})
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(*cot.Event)
	}{
		{"no_uid", func(e *cot.Event) { e.UID = "" }},
		{"bad_type", func(e *cot.Event) { e.Type = "a f" }},
		{"no_stale", func(e *cot.Event) { e.Stale = time.Time{} }},
		{"lon", func(e *cot.Event) { e.Point.Lon = 181 }},
		{"track_nan", func(e *cot.Event) { e.Detail.Track.Speed = nan() }},
		{"callsign_not_utf8", func(e *cot.Event) { e.Detail.Contact.Callsign = "\xff" }},
		{"control_char_in_opex", func(e *cot.Event) { e.Opex = "e-\x01" }},
		{"type_two_semicolons", func(e *cot.Event) { e.Type = "a-f;x;y" }},
		{"how_long_first", func(e *cot.Event) { e.How = "mg-f" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := sample()
			tt.mod(&e)
			if _, err := cot.Encode(&e); !errors.Is(err, cot.ErrInvalid) {
				t.Errorf("Encode: %v, want ErrInvalid", err)
			}
			if _, err := cot.MarshalFrame(&e); !errors.Is(err, cot.ErrInvalid) {
				t.Errorf("MarshalFrame: %v, want ErrInvalid", err)
			}
		})
	}
}

func nan() float64 { var z float64; return z / z }

func TestFromProtoRejects(t *testing.T) {
	good := cot.ToProto(ptr(sample()))
	for _, tt := range []struct {
		name string
		mod  func(*takproto.CotEvent)
	}{
		{"no_time", func(c *takproto.CotEvent) { c.SendTime = 0 }},
		{"far_future", func(c *takproto.CotEvent) { c.StaleTime = 1 << 62 }},
		{"bad_xml_detail", func(c *takproto.CotEvent) { c.Detail.XmlDetail = "<a>" }},
		{"text_xml_detail", func(c *takproto.CotEvent) { c.Detail.XmlDetail = "hello" }},
		{"lat", func(c *takproto.CotEvent) { c.Lat = -91 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := proto.Clone(good).(*takproto.CotEvent)
			tt.mod(c)
			if _, err := cot.FromProto(c); !errors.Is(err, cot.ErrInvalid) {
				t.Errorf("FromProto: %v, want ErrInvalid", err)
			}
		})
	}
	if _, _, err := cot.UnmarshalPayload([]byte{0x0a, 0x05}); !errors.Is(err, cot.ErrInvalid) {
		t.Errorf("truncated payload: %v", err)
	}
	if _, _, err := cot.UnmarshalPayload(nil); !errors.Is(err, cot.ErrInvalid) {
		t.Errorf("empty payload: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestFrameReader(t *testing.T) {
	e := sample()
	f, err := cot.MarshalFrame(&e)
	if err != nil {
		t.Fatal(err)
	}
	big := cot.AppendFrameHeader(nil, 5000)
	big = append(big, make([]byte, 5000)...)
	var in []byte
	in = append(in, 0x00, 0x00)                                                                  // junk before the first frame
	in = append(in, f...)                                                                        // good
	in = append(in, 0x00)                                                                        // goatak's stray byte
	in = append(in, big...)                                                                      // too large for a 4 KiB limit
	in = append(in, cot.Magic, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01) // varint overflow
	in = append(in, f...)                                                                        // good again
	r := cot.NewFrameReader(bytes.NewReader(in), 4096)
	var got []string
	for {
		p, err := r.Next()
		switch {
		case err == nil:
			ev, _, err := cot.UnmarshalPayload(p)
			if err != nil || !reflect.DeepEqual(*ev, e) {
				t.Fatalf("frame payload: %v", err)
			}
			got = append(got, "ok")
		case errors.Is(err, cot.ErrTooLarge):
			got = append(got, "large")
		case errors.Is(err, cot.ErrInvalid):
			got = append(got, "invalid")
		case err == io.EOF:
			if want := "ok large invalid ok"; strings.Join(got, " ") != want {
				t.Errorf("frames: %s, want %s", strings.Join(got, " "), want)
			}
			// Three stray bytes and the byte after the overflowing
			// varint's ten.
			if r.Skipped() != 4 {
				t.Errorf("skipped %d bytes, want 4", r.Skipped())
			}
			return
		default:
			t.Fatalf("Next: %v", err)
		}
	}
}

func TestXMLReader(t *testing.T) {
	e := sample()
	x, err := cot.Encode(&e)
	if err != nil {
		t.Fatal(err)
	}
	in := string(x) + "\n  " + // a newline between messages, which TAK Server would not like but we accept
		`<auth><cot username="u" password="p"/></auth>` +
		"junk" +
		`<event version="2.0" uid="big"><detail>` + strings.Repeat("y", 5000) + `</detail></event>` +
		`<!-- note --><!DOCTYPE x>` +
		`<event version="2.0" uid="selfclosed" remarks="a>b"/>` +
		string(x)
	r := cot.NewXMLReader(strings.NewReader(in), 4096)
	var got []string
	for {
		msg, name, err := r.Next()
		switch {
		case err == nil:
			got = append(got, name)
			if name == "event" && strings.Contains(string(msg), "trilink.E-1") {
				if ev, err := cot.Decode(msg); err != nil || !reflect.DeepEqual(ev, e) {
					t.Errorf("message does not decode to the event: %v", err)
				}
			}
			if name == "event" && strings.Contains(string(msg), "selfclosed") && !strings.HasSuffix(string(msg), `"a>b"/>`) {
				t.Errorf("self-closed event split wrongly: %q", msg)
			}
		case errors.Is(err, cot.ErrTooLarge):
			got = append(got, "large")
		case errors.Is(err, cot.ErrInvalid):
			got = append(got, "invalid")
		case err == io.EOF:
			if want := "event auth invalid large invalid event event"; strings.Join(got, " ") != want {
				t.Errorf("messages: %s, want %s", strings.Join(got, " "), want)
			}
			return
		default:
			t.Fatalf("Next: %v", err)
		}
	}
}

func TestMesh(t *testing.T) {
	e := sample()
	p, err := proto.Marshal(&takproto.TakMessage{CotEvent: cot.ToProto(&e)})
	if err != nil {
		t.Fatal(err)
	}
	dgram := append(cot.AppendMeshHeader(nil), p...)
	v, payload, err := cot.ParseMesh(dgram)
	if err != nil || v != 1 || !bytes.Equal(payload, p) {
		t.Errorf("ParseMesh = %d, %d bytes, %v", v, len(payload), err)
	}
	x, _ := cot.Encode(&e)
	if v, payload, err := cot.ParseMesh(x); err != nil || v != 0 || !bytes.Equal(payload, x) {
		t.Errorf("ParseMesh(xml) = %d, %v", v, err)
	}
	if _, _, err := cot.ParseMesh([]byte{cot.Magic, 1, 0}); !errors.Is(err, cot.ErrInvalid) {
		t.Errorf("bad mesh header: %v", err)
	}
}

func BenchmarkCodec(b *testing.B) {
	e := sample()
	x, _ := cot.Encode(&e)
	f, _ := cot.MarshalFrame(&e)
	b.Run("encode_xml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cot.Encode(&e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode_proto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cot.MarshalFrame(&e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode_xml", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(x)))
		for b.Loop() {
			if _, err := cot.Decode(x); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode_proto", func(b *testing.B) {
		p, err := cot.NewFrameReader(bytes.NewReader(f), 0).Next()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(len(f)))
		for b.Loop() {
			if _, _, err := cot.UnmarshalPayload(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
