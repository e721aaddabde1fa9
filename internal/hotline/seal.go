package hotline

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const signatureSize = ed25519.SignatureSize

// Message is what a sender writes: Seal turns it into an Envelope.
type Message struct {
	Room RoomID
	// Kind is KindText, KindLinkTest or KindCall; zero means KindText.
	Kind       Kind
	Precedence Precedence
	// Body is the text, UTF-8, at most MaxBody bytes. It may be empty only
	// when there are attachments.
	Body        []byte
	Attachments []Attachment
}

// Attachment is a document or image sent with a message. Its name and media
// type are encrypted with its data.
type Attachment struct {
	Name      string // file name, UTF-8, at most 255 bytes, no control characters
	MediaType string // e.g. "application/pdf", "image/png"
	Data      []byte
}

func (a Attachment) check(i int) error {
	f := fmt.Sprintf("attachments[%d]", i)
	if a.Name == "" || len(a.Name) > maxAttachmentName || !utf8.ValidString(a.Name) || strings.ContainsFunc(a.Name, isControl) {
		return fmt.Errorf("%s: %w: name %q: want 1–%d bytes of UTF-8 without control characters", f, ErrMalformed, a.Name, maxAttachmentName)
	}
	if len(a.MediaType) > maxMediaType {
		return fmt.Errorf("%s: %w: media type longer than %d bytes", f, ErrMalformed, maxMediaType)
	}
	if mt, _, err := mime.ParseMediaType(a.MediaType); err != nil || mt != a.MediaType {
		return fmt.Errorf("%s: %w: media type %q: want type/subtype without parameters", f, ErrMalformed, a.MediaType)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Plaintext is an opened message.
type Plaintext struct {
	// Envelope is the verified envelope: sender, room, precedence, times.
	Envelope    *Envelope
	Body        []byte
	Attachments []Attachment
}

// Seal encrypts and signs m as sender at time now. The content is encrypted
// under a fresh random key, which is sealed with HPKE to every device of the
// room's members and of their alternates (including the sender's own
// devices, so that they can read their history). The envelope gets a new
// random id.
//
// Seal fails if the sender's device or the room is unknown, the sender is
// not a member of the room, the message is over a size limit or malformed,
// or the Identity's signing key is not the one the Directory holds.
func Seal(sender Identity, dir *Directory, m Message, now time.Time) (*Envelope, error) {
	de := dir.devices[sender.Device()]
	if de == nil {
		return nil, fmt.Errorf("seal: device %q: %w", sender.Device(), ErrUnknownDevice)
	}
	room := dir.rooms[m.Room]
	if room == nil {
		return nil, fmt.Errorf("seal: room %q: %w", m.Room, ErrUnknownRoom)
	}
	if !room.Has(de.owner.ID) {
		return nil, fmt.Errorf("seal: %q in room %q: %w", de.owner.ID, m.Room, ErrNotMember)
	}
	if m.Kind == KindUnknown {
		m.Kind = KindText
	}
	if !m.Kind.Valid() {
		return nil, fmt.Errorf("seal: %w: kind %d", ErrMalformed, int(m.Kind))
	}
	if !m.Precedence.Valid() {
		return nil, fmt.Errorf("seal: %w: precedence %d", ErrMalformed, int(m.Precedence))
	}
	if len(m.Body) > MaxBody {
		return nil, fmt.Errorf("seal: %w: body of %d bytes (limit %d)", ErrTooLarge, len(m.Body), MaxBody)
	}
	if !utf8.Valid(m.Body) {
		return nil, fmt.Errorf("seal: %w: body is not UTF-8", ErrMalformed)
	}
	if len(m.Attachments) > MaxAttachments {
		return nil, fmt.Errorf("seal: %w: %d attachments (limit %d)", ErrTooLarge, len(m.Attachments), MaxAttachments)
	}
	if len(m.Body) == 0 && len(m.Attachments) == 0 {
		return nil, fmt.Errorf("seal: %w: empty message", ErrMalformed)
	}
	atts := make([][]byte, len(m.Attachments))
	total := 0
	for i, a := range m.Attachments {
		if err := a.check(i); err != nil {
			return nil, fmt.Errorf("seal: %w", err)
		}
		atts[i] = encodeAttachment(a)
		total += len(atts[i])
	}
	if total > MaxAttachmentsSize {
		return nil, fmt.Errorf("seal: %w: attachments of %d bytes (limit %d)", ErrTooLarge, total, MaxAttachmentsSize)
	}
	if err := checkTime(now); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}

	env := &Envelope{
		Version: EnvelopeVersion, ID: NewMessageID(), Kind: m.Kind, Room: m.Room,
		Sender: de.owner.ID, Device: de.dev.ID, Nation: de.owner.Nation, Precedence: m.Precedence,
		Created: now.UTC(),
	}
	// SECURITY REVIEW: the content key is fresh per message from crypto/rand
	// and never leaves this function unsealed.
	key := make([]byte, contentKeySize)
	rand.Read(key)
	for _, mid := range dir.readers(room) {
		for _, dv := range dir.members[mid].Devices {
			sealed, err := sealKey(dv.KEM, keyInfo(env.ID, dv.ID), key)
			if err != nil {
				return nil, fmt.Errorf("seal: key for device %q: %w", dv.ID, err)
			}
			env.Recipients = append(env.Recipients, Recipient{Device: dv.ID, Key: sealed})
		}
	}
	if len(env.Recipients) > MaxRecipients {
		return nil, fmt.Errorf("seal: %w: %d recipient devices (limit %d)", ErrTooLarge, len(env.Recipients), MaxRecipients)
	}
	slices.SortFunc(env.Recipients, func(a, b Recipient) int { return strings.Compare(string(a.Device), string(b.Device)) })
	aead := contentAEAD(key)
	env.Body = aead.Seal(nil, contentNonce(0), m.Body, contentAAD(env.ID, 0))
	for i, a := range atts {
		env.Attachments = append(env.Attachments, aead.Seal(nil, contentNonce(i+1), a, contentAAD(env.ID, i+1)))
	}
	msg := env.canonical()
	sig, err := sender.Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("seal: sign: %w", err)
	}
	if !ed25519.Verify(de.dev.Sign, msg, sig) {
		return nil, fmt.Errorf("seal: %w: device %q signs with a key the directory does not hold", ErrBadSignature, de.dev.ID)
	}
	env.Signature = sig
	return env, nil
}

// Verify checks everything about env that needs no private key, as a relay
// or a partner node does before storing or forwarding it:
//
//   - its structure and size limits (*FieldError wrapping ErrMalformed or
//     ErrTooLarge);
//   - the signing device is in dir and belongs to the claimed sender
//     (ErrUnknownDevice), whose nation it claims (ErrMalformed);
//   - the signature (ErrBadSignature);
//   - the room exists (ErrUnknownRoom) and the sender is a member
//     (ErrNotMember);
//   - it is encrypted to at least one device of every room member and to no
//     device outside the room's members and their alternates
//     (ErrNotAddressed).
//
// Verify does not check for replays: see Seen.
func Verify(env *Envelope, dir *Directory) error {
	if err := env.validate(); err != nil {
		return fmt.Errorf("verify envelope: %w", err)
	}
	de := dir.devices[env.Device]
	if de == nil {
		return fmt.Errorf("verify %s: device %q: %w", env.ID, env.Device, ErrUnknownDevice)
	}
	if de.owner.ID != env.Sender {
		return fmt.Errorf("verify %s: %w: device %q belongs to %q, not %q", env.ID, ErrUnknownDevice, env.Device, de.owner.ID, env.Sender)
	}
	// SECURITY REVIEW: the signature is checked before anything else is
	// believed; the key comes from the trusted Directory, never from the
	// envelope.
	if !ed25519.Verify(de.dev.Sign, env.canonical(), env.Signature) {
		return fmt.Errorf("verify %s from %q: %w", env.ID, env.Device, ErrBadSignature)
	}
	if de.owner.Nation != env.Nation {
		return fmt.Errorf("verify %s: %w: sender %q is of %s, envelope says %s", env.ID, ErrMalformed, env.Sender, de.owner.Nation, env.Nation)
	}
	room := dir.rooms[env.Room]
	if room == nil {
		return fmt.Errorf("verify %s: room %q: %w", env.ID, env.Room, ErrUnknownRoom)
	}
	if !room.Has(env.Sender) {
		return fmt.Errorf("verify %s: %q in room %q: %w", env.ID, env.Sender, env.Room, ErrNotMember)
	}
	covered := map[MemberID]bool{}
	for _, r := range env.Recipients {
		re := dir.devices[r.Device]
		if re == nil || !dir.isReader(room, re.owner.ID) {
			return fmt.Errorf("verify %s: %w: device %q is not entitled to read room %q", env.ID, ErrNotAddressed, r.Device, env.Room)
		}
		covered[re.owner.ID] = true
	}
	for _, m := range room.Members {
		if !covered[m] {
			return fmt.Errorf("verify %s: %w: no device of member %q", env.ID, ErrNotAddressed, m)
		}
	}
	return nil
}

// Open verifies env (as Verify does) and then decrypts it with recipient's
// keys. It fails with ErrNotRecipient if env is not encrypted to the device,
// and ErrDecrypt if a correctly signed message does not decrypt.
func Open(env *Envelope, recipient Identity, dir *Directory) (*Plaintext, error) {
	if err := Verify(env, dir); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	dev := recipient.Device()
	i, ok := slices.BinarySearchFunc(env.Recipients, dev, func(r Recipient, d DeviceID) int { return strings.Compare(string(r.Device), string(d)) })
	if !ok {
		return nil, fmt.Errorf("open %s: device %q: %w", env.ID, dev, ErrNotRecipient)
	}
	key, err := recipient.Unseal(keyInfo(env.ID, dev), env.Recipients[i].Key)
	if err != nil || len(key) != contentKeySize {
		return nil, fmt.Errorf("open %s: %w: content key for device %q", env.ID, ErrDecrypt, dev)
	}
	aead := contentAEAD(key)
	p := &Plaintext{Envelope: env}
	if p.Body, err = aead.Open(nil, contentNonce(0), env.Body, contentAAD(env.ID, 0)); err != nil {
		return nil, fmt.Errorf("open %s: %w: body", env.ID, ErrDecrypt)
	}
	if !utf8.Valid(p.Body) {
		return nil, fmt.Errorf("open %s: %w: body is not UTF-8", env.ID, ErrMalformed)
	}
	for i, c := range env.Attachments {
		b, err := aead.Open(nil, contentNonce(i+1), c, contentAAD(env.ID, i+1))
		if err != nil {
			return nil, fmt.Errorf("open %s: %w: attachment %d", env.ID, ErrDecrypt, i)
		}
		a, err := decodeAttachment(b)
		if err != nil {
			return nil, fmt.Errorf("open %s: attachment %d: %w", env.ID, i, err)
		}
		if err := a.check(i); err != nil {
			return nil, fmt.Errorf("open %s: %w", env.ID, err)
		}
		p.Attachments = append(p.Attachments, a)
	}
	return p, nil
}

// contentAEAD returns AES-256-GCM under key.
func contentAEAD(key []byte) cipher.AEAD {
	// SECURITY REVIEW: the key is used for one message only, so the fixed
	// per-part nonces below never repeat under one key.
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // key is always 32 bytes here
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}

// contentNonce is the GCM nonce of part i (0 = body, i = attachment i-1):
// the big-endian index in 12 bytes. Safe only because each content key
// encrypts one message.
func contentNonce(i int) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint32(n[8:], uint32(i))
	return n
}

// contentAAD binds each part's ciphertext to the message id and its position.
func contentAAD(id MessageID, part int) []byte {
	b := append([]byte("trilink hotline content v1\x00"), id[:]...)
	return binary.BigEndian.AppendUint16(b, uint16(part))
}

// keyInfo is the HPKE info for the content key sealed to device dev: it binds
// the sealed key to one message and one device, so it cannot be moved.
func keyInfo(id MessageID, dev DeviceID) []byte {
	c := canon{b: append([]byte("trilink hotline key v1\x00"), id[:]...)}
	c.str(string(dev))
	return c.b
}

// encodeAttachment: str name ‖ str media type ‖ data.
func encodeAttachment(a Attachment) []byte {
	c := canon{b: make([]byte, 0, 4+len(a.Name)+len(a.MediaType)+len(a.Data))}
	c.str(a.Name)
	c.str(a.MediaType)
	c.b = append(c.b, a.Data...)
	return c.b
}

func decodeAttachment(b []byte) (Attachment, error) {
	var a Attachment
	for _, s := range []*string{&a.Name, &a.MediaType} {
		if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
			return a, fmt.Errorf("%w: attachment encoding", ErrMalformed)
		}
		n := int(binary.BigEndian.Uint16(b))
		*s, b = string(b[2:2+n]), b[2+n:]
	}
	a.Data = b
	return a, nil
}
