package hotline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// DecodeEnvelope decodes the wire form of an envelope, strictly: the input
// must be one JSON object of at most MaxEnvelopeSize bytes, with exactly the
// known keys (case-sensitive, none repeated, none missing but
// "attachments"), standard padded base64, canonical lengths and sorted
// recipients. An error is a *FieldError naming the offending field, wrapping
// ErrMalformed or ErrTooLarge. A decoded envelope is well formed but not yet
// verified: call Verify or Open.
func DecodeEnvelope(b []byte) (*Envelope, error) {
	if len(b) > MaxEnvelopeSize {
		return nil, fieldErr("envelope", ErrTooLarge, "%d bytes (limit %d)", len(b), MaxEnvelopeSize)
	}
	var e Envelope
	d := newStrictDecoder(b, "envelope")
	err := d.object("", map[string]func(string) error{
		"v":          func(f string) error { return d.int(f, &e.Version) },
		"id":         func(f string) error { return d.text(f, 2*len(e.ID), &e.ID) },
		"kind":       func(f string) error { return d.text(f, 16, &e.Kind) },
		"room":       func(f string) error { return d.name(f, (*string)(&e.Room)) },
		"sender":     func(f string) error { return d.name(f, (*string)(&e.Sender)) },
		"device":     func(f string) error { return d.name(f, (*string)(&e.Device)) },
		"nation":     func(f string) error { return d.text(f, 2, &e.Nation) },
		"precedence": func(f string) error { return d.text(f, 16, &e.Precedence) },
		"created":    func(f string) error { return d.time(f, &e.Created) },
		"recipients": func(f string) error {
			return d.array(f, MaxRecipients, func(f string) error {
				var r Recipient
				err := d.object(f, map[string]func(string) error{
					"device": func(f string) error { return d.name(f, (*string)(&r.Device)) },
					"key":    func(f string) error { return d.base64(f, sealedKeySize, &r.Key) },
				}, nil)
				e.Recipients = append(e.Recipients, r)
				return err
			})
		},
		"body": func(f string) error { return d.base64(f, MaxBody+aeadTagSize, &e.Body) },
		"attachments": func(f string) error {
			return d.array(f, MaxAttachments, func(f string) error {
				var a []byte
				err := d.base64(f, MaxAttachmentsSize+aeadTagSize, &a)
				e.Attachments = append(e.Attachments, a)
				return err
			})
		},
		"sig": func(f string) error { return d.base64(f, signatureSize, &e.Signature) },
	}, map[string]bool{"attachments": true})
	if err == nil {
		err = d.end()
	}
	if err == nil {
		err = e.validate()
	}
	if err != nil {
		return nil, fmt.Errorf("decode envelope: %w", err)
	}
	return &e, nil
}

// strictDecoder walks JSON with encoding/json's tokenizer, so that it can
// refuse what json.Unmarshal would silently accept: repeated keys, keys that
// differ only in case, and trailing data.
type strictDecoder struct {
	dec  *json.Decoder
	root string // the name of the whole value in errors: "envelope", "receipt"
}

func newStrictDecoder(b []byte, root string) *strictDecoder {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return &strictDecoder{dec: d, root: root}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object decodes one object whose keys must all be in fields; each key's
// value is decoded by its function. Keys not in optional are required.
func (d *strictDecoder) object(path string, fields map[string]func(string) error, optional map[string]bool) error {
	where := path
	if where == "" {
		where = d.root
	}
	tok, err := d.dec.Token()
	if err != nil {
		return fieldErr(where, ErrMalformed, "%v", syntaxErr(err))
	}
	if tok != json.Delim('{') {
		return fieldErr(where, ErrMalformed, "want an object")
	}
	seen := map[string]bool{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return fieldErr(where, ErrMalformed, "%v", syntaxErr(err))
		}
		key, _ := tok.(string)
		f := join(path, key)
		fn := fields[key]
		switch {
		case fn == nil:
			return fieldErr(f, ErrMalformed, "unknown field")
		case seen[key]:
			return fieldErr(f, ErrMalformed, "repeated field")
		}
		seen[key] = true
		if err := fn(f); err != nil {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil { // the closing brace
		return fieldErr(where, ErrMalformed, "%v", syntaxErr(err))
	}
	for key := range fields {
		if !seen[key] && !optional[key] {
			return fieldErr(join(path, key), ErrMalformed, "missing")
		}
	}
	return nil
}

// array decodes an array of at most max items, each by item.
func (d *strictDecoder) array(path string, max int, item func(string) error) error {
	tok, err := d.dec.Token()
	if err != nil {
		return fieldErr(path, ErrMalformed, "%v", syntaxErr(err))
	}
	if tok != json.Delim('[') {
		return fieldErr(path, ErrMalformed, "want an array")
	}
	for i := 0; d.dec.More(); i++ {
		if i == max {
			return fieldErr(path, ErrTooLarge, "more than %d items", max)
		}
		if err := item(fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil {
		return fieldErr(path, ErrMalformed, "%v", syntaxErr(err))
	}
	return nil
}

// end checks that nothing but white space follows the value.
func (d *strictDecoder) end() error {
	if _, err := d.dec.Token(); err != io.EOF {
		return fieldErr(d.root, ErrMalformed, "trailing data after the object")
	}
	return nil
}

// str decodes a JSON string of at most max bytes.
func (d *strictDecoder) str(path string, max int) (string, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return "", fieldErr(path, ErrMalformed, "%v", syntaxErr(err))
	}
	s, ok := tok.(string)
	if !ok {
		return "", fieldErr(path, ErrMalformed, "want a string")
	}
	if len(s) > max {
		return "", fieldErr(path, ErrTooLarge, "%d bytes (limit %d)", len(s), max)
	}
	return s, nil
}

func (d *strictDecoder) name(path string, dst *string) error {
	s, err := d.str(path, maxIDLen)
	*dst = s
	return err
}

// text decodes a string of at most max bytes with v's UnmarshalText.
func (d *strictDecoder) text(path string, max int, v interface{ UnmarshalText([]byte) error }) error {
	s, err := d.str(path, max)
	if err != nil {
		return err
	}
	if err := v.UnmarshalText([]byte(s)); err != nil {
		return &FieldError{Field: path, Err: wrapMalformed(err)}
	}
	return nil
}

func (d *strictDecoder) int(path string, dst *int) error {
	tok, err := d.dec.Token()
	if err != nil {
		return fieldErr(path, ErrMalformed, "%v", syntaxErr(err))
	}
	n, ok := tok.(json.Number)
	if !ok {
		return fieldErr(path, ErrMalformed, "want a number")
	}
	v, err := n.Int64()
	if err != nil || v < 0 || v > 1<<20 {
		return fieldErr(path, ErrMalformed, "want a small non-negative integer, got %s", n)
	}
	*dst = int(v)
	return nil
}

// time decodes an RFC 3339 time; it is kept in UTC.
func (d *strictDecoder) time(path string, dst *time.Time) error {
	s, err := d.str(path, 40)
	if err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fieldErr(path, ErrMalformed, "want an RFC 3339 time: %v", err)
	}
	*dst = t.UTC()
	return nil
}

// base64 decodes standard padded base64 of at most max decoded bytes.
func (d *strictDecoder) base64(path string, max int, dst *[]byte) error {
	s, err := d.str(path, base64.StdEncoding.EncodedLen(max))
	if err != nil {
		return err
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return fieldErr(path, ErrMalformed, "bad base64: %v", err)
	}
	*dst = b
	return nil
}

func syntaxErr(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func wrapMalformed(err error) error {
	if errors.Is(err, ErrMalformed) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}
