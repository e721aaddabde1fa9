package hotline_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/hotlinetest"
)

func validWire(tb testing.TB) []byte {
	tb.Helper()
	w := hotlinetest.NewWorld(tb)
	env := mustSeal(tb, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("launch detected"),
		Attachments: []hotline.Attachment{{Name: "a.png", MediaType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}}}})
	b, err := env.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// edit decodes wire into a generic map, lets f change it, and re-encodes it.
func edit(tb testing.TB, wire []byte, f func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(wire, &m); err != nil {
		tb.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestDecodeEnvelopeErrors(t *testing.T) {
	wire := validWire(t)
	recips := func(m map[string]any) []any { return m["recipients"].([]any) }
	for _, tt := range []struct {
		name  string
		in    []byte
		field string
		want  error
	}{
		{"not_json", []byte("hello"), "envelope", hotline.ErrMalformed},
		{"empty", nil, "envelope", hotline.ErrMalformed},
		{"array", []byte("[]"), "envelope", hotline.ErrMalformed},
		{"truncated", wire[:len(wire)/2], "", hotline.ErrMalformed},
		{"trailing", append(append([]byte{}, wire...), "{}"...), "envelope", hotline.ErrMalformed},
		{"too_large", append(append([]byte{}, wire...), bytes.Repeat([]byte(" "), hotline.MaxEnvelopeSize)...), "envelope", hotline.ErrTooLarge},
		{"unknown_field", edit(t, wire, func(m map[string]any) { m["extra"] = 1 }), "extra", hotline.ErrMalformed},
		{"case_variant", edit(t, wire, func(m map[string]any) { m["Room"] = m["room"]; delete(m, "room") }), "Room", hotline.ErrMalformed},
		{"repeated", bytes.Replace(wire, []byte(`"room":"ops"`), []byte(`"room":"ops","room":"leaders"`), 1), "room", hotline.ErrMalformed},
		{"missing_sig", edit(t, wire, func(m map[string]any) { delete(m, "sig") }), "sig", hotline.ErrMalformed},
		{"version", edit(t, wire, func(m map[string]any) { m["v"] = 2 }), "v", hotline.ErrMalformed},
		{"version_float", edit(t, wire, func(m map[string]any) { m["v"] = 1.5 }), "v", hotline.ErrMalformed},
		{"id_not_hex", edit(t, wire, func(m map[string]any) { m["id"] = strings.Repeat("g", 32) }), "id", hotline.ErrMalformed},
		{"id_short", edit(t, wire, func(m map[string]any) { m["id"] = "abcd" }), "id", hotline.ErrMalformed},
		{"kind", edit(t, wire, func(m map[string]any) { m["kind"] = "voice" }), "kind", hotline.ErrMalformed},
		{"room_number", edit(t, wire, func(m map[string]any) { m["room"] = 7 }), "room", hotline.ErrMalformed},
		{"room_bad_chars", edit(t, wire, func(m map[string]any) { m["room"] = "ops.x" }), "room", hotline.ErrMalformed},
		{"room_long", edit(t, wire, func(m map[string]any) { m["room"] = strings.Repeat("a", 65) }), "room", hotline.ErrTooLarge},
		{"nation", edit(t, wire, func(m map[string]any) { m["nation"] = "kp" }), "nation", hotline.ErrMalformed},
		{"precedence", edit(t, wire, func(m map[string]any) { m["precedence"] = "urgent" }), "precedence", hotline.ErrMalformed},
		{"created", edit(t, wire, func(m map[string]any) { m["created"] = "yesterday" }), "created", hotline.ErrMalformed},
		{"created_1970", edit(t, wire, func(m map[string]any) { m["created"] = "1970-01-01T00:00:00Z" }), "created", hotline.ErrMalformed},
		{"body_bad_base64", edit(t, wire, func(m map[string]any) { m["body"] = "!!!" }), "body", hotline.ErrMalformed},
		{"body_unpadded", edit(t, wire, func(m map[string]any) { m["body"] = strings.TrimRight(m["body"].(string), "=") + "A" }), "body", hotline.ErrMalformed},
		{"body_short", edit(t, wire, func(m map[string]any) { m["body"] = "AAAA" }), "body", hotline.ErrMalformed},
		{"body_too_large", edit(t, wire, func(m map[string]any) { m["body"] = strings.Repeat("A", 4*(hotline.MaxBody/3+20)) }), "body", hotline.ErrTooLarge},
		{"no_recipients", edit(t, wire, func(m map[string]any) { m["recipients"] = []any{} }), "recipients", hotline.ErrMalformed},
		{"recipients_null", edit(t, wire, func(m map[string]any) { m["recipients"] = nil }), "recipients", hotline.ErrMalformed},
		{"recipient_key_length", edit(t, wire, func(m map[string]any) { recips(m)[1].(map[string]any)["key"] = "AAAA" }), "recipients[1].key", hotline.ErrMalformed},
		{"recipient_key_base64", edit(t, wire, func(m map[string]any) { recips(m)[1].(map[string]any)["key"] = "A" }), "recipients[1].key", hotline.ErrMalformed},
		{"recipient_unknown_field", edit(t, wire, func(m map[string]any) { recips(m)[0].(map[string]any)["x"] = "" }), "recipients[0].x", hotline.ErrMalformed},
		{"recipient_missing_key", edit(t, wire, func(m map[string]any) { delete(recips(m)[0].(map[string]any), "key") }), "recipients[0].key", hotline.ErrMalformed},
		{"recipients_unsorted", edit(t, wire, func(m map[string]any) { r := recips(m); r[0], r[1] = r[1], r[0] }), "recipients[1].device", hotline.ErrMalformed},
		{"recipients_repeated", edit(t, wire, func(m map[string]any) { r := recips(m); r[1] = r[0] }), "recipients[1].device", hotline.ErrMalformed},
		{"attachment_not_string", edit(t, wire, func(m map[string]any) { m["attachments"] = []any{1} }), "attachments[0]", hotline.ErrMalformed},
		{"too_many_attachments", edit(t, wire, func(m map[string]any) {
			a := m["attachments"].([]any)[0]
			m["attachments"] = []any{a, a, a, a, a, a, a, a, a}
		}), "attachments", hotline.ErrTooLarge},
		{"sig_length", edit(t, wire, func(m map[string]any) { m["sig"] = "AAAA" }), "sig", hotline.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, err := hotline.DecodeEnvelope(tt.in)
			if err == nil {
				t.Fatalf("DecodeEnvelope succeeded: %+v", env)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v does not wrap %v", err, tt.want)
			}
			var fe *hotline.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			if tt.field != "" && fe.Field != tt.field {
				t.Errorf("error names field %q, want %q (%v)", fe.Field, tt.field, err)
			}
		})
	}
	if _, err := hotline.DecodeEnvelope(wire); err != nil {
		t.Fatalf("the valid envelope does not decode: %v", err)
	}
}

func TestDecodeEnvelopeAcceptsWhitespaceAndOrder(t *testing.T) {
	wire := validWire(t)
	var v any
	if err := json.Unmarshal(wire, &v); err != nil {
		t.Fatal(err)
	}
	pretty, _ := json.MarshalIndent(v, "", "  ") // keys re-ordered alphabetically, indented
	a, err := hotline.DecodeEnvelope(wire)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hotline.DecodeEnvelope(pretty)
	if err != nil {
		t.Fatalf("re-ordered, indented envelope: %v", err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the two forms decode differently")
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	wire := validWire(f)
	f.Add(wire)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"v":1,"id":"00000000000000000000000000000001","recipients":[{"device":"a","key":""}]}`))
	f.Add(bytes.Replace(wire, []byte(`"room":"ops"`), []byte(`"room":"ops","room":"ops"`), 1))
	f.Add(wire[:len(wire)-10])
	w := hotlinetest.NewWorld(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		env, err := hotline.DecodeEnvelope(in)
		if err != nil {
			var fe *hotline.FieldError
			if !errors.As(err, &fe) || !(errors.Is(err, hotline.ErrMalformed) || errors.Is(err, hotline.ErrTooLarge)) {
				t.Fatalf("error %v is not a *FieldError wrapping ErrMalformed or ErrTooLarge", err)
			}
			return
		}
		// Whatever decodes re-encodes and decodes to the same envelope, with
		// the same digest, and can be checked without panicking.
		out, err := env.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a decoded envelope: %v", err)
		}
		again, err := hotline.DecodeEnvelope(out)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if again.Digest() != env.Digest() || !reflect.DeepEqual(again, env) {
			t.Fatalf("round trip changed the envelope")
		}
		_ = hotline.Verify(env, w.Dir)
	})
}

func TestDecodeReceipt(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	env := mustSeal(t, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("x")})
	r, err := hotline.NewReceipt(w.Keys(t, "kr-ops"), w.Dir, env, hotline.Acknowledged, t0)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := hotline.DecodeReceipt(wire)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) || got.Digest() != r.Digest() {
		t.Errorf("round trip: got %+v, want %+v", got, r)
	}
	for _, tt := range []struct {
		name, field string
		f           func(m map[string]any)
	}{
		{"state", "state", func(m map[string]any) { m["state"] = "seen" }},
		{"envelope", "envelope", func(m map[string]any) { m["envelope"] = "00" }},
		{"extra", "extra", func(m map[string]any) { m["extra"] = true }},
		{"missing_time", "time", func(m map[string]any) { delete(m, "time") }},
		{"member", "member", func(m map[string]any) { m["member"] = "KR" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hotline.DecodeReceipt(edit(t, wire, tt.f))
			var fe *hotline.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, hotline.ErrMalformed) {
				t.Errorf("DecodeReceipt = %v, want a FieldError for %q", err, tt.field)
			}
		})
	}
}

func FuzzDecodeReceipt(f *testing.F) {
	w := hotlinetest.NewWorld(f)
	env := mustSeal(f, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("x")})
	r, err := hotline.NewReceipt(w.Keys(f, "kr-ops"), w.Dir, env, hotline.Read, t0)
	if err != nil {
		f.Fatal(err)
	}
	wire, _ := r.Marshal()
	f.Add(wire)
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := hotline.DecodeReceipt(in)
		if err != nil {
			var fe *hotline.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			return
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := hotline.DecodeReceipt(out)
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("round trip: %v", err)
		}
		_ = hotline.VerifyReceipt(r, w.Dir)
	})
}
