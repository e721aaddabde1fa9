package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/trilink/trilink/internal/nation"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a commitment to the log's first Size entries: the C2SP
// tlog-checkpoint body (origin, size, root hash), signed as a note
// (C2SP signed-note) by the keeper and cosigned by the partners.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte // RFC 6962 root hash, 32 bytes
}

// Origin returns the origin line of nation n's audit log, "trilink/<n>/audit".
func Origin(n nation.Nation) string { return "trilink/" + n.String() + "/audit" }

// OriginNation returns the nation whose log origin is.
func OriginNation(origin string) (nation.Nation, error) {
	for _, n := range nation.Nations {
		if origin == Origin(n) {
			return n, nil
		}
	}
	return nation.NationUnknown, fmt.Errorf("%w: origin %q is not a trilink audit log", ErrMalformed, origin)
}

// Text returns the checkpoint body: "<origin>\n<size>\n<base64 root>\n".
func (c Checkpoint) Text() string {
	return c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root) + "\n"
}

// ParseCheckpoint parses a checkpoint body strictly: exactly the three lines
// Text writes, a decimal size without leading zeros, and a 32-byte root in
// padded standard base64. (C2SP allows extension lines; trilink writes none
// and accepts none.)
func ParseCheckpoint(text string) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return c, fmt.Errorf("%w: checkpoint: want 3 lines, each ending in a newline", ErrMalformed)
	}
	if lines[0] == "" || strings.ContainsAny(lines[0], " +\t") {
		return c, fmt.Errorf("%w: checkpoint origin %q", ErrMalformed, lines[0])
	}
	c.Origin = lines[0]
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return c, fmt.Errorf("%w: checkpoint size %q", ErrMalformed, lines[1])
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return c, fmt.Errorf("%w: checkpoint root %q: want 32 bytes in base64", ErrMalformed, lines[2])
	}
	c.Root = root
	return c, nil
}

// KeyName returns the note key name of nation n's audit key, "trilink-<n>".
// A nation uses the same key to sign its own checkpoints and to cosign its
// partners'; the origin line says which log a signature is for.
func KeyName(n nation.Nation) string { return "trilink-" + n.String() }

// Keys are the trusted audit verification keys, by nation.
type Keys map[nation.Nation]note.Verifier

func (k Keys) check() error {
	for n, v := range k {
		if v == nil || v.Name() != KeyName(n) {
			return fmt.Errorf("%w: key for %s must be named %q", ErrMalformed, n, KeyName(n))
		}
	}
	return nil
}

// nationOf returns the nation whose key is named name.
func (k Keys) nationOf(name string) (nation.Nation, bool) {
	for n := range k {
		if KeyName(n) == name {
			return n, true
		}
	}
	return nation.NationUnknown, false
}

// NewVerifier returns the note verifier of nation n's Ed25519 audit key.
func NewVerifier(n nation.Nation, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := note.NewEd25519VerifierKey(KeyName(n), pub)
	if err != nil {
		return nil, fmt.Errorf("audit key for %s: %w", n, err)
	}
	return note.NewVerifier(vkey)
}

// NewSigner returns a note signer with nation n's Ed25519 audit key. The
// private key stays inside the returned note.Signer.
func NewSigner(n nation.Nation, priv ed25519.PrivateKey) (note.Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: audit key for %s: %d bytes", ErrMalformed, n, len(priv))
	}
	v, err := NewVerifier(n, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	return &signer{name: v.Name(), hash: v.KeyHash(), key: priv}, nil
}

// GenerateKey returns a new audit key pair for nation n.
func GenerateKey(n nation.Nation) (note.Signer, note.Verifier, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	s, err := NewSigner(n, priv)
	if err != nil {
		return nil, nil, err
	}
	v, err := NewVerifier(n, pub)
	return s, v, err
}

type signer struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
}

func (s *signer) Name() string    { return s.name }
func (s *signer) KeyHash() uint32 { return s.hash }
func (s *signer) Sign(msg []byte) ([]byte, error) {
	// SECURITY REVIEW: signs checkpoint bodies only (note.Sign passes the
	// note text); a signature asserts "this is the log" (keeper) or "this is
	// consistent with what I cosigned before" (witness).
	return ed25519.Sign(s.key, msg), nil
}

// sigResult is the check of one signature line of a note.
type sigResult struct {
	sig    note.Signature
	nation nation.Nation // whose key name it bears; unknown if none
	ok     bool
	why    string // when !ok: "unknown signer", "unknown key", "invalid"
}

type noKeys struct{}

func (noKeys) Verifier(name string, hash uint32) (note.Verifier, error) {
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}

// openNote parses a signed note and checks each signature line against keys
// separately, so that a report can name the bad one. It fails only if msg is
// not a signed note at all.
func openNote(msg []byte, keys Keys) (string, []sigResult, error) {
	_, err := note.Open(msg, noKeys{})
	var unv *note.UnverifiedNoteError
	if !errors.As(err, &unv) {
		if err == nil {
			err = errors.New("opened without keys")
		}
		return "", nil, fmt.Errorf("%w: signed note: %v", ErrMalformed, err)
	}
	n := unv.Note
	var out []sigResult
	for _, s := range n.UnverifiedSigs {
		r := sigResult{sig: s}
		nat, known := keys.nationOf(s.Name)
		raw, _ := base64.StdEncoding.DecodeString(s.Base64) // note.Open checked it
		switch {
		case !known:
			r.why = "unknown signer"
		case keys[nat].KeyHash() != s.Hash:
			r.nation, r.why = nat, fmt.Sprintf("unknown key %08x", s.Hash)
		case len(raw) < 4 || binary.BigEndian.Uint32(raw) != s.Hash || !keys[nat].Verify([]byte(n.Text), raw[4:]):
			r.nation, r.why = nat, "invalid"
		default:
			r.nation, r.ok = nat, true
		}
		out = append(out, r)
	}
	return n.Text, out, nil
}

// formatNote encodes text and signature lines as a signed note.
func formatNote(text string, sigs []note.Signature) []byte {
	var b bytes.Buffer
	b.WriteString(text)
	b.WriteString("\n")
	for _, s := range sigs {
		fmt.Fprintf(&b, "— %s %s\n", s.Name, s.Base64)
	}
	return b.Bytes()
}
