// Package cottest is a TAK client for tests, written from the TAK protocol
// description (ATAK-CIV protocol.txt): it reads the XML stream by splitting
// at "</event>", negotiates TAK protocol v1 as a client must (wait for the
// server's t-x-takp-v, send one t-x-takp-q, send nothing more until the
// t-x-takp-r) and then reads streaming frames strictly (0xbf, varint
// length, payload). Events are decoded with cot.Decode and
// cot.UnmarshalPayload.
package cottest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/cot"
)

// DefaultTimeout bounds reads when the context has no deadline.
const DefaultTimeout = 5 * time.Second

// Client is a TAK client connection. Its methods are not safe for
// concurrent use, except Close.
type Client struct {
	conn  net.Conn
	r     *bufio.Reader
	v1    bool
	offer *cot.Event // the server's t-x-takp-v, once seen
	queue []cot.Event
}

// Dial connects to a TAK server at addr, over TLS if cfg is not nil (with
// ServerName taken from addr if cfg has none).
func Dial(ctx context.Context, addr string, cfg *tls.Config) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cottest: dial: %w", err)
	}
	if cfg != nil {
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("cottest: TLS handshake: %w", err)
		}
		conn = tc
	}
	return &Client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Conn returns the underlying connection, for sending raw bytes.
func (c *Client) Conn() net.Conn { return c.conn }

// V1 reports whether the connection has switched to TAK protocol v1.
func (c *Client) V1() bool { return c.v1 }

// Reader returns the client's buffered reader: after Negotiate, a
// benchmark may read frames from it directly.
func (c *Client) Reader() *bufio.Reader { return c.r }

func (c *Client) deadline(ctx context.Context) {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Now().Add(DefaultTimeout)
	}
	_ = c.conn.SetReadDeadline(d)
}

// Next returns the next event the server sent, in whichever protocol the
// connection speaks. Control events (t-x-takp-*) are returned too.
func (c *Client) Next(ctx context.Context) (cot.Event, error) {
	if len(c.queue) > 0 {
		ev := c.queue[0]
		c.queue = c.queue[1:]
		return ev, nil
	}
	return c.read(ctx)
}

func (c *Client) read(ctx context.Context) (cot.Event, error) {
	c.deadline(ctx)
	if c.v1 {
		return c.readFrame()
	}
	ev, err := c.readXML()
	if err == nil && ev.Type == cot.TypeProtoOffer && c.offer == nil {
		c.offer = &ev
	}
	return ev, err
}

// readXML reads to the next "</event>" and decodes what came before it.
func (c *Client) readXML() (cot.Event, error) {
	const end = "</event>"
	var msg []byte
	for {
		chunk, err := c.r.ReadSlice('>')
		msg = append(msg, chunk...)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return cot.Event{}, fmt.Errorf("cottest: read xml: %w", err)
		}
		if err == nil && bytes.HasSuffix(msg, []byte(end)) {
			break
		}
		if len(msg) > cot.MaxEventSize {
			return cot.Event{}, fmt.Errorf("cottest: xml message over %d bytes", cot.MaxEventSize)
		}
	}
	// The protocol wants the XML header right before each event.
	if !bytes.HasPrefix(bytes.TrimLeft(msg, " \t\r\n"), []byte("<?xml")) {
		return cot.Event{}, fmt.Errorf("cottest: event without an XML header: %.60q", msg)
	}
	ev, err := cot.Decode(msg)
	if err != nil {
		return cot.Event{}, fmt.Errorf("cottest: %w", err)
	}
	return ev, nil
}

// readFrame reads one streaming frame: the magic byte must come first.
func (c *Client) readFrame() (cot.Event, error) {
	for {
		m, err := c.r.ReadByte()
		if err != nil {
			return cot.Event{}, fmt.Errorf("cottest: read frame: %w", err)
		}
		if m != cot.Magic {
			return cot.Event{}, fmt.Errorf("cottest: frame starts with %#x, want 0xbf", m)
		}
		n, err := binary.ReadUvarint(c.r)
		if err != nil {
			return cot.Event{}, fmt.Errorf("cottest: frame length: %w", err)
		}
		if n > cot.MaxEventSize {
			return cot.Event{}, fmt.Errorf("cottest: frame of %d bytes", n)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.r, p); err != nil {
			return cot.Event{}, fmt.Errorf("cottest: frame payload: %w", err)
		}
		ev, _, err := cot.UnmarshalPayload(p)
		if err != nil {
			return cot.Event{}, fmt.Errorf("cottest: %w", err)
		}
		if ev == nil {
			continue // control only
		}
		return *ev, nil
	}
}

// Negotiate switches the connection to TAK protocol v1: it waits for the
// server's offer of version 1, sends the request and waits for the
// response. Events that arrive meanwhile are kept for Next. It fails if
// the server offers no version 1 or refuses.
func (c *Client) Negotiate(ctx context.Context) error {
	for c.offer == nil {
		ev, err := c.read(ctx)
		if err != nil {
			return fmt.Errorf("cottest: waiting for the offer: %w", err)
		}
		if ev.Type != cot.TypeProtoOffer {
			c.queue = append(c.queue, ev)
		}
	}
	var offer struct {
		Versions []struct {
			Version string `xml:"version,attr"`
		} `xml:"TakControl>TakProtocolSupport"`
	}
	if err := c.offer.Detail.Unmarshal(&offer); err != nil {
		return fmt.Errorf("cottest: offer: %w", err)
	}
	found := false
	for _, v := range offer.Versions {
		found = found || v.Version == "1"
	}
	if !found {
		return fmt.Errorf("cottest: server offers no TAK protocol version 1")
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	req := cot.Event{
		UID: c.offer.UID, Type: cot.TypeProtoRequest, How: "m-g", Time: now, Start: now, Stale: now.Add(time.Minute),
		Point:  cot.Point{CE: 999999, LE: 999999},
		Detail: cot.Detail{XML: `<TakControl><TakRequest version="1"/></TakControl>`},
	}
	if err := c.Send(req); err != nil {
		return err
	}
	for {
		ev, err := c.readXML()
		if err != nil {
			return fmt.Errorf("cottest: waiting for the response: %w", err)
		}
		if ev.Type != cot.TypeProtoResponse {
			c.queue = append(c.queue, ev)
			continue
		}
		var resp struct {
			Response struct {
				Status string `xml:"status,attr"`
			} `xml:"TakControl>TakResponse"`
		}
		if err := ev.Detail.Unmarshal(&resp); err != nil {
			return fmt.Errorf("cottest: response: %w", err)
		}
		if resp.Response.Status != "true" {
			return fmt.Errorf("cottest: server refused TAK protocol v1 (status %q)", resp.Response.Status)
		}
		c.v1 = true
		return nil
	}
}

// Send sends ev in the connection's protocol.
func (c *Client) Send(ev cot.Event) error {
	var b []byte
	var err error
	if c.v1 {
		b, err = cot.MarshalFrame(&ev)
	} else {
		b, err = cot.Encode(&ev)
	}
	if err != nil {
		return fmt.Errorf("cottest: send: %w", err)
	}
	return c.SendRaw(b)
}

// SendRaw writes b as it is.
func (c *Client) SendRaw(b []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(DefaultTimeout))
	if _, err := c.conn.Write(b); err != nil {
		return fmt.Errorf("cottest: send: %w", err)
	}
	return nil
}

// Ping sends a t-x-c-t ping.
func (c *Client) Ping() error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return c.Send(cot.Event{UID: "cottest-ping", Type: cot.TypePing, How: "m-g", Time: now, Start: now,
		Stale: now.Add(time.Minute), Point: cot.Point{HAE: cot.Unknown, CE: cot.Unknown, LE: cot.Unknown}})
}

// Until reads events until pred returns true for one, which it returns.
func (c *Client) Until(ctx context.Context, pred func(cot.Event) bool) (cot.Event, error) {
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			return cot.Event{}, err
		}
		if pred(ev) {
			return ev, nil
		}
	}
}

// Picture accumulates what a TAK client would show: the latest event per
// UID, with t-x-d-d deletions applied and control events left out.
type Picture map[string]cot.Event

// Apply adds ev to the picture and reports whether it was a deletion.
func (p Picture) Apply(ev cot.Event) bool {
	switch {
	case ev.Type == cot.TypeDelete:
		var d struct {
			Link struct {
				UID string `xml:"uid,attr"`
			} `xml:"link"`
		}
		if ev.Detail.Unmarshal(&d) == nil {
			delete(p, d.Link.UID)
		}
		return true
	case strings.HasPrefix(ev.Type, "t-x-"):
	default:
		p[ev.UID] = ev
	}
	return false
}
