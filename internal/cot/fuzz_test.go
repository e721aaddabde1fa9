package cot_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/trilink/trilink/internal/cot"
)

// FuzzDecode: Decode never panics, and what it accepts encodes and decodes
// to the same event, through XML and through protobuf.
func FuzzDecode(f *testing.F) {
	e := sample()
	x, _ := cot.Encode(&e)
	f.Add(x)
	f.Add([]byte(`<event version="2.0" uid="u" type="a-f-G" how="m-g" time="2026-01-01T00:00:00Z" start="2026-01-01T00:00:00Z" stale="2026-01-01T00:01:00Z"><point lat="1" lon="2" hae="3" ce="4" le="5"/><detail><contact callsign="A"/><x><y z="1"/></x></detail></event>`))
	f.Add([]byte(`<?xml version="1.0"?><event version="2" UID="x"/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := cot.Decode(b)
		if err != nil {
			if !errors.Is(err, cot.ErrInvalid) && !errors.Is(err, cot.ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrInvalid nor ErrTooLarge", err)
			}
			return
		}
		x, err := cot.Encode(&ev)
		if err != nil {
			t.Fatalf("Encode of a decoded event: %v", err)
		}
		back, err := cot.Decode(x)
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, x)
		}
		if !reflect.DeepEqual(ev, back) {
			t.Fatalf("XML round trip\n got %+v\nwant %+v", back, ev)
		}
		p, err := cot.FromProto(cot.ToProto(&ev))
		if err != nil {
			t.Fatalf("protobuf round trip: %v", err)
		}
		ev.Version = "2.0" // not carried by v1
		// Times: protobuf carries milliseconds.
		ev.Time, ev.Start, ev.Stale = p.Time, p.Start, p.Stale
		if !reflect.DeepEqual(ev, p) {
			t.Fatalf("protobuf round trip\n got %+v\nwant %+v", p, ev)
		}
	})
}

// FuzzFrameReader: the frame reader never panics, never returns a payload
// over its limit, and ends only at the end of the input.
func FuzzFrameReader(f *testing.F) {
	e := sample()
	fr, _ := cot.MarshalFrame(&e)
	f.Add(fr)
	f.Add(append([]byte{0, cot.Magic, 0x80}, fr...))
	f.Add([]byte{cot.Magic, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := cot.NewFrameReader(bytes.NewReader(b), 1024)
		for i := 0; ; i++ {
			p, err := r.Next()
			switch {
			case err == nil:
				if len(p) > 1024 {
					t.Fatalf("payload of %d bytes", len(p))
				}
				_, _, _ = cot.UnmarshalPayload(p)
			case errors.Is(err, cot.ErrTooLarge), errors.Is(err, cot.ErrInvalid):
			case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
				return
			default:
				t.Fatalf("Next: %v", err)
			}
			if i > len(b) {
				t.Fatal("more messages than bytes")
			}
		}
	})
}

// FuzzXMLReader: the XML stream reader never panics, respects its limit
// and ends only at the end of the input.
func FuzzXMLReader(f *testing.F) {
	e := sample()
	x, _ := cot.Encode(&e)
	f.Add(append(append([]byte{}, x...), x...))
	f.Add([]byte(`<?xml?><!-- c --><auth/>junk<event a=">"></event>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := cot.NewXMLReader(bytes.NewReader(b), 512)
		for i := 0; ; i++ {
			msg, _, err := r.Next()
			switch {
			case err == nil:
				if len(msg) > 512 {
					t.Fatalf("message of %d bytes", len(msg))
				}
				_, _ = cot.Decode(msg)
			case errors.Is(err, cot.ErrTooLarge), errors.Is(err, cot.ErrInvalid):
			case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
				return
			default:
				t.Fatalf("Next: %v", err)
			}
			if i > len(b) {
				t.Fatal("more messages than bytes")
			}
		}
	})
}
