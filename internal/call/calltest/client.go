package calltest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// PayloadSize is the size of the test packets' payload: a 20 ms Opus frame
// at about 32 kbit/s.
const PayloadSize = 80

// Client is one test participant.
type Client struct {
	PC *webrtc.PeerConnection
	// Mic is the client's outgoing audio.
	Mic *webrtc.TrackLocalStaticRTP

	packets atomic.Int64
	bytes   atomic.Int64
	seq     uint16
	ts      uint32

	mu        sync.Mutex
	streams   map[string]int64 // packets per receive slot (track id)
	onPacket  func(p *rtp.Packet, at time.Time)
	first     chan struct{}
	firstOnce sync.Once
	connected chan struct{}
	connOnce  sync.Once
}

// New makes a client on api with one send-and-receive audio section and
// slots-1 receive-only ones (the console's layout, audio only).
func New(api *webrtc.API, slots int) (*Client, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("calltest: %w", err)
	}
	c := &Client{PC: pc, first: make(chan struct{}), connected: make(chan struct{}), streams: map[string]int64{}}
	c.Mic, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "calltest")
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("calltest: %w", err)
	}
	if _, err := pc.AddTransceiverFromTrack(c.Mic, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("calltest: %w", err)
	}
	for range slots - 1 {
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			_ = pc.Close()
			return nil, fmt.Errorf("calltest: %w", err)
		}
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go c.read(tr) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			c.connOnce.Do(func() { close(c.connected) })
		}
	})
	return c, nil
}

// OnPacket sets a function called with every packet received.
func (c *Client) OnPacket(f func(p *rtp.Packet, at time.Time)) {
	c.mu.Lock()
	c.onPacket = f
	c.mu.Unlock()
}

func (c *Client) read(tr *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		now := time.Now()
		var p rtp.Packet
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		c.packets.Add(1)
		c.bytes.Add(int64(len(p.Payload)))
		c.firstOnce.Do(func() { close(c.first) })
		c.mu.Lock()
		c.streams[tr.ID()]++
		f := c.onPacket
		c.mu.Unlock()
		if f != nil {
			f(&p, now)
		}
	}
}

// Offer returns the client's offer with every candidate gathered.
func (c *Client) Offer(ctx context.Context) (string, error) {
	offer, err := c.PC.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("calltest: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(c.PC)
	if err := c.PC.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("calltest: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return c.PC.LocalDescription().SDP, nil
}

// Answer applies the SFU's answer.
func (c *Client) Answer(sdp string) error {
	return c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
}

// Connected waits for the connection.
func (c *Client) Connected(ctx context.Context) error {
	select {
	case <-c.connected:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("calltest: not connected: %w", ctx.Err())
	}
}

// FirstPacket waits for the first packet received.
func (c *Client) FirstPacket(ctx context.Context) error {
	select {
	case <-c.first:
		return nil
	case <-ctx.Done():
		return errors.New("calltest: no packet received")
	}
}

// Send sends one 20 ms packet stamped with the time now.
func (c *Client) Send(now time.Time) error {
	c.seq++
	c.ts += 960
	payload := make([]byte, PayloadSize)
	binary.BigEndian.PutUint64(payload, uint64(now.UnixNano()))
	return c.Mic.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: c.seq, Timestamp: c.ts}, Payload: payload})
}

// SentAt returns the send time stamped in p by Send.
func SentAt(p *rtp.Packet) (time.Time, bool) {
	if len(p.Payload) < 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(p.Payload))), true
}

// Talk sends a packet every 20 ms until ctx ends.
func (c *Client) Talk(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			_ = c.Send(now)
		}
	}
}

// Received returns the packets and payload bytes received so far.
func (c *Client) Received() (packets, bytes int64) { return c.packets.Load(), c.bytes.Load() }

// Streams returns how many receive slots have carried at least min packets.
func (c *Client) Streams(min int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.streams {
		if v >= min {
			n++
		}
	}
	return n
}

// Close closes the connection.
func (c *Client) Close() error { return c.PC.Close() }
