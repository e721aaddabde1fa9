package hotline

import (
	"encoding/binary"
	"math"
)

// The canonical encodings that are signed. Each starts with a context string
// that names the object and its version (domain separation: a signature on
// one kind of object can never verify as another), followed by the fields in
// a fixed order:
//
//	u8, u16, u32: unsigned integers, big-endian
//	i64:          a time as Unix nanoseconds, two's complement big-endian
//	str:          u16 length ‖ bytes
//	bytes:        u32 length ‖ bytes
//	list:         u16 count ‖ items
//
// Every field is length-delimited, so the encoding is injective: two
// different values never encode alike. Enums are encoded by their numeric
// values, which is why they must not be reordered.
const (
	envelopeContext = "trilink hotline envelope v1\x00"
	receiptContext  = "trilink hotline receipt v1\x00"
)

type canon struct{ b []byte }

func (c *canon) u8(v uint8) { c.b = append(c.b, v) }
func (c *canon) u16(v int) {
	if v < 0 || v > math.MaxUint16 {
		panic("hotline: canonical u16 out of range") // validated before encoding
	}
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(v))
}
func (c *canon) u32(v int) {
	if v < 0 || v > math.MaxUint32 {
		panic("hotline: canonical u32 out of range")
	}
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(v))
}
func (c *canon) i64(v int64)    { c.b = binary.BigEndian.AppendUint64(c.b, uint64(v)) }
func (c *canon) str(s string)   { c.u16(len(s)); c.b = append(c.b, s...) }
func (c *canon) bytes(b []byte) { c.u32(len(b)); c.b = append(c.b, b...) }

// canonical returns the bytes the sender signs: every field but Signature.
//
//	context "trilink hotline envelope v1\0"
//	u8 version ‖ 16-byte id ‖ u8 kind ‖ str room ‖ str sender ‖ str device ‖
//	u8 nation ‖ u8 precedence ‖ i64 created ‖
//	list recipients (str device ‖ bytes key) ‖ bytes body ‖ list attachments (bytes)
func (e *Envelope) canonical() []byte {
	n := len(envelopeContext) + 64 + len(e.Room) + len(e.Sender) + len(e.Device) + len(e.Body)
	for _, r := range e.Recipients {
		n += 6 + len(r.Device) + len(r.Key)
	}
	for _, a := range e.Attachments {
		n += 4 + len(a)
	}
	c := canon{b: make([]byte, 0, n)}
	c.b = append(c.b, envelopeContext...)
	c.u8(uint8(e.Version))
	c.b = append(c.b, e.ID[:]...)
	c.u8(uint8(e.Kind))
	c.str(string(e.Room))
	c.str(string(e.Sender))
	c.str(string(e.Device))
	c.u8(uint8(e.Nation))
	c.u8(uint8(e.Precedence))
	c.i64(e.Created.UnixNano())
	c.u16(len(e.Recipients))
	for _, r := range e.Recipients {
		c.str(string(r.Device))
		c.bytes(r.Key)
	}
	c.bytes(e.Body)
	c.u16(len(e.Attachments))
	for _, a := range e.Attachments {
		c.bytes(a)
	}
	return c.b
}

// canonical returns the bytes the receipt's device signs:
//
//	context "trilink hotline receipt v1\0"
//	u8 version ‖ 16-byte message id ‖ 32-byte envelope digest ‖ str room ‖ str member ‖
//	str device ‖ u8 nation ‖ u8 state ‖ i64 time
func (r *Receipt) canonical() []byte {
	c := canon{b: make([]byte, 0, len(receiptContext)+80+len(r.Room)+len(r.Member)+len(r.Device))}
	c.b = append(c.b, receiptContext...)
	c.u8(uint8(r.Version))
	c.b = append(c.b, r.Message[:]...)
	c.b = append(c.b, r.Envelope[:]...)
	c.str(string(r.Room))
	c.str(string(r.Member))
	c.str(string(r.Device))
	c.u8(uint8(r.Nation))
	c.u8(uint8(r.State))
	c.i64(r.Time.UnixNano())
	return c.b
}
