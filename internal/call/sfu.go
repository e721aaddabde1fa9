package call

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/trilink/trilink/internal/nation"
)

// Config configures an SFU.
type Config struct {
	// Nation is the nation whose node runs the SFU.
	Nation nation.Nation
	// NC is the node's connection to its nation's backbone account; the
	// trunks and rosters ride on it. nil runs the SFU alone (no partners).
	NC *nats.Conn
	// Partners are the nations to link trunks with.
	Partners []nation.Nation
	// Authorize says whether member may join room's call; nil allows anyone.
	Authorize func(room, member string) error
	// Exports says whether room's media may leave for nation to; nil
	// exports every room. It is the nation's control over what leaves it.
	Exports func(room string, to nation.Nation) bool
	// OnEvent is told of call starts, joins, leaves and ends of this
	// nation's members, outside any lock.
	OnEvent func(Event)
	// OnChange is told that room's call state (participants, speaking,
	// muting) changed.
	OnChange func(room string)
	// ConnectTimeout is how long a joining browser has to complete ICE and
	// DTLS before its session is reaped; 0 means 10 s.
	ConnectTimeout time.Duration
	// Network is where the media flows; the zero value is loopback only.
	Network Network
	// Logger; nil discards.
	Logger *slog.Logger
}

// Network says where an SFU's media flows: the addresses it offers to its
// nation's browsers and to the partners' SFUs. The zero value keeps media
// on loopback (the demo and the tests).
type Network struct {
	// IPs are the local addresses the SFU offers (ICE host candidates);
	// empty means 127.0.0.1 only.
	IPs []string
	// UDPPort, when not zero, carries every session's and trunk's media on
	// this one UDP port of each of IPs (an ICE UDP mux), so that a firewall
	// needs one rule; zero gives each connection an ephemeral port.
	UDPPort int
	// PublicIPs, for a node behind a 1:1 NAT, replace the addresses of IPs
	// in what browsers and partners are told.
	PublicIPs []string
}

// Check reports what is wrong with n, naming the field.
func (n Network) Check() error {
	for _, f := range []struct {
		name string
		ips  []string
	}{{"ips", n.IPs}, {"public_ips", n.PublicIPs}} {
		for _, s := range f.ips {
			ip := net.ParseIP(s)
			if ip == nil || ip.To4() == nil || ip.IsUnspecified() || ip.IsMulticast() {
				return fmt.Errorf("%s: %q is not a unicast IPv4 address", f.name, s)
			}
		}
	}
	if n.UDPPort < 0 || n.UDPPort > 65535 {
		return fmt.Errorf("udp_port: %d is not a port number", n.UDPPort)
	}
	if len(n.PublicIPs) > 0 && len(n.IPs) == 0 {
		return errors.New("public_ips: set ips too (the local addresses they stand for)")
	}
	return nil
}

// EventKind says what happened to a call.
type EventKind string

// Event kinds.
const (
	EventStart EventKind = "start"
	EventJoin  EventKind = "join"
	EventLeave EventKind = "leave"
	EventEnd   EventKind = "end"
)

// Event is a call start, join, leave or end by a member of this nation.
type Event struct {
	Kind       EventKind
	Room       string
	Call       string
	Member     string
	Precedence string // of the call
	Video      bool   // join: the camera is on
	Reason     string // leave: "left", "replaced", "ice-timeout", "failed" or "closed"; join and end: "merged" (see Merged)
	Merged     string // the earlier call this one was merged into (join and end with Reason "merged")
	Time       time.Time
}

// Participant is one member in a call.
type Participant struct {
	Member   string        `json:"member"`
	Nation   nation.Nation `json:"nation"`
	Joined   time.Time     `json:"joined"`
	Speaking bool          `json:"speaking"`
	Muted    bool          `json:"muted"`
	Camera   bool          `json:"camera"`
	// Connected is false until the member's media connection is up.
	Connected bool `json:"connected"`
}

// State is a room's call as this nation's SFU sees it.
type State struct {
	Room         string        `json:"room"`
	Call         string        `json:"call"` // "" when no call is on
	Precedence   string        `json:"precedence,omitempty"`
	Started      *time.Time    `json:"started,omitempty"`
	Participants []Participant `json:"participants"`
}

// Stats counts the SFU's open media objects.
type Stats struct {
	Sessions        int `json:"sessions"`         // browser sessions
	PeerConnections int `json:"peer_connections"` // open pion PeerConnections, trunks included
	Sources         int `json:"sources"`          // incoming streams, local and from trunks
	TrunkTracks     int `json:"trunk_tracks"`     // streams sent to partners
	Forwarded       int `json:"forwarded_packets"`
}

// speakLevel is the RFC 6464 level (−dBov) below which a packet is speech.
const speakLevel = 50

// speakHold is how long a member counts as speaking after a loud packet.
const speakHold = 400 * time.Millisecond

// SFU is one nation's selective forwarding unit.
type SFU struct {
	cfg Config
	api *webrtc.API
	mux io.Closer // the UDP mux of Network.UDPPort, or nil
	log *slog.Logger

	pcs       atomic.Int64
	forwarded atomic.Int64

	mu       sync.Mutex
	closed   bool
	rooms    map[string]*room
	sessions map[string]*session
	outs     map[nation.Nation]*trunkOut
	ins      map[nation.Nation]*trunkIn
	remote   map[nation.Nation]remoteRoster
	left     map[string]leftCall // by room
	subs     []*nats.Subscription
	kick     chan struct{} // roster changed

	dropRosters atomic.Bool // tests: partners' rosters are lost, as in a partition
}

type remoteRoster struct {
	msg rosterMsg
	at  time.Time
}

// rosterTTL is how long a partner's roster holds without a refresh.
const rosterTTL = 15 * time.Second

type room struct {
	id         string
	call       string
	precedence string
	started    time.Time
	sessions   map[string]*session // by session id
	sources    map[string]*source  // by source key
	pending    *pendingStart       // a new call's start, until it settles
	posted     *Event              // the start this nation posted for call, if it did
}

// New returns an SFU; Run links its trunks.
func New(cfg Config) (*SFU, error) {
	if !cfg.Nation.Valid() {
		return nil, fmt.Errorf("call: nation %d", int(cfg.Nation))
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	api, mux, err := newAPI(cfg.Network, cfg.Logger)
	if err != nil {
		return nil, err
	}
	return &SFU{cfg: cfg, api: api, mux: mux, log: cfg.Logger.With("sfu", cfg.Nation.String()),
		rooms: map[string]*room{}, sessions: map[string]*session{}, outs: map[nation.Nation]*trunkOut{},
		ins: map[nation.Nation]*trunkIn{}, remote: map[nation.Nation]remoteRoster{}, left: map[string]leftCall{}, kick: make(chan struct{}, 1)}, nil
}

// Codecs the SFU forwards: Opus for audio and VP8 for video, so that any
// stream fits any slot.
var (
	opus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}
	vp8  = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
		RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}}
)

// NewAPI returns the pion API of test and benchmark clients: what the SFU
// uses on the zero [Network] — Opus and VP8, the RFC 6464 audio-level
// extension, NACK and RTCP reports, and ICE on loopback UDP only, without
// STUN or mDNS.
func NewAPI() (*webrtc.API, error) {
	api, _, err := newAPI(Network{}, nil)
	return api, err
}

// newAPI returns the pion API for network n, and the UDP mux it listens on
// (nil without Network.UDPPort) for the caller to close.
func newAPI(n Network, log *slog.Logger) (*webrtc.API, io.Closer, error) {
	if err := n.Check(); err != nil {
		return nil, nil, fmt.Errorf("call: network %w", err)
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: opus, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, nil, fmt.Errorf("call: %w", err)
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: vp8, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, nil, fmt.Errorf("call: %w", err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, nil, fmt.Errorf("call: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, nil, fmt.Errorf("call: %w", err)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, nil, fmt.Errorf("call: %w", err)
	}
	ips := n.IPs
	if len(ips) == 0 {
		ips = []string{"127.0.0.1"}
	}
	keep := map[string]bool{}
	loopback := false
	for _, s := range ips {
		ip := net.ParseIP(s)
		keep[ip.String()] = true
		loopback = loopback || ip.IsLoopback()
	}
	var se webrtc.SettingEngine
	se.SetIPFilter(func(ip net.IP) bool { return keep[ip.String()] })
	se.SetIncludeLoopbackCandidate(loopback)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(3*time.Second, 6*time.Second, 500*time.Millisecond)
	if len(n.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: n.PublicIPs, AsCandidateType: webrtc.ICECandidateTypeHost}); err != nil {
			return nil, nil, fmt.Errorf("call: network public_ips: %w", err)
		}
	}
	var closer io.Closer
	if n.UDPPort != 0 {
		var muxes []ice.UDPMux
		closeAll := func() {
			for _, m := range muxes {
				_ = m.Close()
			}
		}
		for _, s := range ips {
			addr := net.JoinHostPort(s, strconv.Itoa(n.UDPPort))
			conn, err := net.ListenPacket("udp4", addr)
			if err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("call: network udp_port: %w", err)
			}
			muxes = append(muxes, ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn}))
		}
		mux := ice.NewMultiUDPMuxDefault(muxes...)
		se.SetICEUDPMux(mux)
		closer = mux
		if log != nil {
			log.Info("call media on one UDP port", "ips", ips, "udp_port", n.UDPPort, "public_ips", n.PublicIPs)
		}
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), closer, nil
}

func (s *SFU) newPC() (*webrtc.PeerConnection, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("call: peer connection: %w", err)
	}
	s.pcs.Add(1)
	return pc, nil
}

func (s *SFU) closePC(pc *webrtc.PeerConnection) {
	if pc == nil {
		return
	}
	if err := pc.Close(); err != nil {
		s.log.Debug("close peer connection", "err", err)
	}
	s.pcs.Add(-1)
}

func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// session is one browser's connection to the SFU.
type session struct {
	id      string
	room    string
	member  string
	pc      *webrtc.PeerConnection
	slots   map[webrtc.RTPCodecType][]*slot
	joined  time.Time
	video   bool
	timer   *time.Timer
	removed bool // under SFU.mu

	connected atomic.Bool
	muted     atomic.Bool
	camera    atomic.Bool
	lastVoice atomic.Int64 // Unix ns of the last loud packet
}

func (ss *session) speaking(now time.Time) bool {
	return !ss.muted.Load() && now.UnixNano()-ss.lastVoice.Load() < int64(speakHold)
}

// Join connects member's browser to room's call: it answers the browser's
// offer once the SFU's ICE candidates are gathered. A second join by the
// same member replaces the first session.
func (s *SFU) Join(ctx context.Context, roomID, member string, req JoinRequest) (*JoinResponse, error) {
	audio, video, err := checkOffer(req.SDP)
	if err != nil {
		return nil, err
	}
	if req.Type != "offer" {
		return nil, badField("type", "%q (want \"offer\")", req.Type)
	}
	if s.cfg.Authorize != nil {
		if err := s.cfg.Authorize(roomID, member); err != nil {
			return nil, err
		}
	}
	pc, err := s.newPC()
	if err != nil {
		return nil, err
	}
	ss := &session{id: randomID(), room: roomID, member: member, pc: pc, joined: time.Now().UTC(), video: req.Video,
		slots: map[webrtc.RTPCodecType][]*slot{}}
	ss.camera.Store(req.Video)
	fail := func(err error) (*JoinResponse, error) {
		s.mu.Lock()
		ss.removed = true // never joined: no leave to report
		s.mu.Unlock()
		s.closePC(pc)
		return nil, err
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) { s.localTrack(ss, tr, recv) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			ss.connected.Store(true)
			s.changed(roomID)
		case webrtc.PeerConnectionStateFailed:
			s.remove(ss, "failed")
		case webrtc.PeerConnectionStateClosed:
			s.remove(ss, "closed")
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: req.SDP}); err != nil {
		return fail(badField("sdp", "%v", err))
	}
	for kind, n := range map[webrtc.RTPCodecType]int{webrtc.RTPCodecTypeAudio: audio, webrtc.RTPCodecTypeVideo: video} {
		for i := range n {
			sl, err := s.newSlot(pc, kind, fmt.Sprintf("slot-%s-%d", kind, i), ss.id)
			if err != nil {
				return fail(err)
			}
			sl.session = ss
			ss.slots[kind] = append(ss.slots[kind], sl)
		}
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(badField("sdp", "no answer to this offer: %v", err))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(fmt.Errorf("call: set answer: %w", err))
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail(ctx.Err())
	case <-time.After(5 * time.Second):
		return fail(errors.New("call: ICE gathering did not complete in 5 s"))
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fail(&Error{Status: http.StatusServiceUnavailable, Err: ErrClosed})
	}
	var old *session
	r := s.room(roomID)
	for _, o := range r.sessions {
		if o.member == member {
			old = o
		}
	}
	var evs []Event
	if old != nil {
		evs = append(evs, s.removeLocked(old, "replaced")...)
	}
	started := false
	if r.call == "" {
		if call, prec, t, ok := s.remoteCall(roomID); ok {
			r.call, r.precedence, r.started = call, prec, t
		} else if lc, ok := s.left[roomID]; ok {
			r.call, r.precedence, r.started = lc.call, lc.prec, lc.started // back before the call was ended
		} else {
			r.call, r.precedence, r.started, started = randomID(), cmp.Or(req.Precedence, "immediate"), ss.joined, true
		}
	}
	r.sessions[ss.id] = ss
	s.sessions[ss.id] = ss
	delete(s.left, roomID)
	for _, src := range r.sources {
		s.assign(src, ss)
	}
	joinEv := Event{Kind: EventJoin, Room: roomID, Call: r.call, Member: member, Precedence: r.precedence, Video: req.Video, Time: ss.joined}
	if started {
		// A new call is announced once the partners' rosters have had time
		// to show a call they started at the same moment: the earlier of
		// the two wins (onRoster) and only its start is posted.
		startEv := Event{Kind: EventStart, Room: roomID, Call: r.call, Member: member, Precedence: r.precedence, Time: ss.joined}
		r.pending = &pendingStart{start: startEv, join: joinEv}
		time.AfterFunc(StartSettle, func() { s.settleStart(roomID) })
	} else {
		evs = append(evs, joinEv)
	}
	resp := &JoinResponse{Type: "answer", SDP: pc.LocalDescription().SDP, Session: ss.id, Call: r.call, Started: started}
	ss.timer = time.AfterFunc(s.cfg.ConnectTimeout, func() {
		if !ss.connected.Load() {
			s.remove(ss, "ice-timeout")
		}
	})
	s.mu.Unlock()
	if old != nil {
		go s.closePC(old.pc)
	}
	s.emit(evs)
	s.changed(roomID)
	return resp, nil
}

// Expel ends every session of member (whose account was disabled, say),
// reporting each as a leave with reason; it returns how many it ended.
func (s *SFU) Expel(member, reason string) int {
	s.mu.Lock()
	var gone []*session
	var evs []Event
	for _, ss := range s.sessions {
		if ss.member == member {
			gone = append(gone, ss)
			evs = append(evs, s.removeLocked(ss, reason)...)
		}
	}
	s.mu.Unlock()
	rooms := map[string]bool{}
	for _, ss := range gone {
		s.closePC(ss.pc)
		rooms[ss.room] = true
	}
	s.emit(evs)
	for r := range rooms {
		s.changed(r)
	}
	return len(gone)
}

// room returns room id, making it; s.mu is held.
func (s *SFU) room(id string) *room {
	r := s.rooms[id]
	if r == nil {
		r = &room{id: id, sessions: map[string]*session{}, sources: map[string]*source{}}
		s.rooms[id] = r
	}
	return r
}

// Leave ends member's session in room.
func (s *SFU) Leave(roomID, member, sessionID string) error {
	s.mu.Lock()
	ss := s.sessions[sessionID]
	if ss == nil || ss.room != roomID || ss.member != member {
		s.mu.Unlock()
		return &Error{Status: http.StatusNotFound, Field: "session", Err: fmt.Errorf("%w: %q for %s in room %q", ErrNoSession, sessionID, member, roomID)}
	}
	evs := s.removeLocked(ss, "left")
	s.mu.Unlock()
	s.closePC(ss.pc)
	s.emit(evs)
	s.changed(roomID)
	return nil
}

// SetMedia records member's microphone and camera switches.
func (s *SFU) SetMedia(roomID, member, sessionID string, req MediaRequest) error {
	s.mu.Lock()
	ss := s.sessions[sessionID]
	s.mu.Unlock()
	if ss == nil || ss.room != roomID || ss.member != member {
		return &Error{Status: http.StatusNotFound, Field: "session", Err: fmt.Errorf("%w: %q for %s in room %q", ErrNoSession, sessionID, member, roomID)}
	}
	if req.Muted != nil {
		ss.muted.Store(*req.Muted)
	}
	if req.Camera != nil {
		ss.camera.Store(*req.Camera)
		if *req.Camera {
			s.requestKeyframes(ss)
		}
	}
	s.changed(roomID)
	return nil
}

// remove reaps ss (failed, closed or never connected).
func (s *SFU) remove(ss *session, reason string) {
	s.mu.Lock()
	if ss.removed {
		s.mu.Unlock()
		return
	}
	evs := s.removeLocked(ss, reason)
	s.mu.Unlock()
	s.log.Info("call session reaped", "room", ss.room, "member", ss.member, "reason", reason)
	go s.closePC(ss.pc)
	s.emit(evs)
	s.changed(ss.room)
}

// removeLocked detaches ss and its streams; the caller closes ss.pc.
func (s *SFU) removeLocked(ss *session, reason string) []Event {
	if ss.removed {
		return nil
	}
	ss.removed = true
	if ss.timer != nil {
		ss.timer.Stop()
	}
	delete(s.sessions, ss.id)
	r := s.rooms[ss.room]
	if r == nil {
		return nil
	}
	delete(r.sessions, ss.id)
	for k, src := range r.sources {
		if src.session == ss {
			s.dropSourceLocked(r, k, src)
		}
	}
	for _, sls := range ss.slots {
		for _, sl := range sls {
			sl.detach()
		}
	}
	now := time.Now().UTC()
	// A start still settling is posted now, before the leave.
	evs := append(s.flushStartLocked(r), Event{Kind: EventLeave, Room: r.id, Call: r.call, Member: ss.member, Precedence: r.precedence, Reason: reason, Time: now})
	if len(r.sessions) == 0 && reason != "replaced" {
		// Whether the call has ended is decided once the partners' rosters
		// have caught up: see checkEnd.
		s.left[r.id] = leftCall{call: r.call, prec: r.precedence, member: ss.member, at: now, started: r.started}
		if !s.closed {
			id := r.id
			time.AfterFunc(endDelay, func() { s.checkEnd(id) })
		}
		if len(r.sources) == 0 {
			delete(s.rooms, r.id)
		} else {
			r.call, r.posted = "", nil
		}
	}
	return evs
}

// endDelay is how long after its last local participant leaves a nation
// decides whether the call has ended: long enough for the partners' rosters
// (published within 250 ms of a change) to arrive.
const endDelay = time.Second

// leftHold is how long a roster keeps announcing a room whose last local
// participant left.
const leftHold = 5 * time.Second

// leftCall is a call this nation's last participant left.
type leftCall struct {
	call, prec, member string
	at, started        time.Time
}

// checkEnd posts the end of room's call when nobody is left in it: by the
// nation whose member left last (ties: the first nation in nation order),
// as all three see it in the rosters, so exactly one nation ends it.
func (s *SFU) checkEnd(roomID string) {
	s.mu.Lock()
	lc, ok := s.left[roomID]
	if !ok || s.closed {
		s.mu.Unlock()
		return
	}
	if r := s.rooms[roomID]; r != nil && len(r.sessions) > 0 {
		s.mu.Unlock()
		return // someone here rejoined
	}
	if _, _, _, remote := s.remoteCall(roomID); remote {
		s.mu.Unlock()
		return // the call goes on elsewhere; the last to leave ends it
	}
	now := time.Now()
	for p, rr := range s.remote {
		if now.Sub(rr.at) > rosterTTL {
			continue
		}
		for _, r := range rr.msg.Rooms {
			if r.Room == roomID && r.Call == lc.call && (r.LastLeave.After(lc.at) || r.LastLeave.Equal(lc.at) && p < s.cfg.Nation) {
				s.mu.Unlock()
				return // a partner's member left after ours: that partner ends it
			}
		}
	}
	s.mu.Unlock()
	s.emit([]Event{{Kind: EventEnd, Room: roomID, Call: lc.call, Member: lc.member, Precedence: lc.prec, Time: now.UTC()}})
}

// StartSettle is how long a new call waits for the partners' rosters
// before its start is posted: longer than a roster takes to cross the
// backbone.
var StartSettle = time.Second

// pendingStart is a new call's start and its starter's join, held for
// StartSettle.
type pendingStart struct{ start, join Event }

// settleStart posts room's pending start, if it is still pending.
func (s *SFU) settleStart(roomID string) {
	s.mu.Lock()
	var evs []Event
	if r := s.rooms[roomID]; r != nil && !s.closed {
		evs = s.flushStartLocked(r)
	}
	s.mu.Unlock()
	s.emit(evs)
}

// flushStartLocked returns room r's pending start and join to emit: the
// start, unless a partner's earlier call was adopted meanwhile (then only
// the join, to that call). s.mu is held.
func (s *SFU) flushStartLocked(r *room) []Event {
	p := r.pending
	if p == nil {
		return nil
	}
	r.pending = nil
	if r.call != "" && r.call != p.start.Call {
		p.join.Call, p.join.Precedence = r.call, r.precedence
		return []Event{p.join}
	}
	r.posted = &p.start
	return []Event{p.start, p.join}
}

// mergeLocked returns the events of room r moving from call old, whose
// start was already posted, to the earlier call r.call that a partner
// started at the same time (their rosters crossed the backbone after
// StartSettle, as in a partition): the end of old, if this nation posted
// its start, and a join to r.call of each of this nation's members in it.
// s.mu is held.
func (s *SFU) mergeLocked(r *room, old string, now time.Time) []Event {
	var evs []Event
	if r.posted != nil && r.posted.Call == old {
		end := *r.posted
		end.Kind, end.Reason, end.Merged, end.Time = EventEnd, "merged", r.call, now
		evs = append(evs, end)
	}
	r.posted = nil
	var joins []Event
	for _, ss := range r.sessions {
		joins = append(joins, Event{Kind: EventJoin, Room: r.id, Call: r.call, Member: ss.member, Precedence: r.precedence,
			Video: ss.video, Reason: "merged", Merged: r.call, Time: now})
	}
	slices.SortFunc(joins, func(a, b Event) int { return strings.Compare(a.Member, b.Member) })
	return append(evs, joins...)
}

// earlier orders two calls of a room: by start time, then by id.
func earlier(at time.Time, id string, than time.Time, thanID string) bool {
	return at.Before(than) || at.Equal(than) && id < thanID
}

func (s *SFU) emit(evs []Event) {
	if s.cfg.OnEvent == nil {
		return
	}
	for _, e := range evs {
		s.cfg.OnEvent(e)
	}
}

func (s *SFU) changed(room string) {
	select {
	case s.kick <- struct{}{}:
	default:
	}
	if s.cfg.OnChange != nil {
		s.cfg.OnChange(room)
	}
}

// remoteCall returns the call a partner reports in room; s.mu is held.
func (s *SFU) remoteCall(roomID string) (call, prec string, started time.Time, ok bool) {
	now := time.Now()
	for _, rr := range s.remote {
		if now.Sub(rr.at) > rosterTTL {
			continue
		}
		for _, r := range rr.msg.Rooms {
			if r.Room == roomID && len(r.Participants) > 0 {
				return r.Call, r.Precedence, r.Started, true
			}
		}
	}
	return "", "", time.Time{}, false
}

// State returns room's call: this nation's participants and the partners'.
func (s *SFU) State(roomID string) State {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Room: roomID, Participants: []Participant{}}
	if r := s.rooms[roomID]; r != nil && r.call != "" {
		st.Call, st.Precedence = r.call, r.precedence
		t := r.started
		st.Started = &t
		for _, ss := range r.sessions {
			st.Participants = append(st.Participants, s.participant(ss, now))
		}
	}
	for _, rr := range s.remote {
		if now.Sub(rr.at) > rosterTTL {
			continue
		}
		for _, r := range rr.msg.Rooms {
			if r.Room != roomID || len(r.Participants) == 0 {
				continue
			}
			if st.Call == "" {
				st.Call, st.Precedence = r.Call, r.Precedence
				t := r.Started
				st.Started = &t
			}
			st.Participants = append(st.Participants, r.Participants...)
		}
	}
	slices.SortFunc(st.Participants, func(a, b Participant) int { return strings.Compare(a.Member, b.Member) })
	return st
}

func (s *SFU) participant(ss *session, now time.Time) Participant {
	return Participant{Member: ss.member, Nation: s.cfg.Nation, Joined: ss.joined, Speaking: ss.speaking(now),
		Muted: ss.muted.Load(), Camera: ss.camera.Load(), Connected: ss.connected.Load()}
}

// Stats counts the open media objects.
func (s *SFU) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Sessions: len(s.sessions), PeerConnections: int(s.pcs.Load()), Forwarded: int(s.forwarded.Load())}
	for _, r := range s.rooms {
		st.Sources += len(r.sources)
		for _, src := range r.sources {
			st.TrunkTracks += len(src.outs)
		}
	}
	return st
}

// Close ends every session and trunk.
func (s *SFU) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	var pcs []*webrtc.PeerConnection
	for _, ss := range s.sessions {
		s.removeLocked(ss, "closed")
		pcs = append(pcs, ss.pc)
	}
	for _, o := range s.outs {
		pcs = append(pcs, o.pc)
	}
	for _, in := range s.ins {
		pcs = append(pcs, in.pc)
	}
	for _, sub := range s.subs {
		_ = sub.Unsubscribe()
	}
	s.mu.Unlock()
	for _, pc := range pcs {
		s.closePC(pc)
	}
	if s.mux != nil {
		_ = s.mux.Close()
	}
}

// source is one incoming stream: a local member's microphone or camera,
// or a partner's stream arriving over a trunk.
type source struct {
	key     string // nation/member/kind
	room    string
	member  string
	nation  nation.Nation
	kind    webrtc.RTPCodecType
	track   *webrtc.TrackRemote
	pc      *webrtc.PeerConnection
	session *session // nil for a trunk stream
	levelID uint8    // the audio-level extension's id, 0 if none

	mu      sync.RWMutex
	sinks   []*slot
	outs    map[nation.Nation]*trunkTrack
	lastPLI atomic.Int64
}

func sourceKey(n nation.Nation, member string, kind webrtc.RTPCodecType) string {
	return n.String() + "/" + member + "/" + kind.String()
}

// localTrack starts forwarding a stream from a local browser.
func (s *SFU) localTrack(ss *session, tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	src := &source{key: sourceKey(s.cfg.Nation, ss.member, tr.Kind()), room: ss.room, member: ss.member, nation: s.cfg.Nation,
		kind: tr.Kind(), track: tr, pc: ss.pc, session: ss, outs: map[nation.Nation]*trunkTrack{}}
	for _, h := range recv.GetParameters().HeaderExtensions {
		if h.URI == sdp.AudioLevelURI {
			src.levelID = uint8(h.ID)
		}
	}
	s.mu.Lock()
	if ss.removed || s.closed {
		s.mu.Unlock()
		return
	}
	r := s.room(ss.room)
	if old := r.sources[src.key]; old != nil {
		s.dropSourceLocked(r, src.key, old)
	}
	r.sources[src.key] = src
	for _, o := range r.sessions {
		s.assign(src, o)
	}
	for _, p := range s.cfg.Partners {
		if t := s.outs[p]; t != nil && (s.cfg.Exports == nil || s.cfg.Exports(ss.room, p)) {
			t.add(src)
		}
	}
	s.mu.Unlock()
	s.forward(src)
}

// assign gives src a free slot of its kind in session ss (not ss's own
// stream); s.mu is held.
func (s *SFU) assign(src *source, ss *session) {
	if src.session == ss || (src.nation == s.cfg.Nation && src.member == ss.member) {
		return
	}
	for _, sl := range ss.slots[src.kind] {
		if sl.attach(src) {
			src.mu.Lock()
			src.sinks = append(src.sinks, sl)
			src.mu.Unlock()
			if src.kind == webrtc.RTPCodecTypeVideo {
				go s.keyframe(src)
			}
			return
		}
	}
	s.log.Warn("call: no free slot", "room", src.room, "member", ss.member, "for", src.key)
}

// dropSourceLocked stops forwarding src; s.mu is held.
func (s *SFU) dropSourceLocked(r *room, key string, src *source) {
	if r.sources[key] == src {
		delete(r.sources, key)
	}
	src.mu.Lock()
	sinks, outs := src.sinks, src.outs
	src.sinks, src.outs = nil, map[nation.Nation]*trunkTrack{}
	src.mu.Unlock()
	for _, sl := range sinks {
		sl.release(src)
	}
	for _, tt := range outs {
		tt.out.remove(tt)
	}
}

// forward reads src until it ends, writing every packet to its slots and
// trunk tracks.
func (s *SFU) forward(src *source) {
	buf := make([]byte, 1500)
	var p rtp.Packet
	var keyTick time.Time
	for {
		n, _, err := src.track.Read(buf)
		if err != nil {
			break
		}
		if err := p.Unmarshal(buf[:n]); err != nil {
			continue
		}
		if src.levelID != 0 && src.session != nil {
			if b := p.GetExtension(src.levelID); len(b) > 0 {
				var al rtp.AudioLevelExtension
				if al.Unmarshal(b) == nil && al.Level < speakLevel {
					was := src.session.speaking(time.Now())
					src.session.lastVoice.Store(time.Now().UnixNano())
					if !was {
						s.changed(src.room)
					}
				}
			}
		}
		p.Header.Extension, p.Header.Extensions, p.Header.ExtensionProfile = false, nil, 0
		src.mu.RLock()
		for _, sl := range src.sinks {
			sl.write(src, &p)
		}
		for _, tt := range src.outs {
			_ = tt.track.WriteRTP(&p)
		}
		k := len(src.sinks) + len(src.outs)
		src.mu.RUnlock()
		s.forwarded.Add(int64(k))
		if src.kind == webrtc.RTPCodecTypeVideo && time.Since(keyTick) > 3*time.Second {
			keyTick = time.Now()
			s.keyframe(src)
		}
	}
	s.mu.Lock()
	if r := s.rooms[src.room]; r != nil && r.sources[src.key] == src {
		s.dropSourceLocked(r, src.key, src)
		if len(r.sessions) == 0 && len(r.sources) == 0 {
			delete(s.rooms, r.id)
		}
	}
	s.mu.Unlock()
}

// keyframe asks src's sender for a key frame, at most every 500 ms.
func (s *SFU) keyframe(src *source) {
	if src.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	now := time.Now().UnixNano()
	if last := src.lastPLI.Load(); now-last < int64(500*time.Millisecond) || !src.lastPLI.CompareAndSwap(last, now) {
		return
	}
	_ = src.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(src.track.SSRC())}})
}

// requestKeyframes asks for key frames of every video stream ss receives.
func (s *SFU) requestKeyframes(ss *session) {
	s.mu.Lock()
	var srcs []*source
	if r := s.rooms[ss.room]; r != nil {
		for _, src := range r.sources {
			srcs = append(srcs, src)
		}
	}
	s.mu.Unlock()
	for _, src := range srcs {
		s.keyframe(src)
	}
}

// slot is one outgoing stream of a session: it carries one source at a
// time, renumbered so the receiver sees one continuous stream.
type slot struct {
	s       *SFU
	track   *webrtc.TrackLocalStaticRTP
	sender  *webrtc.RTPSender
	session *session
	kind    webrtc.RTPCodecType

	mu      sync.Mutex
	src     *source
	fresh   bool
	lastSeq uint16
	lastTS  uint32
	seqOff  uint16
	tsOff   uint32
}

func (s *SFU) newSlot(pc *webrtc.PeerConnection, kind webrtc.RTPCodecType, id, stream string) (*slot, error) {
	c := opus
	if kind == webrtc.RTPCodecTypeVideo {
		c = vp8
	}
	tr, err := webrtc.NewTrackLocalStaticRTP(c, id, stream)
	if err != nil {
		return nil, fmt.Errorf("call: track: %w", err)
	}
	snd, err := pc.AddTrack(tr)
	if err != nil {
		return nil, fmt.Errorf("call: add track: %w", err)
	}
	var b [6]byte
	rand.Read(b[:])
	sl := &slot{s: s, track: tr, sender: snd, kind: kind, lastSeq: uint16(b[0])<<8 | uint16(b[1]),
		lastTS: uint32(b[2])<<24 | uint32(b[3])<<16 | uint32(b[4])<<8 | uint32(b[5])}
	go sl.readRTCP()
	return sl, nil
}

// readRTCP drains the receiver's RTCP and passes key-frame requests on.
func (sl *slot) readRTCP() {
	buf := make([]byte, 1500)
	for {
		n, _, err := sl.sender.Read(buf)
		if err != nil {
			return
		}
		if sl.kind != webrtc.RTPCodecTypeVideo {
			continue
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				sl.mu.Lock()
				src := sl.src
				sl.mu.Unlock()
				if src != nil {
					sl.s.keyframe(src)
				}
			}
		}
	}
}

func (sl *slot) attach(src *source) bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.src != nil {
		return false
	}
	sl.src, sl.fresh = src, true
	return true
}

func (sl *slot) release(src *source) {
	sl.mu.Lock()
	if sl.src == src {
		sl.src = nil
	}
	sl.mu.Unlock()
}

// detach frees the slot (its session is gone) and unhooks it from its source.
func (sl *slot) detach() {
	sl.mu.Lock()
	src := sl.src
	sl.src = nil
	sl.mu.Unlock()
	if src == nil {
		return
	}
	src.mu.Lock()
	src.sinks = slices.DeleteFunc(src.sinks, func(x *slot) bool { return x == sl })
	src.mu.Unlock()
}

func (sl *slot) write(src *source, p *rtp.Packet) {
	sl.mu.Lock()
	if sl.src != src {
		sl.mu.Unlock()
		return
	}
	if sl.fresh {
		step := uint32(960)
		if sl.kind == webrtc.RTPCodecTypeVideo {
			step = 3000
		}
		sl.seqOff = sl.lastSeq + 1 - p.SequenceNumber
		sl.tsOff = sl.lastTS + step - p.Timestamp
		sl.fresh = false
	}
	h := p.Header
	h.SequenceNumber += sl.seqOff
	h.Timestamp += sl.tsOff
	if int16(h.SequenceNumber-sl.lastSeq) > 0 {
		sl.lastSeq, sl.lastTS = h.SequenceNumber, h.Timestamp
	}
	sl.mu.Unlock()
	_ = sl.track.WriteRTP(&rtp.Packet{Header: h, Payload: p.Payload})
}

func sortParticipants(ps []Participant) {
	slices.SortFunc(ps, func(a, b Participant) int { return strings.Compare(a.Member, b.Member) })
}

func sortRooms(rs []rosterRoom) {
	slices.SortFunc(rs, func(a, b rosterRoom) int { return strings.Compare(a.Room, b.Room) })
}
