package exchange_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/hotline/exchange"
	"github.com/trilink/trilink/internal/hotline/hotlinetest"
	"github.com/trilink/trilink/internal/hotline/terminal"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/share/sharetest"
	"github.com/trilink/trilink/internal/store"
)

// net is three nations' exchanges on a loopback federation, with a terminal
// per device started on demand.
type net struct {
	t     *testing.T
	fed   *sharetest.Fed
	world *hotlinetest.World
	x     map[nation.Nation]*exchange.Exchange
	ctx   context.Context

	mu      sync.Mutex
	audited map[nation.Nation][]audit.Entry
}

func newNet(t *testing.T, d hotline.Deadlines) *net {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	n := &net{t: t, fed: sharetest.Start(t, sharetest.Options{}), world: hotlinetest.NewWorld(t),
		x: map[nation.Nation]*exchange.Exchange{}, ctx: ctx, audited: map[nation.Nation][]audit.Entry{}}
	for _, nat := range nation.Nations {
		x, err := exchange.New(exchange.Config{Nation: nat, Directory: n.world.Dir, NC: n.fed.Conns[nat], JS: n.fed.JS[nat],
			Deadlines: d, Audit: func(e audit.Entry) {
				n.mu.Lock()
				n.audited[nat] = append(n.audited[nat], e)
				n.mu.Unlock()
			}})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = x.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		n.x[nat] = x
	}
	sharetest.Eventually(t, 10*time.Second, "exchanges ready", func() bool {
		for _, x := range n.x {
			if !x.Ready() {
				return false
			}
		}
		return true
	})
	return n
}

// terminal starts the terminal of member m's first device, with its store
// in dir (a fresh one when dir is "").
func (n *net) terminal(m hotline.MemberID, dir string) (*terminal.Terminal, context.CancelFunc) {
	n.t.Helper()
	if dir == "" {
		dir = n.t.TempDir()
	}
	st, err := store.Open(filepath.Join(dir, "hotline.db"))
	if err != nil {
		n.t.Fatal(err)
	}
	mem, _ := n.world.Dir.Member(m)
	term, err := terminal.New(terminal.Config{Keys: n.world.Keys(n.t, m), Exchange: n.x[mem.Nation], Store: st})
	if err != nil {
		n.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(n.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = term.Run(ctx) }()
	stop := func() { cancel(); <-done; st.Close() }
	n.t.Cleanup(func() {
		select {
		case <-done:
		default:
			stop()
		}
	})
	return term, stop
}

func member(tb testing.TB, s hotline.Status, m hotline.MemberID) hotline.MemberStatus {
	for _, ms := range append(s.Members, s.Others...) {
		if ms.Member == m {
			return ms
		}
	}
	return hotline.MemberStatus{}
}

// A FLASH message from jp reaches the kr and us members, is acknowledged,
// and all three nations see every receipt.
func TestFlashReachesAllAndReceiptsSeenEverywhere(t *testing.T) {
	n := newNet(t, hotline.Deadlines{})
	jp, _ := n.terminal("jp-leader", "")
	kr, _ := n.terminal("kr-leader", "")
	us, _ := n.terminal("us-leader", "")
	env, err := jp.Send(n.ctx, hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Flash, Body: []byte("発射を確認 / 발사 확인 / launch confirmed")})
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range []*terminal.Terminal{kr, us} {
		sharetest.Eventually(t, 10*time.Second, string(term.Member().ID)+" receives", func() bool { _, ok := term.Has(env.ID); return ok })
		m, ok, err := term.Store().Get(env.ID.String())
		if err != nil || !ok || m.Body != "発射を確認 / 발사 확인 / launch confirmed" || m.Precedence != "flash" {
			t.Fatalf("%s stored %+v, %v, %v", term.Member().ID, m, ok, err)
		}
		if err := term.Acknowledge(n.ctx, env.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, nat := range nation.Nations {
		x := n.x[nat]
		sharetest.Eventually(t, 10*time.Second, nat.String()+" sees both acknowledgements", func() bool {
			s, ok := x.Status(env.ID)
			return ok && member(t, s, "kr-leader").Done() && member(t, s, "us-leader").Done()
		})
		s, _ := x.Status(env.ID)
		for _, m := range []hotline.MemberID{"kr-leader", "us-leader"} {
			ms := member(t, s, m)
			if ms.State != hotline.Acknowledged || ms.Delivered.IsZero() || ms.Acknowledged.IsZero() || ms.AcknowledgedBy != m {
				t.Errorf("%s: %s status %+v", nat, m, ms)
			}
		}
	}
	// Every nation's audit log took the message and the four receipts.
	for _, nat := range nation.Nations {
		sharetest.Eventually(t, 5*time.Second, nat.String()+" audit", func() bool {
			n.mu.Lock()
			defer n.mu.Unlock()
			var msgs, rcpts int
			for _, e := range n.audited[nat] {
				switch e.Kind {
				case audit.KindMessage:
					msgs++
				case audit.KindReceipt:
					rcpts++
				}
			}
			return msgs == 1 && rcpts == 4
		})
	}
}

// A missed FLASH deadline escalates to the member's alternate: the
// alternate's terminal and the sender's see the escalation, and the
// alternate's acknowledgement then stands for the member.
func TestMissedDeadlineEscalatesToAlternate(t *testing.T) {
	d := hotline.DefaultDeadlines()
	d.Flash = 2 * time.Second
	n := newNet(t, d)
	jp, _ := n.terminal("jp-fm", "")
	n.terminal("kr-fm", "")
	n.terminal("us-fm", "")
	deputy, _ := n.terminal("us-fm-deputy", "")
	env, err := jp.Send(n.ctx, hotline.Message{Room: hotline.RoomForeignMinisters, Precedence: hotline.Flash, Body: []byte("respond")})
	if err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 10*time.Second, "kr-fm receives", func() bool {
		_, ok := n.x[nation.KR].Envelope(env.ID)
		return ok && slices.Contains(deliveredTo(n, env.ID), "kr-fm")
	})
	// kr acknowledges; us does not.
	if err := ackAs(n, "kr-fm", env); err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 10*time.Second, "escalation reaches the us deputy", func() bool {
		for _, e := range deputy.Escalations() {
			if e.Message == env.ID && e.Member == "us-fm" && e.Alternate == "us-fm-deputy" && e.Step == 1 {
				return true
			}
		}
		return false
	})
	sharetest.Eventually(t, 5*time.Second, "sender sees the escalation", func() bool {
		return slices.ContainsFunc(jp.Escalations(), func(e hotline.Escalation) bool { return e.Message == env.ID && e.Member == "us-fm" })
	})
	for _, e := range jp.Escalations() {
		if e.Member == "kr-fm" {
			t.Errorf("kr-fm acknowledged in time but was escalated: %+v", e)
		}
	}
	if err := deputy.Acknowledge(n.ctx, env.ID); err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 10*time.Second, "jp sees the deputy's acknowledgement for us-fm", func() bool {
		s, _ := n.x[nation.JP].Status(env.ID)
		return member(t, s, "us-fm").AcknowledgedBy == "us-fm-deputy"
	})
	// The escalation is in the audit logs of jp (sender's nation) and us
	// (the late member's), and not in kr's.
	n.mu.Lock()
	defer n.mu.Unlock()
	count := func(nat nation.Nation) int {
		c := 0
		for _, e := range n.audited[nat] {
			if e.Kind == audit.KindEscalation {
				c++
			}
		}
		return c
	}
	if count(nation.JP) == 0 || count(nation.US) == 0 || count(nation.KR) != 0 {
		t.Errorf("escalations audited: jp %d, us %d, kr %d", count(nation.JP), count(nation.US), count(nation.KR))
	}
}

// deliveredTo lists the members whose delivered receipt jp has for id.
func deliveredTo(n *net, id hotline.MessageID) []hotline.MemberID {
	s, _ := n.x[nation.JP].Status(id)
	var out []hotline.MemberID
	for _, ms := range append(s.Members, s.Others...) {
		if ms.State >= hotline.Delivered {
			out = append(out, ms.Member)
		}
	}
	return out
}

// ackAs signs and submits m's acknowledgement of env directly.
func ackAs(n *net, m hotline.MemberID, env *hotline.Envelope) error {
	mem, _ := n.world.Dir.Member(m)
	r, err := hotline.NewReceipt(n.world.Keys(n.t, m), n.world.Dir, env, hotline.Acknowledged, time.Now())
	if err != nil {
		return err
	}
	return n.x[mem.Nation].SubmitReceipt(n.ctx, r)
}

// A member whose terminal is offline during three messages gets all three,
// in order, when it returns.
func TestOfflineMemberGetsEverythingInOrder(t *testing.T) {
	n := newNet(t, hotline.Deadlines{})
	jp, _ := n.terminal("jp-ops", "")
	dir := t.TempDir()
	kr, stop := n.terminal("kr-ops", dir)
	first, err := jp.Send(n.ctx, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Routine, Body: []byte("before")})
	if err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 10*time.Second, "kr-ops online receives", func() bool { _, ok := kr.Has(first.ID); return ok })
	stop()
	var sent []string
	for i, body := range []string{"one", "two", "three"} {
		env, err := jp.Send(n.ctx, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Precedence(1 + i%4), Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, env.ID.String())
	}
	kr2, _ := n.terminal("kr-ops", dir)
	sharetest.Eventually(t, 10*time.Second, "kr-ops gets the three on return", func() bool {
		ms, err := kr2.Store().Messages("ops", 0, 100)
		return err == nil && len(ms) == 4
	})
	ms, _ := kr2.Store().Messages("ops", 0, 100)
	var got []string
	for _, m := range ms[1:] {
		got = append(got, m.ID)
	}
	if !slices.Equal(got, sent) || ms[0].ID != first.ID.String() {
		t.Errorf("order after return: %v, want %v after %s", got, sent, first.ID)
	}
}

// Bad input is refused with the reason and nothing is stored: a bad
// signature, a replayed id, a foreign sender, a stale message, an oversized
// or malformed wire form.
func TestSubmitRefusesBadInput(t *testing.T) {
	n := newNet(t, hotline.Deadlines{})
	x := n.x[nation.JP]
	seal := func(m hotline.MemberID, body string) *hotline.Envelope {
		env, err := hotline.Seal(n.world.Keys(t, m), n.world.Dir, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Routine, Body: []byte(body)}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	good := seal("jp-ops", "first")
	if err := x.SubmitEnvelope(n.ctx, good); err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 5*time.Second, "jp holds the good one", func() bool { _, ok := x.Envelope(good.ID); return ok })
	// Resubmitting the same envelope is idempotent.
	if err := x.SubmitEnvelope(n.ctx, good); err != nil {
		t.Errorf("resubmit: %v", err)
	}

	tampered := seal("jp-ops", "second")
	tampered.Body[0] ^= 1
	replay := seal("jp-ops", "third")
	replay.ID = good.ID // a new message under a used id: the signature no longer matches
	stale, err := hotline.Seal(n.world.Keys(t, "jp-ops"), n.world.Dir, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Routine, Body: []byte("old")}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	foreign := seal("kr-ops", "kr's own")
	for _, tc := range []struct {
		name string
		env  *hotline.Envelope
		want error
	}{
		{"tampered", tampered, hotline.ErrBadSignature},
		{"replayed id", replay, hotline.ErrBadSignature},
		{"stale", stale, exchange.ErrStale},
		{"foreign", foreign, exchange.ErrForeign},
	} {
		if err := x.SubmitEnvelope(n.ctx, tc.env); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A captured envelope replayed in its wire form is stored once.
	b, _ := good.Marshal()
	if _, err := x.Submit(n.ctx, b); err != nil {
		t.Errorf("replayed wire form: %v", err)
	}
	for _, tc := range []struct {
		name string
		wire []byte
		want error
	}{
		{"not json", []byte("hello"), hotline.ErrMalformed},
		{"oversized", append(append([]byte(`{"v":1,"body":"`), bytes.Repeat([]byte("A"), hotline.MaxEnvelopeSize)...), `"}`...), hotline.ErrTooLarge},
		{"unsigned", unsigned(t, seal("jp-ops", "unsigned")), hotline.ErrMalformed},
	} {
		if _, err := x.Submit(n.ctx, tc.wire); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	time.Sleep(300 * time.Millisecond)
	for _, nat := range nation.Nations {
		if got := len(n.x[nat].Envelopes(hotline.RoomOps)); got != 1 {
			t.Errorf("%s holds %d envelopes, want the 1 accepted", nat, got)
		}
	}
	if s := x.Stats(); s.Refused < 7 {
		t.Errorf("refused = %d, want ≥ 7", s.Refused)
	}
}

func unsigned(tb testing.TB, env *hotline.Envelope) []byte {
	env.Signature = nil
	b, err := env.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// A partner cannot inject: junk, a message signed by one of jp's members
// but released by kr, and a forged receipt, published straight onto kr's
// hotline subjects, are rejected by every nation and reach no terminal.
func TestInjectedTrafficRejected(t *testing.T) {
	n := newNet(t, hotline.Deadlines{})
	usOps, _ := n.terminal("us-ops", "")
	env, err := hotline.Seal(n.world.Keys(t, "jp-ops"), n.world.Dir, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("spoofed")}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wire, _ := env.Marshal()
	pub := share.NewPublisher(n.fed.JS[nation.KR], nation.KR)
	for i, data := range [][]byte{[]byte("{junk"), wire} {
		if _, err := pub.Publish(n.ctx, share.Msg{Subject: "shared.kr.hotline.ops", ID: "inject-" + string(rune('a'+i)), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	for _, nat := range nation.Nations {
		sharetest.Eventually(t, 10*time.Second, nat.String()+" rejects both", func() bool { return n.x[nat].Stats().Rejected == 2 })
		if got := n.x[nat].Stats().Envelopes; got != 0 {
			t.Errorf("%s took %d envelopes", nat, got)
		}
	}
	if _, ok := usOps.Has(env.ID); ok {
		t.Error("the injected message reached a terminal")
	}
}

// Neither the NATS servers' stores nor a partner's node hold anything but
// ciphertext: the plaintext of a message appears in no file of any nation's
// data directory, while it does in the recipient's local store.
func TestServersHoldOnlyCiphertext(t *testing.T) {
	n := newNet(t, hotline.Deadlines{})
	dir := t.TempDir()
	jp, _ := n.terminal("jp-dm", "")
	kr, stopKR := n.terminal("kr-dm", dir)
	n.terminal("us-dm", "")
	secret := "Operation BLUE HERON: 北緯40度 / 북위 40도"
	env, err := jp.Send(n.ctx, hotline.Message{Room: hotline.RoomDefenceMinisters, Precedence: hotline.Immediate, Body: []byte(secret),
		Attachments: []hotline.Attachment{{Name: "heron-plan.txt", MediaType: "text/plain", Data: []byte("HERON ATTACHMENT CONTENT")}}})
	if err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 10*time.Second, "kr-dm receives", func() bool { _, ok := kr.Has(env.ID); return ok })
	for _, nat := range nation.Nations {
		sharetest.Eventually(t, 10*time.Second, nat.String()+" holds the envelope", func() bool { _, ok := n.x[nat].Envelope(env.ID); return ok })
	}
	stopKR()
	needles := [][]byte{[]byte("BLUE HERON"), []byte("北緯40度"), []byte("heron-plan"), []byte("HERON ATTACHMENT")}
	found := func(root string) []string {
		var hits []string
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, nd := range needles {
				if bytes.Contains(b, nd) {
					hits = append(hits, p+": "+string(nd))
				}
			}
			return nil
		})
		return hits
	}
	for _, nat := range nation.Nations {
		st := n.fed.Spec.Spec(nat).Servers[0].StoreDir
		if hits := found(st); len(hits) > 0 {
			t.Errorf("%s's NATS store holds plaintext: %v", nat, hits)
		}
	}
	// The check can fail: the recipient's own store does hold it (the
	// database or its write-ahead log).
	if hits := found(dir); len(hits) == 0 {
		t.Error("the plaintext is not in the recipient's store either: the scan finds nothing")
	}
}
