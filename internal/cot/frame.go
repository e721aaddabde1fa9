package cot

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic is the byte that starts every TAK protocol header (protocol.txt,
// "TAK Protocol Header").
const Magic = 0xbf

// AppendFrameHeader appends the TAK protocol streaming header for a payload
// of n bytes: Magic and n as a varint (protocol.txt, "Streaming
// Connections").
func AppendFrameHeader(b []byte, n int) []byte {
	b = append(b, Magic)
	return binary.AppendUvarint(b, uint64(n))
}

// AppendMeshHeader appends the TAK protocol mesh header for version 1:
// Magic, the version as a varint, Magic (protocol.txt, "Mesh Networks").
// The payload follows it directly, one per UDP datagram.
func AppendMeshHeader(b []byte) []byte {
	return append(b, Magic, 1, Magic)
}

// ParseMesh splits a mesh datagram into its TAK protocol version and
// payload. A datagram that does not start with Magic is legacy CoT XML
// (version 0) and is returned whole. The error wraps [ErrInvalid].
func ParseMesh(p []byte) (version uint64, payload []byte, err error) {
	if len(p) == 0 || p[0] != Magic {
		return 0, p, nil
	}
	v, n := binary.Uvarint(p[1:])
	if n <= 0 || len(p) < 2+n || p[1+n] != Magic || v == 0 {
		return 0, nil, fmt.Errorf("%w: bad mesh header", ErrInvalid)
	}
	return v, p[2+n:], nil
}

// FrameReader reads TAK protocol streaming frames (Magic, varint length,
// payload). It resynchronises on Magic: bytes before it are skipped (goatak
// writes a stray zero byte after each frame), and counted.
type FrameReader struct {
	r       *bufio.Reader
	max     int
	buf     []byte
	skipped int64
}

// NewFrameReader reads frames from r with payloads of at most max bytes
// (MaxEventSize if max ≤ 0).
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = MaxEventSize
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 16<<10)
	}
	return &FrameReader{r: br, max: max}
}

// Next returns the next frame's payload, valid until the next call. Errors
// wrapping [ErrTooLarge] (the payload was skipped) or [ErrInvalid] (a bad
// length) concern one frame only: the stream can be read on. Other errors
// (io.EOF, io.ErrUnexpectedEOF, network errors) end it.
func (f *FrameReader) Next() ([]byte, error) {
	for {
		c, err := f.r.ReadByte()
		if err != nil {
			return nil, err
		}
		if c != Magic {
			f.skipped++
			continue
		}
		n, err := binary.ReadUvarint(f.r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) {
				return nil, err
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: frame length: %v", ErrInvalid, err)
		}
		if n > uint64(f.max) {
			if _, err := io.CopyN(io.Discard, f.r, int64(min(n, 1<<62))); err != nil {
				return nil, unexpected(err)
			}
			return nil, fmt.Errorf("%w: frame of %d bytes, limit %d", ErrTooLarge, n, f.max)
		}
		if cap(f.buf) < int(n) {
			f.buf = make([]byte, n)
		}
		f.buf = f.buf[:n]
		if _, err := io.ReadFull(f.r, f.buf); err != nil {
			return nil, unexpected(err)
		}
		return f.buf, nil
	}
}

// Skipped is the number of bytes skipped while looking for Magic.
func (f *FrameReader) Skipped() int64 { return f.skipped }

// Buffered returns the reader's buffered input, for handing the stream on.
func (f *FrameReader) Buffered() *bufio.Reader { return f.r }

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// XMLReader splits a TAK protocol v0 stream into messages: each is one
// root element (<event>, or <auth> which some clients send first), found
// by reading to its end tag "</name>" as protocol.txt prescribes, or a
// self-closing root. XML declarations, comments and whitespace between
// messages are skipped.
type XMLReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewXMLReader reads messages from r of at most max bytes each
// (MaxEventSize if max ≤ 0).
func NewXMLReader(r io.Reader, max int) *XMLReader {
	if max <= 0 {
		max = MaxEventSize
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 16<<10)
	}
	return &XMLReader{r: br, max: max}
}

// Buffered returns the reader's buffered input, so that the stream can be
// read on in another framing (after a switch to TAK protocol v1).
func (x *XMLReader) Buffered() *bufio.Reader { return x.r }

// Next returns the next message, valid until the next call, and its root
// element's name. Errors wrapping [ErrTooLarge] (the message was skipped to
// its end tag) or [ErrInvalid] (bytes that are not a message were skipped
// up to the next '<') concern that input only: the stream can be read on.
// Other errors (io.EOF, network errors) end it.
func (x *XMLReader) Next() (msg []byte, name string, err error) {
	for {
		if err := x.skipSpace(); err != nil {
			return nil, "", err
		}
		p, err := x.r.Peek(2)
		if err != nil {
			if err == io.EOF && len(p) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, "", err
		}
		switch {
		case p[0] != '<':
			if err := x.discardUntil('<'); err != nil {
				return nil, "", err
			}
			return nil, "", fmt.Errorf("%w: bytes outside a message", ErrInvalid)
		case p[1] == '?':
			if err := x.skipPast("?>"); err != nil {
				return nil, "", err
			}
		case p[1] == '!':
			if q, _ := x.r.Peek(4); string(q) == "<!--" {
				if err := x.skipPast("-->"); err != nil {
					return nil, "", err
				}
				continue
			}
			if err := x.skipPast(">"); err != nil {
				return nil, "", err
			}
			return nil, "", fmt.Errorf("%w: directive in stream", ErrInvalid)
		default:
			return x.element()
		}
	}
}

func (x *XMLReader) skipSpace() error {
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return x.r.UnreadByte()
		}
	}
}

func (x *XMLReader) discardUntil(c byte) error {
	for {
		b, err := x.r.Peek(1)
		if err != nil {
			return err
		}
		if b[0] == c {
			return nil
		}
		_, _ = x.r.ReadByte()
	}
}

// skipPast discards input through the next occurrence of tok.
func (x *XMLReader) skipPast(tok string) error {
	last := tok[len(tok)-1]
	var tail []byte
	for {
		chunk, err := x.r.ReadSlice(last)
		if err != nil && err != bufio.ErrBufferFull {
			return unexpected(err)
		}
		tail = append(tail, chunk...)
		if err == nil && bytes.HasSuffix(tail, []byte(tok)) {
			return nil
		}
		if len(tail) > len(tok) {
			tail = append(tail[:0], tail[len(tail)-len(tok):]...)
		}
	}
}

// element reads one root element starting at '<'.
func (x *XMLReader) element() ([]byte, string, error) {
	b := x.buf[:0]
	over := false // past the limit: only the tail is kept
	var kept int  // bytes dropped from b while over
	add := func(chunk []byte, keep int) {
		b = append(b, chunk...)
		if len(b)+kept > x.max {
			over = true
		}
		if over && len(b) > keep {
			kept += len(b) - keep
			b = append(b[:0], b[len(b)-keep:]...)
		}
	}
	// The start tag, to its '>' outside quoted attribute values.
	var quote byte
	nameEnd := -1
	for done := false; !done; {
		c, err := x.r.ReadByte()
		if err != nil {
			x.buf = b[:0]
			return nil, "", unexpected(err)
		}
		add([]byte{c}, 256)
		i := len(b) - 1
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			done = true
		}
		if nameEnd < 0 && i > 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '>' || c == '/') {
			nameEnd = i
		}
		if nameEnd < 0 && i > 64 {
			x.buf = b[:0]
			if err := x.discardUntil('<'); err != nil {
				return nil, "", err
			}
			return nil, "", fmt.Errorf("%w: element name too long", ErrInvalid)
		}
	}
	if over {
		// A start tag longer than the limit: skip the element.
		x.buf = b[:0]
		return nil, "", fmt.Errorf("%w: start tag over %d bytes", ErrTooLarge, x.max)
	}
	name := string(b[1:nameEnd])
	if name == "" {
		x.buf = b[:0]
		return nil, "", fmt.Errorf("%w: empty element name", ErrInvalid)
	}
	if len(b) >= 2 && b[len(b)-2] == '/' {
		x.buf = b
		return b, name, nil
	}
	end := []byte("</" + name + ">")
	for {
		chunk, err := x.r.ReadSlice('>')
		if err != nil && err != bufio.ErrBufferFull {
			x.buf = b[:0]
			return nil, "", unexpected(err)
		}
		add(chunk, len(end))
		if err == nil && bytes.HasSuffix(b, end) {
			break
		}
	}
	if over {
		x.buf = b[:0]
		return nil, name, fmt.Errorf("%w: <%s> of %d bytes, limit %d", ErrTooLarge, clip(name), len(b)+kept, x.max)
	}
	x.buf = b
	return b, name, nil
}
