package cot_test

import (
	"context"
	"fmt"
	"math"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/cottest"
	"github.com/trilink/trilink/internal/fusion"
)

// TestSalvoPicture connects a TAK client speaking XML to a server holding
// a five-missile salvo with warning areas and an alert, and checks every
// item it shows.
func TestSalvoPicture(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{})
	ls := salvo(5)
	now := clk.Now()
	p := picture(ls, now, true)
	s.Update(p)
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first, err := c.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Type != cot.TypeProtoOffer || !strings.Contains(first.Detail.XML, `<TakProtocolSupport version="1"/>`) {
		t.Fatalf("first event %s %q, want the t-x-takp-v offer of version 1", first.Type, first.Detail.XML)
	}
	pic := cottest.Picture{}
	collect(t, c, pic, size(25))
	if extra := barrier(t, c); len(extra) != 0 {
		t.Errorf("%d events beyond the picture: %v", len(extra), typesOf(extra))
	}
	if got, want := typesOf(values(pic)), map[string]int{cot.TypeMissile: 5, cot.TypeLaunch: 5, cot.TypeImpactPoint: 5,
		cot.TypeEllipse: 5, cot.TypeArea: 4, cot.TypeChat: 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("types %v, want %v", got, want)
	}
	for i, l := range ls {
		ev := p.Events[i]
		last := ev.Track[len(ev.Track)-1]
		tr, ok := pic[uid(l.ID, "")]
		if !ok {
			t.Fatalf("no track for %s", l.ID)
		}
		if tr.How != "m-f" || tr.QoS != "9-r-d" || !tr.Time.Equal(now) || !tr.Stale.Equal(now.Add(20*time.Second)) {
			t.Errorf("%s: how %s qos %s time %v stale %v", l.ID, tr.How, tr.QoS, tr.Time, tr.Stale)
		}
		if math.Abs(tr.Point.Lat-last.Lat) > 1e-7 || math.Abs(tr.Point.Lon-last.Lon) > 1e-7 || math.Abs(tr.Point.HAE-last.AltKm*1000) > 0.1 {
			t.Errorf("%s: track at %+v, want the last track point %+v", l.ID, tr.Point, last)
		}
		if tr.Detail.Contact == nil || tr.Detail.Contact.Callsign != "MRBM "+l.ID {
			t.Errorf("%s: contact %+v", l.ID, tr.Detail.Contact)
		}
		// The synthetic flight covers its range in FlightTime: its mean
		// ground speed is a fair check of the track's speed.
		mean := l.RangeKm * 1000 / l.FlightTime().Seconds()
		if tk := tr.Detail.Track; tk == nil || math.Abs(tk.Speed-mean) > 0.2*mean || math.Abs(tk.Course-l.AzimuthDeg) > 15 {
			t.Errorf("%s: track %+v, want speed about %.0f m/s and course about %.0f°", l.ID, tk, mean, l.AzimuthDeg)
		}
		la := pic[uid(l.ID, ".launch")]
		if la.Type != cot.TypeLaunch || !near(la.Point.Lat, ev.Estimate.Launch.Lat) || !near(la.Point.Lon, ev.Estimate.Launch.Lon) ||
			!la.Stale.Equal(now.Add(10*time.Minute)) {
			t.Errorf("%s: launch %+v", l.ID, la)
		}
		el := pic[uid(l.ID, ".ellipse95")]
		var shape struct {
			Ellipse struct {
				Major float64 `xml:"major,attr"`
				Minor float64 `xml:"minor,attr"`
				Angle float64 `xml:"angle,attr"`
			} `xml:"shape>ellipse"`
			Link struct {
				UID      string `xml:"uid,attr"`
				Relation string `xml:"relation,attr"`
			} `xml:"link"`
		}
		if err := el.Detail.Unmarshal(&shape); err != nil {
			t.Fatal(err)
		}
		e95 := ev.Estimate.Impact.Ellipse95
		if el.Type != cot.TypeEllipse || el.How != "m-p" || shape.Ellipse.Major != e95.MajorKm*1000 || shape.Ellipse.Minor != e95.MinorKm*1000 ||
			shape.Ellipse.Angle != e95.BearingDeg || el.Point.CE < shape.Ellipse.Major || shape.Link.UID != uid(l.ID, "") || shape.Link.Relation != "p-p" {
			t.Errorf("%s: ellipse %+v %+v, want semi-axes %v/%v km at %v°", l.ID, el.Point, shape, e95.MajorKm, e95.MinorKm, e95.BearingDeg)
		}
		im := pic[uid(l.ID, ".impact")]
		if im.Type != cot.TypeImpactPoint || !near(im.Point.Lat, ev.Estimate.Impact.Lat) || !near(im.Point.Lon, ev.Estimate.Impact.Lon) || im.How != "m-p" {
			t.Errorf("%s: impact point %+v", l.ID, im)
		}
	}
	// Areas: JP-01 one polygon, JP-02 two islands, US-AK one box across
	// the antimeridian.
	ak := pic["trilink.area.US-AK.0"]
	var poly struct {
		Links []struct {
			Point string `xml:"point,attr"`
		} `xml:"link"`
	}
	if err := ak.Detail.Unmarshal(&poly); err != nil {
		t.Fatal(err)
	}
	var pts []string
	for _, l := range poly.Links {
		pts = append(pts, l.Point)
	}
	if got, want := strings.Join(pts, " "), "50,175 50,-175 53,-175 53,175 50,175"; got != want {
		t.Errorf("US-AK polygon %s, want %s", got, want)
	}
	if ak.Detail.Contact == nil || ak.Detail.Contact.Callsign != "Alaska (all-clear)" {
		t.Errorf("US-AK contact %+v", ak.Detail.Contact)
	}
	if _, ok := pic["trilink.area.JP-02.1"]; !ok {
		t.Error("JP-02's second island missing")
	}
	var chat struct {
		Chat struct {
			Room string `xml:"chatroom,attr"`
		} `xml:"__chat"`
		Remarks string `xml:"remarks"`
	}
	msg := pic["GeoChat.trilink.warn.All Chat Rooms.JP-ALERT-1"]
	if err := msg.Detail.Unmarshal(&chat); err != nil {
		t.Fatal(err)
	}
	if chat.Chat.Room != cot.AllChatRooms || chat.Remarks != "SHELTER: Missile launch: take shelter [JP-01]" {
		t.Errorf("chat %+v", chat)
	}
	st := s.Stats()
	if st.Clients != 1 || st.Items != 25 || st.Accepted != 1 || st.Sent < 25 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// near reports whether a, rounded to 1e-7°, is b.
func near(a, b float64) bool { return math.Abs(a-b) <= 0.5e-7 }

func values(p cottest.Picture) []cot.Event {
	out := make([]cot.Event, 0, len(p))
	for _, e := range p {
		out = append(out, e)
	}
	return out
}

// TestNegotiateV1 switches a client to TAK protocol v1 and checks that the
// next update comes as protobuf frames with only the changed items.
func TestNegotiateV1(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{})
	ls := salvo(5)
	s.Update(picture(ls, clk.Now(), false))
	c := dial(t, addr)
	negotiate(t, c)
	if !c.V1() {
		t.Fatal("not switched to v1")
	}
	pic := cottest.Picture{}
	collect(t, c, pic, size(20))
	checkFor(t, time.Second, func() error {
		if n := s.Stats().ClientsV1; n != 1 {
			return fmt.Errorf("%d v1 clients", n)
		}
		return nil
	})

	clk.Set(clk.Now().Add(10 * time.Second))
	s.Update(picture(ls, clk.Now(), false))
	evs := barrier(t, c) // read as v1 frames: cottest insists on the magic byte
	// Tracks move, impact predictions shrink; launch points stay.
	if got, want := typesOf(evs), map[string]int{cot.TypeMissile: 5, cot.TypeImpactPoint: 5, cot.TypeEllipse: 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("update brought %v, want %v", got, want)
	}
	for _, e := range evs {
		if !e.Time.Equal(clk.Now()) {
			t.Errorf("%s stamped %v, want %v", e.UID, e.Time, clk.Now())
		}
	}
	// An unchanged picture sends nothing.
	s.Update(picture(ls, clk.Now(), false))
	if evs := barrier(t, c); len(evs) != 0 {
		t.Errorf("unchanged picture sent %v", typesOf(evs))
	}
}

// TestReconnectResync disconnects a client, changes the picture and
// reconnects: the client gets the whole current picture, no more.
func TestReconnectResync(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{})
	ls := salvo(5)
	s.Update(picture(ls, clk.Now(), false))
	c1 := dial(t, addr)
	collect(t, c1, cottest.Picture{}, size(20))
	_ = c1.Close()
	checkFor(t, time.Second, func() error {
		if n := s.Stats().Clients; n != 0 {
			return fmt.Errorf("%d clients", n)
		}
		return nil
	})

	clk.Set(clk.Now().Add(10 * time.Second))
	p := picture(ls, clk.Now(), false)
	p.Events[0] = closed(p.Events[0])
	s.Update(p)

	c2 := dial(t, addr)
	negotiate(t, c2)
	pic := cottest.Picture{}
	evs := collect(t, c2, pic, size(16))
	evs = append(evs, barrier(t, c2)...)
	if len(evs) != 16 {
		t.Errorf("resync of %d events, want 16: %v", len(evs), typesOf(evs))
	}
	for _, e := range evs {
		if strings.HasPrefix(e.UID, uid(ls[0].ID, "")) || e.Type == cot.TypeDelete {
			t.Errorf("resync has %s %s", e.Type, e.UID)
		}
		if !e.Time.Equal(clk.Now()) && e.Type != cot.TypeLaunch {
			t.Errorf("%s is from %v, not the latest update", e.UID, e.Time)
		}
	}
	if !reflect.DeepEqual(pic, snapshot(s)) {
		t.Error("the reconnected client's picture is not the server's")
	}
}

func snapshot(s *cot.Server) cottest.Picture {
	p := cottest.Picture{}
	for _, e := range s.Snapshot() {
		p.Apply(e)
	}
	return p
}

// TestXMLAndProtoSame checks that a v0 and a v1 client receive the same
// events, at connection and after an update.
func TestXMLAndProtoSame(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{})
	ls := salvo(3)
	s.Update(picture(ls, clk.Now(), true))
	x, pb := dial(t, addr), dial(t, addr)
	negotiate(t, pb)
	px, pp := cottest.Picture{}, cottest.Picture{}
	collect(t, x, px, size(17))
	collect(t, pb, pp, size(17))
	if !reflect.DeepEqual(px, pp) {
		t.Error("resync differs between XML and protobuf")
	}
	clk.Set(clk.Now().Add(7 * time.Second))
	p := picture(ls, clk.Now(), true)
	p.Events[1] = closed(p.Events[1])
	s.Update(p)
	ex, ep := barrier(t, x), barrier(t, pb)
	if len(ex) != 3*2+4 || !reflect.DeepEqual(ex, ep) {
		t.Errorf("update: %d XML events, %d protobuf events, equal %v", len(ex), len(ep), reflect.DeepEqual(ex, ep))
	}
	for i := range min(len(ex), len(ep)) {
		if !reflect.DeepEqual(ex[i], ep[i]) {
			t.Errorf("event %d\n xml %+v\nprot %+v", i, ex[i], ep[i])
		}
	}
}

// TestDeletion follows an event to its end: the track is withdrawn when
// the missile has come down, everything else when the event closes.
func TestDeletion(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{})
	ls := salvo(2)
	s.Update(picture(ls, clk.Now(), false))
	c := dial(t, addr)
	pic := cottest.Picture{}
	collect(t, c, pic, size(8))

	after := t0.Add(ls[0].FlightTime() + time.Second)
	clk.Set(after)
	p := picture(ls, after, false)
	if p.Events[0].State != fusion.StateImpacted {
		t.Fatalf("state %v", p.Events[0].State)
	}
	p.Events = p.Events[:1] // the second event is still in flight: keep it out of the way
	p.Events = append(p.Events, ls[1].At(t0.Add(300*time.Second)))
	s.Update(p)
	evs := barrier(t, c)
	var dels []string
	for _, e := range evs {
		if pic.Apply(e) {
			var d struct {
				Link struct {
					UID string `xml:"uid,attr"`
				} `xml:"link"`
				Force *struct{} `xml:"__forcedelete"`
			}
			_ = e.Detail.Unmarshal(&d)
			if d.Force == nil {
				t.Errorf("deletion without __forcedelete: %q", e.Detail.XML)
			}
			dels = append(dels, d.Link.UID)
		}
	}
	if want := []string{uid(ls[0].ID, "")}; !reflect.DeepEqual(dels, want) {
		t.Errorf("deleted %v, want %v", dels, want)
	}
	p.Events[0] = closed(p.Events[0])
	s.Update(p)
	dels = nil
	for _, e := range barrier(t, c) {
		if pic.Apply(e) {
			dels = append(dels, e.UID)
		}
	}
	want := []string{uid(ls[0].ID, ".launch.delete"), uid(ls[0].ID, ".impact.delete"), uid(ls[0].ID, ".ellipse95.delete")}
	if !reflect.DeepEqual(dels, want) {
		t.Errorf("deleted %v, want %v", dels, want)
	}
	if len(pic) != 4 || s.Stats().Items != 4 {
		t.Errorf("%d items left on the client, %d on the server; want 4", len(pic), s.Stats().Items)
	}
	for k := range pic {
		if !strings.HasPrefix(k, uid(ls[1].ID, "")) {
			t.Errorf("%s left", k)
		}
	}
}

// TestBadClientInput sends malformed, oversized and spoofed input: each
// bad message is rejected alone, the connection stays up, and the picture
// does not change.
func TestBadClientInput(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{MaxMessageSize: 4096})
	ls := salvo(1)
	s.Update(picture(ls, clk.Now(), false))
	before := s.Snapshot()

	c := dial(t, addr)
	collect(t, c, cottest.Picture{}, size(4))
	now := clk.Now()
	spoof := cot.Event{UID: uid(ls[0].ID, ""), Type: cot.TypeMissile, How: "m-f", Time: now, Start: now, Stale: now.Add(time.Hour),
		Point: cot.Point{Lat: 35.68, Lon: 139.69, HAE: 0, CE: 1, LE: 1}}
	big := `<?xml version="1.0"?><event version="2.0" uid="big" type="a-f-G" how="m-g" time="2026-01-01T00:00:00Z" start="2026-01-01T00:00:00Z" stale="2026-01-01T00:00:00Z"><point lat="0" lon="0" hae="0" ce="0" le="0"/><detail><remarks>` +
		strings.Repeat("x", 5000) + `</remarks></detail></event>`
	for _, raw := range []string{
		`<event version="2.0" uid="x"><point lat="1"/></event>`, // malformed: attributes missing
		"hello there",            // not XML
		big,                      // over the limit
		`<event><point></event>`, // not well-formed
	} {
		if err := c.SendRaw([]byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Send(spoof); err != nil {
		t.Fatal(err)
	}
	if evs := barrier(t, c); len(evs) != 0 { // the pong proves the connection is up
		t.Errorf("bad input caused %v", typesOf(evs))
	}
	checkFor(t, time.Second, func() error {
		if st := s.Stats(); st.Rejected != 4 || st.Received != 2 {
			return fmt.Errorf("rejected %d, received %d; want 4 and 2 (spoof, ping)", st.Rejected, st.Received)
		}
		return nil
	})
	if !reflect.DeepEqual(s.Snapshot(), before) {
		t.Error("client input changed the picture")
	}
	// Another client sees the real track.
	c2 := dial(t, addr)
	pic := cottest.Picture{}
	collect(t, c2, pic, size(4))
	if tr := pic[uid(ls[0].ID, "")]; tr.Point.Lat == spoof.Point.Lat {
		t.Error("the spoofed track reached another client")
	}

	// The same in TAK protocol v1.
	negotiate(t, c)
	for _, raw := range [][]byte{
		{cot.Magic, 3, 0xff, 0xff, 0xff},                                // not a TakMessage
		append(cot.AppendFrameHeader(nil, 5000), make([]byte, 5000)...), // over the limit
		{0, 0, 0},                     // stray bytes: skipped, not messages
		cot.AppendFrameHeader(nil, 0), // an empty TakMessage
	} {
		if err := c.SendRaw(raw); err != nil {
			t.Fatal(err)
		}
	}
	if evs := barrier(t, c); len(evs) != 0 {
		t.Errorf("bad v1 input caused %v", typesOf(evs))
	}
	checkFor(t, time.Second, func() error {
		if st := s.Stats(); st.Rejected != 7 {
			return fmt.Errorf("rejected %d, want 7", st.Rejected)
		}
		return nil
	})
}

// TestSlowClient stalls one client while another follows a fast-changing
// picture: the healthy one gets every latest state, the stalled one's queue
// keeps only the latest states and it is disconnected when its writes time
// out.
func TestSlowClient(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{WriteTimeout: 300 * time.Millisecond})
	ls := salvo(5)
	s.Update(picture(ls, clk.Now(), false))
	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	_ = stalled.(*net.TCPConn).SetReadBuffer(4096)
	c := dial(t, addr)
	negotiate(t, c)
	pic := cottest.Picture{}
	collect(t, c, pic, size(20))
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			ev, err := c.Next(ctx)
			if err != nil {
				done <- err
				return
			}
			if ev.Type == cot.TypePong {
				done <- nil
				return
			}
			pic.Apply(ev)
		}
	}()
	// Update until the stalled client's buffers are full and a write to
	// it times out (a few MB on loopback).
	start := clk.Now()
	deadline := time.Now().Add(10 * time.Second)
	updates := 0
	for s.Stats().Clients > 1 && time.Now().Before(deadline) {
		updates++
		clk.Set(start.Add(time.Duration(updates) * 200 * time.Millisecond))
		s.Update(picture(ls, clk.Now(), false))
		if updates%100 == 0 {
			time.Sleep(10 * time.Millisecond) // let the healthy client keep up
		}
	}
	if err := c.Ping(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pic, snapshot(s)) {
		t.Error("the healthy client does not have the latest picture")
	}
	if st := s.Stats(); st.Clients != 1 || st.Superseded == 0 || st.Dropped != 0 {
		t.Errorf("after %d updates: clients %d, superseded %d, dropped %d: want the stalled client gone and its queue conflated, nothing dropped",
			updates, st.Clients, st.Superseded, st.Dropped)
	}
	t.Logf("%d updates; stats %+v", updates, s.Stats())
}

// BenchmarkUpdate measures an Update that moves every missile of a salvo
// (render, diff, and both encodings of the changed items; no clients).
func BenchmarkUpdate(b *testing.B) {
	for _, n := range []int{1, 20} {
		b.Run(fmt.Sprintf("missiles=%d", n), func(b *testing.B) {
			var ns int64
			s := cot.NewServer(cot.Options{Now: func() time.Time { return t0.Add(time.Duration(ns)) }})
			defer s.Close()
			ls := salvo(n)
			pics := make([]cot.Picture, 64)
			for i := range pics {
				pics[i] = cot.Picture{}
				for _, l := range ls {
					pics[i].Events = append(pics[i].Events, l.Live(t0.Add(400*time.Second+time.Duration(i)*100*time.Millisecond)))
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ns += int64(time.Millisecond)
				s.Update(pics[i%len(pics)])
				i++
			}
		})
	}
}

// TestQueueLimit stalls a client with a tiny queue limit: once its waiting
// updates are merged, items beyond the limit are dropped and counted, and
// the server goes on.
func TestQueueLimit(t *testing.T) {
	s, addr, clk := newTestServer(t, cot.Options{QueueLen: 3, WriteTimeout: 5 * time.Second})
	ls := salvo(5)
	s.Update(picture(ls, clk.Now(), false))
	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	_ = stalled.(*net.TCPConn).SetReadBuffer(4096)
	checkFor(t, time.Second, func() error {
		if n := s.Stats().Clients; n != 1 {
			return fmt.Errorf("%d clients", n)
		}
		return nil
	})
	start := clk.Now()
	deadline := time.Now().Add(10 * time.Second)
	for i := 1; s.Stats().Dropped == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("nothing dropped after %d updates: %+v", i, s.Stats())
		}
		clk.Set(start.Add(time.Duration(i) * 200 * time.Millisecond))
		s.Update(picture(ls, clk.Now(), false))
	}
	if st := s.Stats(); st.Superseded == 0 || st.Clients != 1 {
		t.Errorf("stats %+v: want superseded messages and the client still connected", st)
	}
}
