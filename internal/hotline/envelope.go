package hotline

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// Size limits. An envelope over them is refused by Seal and DecodeEnvelope
// with an error wrapping ErrTooLarge.
//
// A message travels as one NATS message, and NATS refuses messages over the
// server's max_payload: trilink's servers set it to 8 MB (the largest size
// the NATS documentation recommends), so an envelope is at most 7 MiB. With
// 4 MiB of attachments, base64 in the JSON wire form, a full body and 1,024
// recipients, it stays under that.
const (
	MaxBody            = 64 << 10 // plaintext body, bytes (a DCL-length message in any script)
	MaxAttachments     = 8        // attachments per message
	MaxAttachmentsSize = 4 << 20  // plaintext of all attachments together (names, types and data), bytes
	MaxRecipients      = 1024     // recipient devices per message
	MaxEnvelopeSize    = 7 << 20  // wire (JSON) encoding of an envelope, bytes
	maxAttachmentName  = 255      // bytes of UTF-8
	maxMediaType       = 127      // bytes
)

// EnvelopeVersion is the version of the envelope format and ciphersuite this
// package writes and reads.
const EnvelopeVersion = 1

// MessageID is a message's random 128-bit identifier. Its text form is 32
// lower-case hex digits.
type MessageID [16]byte

// NewMessageID returns a random MessageID.
func NewMessageID() MessageID {
	var id MessageID
	rand.Read(id[:]) // never fails (crypto/rand, Go ≥ 1.24)
	return id
}

// ParseMessageID parses 32 lower-case hex digits.
func ParseMessageID(s string) (MessageID, error) {
	var id MessageID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("%w: message id %q: want %d hex digits", ErrMalformed, s, 2*len(id))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return id, fmt.Errorf("%w: message id %q: want lower-case hex", ErrMalformed, s)
		}
	}
	hex.Decode(id[:], []byte(s))
	return id, nil
}

// String returns the hex form.
func (id MessageID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is all zeros (never a valid message id).
func (id MessageID) IsZero() bool { return id == MessageID{} }

// MarshalText implements encoding.TextMarshaler.
func (id MessageID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *MessageID) UnmarshalText(b []byte) error {
	v, err := ParseMessageID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Digest is a SHA-256 hash of a signed object (an envelope or a receipt):
// what receipts refer to and what the audit log records. Its text form is
// 64 lower-case hex digits.
type Digest [sha256.Size]byte

// String returns the hex form.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// MarshalText implements encoding.TextMarshaler.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Digest) UnmarshalText(b []byte) error {
	if len(b) != 2*len(d) {
		return fmt.Errorf("%w: digest: want %d hex digits", ErrMalformed, 2*len(d))
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Errorf("%w: digest: want lower-case hex", ErrMalformed)
		}
	}
	_, err := hex.Decode(d[:], b)
	return err
}

// Kind tells ordinary messages from link tests.
//
// The values are persisted and shared: do not reorder.
type Kind int

const (
	KindUnknown  Kind = iota
	KindText          // a message written by a person (with optional attachments)
	KindLinkTest      // a scheduled link test; answered by a machine receipt
	// KindCall records a member joining or leaving a voice or video call,
	// or its end (a call's start is a KindText message, which rings with
	// its precedence). It is signed and audited like any message but asks
	// nobody for an acknowledgement.
	KindCall
)

var kindNames = [...]string{KindUnknown: "unknown", KindText: "text", KindLinkTest: "link-test", KindCall: "call"}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindText || k == KindLinkTest || k == KindCall }

// String returns "text", "link-test", "call" or "unknown".
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
	for _, v := range []Kind{KindText, KindLinkTest, KindCall} {
		if string(b) == kindNames[v] {
			*k = v
			return nil
		}
	}
	return fmt.Errorf("%w: kind %q (want text, link-test or call)", ErrMalformed, b)
}

// Envelope is a message as it travels and is stored by every nation: a
// signed header in the clear and an encrypted body. See the package
// documentation for the scheme and the canonical encoding that is signed.
//
// Its wire form is the JSON produced by Marshal; byte slices are standard
// base64 with padding, times RFC 3339 in UTC.
type Envelope struct {
	Version    int           `json:"v"`          // EnvelopeVersion
	ID         MessageID     `json:"id"`         // random; unique per message
	Kind       Kind          `json:"kind"`       // text, link-test or call
	Room       RoomID        `json:"room"`       // where it is posted
	Sender     MemberID      `json:"sender"`     // who wrote it
	Device     DeviceID      `json:"device"`     // the sender's device that signed it
	Nation     nation.Nation `json:"nation"`     // the sender's nation
	Precedence Precedence    `json:"precedence"` // handling priority; sets the acknowledgement deadline
	Created    time.Time     `json:"created"`    // by the sender's clock, UTC
	// Recipients hold the content key sealed to each device entitled to read
	// the message (the room's members and their alternates), sorted by
	// device id.
	Recipients []Recipient `json:"recipients"`
	// Body is the AES-256-GCM ciphertext of the text (with its tag).
	Body []byte `json:"body"`
	// Attachments are the AES-256-GCM ciphertexts of the attachments (name,
	// media type and data), in order.
	Attachments [][]byte `json:"attachments,omitempty"`
	// Signature is the sender device's Ed25519 signature of the canonical
	// encoding of every other field.
	Signature []byte `json:"sig"`
}

// Recipient is the content key sealed to one device.
type Recipient struct {
	Device DeviceID `json:"device"`
	// Key is the RFC 9180 single-shot Seal output: the 32-byte encapsulated
	// key followed by the 48-byte sealed content key.
	Key []byte `json:"key"`
}

// Marshal returns the wire (JSON) encoding of e.
func (e *Envelope) Marshal() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal envelope %s: %w", e.ID, err)
	}
	return b, nil
}

// Digest returns the SHA-256 of the canonical encoding followed by the
// signature: it names exactly this signed message. e must be well formed
// (from Seal or DecodeEnvelope, or passed Verify).
func (e *Envelope) Digest() Digest {
	h := sha256.New()
	h.Write(e.canonical())
	h.Write(e.Signature)
	var d Digest
	h.Sum(d[:0])
	return d
}

// Subject returns the NATS subject the envelope travels on:
// shared.<nation>.hotline.<room> (DESIGN §4).
func (e *Envelope) Subject() string {
	return e.Nation.SharedPrefix() + "hotline." + string(e.Room)
}

// validate checks the structure of e: everything that needs no directory or
// key. Errors are *FieldError values.
func (e *Envelope) validate() error {
	if e.Version != EnvelopeVersion {
		return fieldErr("v", ErrMalformed, "version %d (want %d)", e.Version, EnvelopeVersion)
	}
	if e.ID.IsZero() {
		return fieldErr("id", ErrMalformed, "zero id")
	}
	if !e.Kind.Valid() {
		return fieldErr("kind", ErrMalformed, "kind %d", int(e.Kind))
	}
	if err := e.Room.Valid(); err != nil {
		return &FieldError{Field: "room", Err: err}
	}
	if err := e.Sender.Valid(); err != nil {
		return &FieldError{Field: "sender", Err: err}
	}
	if err := e.Device.Valid(); err != nil {
		return &FieldError{Field: "device", Err: err}
	}
	if !e.Nation.Valid() {
		return fieldErr("nation", ErrMalformed, "nation %d", int(e.Nation))
	}
	if !e.Precedence.Valid() {
		return fieldErr("precedence", ErrMalformed, "precedence %d", int(e.Precedence))
	}
	if err := checkTime(e.Created); err != nil {
		return &FieldError{Field: "created", Err: err}
	}
	if len(e.Recipients) == 0 {
		return fieldErr("recipients", ErrMalformed, "no recipient")
	}
	if len(e.Recipients) > MaxRecipients {
		return fieldErr("recipients", ErrTooLarge, "%d recipients (limit %d)", len(e.Recipients), MaxRecipients)
	}
	for i, r := range e.Recipients {
		f := fmt.Sprintf("recipients[%d]", i)
		if err := r.Device.Valid(); err != nil {
			return &FieldError{Field: f + ".device", Err: err}
		}
		if i > 0 && r.Device <= e.Recipients[i-1].Device {
			return fieldErr(f+".device", ErrMalformed, "%q out of order or repeated (want sorted, unique)", r.Device)
		}
		if len(r.Key) != sealedKeySize {
			return fieldErr(f+".key", ErrMalformed, "%d bytes (want %d)", len(r.Key), sealedKeySize)
		}
	}
	if len(e.Body) < aeadTagSize {
		return fieldErr("body", ErrMalformed, "%d bytes (want at least the %d-byte tag)", len(e.Body), aeadTagSize)
	}
	if len(e.Body) > MaxBody+aeadTagSize {
		return fieldErr("body", ErrTooLarge, "%d bytes (limit %d)", len(e.Body), MaxBody+aeadTagSize)
	}
	if len(e.Attachments) > MaxAttachments {
		return fieldErr("attachments", ErrTooLarge, "%d attachments (limit %d)", len(e.Attachments), MaxAttachments)
	}
	total := 0
	for i, a := range e.Attachments {
		if len(a) < aeadTagSize {
			return fieldErr(fmt.Sprintf("attachments[%d]", i), ErrMalformed, "%d bytes (want at least the %d-byte tag)", len(a), aeadTagSize)
		}
		total += len(a) - aeadTagSize
	}
	if total > MaxAttachmentsSize {
		return fieldErr("attachments", ErrTooLarge, "%d bytes (limit %d)", total, MaxAttachmentsSize)
	}
	if len(e.Signature) != signatureSize {
		return fieldErr("sig", ErrMalformed, "%d bytes (want %d)", len(e.Signature), signatureSize)
	}
	return nil
}

// Times are signed as Unix nanoseconds, which cover 1678–2262; we accept
// 2000–2199.
var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func checkTime(t time.Time) error {
	if t.Before(minTime) || !t.Before(maxTime) {
		return fmt.Errorf("%w: time %s outside 2000–2199", ErrMalformed, t.Format(time.RFC3339Nano))
	}
	return nil
}
