package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
)

// LiveCall is the /api/v1/live type of call state changes.
const LiveCall = "call"

// Calls is the hotline's voice and video: one SFU per nation this process
// serves, linked by trunks over the backbone. Call starts, joins, leaves
// and ends are posted to the room as signed hotline messages by the
// member's own terminal, so they are audited like any message; a call's
// start is an ordinary message with the call's precedence, which rings every
// member with that precedence's acknowledgement deadline and escalates to
// alternates like any other.
type Calls struct {
	h   *Hotline
	sfu map[nation.Nation]*call.SFU
	hub *httpapi.Hub
	log *slog.Logger
	evc chan call.Event
	wg  sync.WaitGroup
}

// newCalls builds an SFU for each of the system's nations.
func newCalls(sys *System, h *Hotline, hub *httpapi.Hub, network call.Network, log *slog.Logger) (*Calls, error) {
	c := &Calls{h: h, sfu: map[nation.Nation]*call.SFU{}, hub: hub, log: log, evc: make(chan call.Event, 1024)}
	for _, node := range sys.Nodes {
		n := node.Nation
		s, err := call.New(call.Config{
			Nation: n, NC: node.NC, Partners: n.Partners(), Logger: log,
			Authorize: func(room, member string) error { return c.authorize(n, room, member) },
			Exports:   c.exports,
			OnEvent:   c.onEvent,
			OnChange:  func(room string) { c.publish(n, room) },
			Network:   network,
		})
		if err != nil {
			return nil, err
		}
		c.sfu[n] = s
	}
	return c, nil
}

// Run runs the SFUs and posts call events until ctx ends.
func (c *Calls) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, len(c.sfu))
	for _, s := range c.sfu {
		wg.Add(1)
		go func() { defer wg.Done(); errc <- s.Run(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); c.postLoop(ctx) }()
	defer wg.Wait()
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// Expel ends member's call sessions in every nation this process serves:
// the account was disabled.
func (c *Calls) Expel(member string) {
	if c == nil || member == "" {
		return
	}
	for n, s := range c.sfu {
		if k := s.Expel(member, "account disabled"); k > 0 {
			c.log.Info("call: sessions of a disabled account ended", "nation", n.String(), "member", member, "sessions", k)
		}
	}
}

// Stats returns nation n's SFU counts.
func (c *Calls) Stats(n nation.Nation) call.Stats {
	if s := c.sfu[n]; s != nil {
		return s.Stats()
	}
	return call.Stats{}
}

// CallStats returns nation n's SFU counts (open sessions and peer
// connections), for tests and metrics.
func (d *Demo) CallStats(n nation.Nation) call.Stats { return d.calls.Stats(n) }

// authorize lets member join room's call on nation n's SFU: a member of
// that nation listed in the room.
func (c *Calls) authorize(n nation.Nation, room, member string) error {
	m, ok := c.h.dir.Member(hotline.MemberID(member))
	if !ok || m.Nation != n {
		return &call.Error{Status: http.StatusNotFound, Field: "member", Err: fmt.Errorf("%w: %q is not a member on %s's node", hotline.ErrUnknownMember, member, n)}
	}
	r, ok := c.h.dir.Room(hotline.RoomID(room))
	if !ok {
		return &call.Error{Status: http.StatusNotFound, Field: "room", Err: fmt.Errorf("%w: %q", hotline.ErrUnknownRoom, room)}
	}
	if !r.Has(m.ID) {
		return &call.Error{Status: http.StatusForbidden, Field: "room", Err: fmt.Errorf("%w: %s is not a member of room %q", call.ErrForbidden, member, room)}
	}
	return nil
}

// exports lets a room's media leave for nation to only when the room has a
// member of that nation.
func (c *Calls) exports(room string, to nation.Nation) bool {
	r, ok := c.h.dir.Room(hotline.RoomID(room))
	if !ok {
		return false
	}
	for _, id := range r.Members {
		if m, ok := c.h.dir.Member(id); ok && m.Nation == to {
			return true
		}
	}
	return false
}

// sfuOf returns the SFU of member's nation.
func (c *Calls) sfuOf(member string) (*call.SFU, error) {
	m, ok := c.h.dir.Member(hotline.MemberID(member))
	if !ok || c.sfu[m.Nation] == nil {
		return nil, &call.Error{Status: http.StatusNotFound, Field: "member", Err: fmt.Errorf("%w: %q is not a member on this node", hotline.ErrUnknownMember, member)}
	}
	return c.sfu[m.Nation], nil
}

// Join implements httpapi.Calls.
func (c *Calls) Join(ctx context.Context, member, room string, body []byte) (any, error) {
	s, err := c.sfuOf(member)
	if err != nil {
		return nil, err
	}
	req, err := call.ParseJoinRequest(body)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return s.Join(ctx, room, member, req)
}

// Leave implements httpapi.Calls.
func (c *Calls) Leave(member, room, session string) error {
	s, err := c.sfuOf(member)
	if err != nil {
		return err
	}
	return s.Leave(room, member, session)
}

// Media implements httpapi.Calls.
func (c *Calls) Media(member, room, session string, body []byte) error {
	s, err := c.sfuOf(member)
	if err != nil {
		return err
	}
	req, err := call.ParseMediaRequest(body)
	if err != nil {
		return err
	}
	return s.SetMedia(room, member, session, req)
}

// State implements httpapi.Calls: room's call as member's nation sees it.
func (c *Calls) State(member, room string) (any, error) {
	s, err := c.sfuOf(member)
	if err != nil {
		return nil, err
	}
	if _, ok := c.h.dir.Room(hotline.RoomID(room)); !ok {
		return nil, &call.Error{Status: http.StatusNotFound, Field: "room", Err: fmt.Errorf("%w: %q", hotline.ErrUnknownRoom, room)}
	}
	return c.view(s.State(room)), nil
}

// stateView is call.State with the members' names.
type stateView struct {
	call.State
	Participants []participantView `json:"participants"`
}

type participantView struct {
	call.Participant
	Name string `json:"name"`
}

func (c *Calls) view(st call.State) stateView {
	v := stateView{State: st, Participants: []participantView{}}
	for _, p := range st.Participants {
		pv := participantView{Participant: p}
		if m, ok := c.h.dir.Member(hotline.MemberID(p.Member)); ok {
			pv.Name = m.Name
		}
		v.Participants = append(v.Participants, pv)
	}
	return v
}

func (c *Calls) publish(n nation.Nation, room string) {
	if c.hub == nil {
		return
	}
	if s := c.sfu[n]; s != nil {
		c.hub.Publish(n, LiveCall, c.view(s.State(room)))
	}
}

func (c *Calls) onEvent(e call.Event) {
	select {
	case c.evc <- e:
	default:
		c.log.Error("call event dropped: queue full", "room", e.Room, "member", e.Member, "kind", string(e.Kind))
	}
}

// postLoop posts call events in order, each signed by the member's own
// console device.
func (c *Calls) postLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-c.evc:
			if err := c.post(ctx, e); err != nil {
				c.log.Error("call event", "room", e.Room, "member", e.Member, "kind", string(e.Kind), "err", err)
			}
		}
	}
}

// CallBody returns the text of a call event's hotline message. The
// bracketed tag at the end lets the console recognise it.
func CallBody(e call.Event, name, roomTitle string) string {
	tag := fmt.Sprintf("[call %s %s]", e.Kind, e.Call)
	switch e.Kind {
	case call.EventStart:
		return fmt.Sprintf("☎ %s started a call in %s (precedence %s). Join it from the call bar. %s", name, roomTitle, strings.ToUpper(e.Precedence), tag)
	case call.EventJoin:
		what := "voice"
		if e.Video {
			what = "voice and video"
		}
		if e.Reason == "merged" {
			return fmt.Sprintf("☎ %s moved to the call started earlier by a partner (%s). %s", name, what, tag)
		}
		return fmt.Sprintf("☎ %s joined the call (%s). %s", name, what, tag)
	case call.EventLeave:
		return fmt.Sprintf("☎ %s left the call (%s). %s", name, e.Reason, tag)
	default:
		if e.Reason == "merged" {
			return fmt.Sprintf("☎ This call was started at the same time as a partner's and is merged into it (call %s). %s", e.Merged, tag)
		}
		return fmt.Sprintf("☎ The call has ended. %s", tag)
	}
}

func (c *Calls) post(ctx context.Context, e call.Event) error {
	t, err := c.h.terminalOf(e.Member)
	if err != nil {
		return err
	}
	name := t.Member().Name
	title := e.Room
	if r, ok := c.h.dir.Room(hotline.RoomID(e.Room)); ok && r.Title != "" {
		title = r.Title
	}
	m := hotline.Message{Room: hotline.RoomID(e.Room), Kind: hotline.KindCall, Precedence: hotline.Routine, Body: []byte(CallBody(e, name, title))}
	if e.Kind == call.EventStart {
		p, err := hotline.ParsePrecedence(e.Precedence)
		if err != nil {
			p = hotline.Immediate
		}
		m.Kind, m.Precedence = hotline.KindText, p
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = t.Send(ctx, m)
	return err
}
