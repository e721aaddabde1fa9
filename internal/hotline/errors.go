package hotline

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformed marks input that does not decode or does not satisfy the
	// format's rules. Decoding errors are *FieldError values wrapping it.
	ErrMalformed = errors.New("hotline: malformed")
	// ErrTooLarge marks input over one of the stated size limits.
	ErrTooLarge = errors.New("hotline: too large")
	// ErrUnknownRoom is returned for a room the Directory does not list.
	ErrUnknownRoom = errors.New("hotline: unknown room")
	// ErrUnknownMember is returned for a member the Directory does not list.
	ErrUnknownMember = errors.New("hotline: unknown member")
	// ErrUnknownDevice is returned for a device the Directory does not list,
	// or one that belongs to someone other than the claimed member.
	ErrUnknownDevice = errors.New("hotline: unknown device")
	// ErrNotMember is returned when the sender of a message is not a member
	// of its room, or the author of a receipt is neither a member of the room
	// nor an alternate of one.
	ErrNotMember = errors.New("hotline: not a member of the room")
	// ErrNotAddressed is returned when a message is not encrypted to at least
	// one device of every room member, or is encrypted to a device that has
	// no business reading it.
	ErrNotAddressed = errors.New("hotline: wrongly addressed")
	// ErrBadSignature is returned when a signature does not verify.
	ErrBadSignature = errors.New("hotline: bad signature")
	// ErrNotRecipient is returned by Open when the message is not encrypted to
	// the opening device.
	ErrNotRecipient = errors.New("hotline: device is not a recipient")
	// ErrDecrypt is returned when a correctly signed message does not decrypt
	// (a sender bug or a key mismatch: the signature rules out tampering).
	ErrDecrypt = errors.New("hotline: cannot decrypt")
	// ErrReplay is returned by Seen for a message id already seen, or older
	// than the replay window.
	ErrReplay = errors.New("hotline: replayed message")
)

// FieldError reports what is wrong with one field of a decoded envelope or
// receipt. Field is the JSON path, e.g. "recipients[2].key". Err wraps
// ErrMalformed or ErrTooLarge.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %s: %v", e.Field, e.Err) }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, sentinel error, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}
