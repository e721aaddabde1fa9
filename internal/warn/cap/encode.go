package cap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// MaxSize is the largest document [Decode] accepts, in bytes.
const MaxSize = 1 << 20

// Encode validates a ([Validate]) and returns it as an XML document. A
// document that fails validation is never returned: the error is a
// [*ValidationError] naming every problem, or the encoder's error (such as
// an unset enumeration) wrapped with the identifier.
func Encode(a *Alert) ([]byte, error) {
	if err := Validate(a); err != nil {
		return nil, err
	}
	b, err := xml.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cap: encode alert %q: %w", a.Identifier, err)
	}
	out := make([]byte, 0, len(xml.Header)+len(b)+1)
	out = append(out, xml.Header...)
	out = append(out, b...)
	return append(out, '\n'), nil
}

// ErrMalformed is wrapped by [Decode]'s errors for input that is not a
// CAP 1.2 alert document (as opposed to one that breaks CAP's rules,
// which gives a [*ValidationError]).
var ErrMalformed = errors.New("cap: malformed document")

// Decode parses a CAP 1.2 alert and validates it ([Validate]). It accepts
// at most [MaxSize] bytes, one root element in the CAP 1.2 namespace, and
// no DTD or other directives (so no entity expansion); encoding/xml
// resolves no external entities.
func Decode(b []byte) (*Alert, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(b), MaxSize)
	}
	// First pass: structure only.
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fmt.Errorf("%w: directive <!%.20s…> not allowed", ErrMalformed, t)
		case xml.StartElement:
			if depth == 0 {
				roots++
				if t.Name.Space != Namespace || t.Name.Local != "alert" {
					return nil, fmt.Errorf("%w: root element {%s}%s, want {%s}alert", ErrMalformed, t.Name.Space, t.Name.Local, Namespace)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside the root element", ErrMalformed)
			}
		}
	}
	if roots != 1 {
		return nil, fmt.Errorf("%w: %d root elements, want 1", ErrMalformed, roots)
	}
	var a Alert
	if err := xml.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := Validate(&a); err != nil {
		return nil, err
	}
	return &a, nil
}
