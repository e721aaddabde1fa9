package audit_test

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestEntryEncoding(t *testing.T) {
	e := entry(7)
	e.Data = []byte(`{"room":"leaders"}`)
	b, err := e.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := audit.ParseEntry(b)
	if err != nil || !reflect.DeepEqual(back, e) {
		t.Fatalf("ParseEntry = %+v, %v; want %+v", back, err, e)
	}
	for _, tt := range []struct {
		name string
		e    func(e *audit.Entry)
	}{
		{"kind", func(e *audit.Entry) { e.Kind = 0 }},
		{"nation", func(e *audit.Entry) { e.Nation = 0 }},
		{"time_zero", func(e *audit.Entry) { e.Time = time.Time{} }},
		{"ref_long", func(e *audit.Entry) { e.Ref = strings.Repeat("x", audit.MaxRef+1) }},
		{"ref_control", func(e *audit.Entry) { e.Ref = "a\x00b" }},
		{"data_long", func(e *audit.Entry) { e.Data = make([]byte, audit.MaxData+1) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := e
			tt.e(&c)
			if _, err := c.MarshalBinary(); !errors.Is(err, audit.ErrMalformed) {
				t.Errorf("MarshalBinary = %v, want ErrMalformed", err)
			}
		})
	}
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"trailing", append(append([]byte{}, b...), 0)},
		{"short", b[:len(b)-1]},
		{"version", append([]byte{2}, b[1:]...)},
		{"kind", append([]byte{1, 99}, b[2:]...)},
	} {
		t.Run("parse_"+tt.name, func(t *testing.T) {
			if _, err := audit.ParseEntry(tt.b); !errors.Is(err, audit.ErrMalformed) {
				t.Errorf("ParseEntry = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestKindText(t *testing.T) {
	for k := audit.KindMessage; k <= audit.KindSecurity; k++ {
		b, err := k.MarshalText()
		var back audit.Kind
		if err != nil || back.UnmarshalText(b) != nil || back != k {
			t.Errorf("kind %d: %q %v -> %v", k, b, err, back)
		}
	}
	if _, err := audit.KindUnknown.MarshalText(); err == nil {
		t.Error("the unknown kind marshals")
	}
}

func TestParseCheckpoint(t *testing.T) {
	good := "trilink/jp/audit\n1000\n" + b64(make([]byte, 32)) + "\n"
	c, err := audit.ParseCheckpoint(good)
	if err != nil || c.Size != 1000 || c.Origin != "trilink/jp/audit" || c.Text() != good {
		t.Fatalf("ParseCheckpoint = %+v, %v", c, err)
	}
	if n, err := audit.OriginNation(c.Origin); err != nil || n != nation.JP {
		t.Errorf("OriginNation = %v, %v", n, err)
	}
	for _, tt := range []struct{ name, text string }{
		{"empty", ""},
		{"no_final_newline", strings.TrimSuffix(good, "\n")},
		{"extension_line", good + "ext\n"},
		{"leading_zero", strings.Replace(good, "\n1000\n", "\n01000\n", 1)},
		{"negative", strings.Replace(good, "\n1000\n", "\n-1\n", 1)},
		{"short_root", strings.Replace(good, b64(make([]byte, 32)), b64(make([]byte, 31)), 1)},
		{"origin_space", strings.Replace(good, "trilink/jp/audit", "trilink jp", 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := audit.ParseCheckpoint(tt.text); !errors.Is(err, audit.ErrMalformed) {
				t.Errorf("ParseCheckpoint = %v, want ErrMalformed", err)
			}
		})
	}
}

func FuzzParseEntry(f *testing.F) {
	b, _ := entry(1).MarshalBinary()
	f.Add(b)
	f.Add([]byte{1, 1, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := audit.ParseEntry(in)
		if err != nil {
			if !errors.Is(err, audit.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		out, err := e.MarshalBinary()
		if err != nil || string(out) != string(in) {
			t.Fatalf("a parsed entry does not re-encode to its input: %v", err)
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("trilink/jp/audit\n1000\n" + b64(make([]byte, 32)) + "\n")
	f.Add("a\n0\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := audit.ParseCheckpoint(text)
		if err != nil {
			return
		}
		if c.Text() != text {
			t.Fatalf("Text() = %q, input %q", c.Text(), text)
		}
	})
}
