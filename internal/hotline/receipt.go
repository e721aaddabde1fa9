package hotline

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// ReceiptState is how far a message has got with one member, in increasing
// order (research/alerting-hotline.md §4.3). Acknowledged implies read, and
// read implies delivered.
//
// The values are persisted and shared: do not reorder.
type ReceiptState int

const (
	ReceiptUnknown ReceiptState = iota // no receipt yet (the message is only sent)
	Delivered                          // a device of the member stored it
	Read                               // a device displayed it
	Acknowledged                       // the member acknowledged it (an explicit human action)
)

var receiptStateNames = [...]string{ReceiptUnknown: "unknown", Delivered: "delivered", Read: "read", Acknowledged: "acknowledged"}

// Valid reports whether s is delivered, read or acknowledged.
func (s ReceiptState) Valid() bool { return s >= Delivered && s <= Acknowledged }

// String returns "delivered", "read", "acknowledged" or "unknown".
func (s ReceiptState) String() string {
	if s.Valid() {
		return receiptStateNames[s]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (s ReceiptState) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: receipt state %d", ErrMalformed, int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *ReceiptState) UnmarshalText(b []byte) error {
	for _, v := range []ReceiptState{Delivered, Read, Acknowledged} {
		if string(b) == receiptStateNames[v] {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("%w: receipt state %q (want delivered, read or acknowledged)", ErrMalformed, b)
}

// ReceiptVersion is the version of the receipt format.
const ReceiptVersion = 1

// maxReceiptSize bounds the wire form of a receipt.
const maxReceiptSize = 4 << 10

// Receipt says that a member's device has got a message to a state. It is
// signed by that device and, like an envelope, travels and is logged by every
// nation. It is not encrypted: who received what, and when, is metadata that
// every nation's operators see (see the package documentation).
type Receipt struct {
	Version  int           `json:"v"`        // ReceiptVersion
	Message  MessageID     `json:"msg"`      // the message's id
	Envelope Digest        `json:"envelope"` // the message's Digest: the receipt is for exactly that signed message
	Room     RoomID        `json:"room"`     // the message's room
	Member   MemberID      `json:"member"`   // who reports
	Device   DeviceID      `json:"device"`   // the member's device that signed
	Nation   nation.Nation `json:"nation"`   // the member's nation
	State    ReceiptState  `json:"state"`
	Time     time.Time     `json:"time"` // by the device's clock, UTC
	// Signature is the device's Ed25519 signature of the canonical encoding
	// of every other field.
	Signature []byte `json:"sig"`
}

// NewReceipt returns a receipt for env in state, signed by the device of by
// at time now. The device's owner must be a member of env's room or an
// alternate of one. env should have been opened (or at least verified).
func NewReceipt(by Identity, dir *Directory, env *Envelope, state ReceiptState, now time.Time) (*Receipt, error) {
	de := dir.devices[by.Device()]
	if de == nil {
		return nil, fmt.Errorf("receipt: device %q: %w", by.Device(), ErrUnknownDevice)
	}
	room := dir.rooms[env.Room]
	if room == nil {
		return nil, fmt.Errorf("receipt: room %q: %w", env.Room, ErrUnknownRoom)
	}
	if !dir.isReader(room, de.owner.ID) {
		return nil, fmt.Errorf("receipt: %q for room %q: %w", de.owner.ID, env.Room, ErrNotMember)
	}
	if !state.Valid() {
		return nil, fmt.Errorf("receipt: %w: state %d", ErrMalformed, int(state))
	}
	if err := checkTime(now); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	r := &Receipt{
		Version: ReceiptVersion, Message: env.ID, Envelope: env.Digest(), Room: env.Room,
		Member: de.owner.ID, Device: de.dev.ID, Nation: de.owner.Nation, State: state, Time: now.UTC(),
	}
	sig, err := by.Sign(r.canonical())
	if err != nil {
		return nil, fmt.Errorf("receipt: sign: %w", err)
	}
	r.Signature = sig
	return r, nil
}

func (r *Receipt) validate() error {
	switch {
	case r.Version != ReceiptVersion:
		return fieldErr("v", ErrMalformed, "version %d (want %d)", r.Version, ReceiptVersion)
	case r.Message.IsZero():
		return fieldErr("msg", ErrMalformed, "zero id")
	case !r.Nation.Valid():
		return fieldErr("nation", ErrMalformed, "nation %d", int(r.Nation))
	case !r.State.Valid():
		return fieldErr("state", ErrMalformed, "state %d", int(r.State))
	case len(r.Signature) != signatureSize:
		return fieldErr("sig", ErrMalformed, "%d bytes (want %d)", len(r.Signature), signatureSize)
	}
	for _, c := range []struct {
		f   string
		err error
	}{{"room", r.Room.Valid()}, {"member", r.Member.Valid()}, {"device", r.Device.Valid()}, {"time", checkTime(r.Time)}} {
		if c.err != nil {
			return &FieldError{Field: c.f, Err: c.err}
		}
	}
	return nil
}

// VerifyReceipt checks r's structure, that its device belongs to its member
// (ErrUnknownDevice) of the stated nation, its signature (ErrBadSignature),
// and that the member is a member of the room or an alternate of one
// (ErrUnknownRoom, ErrNotMember). It cannot check that the message exists:
// receipts may arrive before their message (see Tracker).
func VerifyReceipt(r *Receipt, dir *Directory) error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("verify receipt: %w", err)
	}
	de := dir.devices[r.Device]
	if de == nil || de.owner.ID != r.Member {
		return fmt.Errorf("verify receipt for %s: %w: device %q of %q", r.Message, ErrUnknownDevice, r.Device, r.Member)
	}
	// SECURITY REVIEW: key from the trusted Directory; checked before the
	// receipt's claims are believed.
	if !ed25519.Verify(de.dev.Sign, r.canonical(), r.Signature) {
		return fmt.Errorf("verify receipt for %s from %q: %w", r.Message, r.Device, ErrBadSignature)
	}
	if de.owner.Nation != r.Nation {
		return fmt.Errorf("verify receipt for %s: %w: member %q is of %s, receipt says %s", r.Message, ErrMalformed, r.Member, de.owner.Nation, r.Nation)
	}
	room := dir.rooms[r.Room]
	if room == nil {
		return fmt.Errorf("verify receipt for %s: room %q: %w", r.Message, r.Room, ErrUnknownRoom)
	}
	if !dir.isReader(room, r.Member) {
		return fmt.Errorf("verify receipt for %s: %q in room %q: %w", r.Message, r.Member, r.Room, ErrNotMember)
	}
	return nil
}

// Digest returns the SHA-256 of the receipt's canonical encoding followed by
// its signature, for the audit log.
func (r *Receipt) Digest() Digest {
	h := sha256.New()
	h.Write(r.canonical())
	h.Write(r.Signature)
	var d Digest
	h.Sum(d[:0])
	return d
}

// Marshal returns the wire (JSON) encoding of r.
func (r *Receipt) Marshal() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("marshal receipt for %s: %w", r.Message, err)
	}
	return b, nil
}

// DecodeReceipt decodes the wire form of a receipt as strictly as
// DecodeEnvelope does. The receipt is well formed but not yet verified.
func DecodeReceipt(b []byte) (*Receipt, error) {
	if len(b) > maxReceiptSize {
		return nil, fieldErr("receipt", ErrTooLarge, "%d bytes (limit %d)", len(b), maxReceiptSize)
	}
	var r Receipt
	d := newStrictDecoder(b, "receipt")
	err := d.object("", map[string]func(string) error{
		"v":        func(f string) error { return d.int(f, &r.Version) },
		"msg":      func(f string) error { return d.text(f, 2*len(r.Message), &r.Message) },
		"envelope": func(f string) error { return d.text(f, 2*len(r.Envelope), &r.Envelope) },
		"room":     func(f string) error { return d.name(f, (*string)(&r.Room)) },
		"member":   func(f string) error { return d.name(f, (*string)(&r.Member)) },
		"device":   func(f string) error { return d.name(f, (*string)(&r.Device)) },
		"nation":   func(f string) error { return d.text(f, 2, &r.Nation) },
		"state":    func(f string) error { return d.text(f, 16, &r.State) },
		"time":     func(f string) error { return d.time(f, &r.Time) },
		"sig":      func(f string) error { return d.base64(f, signatureSize, &r.Signature) },
	}, nil)
	if err == nil {
		err = d.end()
	}
	if err == nil {
		err = r.validate()
	}
	if err != nil {
		return nil, fmt.Errorf("decode receipt: %w", err)
	}
	return &r, nil
}
