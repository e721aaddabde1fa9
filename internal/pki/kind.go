package pki

import (
	"errors"
	"fmt"
	"regexp"
)

// Kind is what a certificate is for. Do not reorder: values appear in file
// paths and on the command line by name.
type Kind int

// The kinds of certificate an [Authority] issues.
const (
	KindUnknown Kind = iota
	KindServer       // a NATS server or node: serverAuth and clientAuth
	KindLeaf         // the leaf link between nations (verify_and_map)
	KindSensor       // a sensor: clientAuth, spiffe://<n>.trilink.internal/sensor/<id>
	KindUser         // a person or tool: clientAuth, spiffe://<n>.trilink.internal/user/<name>
)

var kindNames = [...]string{KindUnknown: "unknown", KindServer: "server", KindLeaf: "leaf", KindSensor: "sensor", KindUser: "user"}

// Kinds lists the valid kinds in order.
var Kinds = []Kind{KindServer, KindLeaf, KindSensor, KindUser}

// ErrUnknownKind is returned for a kind other than server, leaf, sensor or user.
var ErrUnknownKind = errors.New("pki: unknown kind (want server, leaf, sensor or user)")

func (k Kind) String() string {
	if k > KindUnknown && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind parses "server", "leaf", "sensor" or "user".
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if k.String() == s {
			return k, nil
		}
	}
	return KindUnknown, fmt.Errorf("%w: %q", ErrUnknownKind, s)
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) {
	if k.String() == "unknown" {
		return nil, ErrUnknownKind
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// validName is a certificate name: 1–64 of a–z, 0–9, '-' and '_', starting
// with a letter or digit — a sensor id (sensor.Measurement), a NATS subject
// token and a safe file name at once.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
