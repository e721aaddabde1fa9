package call

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/trilink/trilink/internal/nation"
)

// Backbone subjects of the calls. All are under the sending nation's
// released prefix, which the border accounts export to partners.
func trunkSubject(from, to nation.Nation, typ string) string {
	return from.SharedPrefix() + "call.trunk." + to.String() + "." + typ
}

func rosterSubject(n nation.Nation) string { return n.SharedPrefix() + "call.roster" }

// Run links the trunks with the partners and publishes the roster until
// ctx ends; then it closes the SFU.
func (s *SFU) Run(ctx context.Context) error {
	defer s.Close()
	if nc := s.cfg.NC; nc != nil {
		me := s.cfg.Nation
		subs := []struct {
			subj string
			f    nats.MsgHandler
		}{
			{"shared.*.call.trunk." + me.String() + ".offer", s.onOffer},
			{"shared.*.call.trunk." + me.String() + ".answer", s.onAnswer},
			{"shared.*.call.roster", s.onRoster},
		}
		for _, sub := range subs {
			su, err := nc.Subscribe(sub.subj, sub.f)
			if err != nil {
				return fmt.Errorf("call: subscribe %s: %w", sub.subj, err)
			}
			s.mu.Lock()
			s.subs = append(s.subs, su)
			s.mu.Unlock()
		}
		if err := nc.FlushTimeout(5 * time.Second); err != nil && ctx.Err() == nil {
			return fmt.Errorf("call: flush: %w", err)
		}
		for _, p := range s.cfg.Partners {
			t, err := s.newTrunkOut(p)
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.outs[p] = t
			s.mu.Unlock()
			go t.loop(ctx)
		}
	}
	s.rosterLoop(ctx)
	return nil
}

// trunkOut carries this nation's streams to one partner. This side always
// offers; the partner only answers, so offers never cross.
type trunkOut struct {
	s     *SFU
	to    nation.Nation
	dirty chan struct{}
	ans   chan trunkMsg

	mu     sync.Mutex
	pc     *webrtc.PeerConnection
	epoch  string
	seq    int
	tracks map[*trunkTrack]bool
	up     bool
}

// trunkTrack is one stream sent over a trunk.
type trunkTrack struct {
	out    *trunkOut
	src    *source
	track  *webrtc.TrackLocalStaticRTP
	sender *webrtc.RTPSender
}

func (s *SFU) newTrunkOut(to nation.Nation) (*trunkOut, error) {
	t := &trunkOut{s: s, to: to, dirty: make(chan struct{}, 1), ans: make(chan trunkMsg, 4), tracks: map[*trunkTrack]bool{}}
	if err := t.reset(); err != nil {
		return nil, err
	}
	return t, nil
}

// reset starts a new PeerConnection (a new epoch) carrying every track;
// t.mu is held or t is new.
func (t *trunkOut) reset() error {
	if t.pc != nil {
		go t.s.closePC(t.pc)
	}
	pc, err := t.s.newPC()
	if err != nil {
		return err
	}
	// A data channel makes the first offer carry ICE and DTLS before any
	// stream exists, so the first call's setup needs no ICE round.
	if _, err := pc.CreateDataChannel("trunk", nil); err != nil {
		t.s.closePC(pc)
		return fmt.Errorf("call: trunk data channel: %w", err)
	}
	t.pc, t.epoch, t.seq, t.up = pc, randomID(), 0, false
	epoch := t.epoch
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			t.s.log.Debug("trunk up", "to", t.to.String())
		case webrtc.PeerConnectionStateFailed:
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.epoch == epoch {
				t.s.log.Warn("trunk failed; relinking", "to", t.to.String())
				if err := t.reset(); err != nil {
					t.s.log.Error("trunk relink", "to", t.to.String(), "err", err)
				}
			}
		}
	})
	for tt := range t.tracks {
		snd, err := pc.AddTrack(tt.track)
		if err != nil {
			return fmt.Errorf("call: trunk track: %w", err)
		}
		tt.sender = snd
		go tt.readRTCP(snd)
	}
	t.kick()
	return nil
}

func (t *trunkOut) kick() {
	select {
	case t.dirty <- struct{}{}:
	default:
	}
}

// add starts sending src to the partner; the SFU's lock is held.
func (t *trunkOut) add(src *source) {
	tr, err := webrtc.NewTrackLocalStaticRTP(codecOf(src.kind), src.member+"/"+src.kind.String(), src.room)
	if err != nil {
		t.s.log.Error("trunk track", "err", err)
		return
	}
	tt := &trunkTrack{out: t, src: src, track: tr}
	t.mu.Lock()
	snd, err := t.pc.AddTrack(tr)
	if err != nil {
		t.mu.Unlock()
		t.s.log.Error("trunk add track", "to", t.to.String(), "err", err)
		return
	}
	tt.sender = snd
	t.tracks[tt] = true
	t.mu.Unlock()
	go tt.readRTCP(snd)
	src.mu.Lock()
	src.outs[t.to] = tt
	src.mu.Unlock()
	t.kick()
}

// remove stops sending tt.
func (t *trunkOut) remove(tt *trunkTrack) {
	t.mu.Lock()
	if t.tracks[tt] {
		delete(t.tracks, tt)
		if err := t.pc.RemoveTrack(tt.sender); err != nil {
			t.s.log.Debug("trunk remove track", "err", err)
		}
	}
	t.mu.Unlock()
	t.kick()
}

func codecOf(kind webrtc.RTPCodecType) webrtc.RTPCodecCapability {
	if kind == webrtc.RTPCodecTypeVideo {
		return vp8
	}
	return opus
}

// readRTCP passes the partner's key-frame requests on to the source.
func (tt *trunkTrack) readRTCP(snd *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		n, _, err := snd.Read(buf)
		if err != nil {
			return
		}
		if tt.src.kind != webrtc.RTPCodecTypeVideo {
			continue
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				tt.out.s.keyframe(tt.src)
			}
		}
	}
}

// loop negotiates whenever the tracks change, retrying until the partner
// answers.
func (t *trunkOut) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.dirty:
		}
		for {
			err := t.negotiate(ctx)
			if err == nil || ctx.Err() != nil {
				break
			}
			t.s.log.Debug("trunk negotiation", "to", t.to.String(), "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

func (t *trunkOut) negotiate(ctx context.Context) error {
	t.mu.Lock()
	pc := t.pc
	t.seq++
	seq, epoch := t.seq, t.epoch
	if pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		// The last offer went unanswered, and pion cannot roll an offer
		// back: start a new PeerConnection (the partner replaces its side
		// when it sees the new epoch).
		if err := t.reset(); err != nil {
			t.mu.Unlock()
			return err
		}
		pc, seq, epoch = t.pc, 1, t.epoch
		t.seq = 1
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.mu.Unlock()
		return fmt.Errorf("call: trunk offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.mu.Unlock()
		return fmt.Errorf("call: trunk offer: %w", err)
	}
	t.mu.Unlock()
	select {
	case <-gathered:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second):
		return errors.New("call: trunk ICE gathering timed out")
	}
	b, _ := json.Marshal(trunkMsg{V: 1, Type: "offer", Epoch: epoch, Seq: seq, SDP: pc.LocalDescription().SDP})
	if err := t.s.cfg.NC.Publish(trunkSubject(t.s.cfg.Nation, t.to, "offer"), b); err != nil {
		return fmt.Errorf("call: trunk offer: %w", err)
	}
	timeout := time.After(time.Second)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout:
			return fmt.Errorf("call: no answer from %s to trunk offer %d", t.to, seq)
		case m := <-t.ans:
			if m.Epoch != epoch || m.Seq != seq {
				continue
			}
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
				return fmt.Errorf("call: trunk answer from %s: %w", t.to, err)
			}
			return nil
		}
	}
}

func (s *SFU) onAnswer(msg *nats.Msg) {
	from, ok := nation.OfShared(msg.Subject)
	if !ok {
		return
	}
	m, err := parseTrunkMsg(msg.Data, "answer")
	if err != nil {
		s.log.Warn("call: bad trunk answer", "from", from.String(), "err", err)
		return
	}
	s.mu.Lock()
	t := s.outs[from]
	s.mu.Unlock()
	if t == nil {
		return
	}
	select {
	case t.ans <- m:
	default:
	}
}

// trunkIn receives a partner's streams.
type trunkIn struct {
	from  nation.Nation
	pc    *webrtc.PeerConnection
	epoch string
}

// onOffer answers a partner's trunk offer, starting a new PeerConnection
// when the partner's epoch changes.
func (s *SFU) onOffer(msg *nats.Msg) {
	from, ok := nation.OfShared(msg.Subject)
	if !ok || from == s.cfg.Nation {
		return
	}
	m, err := parseTrunkMsg(msg.Data, "offer")
	if err != nil {
		s.log.Warn("call: bad trunk offer", "from", from.String(), "err", err)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	in := s.ins[from]
	var old *webrtc.PeerConnection
	if in == nil || in.epoch != m.Epoch {
		if in != nil {
			old = in.pc
		}
		pc, err := s.newPC()
		if err != nil {
			s.mu.Unlock()
			s.log.Error("trunk in", "err", err)
			return
		}
		in = &trunkIn{from: from, pc: pc, epoch: m.Epoch}
		s.ins[from] = in
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.trunkTrack(from, pc, tr) })
	}
	s.mu.Unlock()
	if old != nil {
		s.closePC(old)
	}
	pc := in.pc
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
		s.log.Warn("call: trunk offer", "from", from.String(), "err", err)
		return
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		s.log.Warn("call: trunk answer", "from", from.String(), "err", err)
		return
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		s.log.Warn("call: trunk answer", "from", from.String(), "err", err)
		return
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		s.log.Warn("call: trunk gathering timed out", "from", from.String())
		return
	}
	b, _ := json.Marshal(trunkMsg{V: 1, Type: "answer", Epoch: m.Epoch, Seq: m.Seq, SDP: pc.LocalDescription().SDP})
	if err := s.cfg.NC.Publish(trunkSubject(s.cfg.Nation, from, "answer"), b); err != nil {
		s.log.Warn("call: trunk answer", "to", from.String(), "err", err)
	}
}

// trunkTrack forwards a partner's stream to the local sessions in its room.
func (s *SFU) trunkTrack(from nation.Nation, pc *webrtc.PeerConnection, tr *webrtc.TrackRemote) {
	member, kind, ok := strings.Cut(tr.ID(), "/")
	roomID := tr.StreamID()
	if !ok || !token.MatchString(member) || !token.MatchString(roomID) || kind != tr.Kind().String() {
		s.log.Warn("call: trunk track with a bad name", "from", from.String(), "id", tr.ID(), "stream", roomID)
		return
	}
	src := &source{key: sourceKey(from, member, tr.Kind()), room: roomID, member: member, nation: from, kind: tr.Kind(),
		track: tr, pc: pc, outs: map[nation.Nation]*trunkTrack{}}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	r := s.room(roomID)
	if old := r.sources[src.key]; old != nil {
		s.dropSourceLocked(r, src.key, old)
	}
	r.sources[src.key] = src
	for _, ss := range r.sessions {
		s.assign(src, ss)
	}
	s.mu.Unlock()
	s.forward(src)
}

// localRoster returns this nation's calls, rooms sorted.
func (s *SFU) localRoster(now time.Time) rosterMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := rosterMsg{V: 1, Nation: s.cfg.Nation, Rooms: []rosterRoom{}}
	for _, r := range s.rooms {
		if len(r.sessions) == 0 || r.call == "" {
			continue
		}
		rr := rosterRoom{Room: r.id, Call: r.call, Precedence: r.precedence, Started: r.started}
		for _, ss := range r.sessions {
			rr.Participants = append(rr.Participants, s.participant(ss, now))
		}
		sortParticipants(rr.Participants)
		m.Rooms = append(m.Rooms, rr)
	}
	for id, lc := range s.left {
		if now.Sub(lc.at) > leftHold {
			delete(s.left, id)
			continue
		}
		m.Rooms = append(m.Rooms, rosterRoom{Room: id, Call: lc.call, Precedence: lc.prec, Participants: []Participant{}, LastLeave: lc.at})
	}
	sortRooms(m.Rooms)
	return m
}

// rosterLoop publishes the roster when it changes (checked every 250 ms)
// and every 5 s, and tells OnChange about local speaking changes.
func (s *SFU) rosterLoop(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last []byte
	var lastSent time.Time
	lastRooms := map[string]string{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.kick:
		}
		now := time.Now()
		m := s.localRoster(now)
		b, _ := json.Marshal(m.Rooms)
		rooms := map[string]string{}
		for _, r := range m.Rooms {
			rb, _ := json.Marshal(r)
			rooms[r.Room] = string(rb)
		}
		if s.cfg.OnChange != nil {
			for id, v := range rooms {
				if lastRooms[id] != v {
					s.cfg.OnChange(id)
				}
			}
			for id := range lastRooms {
				if _, ok := rooms[id]; !ok {
					s.cfg.OnChange(id)
				}
			}
		}
		lastRooms = rooms
		if s.cfg.NC == nil || (bytes.Equal(b, last) && now.Sub(lastSent) < 5*time.Second) {
			continue
		}
		m.Sent = now.UTC()
		wire, _ := json.Marshal(m)
		if err := s.cfg.NC.Publish(rosterSubject(s.cfg.Nation), wire); err != nil {
			s.log.Debug("call roster", "err", err)
			continue
		}
		last, lastSent = b, now
	}
}

func (s *SFU) onRoster(msg *nats.Msg) {
	from, ok := nation.OfShared(msg.Subject)
	if !ok || from == s.cfg.Nation || s.dropRosters.Load() {
		return
	}
	m, err := parseRoster(msg.Data, from)
	if err != nil {
		s.log.Warn("call: bad roster", "from", from.String(), "err", err)
		return
	}
	s.mu.Lock()
	old := s.remote[from]
	s.remote[from] = remoteRoster{msg: m, at: time.Now()}
	var adopted []string
	var merged []Event
	changed := map[string]string{}
	for _, r := range old.msg.Rooms {
		b, _ := json.Marshal(r)
		changed[r.Room] = string(b)
	}
	var rooms []string
	for _, r := range m.Rooms {
		b, _ := json.Marshal(r)
		if changed[r.Room] != string(b) {
			rooms = append(rooms, r.Room)
		}
		delete(changed, r.Room)
		// A local room without a call joins the partner's; a room whose call
		// started later than the partner's (both started at once) adopts the
		// earlier one, so that the nations are in one call.
		if lr := s.rooms[r.Room]; lr != nil && len(r.Participants) > 0 && r.Call != lr.call &&
			(lr.call == "" || earlier(r.Started, r.Call, lr.started, lr.call)) {
			old := lr.call
			lr.call, lr.precedence, lr.started = r.Call, r.Precedence, r.Started
			adopted = append(adopted, r.Room)
			if old != "" && lr.pending == nil {
				merged = append(merged, s.mergeLocked(lr, old, time.Now().UTC())...)
			}
		}
	}
	for id := range changed {
		rooms = append(rooms, id)
	}
	s.mu.Unlock()
	s.emit(merged)
	for _, id := range adopted {
		s.changed(id) // our roster now names the adopted call
	}
	if s.cfg.OnChange != nil {
		for _, id := range rooms {
			s.cfg.OnChange(id)
		}
	}
}
