package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/trilink/trilink/internal/nation"
)

// Kind is what an entry records.
//
// The values are persisted and shared: do not reorder.
type Kind int

const (
	KindUnknown    Kind = iota
	KindMessage         // a hotline envelope (its digest)
	KindReceipt         // a hotline receipt
	KindEscalation      // an escalation step
	KindLinkTest        // a link-test result
	KindAlert           // a CAP alert sent or received
	KindMembership      // a change of members, rooms or keys
	KindSecurity        // a sign-in, user change or other security action
)

var kindNames = [...]string{KindUnknown: "unknown", KindMessage: "message", KindReceipt: "receipt", KindEscalation: "escalation",
	KindLinkTest: "link-test", KindAlert: "alert", KindMembership: "membership",
	KindSecurity: "security"}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k >= KindMessage && k <= KindSecurity }

// String returns the kind's name ("message"), or "unknown".
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("%w: kind %d", ErrMalformed, int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	for v := KindMessage; v <= KindSecurity; v++ {
		if string(b) == kindNames[v] {
			*k = v
			return nil
		}
	}
	return fmt.Errorf("%w: kind %q", ErrMalformed, b)
}

// Limits on an entry's variable parts.
const (
	MaxRef  = 256      // bytes
	MaxData = 64 << 10 // bytes
)

// ErrMalformed marks an entry, checkpoint or file that does not decode.
var ErrMalformed = errors.New("audit: malformed")

// Entry is one record of the log. The log holds digests and small details,
// not the objects themselves: the hotline's ciphertext transcript is kept by
// the transport, and an entry proves what it was.
type Entry struct {
	Kind Kind
	// Time is when the event happened (e.g. the message's creation time).
	Time time.Time
	// Nation is the nation that originated the object.
	Nation nation.Nation
	// Ref is the object's id, e.g. the message id or the CAP identifier:
	// UTF-8 without control characters, at most MaxRef bytes; may be empty.
	Ref string
	// Digest is the SHA-256 of the object's signed form (hotline.Digest for
	// envelopes and receipts).
	Digest [sha256.Size]byte
	// Data is optional detail defined by the caller (e.g. a signed receipt,
	// which is small), at most MaxData bytes.
	Data []byte
}

const entryVersion = 1

// MarshalBinary returns the canonical encoding of e, the bytes whose RFC 6962
// leaf hash goes into the tree:
//
//	u8 version (1) ‖ u8 kind ‖ u8 nation ‖ i64 time (Unix ns, big-endian) ‖
//	u16 len ‖ ref ‖ 32-byte digest ‖ u32 len ‖ data
//
// All integers are big-endian; the encoding is deterministic and injective.
func (e Entry) MarshalBinary() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 3+8+2+len(e.Ref)+sha256.Size+4+len(e.Data))
	b = append(b, entryVersion, byte(e.Kind), byte(e.Nation))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.Ref)))
	b = append(b, e.Ref...)
	b = append(b, e.Digest[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Data)))
	return append(b, e.Data...), nil
}

var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (e Entry) check() error {
	switch {
	case !e.Kind.Valid():
		return fmt.Errorf("%w: entry kind %d", ErrMalformed, int(e.Kind))
	case !e.Nation.Valid():
		return fmt.Errorf("%w: entry nation %d", ErrMalformed, int(e.Nation))
	case e.Time.Before(minTime) || !e.Time.Before(maxTime):
		return fmt.Errorf("%w: entry time %s outside 2000–2199", ErrMalformed, e.Time.Format(time.RFC3339Nano))
	case len(e.Ref) > MaxRef || !utf8.ValidString(e.Ref) || strings.ContainsFunc(e.Ref, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("%w: entry ref %q: want at most %d bytes of UTF-8 without control characters", ErrMalformed, e.Ref, MaxRef)
	case len(e.Data) > MaxData:
		return fmt.Errorf("%w: entry data of %d bytes (limit %d)", ErrMalformed, len(e.Data), MaxData)
	}
	return nil
}

// ParseEntry decodes the canonical encoding of an entry, strictly: every
// byte must be accounted for and every field valid.
func ParseEntry(b []byte) (Entry, error) {
	var e Entry
	const fixed = 3 + 8 + 2
	if len(b) < fixed {
		return e, fmt.Errorf("%w: entry of %d bytes", ErrMalformed, len(b))
	}
	if b[0] != entryVersion {
		return e, fmt.Errorf("%w: entry version %d", ErrMalformed, b[0])
	}
	e.Kind, e.Nation = Kind(b[1]), nation.Nation(b[2])
	e.Time = time.Unix(0, int64(binary.BigEndian.Uint64(b[3:]))).UTC()
	n := int(binary.BigEndian.Uint16(b[11:]))
	b = b[fixed:]
	if len(b) < n+sha256.Size+4 {
		return e, fmt.Errorf("%w: entry truncated", ErrMalformed)
	}
	e.Ref = string(b[:n])
	copy(e.Digest[:], b[n:])
	b = b[n+sha256.Size:]
	if m := binary.BigEndian.Uint32(b); uint64(m) != uint64(len(b)-4) {
		return e, fmt.Errorf("%w: entry data length %d, %d bytes left", ErrMalformed, m, len(b)-4)
	}
	if len(b) > 4 {
		e.Data = append([]byte(nil), b[4:]...)
	}
	if err := e.check(); err != nil {
		return e, err
	}
	return e, nil
}

// LeafHash returns the RFC 6962 §2.1 leaf hash of an entry's canonical
// encoding: SHA-256(0x00 ‖ entry).
func LeafHash(entry []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(entry) }
