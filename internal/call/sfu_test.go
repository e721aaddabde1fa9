package call_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/call/calltest"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share/sharetest"
)

// recorder collects events.
type recorder struct {
	mu  sync.Mutex
	evs []call.Event
}

func (r *recorder) add(e call.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
}

func (r *recorder) all() []call.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call.Event(nil), r.evs...)
}

func (r *recorder) kinds(member string) []call.EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call.EventKind
	for _, e := range r.evs {
		if e.Member == member {
			out = append(out, e.Kind)
		}
	}
	return out
}

// nations starts the three nations' SFUs on a loopback federation.
func nations(t *testing.T, connect time.Duration) (map[nation.Nation]*call.SFU, *recorder) {
	return nationsExporting(t, connect, nil)
}

// nationsExporting is nations with each SFU's Exports set to exports.
func nationsExporting(t *testing.T, connect time.Duration, exports func(from nation.Nation, room string, to nation.Nation) bool) (map[nation.Nation]*call.SFU, *recorder) {
	t.Helper()
	return nationsOn(t, connect, exports, nil)
}

// nationsOn is nationsExporting with each nation's media on networks[n]
// (the zero Network when absent).
func nationsOn(t *testing.T, connect time.Duration, exports func(from nation.Nation, room string, to nation.Nation) bool, networks map[nation.Nation]call.Network) (map[nation.Nation]*call.SFU, *recorder) {
	t.Helper()
	fed := sharetest.Start(t, sharetest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	rec := &recorder{}
	sfus := map[nation.Nation]*call.SFU{}
	for _, n := range nation.Nations {
		var partners []nation.Nation
		for _, p := range nation.Nations {
			if p != n {
				partners = append(partners, p)
			}
		}
		var ex func(string, nation.Nation) bool
		if exports != nil {
			ex = func(room string, to nation.Nation) bool { return exports(n, room, to) }
		}
		s, err := call.New(call.Config{Nation: n, NC: fed.Conns[n], Partners: partners, ConnectTimeout: connect, OnEvent: rec.add, Logger: testLogger(t), Exports: ex, Network: networks[n],
			Authorize: func(room, member string) error {
				if room != "ops" {
					return &call.Error{Status: http.StatusForbidden, Err: fmt.Errorf("%w: %s is not in room %q", call.ErrForbidden, member, room)}
				}
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		sfus[n] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx); err != nil {
				t.Errorf("%s: %v", n, err)
			}
		}()
	}
	return sfus, rec
}

// join connects a test client as member through s.
func join(t *testing.T, s *call.SFU, room, member string) (*calltest.Client, *call.JoinResponse) {
	t.Helper()
	api, err := call.NewAPI()
	if err != nil {
		t.Fatal(err)
	}
	c, err := calltest.New(api, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offer, err := c.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Join(ctx, room, member, call.JoinRequest{Type: "offer", SDP: offer, Precedence: "flash"})
	if err != nil {
		t.Fatalf("join %s: %v", member, err)
	}
	if err := c.Answer(resp.SDP); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithCancel(context.Background())
	t.Cleanup(tcancel)
	go c.Talk(tctx)
	return c, resp
}

func waitFor(t *testing.T, timeout time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestThreeNationCall(t *testing.T) {
	sfus, rec := nations(t, 5*time.Second)
	members := map[nation.Nation]string{nation.JP: "jp-ops", nation.KR: "kr-ops", nation.US: "us-ops"}
	clients := map[nation.Nation]*calltest.Client{}
	var first *call.JoinResponse
	for _, n := range nation.Nations {
		c, resp := join(t, sfus[n], "ops", members[n])
		clients[n] = c
		if first == nil {
			first = resp
			if !resp.Started {
				t.Errorf("the first join did not start the call")
			}
			// The roster needs a moment to reach the partners, so the
			// later joins adopt this call.
			waitFor(t, 10*time.Second, "kr sees jp in the call", func() bool { return len(sfus[nation.KR].State("ops").Participants) == 1 })
		} else if resp.Started || resp.Call != first.Call {
			t.Errorf("%s joined call %q started=%v, want %q", members[n], resp.Call, resp.Started, first.Call)
		}
	}
	for n, c := range clients {
		waitFor(t, 10*time.Second, members[n]+" receives both partners", func() bool { return c.Streams(10) == 2 })
	}
	for _, n := range nation.Nations {
		st := sfus[n].State("ops")
		var got []string
		for _, p := range st.Participants {
			got = append(got, p.Member)
		}
		if !slices.Equal(got, []string{"jp-ops", "kr-ops", "us-ops"}) || st.Call != first.Call || st.Precedence != "flash" {
			t.Errorf("%s state: call %q %q participants %v", n, st.Call, st.Precedence, got)
		}
	}
	// kr leaves and rejoins.
	krSFU := sfus[nation.KR]
	if err := krSFU.Leave("ops", "kr-ops", "nope"); !errors.Is(err, call.ErrNoSession) {
		t.Errorf("leave of an unknown session: %v", err)
	}
	_ = clients[nation.KR].Close()
	waitFor(t, 8*time.Second, "kr's closed session is reaped", func() bool { return krSFU.Stats().Sessions == 0 })
	waitFor(t, 10*time.Second, "jp no longer lists kr", func() bool { return len(sfus[nation.JP].State("ops").Participants) == 2 })
	c2, resp := join(t, krSFU, "ops", "kr-ops")
	if resp.Call != first.Call {
		t.Errorf("rejoin: call %q, want %q", resp.Call, first.Call)
	}
	waitFor(t, 10*time.Second, "kr receives both partners again", func() bool { return c2.Streams(10) == 2 })
	if err := krSFU.Leave("ops", "kr-ops", resp.Session); err != nil {
		t.Fatal(err)
	}
	if got := rec.kinds("kr-ops"); !slices.Equal(got, []call.EventKind{call.EventJoin, call.EventLeave, call.EventJoin, call.EventLeave}) {
		t.Errorf("kr-ops events %v", got)
	}
	// The starter's start and join are posted once the start has settled.
	waitFor(t, 10*time.Second, "jp-ops's start and join", func() bool {
		return slices.Equal(rec.kinds("jp-ops"), []call.EventKind{call.EventStart, call.EventJoin})
	})
	// jp and us leave at the same moment: exactly one nation ends the call.
	for _, n := range []nation.Nation{nation.JP, nation.US} {
		go func() { _ = clients[n].Close() }()
	}
	waitFor(t, 12*time.Second, "one end", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		ends := 0
		for _, e := range rec.evs {
			if e.Kind == call.EventEnd {
				ends++
				if e.Call != first.Call {
					t.Errorf("end of call %q, want %q", e.Call, first.Call)
				}
			}
		}
		return ends == 1
	})
	time.Sleep(1500 * time.Millisecond)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if n := count(kindsOf(rec.evs), call.EventEnd); n != 1 {
		t.Errorf("%d ends, want 1", n)
	}
}

func TestForbiddenRoom(t *testing.T) {
	sfus, _ := nations(t, 5*time.Second)
	api, _ := call.NewAPI()
	c, err := calltest.New(api, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	offer, err := c.Offer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	before := sfus[nation.JP].Stats()
	_, err = sfus[nation.JP].Join(context.Background(), "leaders", "jp-ops", call.JoinRequest{Type: "offer", SDP: offer})
	var ce *call.Error
	if !errors.As(err, &ce) || ce.HTTPStatus() != http.StatusForbidden {
		t.Fatalf("join of another room: %v, want 403", err)
	}
	if after := sfus[nation.JP].Stats(); after.PeerConnections != before.PeerConnections || after.Sessions != 0 {
		t.Errorf("a refused join left %+v (before %+v)", after, before)
	}
}

// TestReap: an offer whose ICE never completes, and a client that vanishes,
// leave no session and no peer connection behind.
func TestReap(t *testing.T) {
	sfus, rec := nations(t, time.Second)
	s := sfus[nation.US]
	waitFor(t, 5*time.Second, "trunks open", func() bool { return s.Stats().PeerConnections == 4 })
	base := s.Stats().PeerConnections

	api, _ := call.NewAPI()
	c, err := calltest.New(api, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	offer, err := c.Offer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join(context.Background(), "ops", "us-ops", call.JoinRequest{Type: "offer", SDP: offer}); err != nil {
		t.Fatal(err)
	}
	// The answer is never applied: ICE cannot complete.
	if st := s.Stats(); st.Sessions != 1 || st.PeerConnections != base+1 {
		t.Fatalf("after join: %+v", st)
	}
	waitFor(t, 5*time.Second, "the half-open session is reaped", func() bool {
		st := s.Stats()
		return st.Sessions == 0 && st.PeerConnections == base
	})
	waitFor(t, 10*time.Second, "start, join, leave, end", func() bool {
		return slices.Equal(rec.kinds("us-ops"), []call.EventKind{call.EventStart, call.EventJoin, call.EventLeave, call.EventEnd})
	})

	// A client that connects, then vanishes without leaving.
	c2, _ := join(t, s, "ops", "us-ops")
	waitFor(t, 5*time.Second, "connected", func() bool {
		st := s.State("ops")
		return len(st.Participants) == 1 && st.Participants[0].Connected
	})
	_ = c2.Close()
	waitFor(t, 10*time.Second, "the closed client is reaped", func() bool {
		st := s.Stats()
		return st.Sessions == 0 && st.PeerConnections == base && st.Sources == 0
	})

	// A client whose network vanishes: its ICE stops without a DTLS
	// close, so only the SFU's ICE timeouts (3 s disconnected, 6 s failed)
	// notice.
	c3, _ := join(t, s, "ops", "us-ops")
	waitFor(t, 5*time.Second, "connected", func() bool {
		st := s.State("ops")
		return len(st.Participants) == 1 && st.Participants[0].Connected
	})
	if err := c3.PC.SCTP().Transport().ICETransport().Stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 12*time.Second, "the vanished client is reaped", func() bool {
		st := s.Stats()
		return st.Sessions == 0 && st.PeerConnections == base && st.Sources == 0
	})
	waitFor(t, 10*time.Second, "the vanished client's leave and the end", func() bool {
		got := rec.kinds("us-ops")
		n := len(got)
		return n >= 2 && got[n-2] == call.EventLeave && got[n-1] == call.EventEnd && count(got, call.EventLeave) == 3
	})
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

func count[T comparable](s []T, v T) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func kindsOf(evs []call.Event) []call.EventKind {
	var out []call.EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

// TestExports: a nation's media leaves only for the partners its Exports
// allows; here jp keeps its member's audio from us.
func TestExports(t *testing.T) {
	sfus, _ := nationsExporting(t, 5*time.Second, func(from nation.Nation, _ string, to nation.Nation) bool {
		return !(from == nation.JP && to == nation.US)
	})
	jp, _ := join(t, sfus[nation.JP], "ops", "jp-ops")
	waitFor(t, 10*time.Second, "kr sees jp in the call", func() bool { return len(sfus[nation.KR].State("ops").Participants) == 1 })
	kr, _ := join(t, sfus[nation.KR], "ops", "kr-ops")
	us, _ := join(t, sfus[nation.US], "ops", "us-ops")
	waitFor(t, 10*time.Second, "jp hears kr and us", func() bool { return jp.Streams(10) == 2 })
	waitFor(t, 10*time.Second, "kr hears jp and us", func() bool { return kr.Streams(10) == 2 })
	waitFor(t, 10*time.Second, "us hears kr", func() bool { return us.Streams(10) == 1 })
	time.Sleep(500 * time.Millisecond)
	if n := us.Streams(1); n != 1 {
		t.Errorf("us receives %d streams, want only kr's", n)
	}
	if st := sfus[nation.JP].Stats(); st.TrunkTracks != 1 {
		t.Errorf("jp sends %d streams over its trunks, want 1 (to kr)", st.TrunkTracks)
	}
}

// TestSimultaneousStart: jp and kr start a call in the same room at the
// same moment, before either's roster reached the other. The earlier start
// wins: exactly one start is posted, and both nations end up in one call.
func TestSimultaneousStart(t *testing.T) {
	// The settle is longer here than in service, so that a loaded machine's
	// roster delay cannot turn this into TestMergeAfterPartition.
	settle := call.StartSettle
	call.StartSettle = 5 * time.Second
	t.Cleanup(func() { call.StartSettle = settle })
	sfus, rec := nations(t, 10*time.Second)
	var wg sync.WaitGroup
	for _, m := range []struct {
		n      nation.Nation
		member string
	}{{nation.JP, "jp-ops"}, {nation.KR, "kr-ops"}} {
		wg.Add(1)
		go func() { defer wg.Done(); join(t, sfus[m.n], "ops", m.member) }()
	}
	wg.Wait()
	waitFor(t, 10*time.Second, "one call in both nations", func() bool {
		a, b := sfus[nation.JP].State("ops"), sfus[nation.KR].State("ops")
		return a.Call != "" && a.Call == b.Call
	})
	waitFor(t, 10*time.Second, "both joins reported", func() bool {
		return count(kindsOf(rec.all()), call.EventJoin) == 2
	})
	time.Sleep(500 * time.Millisecond)
	evs := rec.all()
	if n := count(kindsOf(evs), call.EventStart); n != 1 {
		t.Fatalf("%d starts, want 1: %+v", n, evs)
	}
	callID := sfus[nation.JP].State("ops").Call
	for _, e := range evs {
		if e.Call != callID {
			t.Errorf("event %s of %s for call %s, want %s", e.Kind, e.Member, e.Call, callID)
		}
	}
	// The start comes before its starter's join.
	for _, e := range evs {
		if e.Kind == call.EventStart {
			if k := rec.kinds(e.Member); len(k) < 2 || k[0] != call.EventStart || k[1] != call.EventJoin {
				t.Errorf("the starter %s's events %v, want start then join", e.Member, k)
			}
		}
	}
}

// TestMergeAfterPartition: jp and kr start a call in the same room while
// their rosters are lost (a partition longer than StartSettle), so both
// starts are posted. When the rosters flow again the later call merges into
// the earlier: its starter posts its end, naming the earlier call, and its
// member's join to the earlier call; both nations are in one call, and
// when everyone leaves exactly one end of that call is posted.
func TestMergeAfterPartition(t *testing.T) {
	sfus, rec := nations(t, 10*time.Second)
	for _, n := range nation.Nations {
		sfus[n].DropRosters(true)
	}
	var mu sync.Mutex
	clients := map[nation.Nation]*calltest.Client{}
	var wg sync.WaitGroup
	for _, m := range []struct {
		n      nation.Nation
		member string
	}{{nation.JP, "jp-ops"}, {nation.KR, "kr-ops"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := join(t, sfus[m.n], "ops", m.member)
			mu.Lock()
			clients[m.n] = c
			mu.Unlock()
		}()
	}
	wg.Wait()
	waitFor(t, 10*time.Second, "both starts posted", func() bool { return count(kindsOf(rec.all()), call.EventStart) == 2 })
	a, b := sfus[nation.JP].State("ops"), sfus[nation.KR].State("ops")
	if a.Call == b.Call {
		t.Fatalf("one call %s during the partition", a.Call)
	}
	win, lose, loser := a, b, "kr-ops"
	if b.Started.Before(*a.Started) || b.Started.Equal(*a.Started) && b.Call < a.Call {
		win, lose, loser = b, a, "jp-ops"
	}
	for _, n := range nation.Nations {
		sfus[n].DropRosters(false)
	}
	waitFor(t, 15*time.Second, "one call in both nations", func() bool {
		return sfus[nation.JP].State("ops").Call == win.Call && sfus[nation.KR].State("ops").Call == win.Call
	})
	waitFor(t, 5*time.Second, "the merge reported", func() bool { return count(kindsOf(rec.all()), call.EventEnd) == 1 })
	var end, rejoin *call.Event
	for _, e := range rec.all() {
		switch {
		case e.Kind == call.EventEnd:
			end = &e
		case e.Kind == call.EventJoin && e.Reason == "merged":
			if rejoin != nil {
				t.Errorf("a second merged join: %+v", e)
			}
			rejoin = &e
		}
	}
	if end == nil || end.Call != lose.Call || end.Member != loser || end.Reason != "merged" || end.Merged != win.Call {
		t.Errorf("end %+v, want %s's call %s merged into %s", end, loser, lose.Call, win.Call)
	}
	if rejoin == nil || rejoin.Member != loser || rejoin.Call != win.Call {
		t.Errorf("merged join %+v, want %s to %s", rejoin, loser, win.Call)
	}
	waitFor(t, 10*time.Second, "the two hear each other", func() bool {
		return clients[nation.JP].Streams(10) == 1 && clients[nation.KR].Streams(10) == 1
	})
	for _, c := range clients {
		_ = c.Close()
	}
	waitFor(t, 15*time.Second, "the call ended", func() bool {
		n := 0
		for _, e := range rec.all() {
			if e.Kind == call.EventEnd && e.Call == win.Call {
				n++
			}
		}
		return n >= 1
	})
	time.Sleep(2 * time.Second)
	n := 0
	for _, e := range rec.all() {
		if e.Kind == call.EventEnd && e.Call == win.Call {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d ends of %s, want 1", n, win.Call)
	}
}
