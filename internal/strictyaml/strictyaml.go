// Package strictyaml decodes YAML from outside (scenario files, node
// configurations) strictly: unknown fields and duplicate keys are errors
// that give the line, and a decoder panic on malformed input becomes an
// error instead of a crash.
package strictyaml

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
)

// Error is a decoding error at a line (0 when unknown).
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unmarshal decodes b into v, rejecting unknown fields.
func Unmarshal(b []byte, v any) (err error) {
	defer func() {
		// goccy/go-yaml v1.19.2 panics on some malformed input (a tagged
		// scalar where a sequence is expected, found by FuzzParse).
		if r := recover(); r != nil {
			err = &Error{Msg: fmt.Sprintf("malformed YAML (%v)", r)}
		}
	}()
	if err := yaml.UnmarshalWithOptions(b, v, yaml.DisallowUnknownField(), yaml.Strict()); err != nil {
		msg := strings.TrimSpace(yaml.FormatError(err, false, false))
		line := 0
		// go-yaml formats positions as "[line:column] message".
		if i := strings.Index(msg, "["); i >= 0 {
			fmt.Sscanf(msg[i:], "[%d:", &line)
		}
		return &Error{Line: line, Msg: msg}
	}
	return nil
}

// LineOf returns the line of the error, or 0.
func LineOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Line
	}
	return 0
}
