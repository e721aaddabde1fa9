package hotline_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/hotlinetest"
	"github.com/trilink/trilink/internal/nation"
)

func mustReceipt(tb testing.TB, w *hotlinetest.World, by hotline.MemberID, env *hotline.Envelope, s hotline.ReceiptState, at time.Time) *hotline.Receipt {
	tb.Helper()
	r, err := hotline.NewReceipt(w.Keys(tb, by), w.Dir, env, s, at)
	if err != nil {
		tb.Fatalf("NewReceipt by %s: %v", by, err)
	}
	// Receipts travel too: decode and verify as a receiver does.
	b, err := r.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	got, err := hotline.DecodeReceipt(b)
	if err != nil {
		tb.Fatal(err)
	}
	if err := hotline.VerifyReceipt(got, w.Dir); err != nil {
		tb.Fatalf("VerifyReceipt: %v", err)
	}
	return got
}

func memberStatus(tb testing.TB, tr *hotline.Tracker, id hotline.MessageID, m hotline.MemberID) hotline.MemberStatus {
	tb.Helper()
	s, ok := tr.Status(id)
	if !ok {
		tb.Fatalf("message %s not tracked", id)
	}
	for _, ms := range append(s.Members, s.Others...) {
		if ms.Member == m {
			return ms
		}
	}
	tb.Fatalf("no status for %s", m)
	return hotline.MemberStatus{}
}

func TestFlashMissedDeadlineEscalatesToAlternate(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
	env := mustSeal(t, w, "jp-leader", hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Flash, Body: []byte("call me")})
	if err := tr.Sent(env); err != nil {
		t.Fatal(err)
	}
	// kr-leader acknowledges in time; us-leader's terminal only delivers.
	for _, r := range []*hotline.Receipt{
		mustReceipt(t, w, "kr-leader", env, hotline.Delivered, t0.Add(time.Second)),
		mustReceipt(t, w, "kr-leader", env, hotline.Acknowledged, t0.Add(30*time.Second)),
		mustReceipt(t, w, "us-leader", env, hotline.Delivered, t0.Add(2*time.Second)),
	} {
		if err := tr.Receipt(r, r.Time); err != nil {
			t.Fatal(err)
		}
	}
	if got := tr.Tick(t0.Add(59 * time.Second)); len(got) != 0 {
		t.Fatalf("Tick before the 1-min FLASH deadline = %+v, want none", got)
	}
	got := tr.Tick(t0.Add(time.Minute))
	want := []hotline.Escalation{{Message: env.ID, Kind: hotline.KindText, Room: hotline.RoomLeaders, Sender: "jp-leader",
		Precedence: hotline.Flash, Member: "us-leader", Nation: nation.US, Step: 1, Deadline: t0.Add(time.Minute), Alternate: "us-nsa"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Tick at the deadline =\n%+v\nwant\n%+v", got, want)
	}
	if got := tr.Tick(t0.Add(61 * time.Second)); len(got) != 0 {
		t.Errorf("the escalation was repeated: %+v", got)
	}
	// The alternate already holds the key: it opens the message and acknowledges.
	if _, err := hotline.Open(env, w.Keys(t, "us-nsa"), w.Dir); err != nil {
		t.Fatalf("the alternate cannot open the message: %v", err)
	}
	ack := mustReceipt(t, w, "us-nsa", env, hotline.Acknowledged, t0.Add(90*time.Second))
	if err := tr.Receipt(ack, ack.Time); err != nil {
		t.Fatal(err)
	}
	if got := tr.Tick(t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("escalation after the alternate acknowledged: %+v", got)
	}
	us := memberStatus(t, tr, env.ID, "us-leader")
	if us.AcknowledgedBy != "us-nsa" || us.State != hotline.Delivered || us.Escalations != 1 || !us.Done() {
		t.Errorf("us-leader status = %+v", us)
	}
	if kr := memberStatus(t, tr, env.ID, "kr-leader"); kr.AcknowledgedBy != "kr-leader" || kr.Escalations != 0 || !kr.Acknowledged.Equal(t0.Add(30*time.Second)) {
		t.Errorf("kr-leader status = %+v", kr)
	}
	if nsa := memberStatus(t, tr, env.ID, "us-nsa"); nsa.State != hotline.Acknowledged || nsa.AcknowledgedBy != "" {
		t.Errorf("us-nsa status = %+v", nsa)
	}
}

func TestEscalationWalksAlternatesThenExhausts(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	d := hotline.Deadlines{Immediate: 2 * time.Minute}
	tr := hotline.NewTracker(w.Dir, d)
	env := mustSeal(t, w, "kr-leader", hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Immediate, Body: []byte("x")})
	if err := tr.Sent(env); err != nil {
		t.Fatal(err)
	}
	// jp-leader has alternates nsa, ops: steps at 2, 4 and 6 min; then nothing.
	got := tr.Tick(t0.Add(7 * time.Minute))
	type step struct {
		member, alt hotline.MemberID
		n           int
		at          time.Duration
	}
	var have []step
	for _, e := range got {
		have = append(have, step{e.Member, e.Alternate, e.Step, e.Deadline.Sub(t0)})
	}
	want := []step{
		{"jp-leader", "jp-nsa", 1, 2 * time.Minute}, {"us-leader", "us-nsa", 1, 2 * time.Minute},
		{"jp-leader", "jp-ops", 2, 4 * time.Minute}, {"us-leader", "us-ops", 2, 4 * time.Minute},
		{"jp-leader", "", 3, 6 * time.Minute}, {"us-leader", "", 3, 6 * time.Minute},
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("escalations =\n%+v\nwant\n%+v", have, want)
	}
	if got := tr.Tick(t0.Add(24 * time.Hour)); len(got) != 0 {
		t.Errorf("escalation after exhaustion: %+v", got)
	}
	// A late acknowledgement is still recorded.
	ack := mustReceipt(t, w, "jp-leader", env, hotline.Acknowledged, t0.Add(8*time.Minute))
	if err := tr.Receipt(ack, ack.Time); err != nil {
		t.Fatal(err)
	}
	if s := memberStatus(t, tr, env.ID, "jp-leader"); s.AcknowledgedBy != "jp-leader" || s.Escalations != 3 {
		t.Errorf("jp-leader = %+v", s)
	}
}

// permutations calls f with every ordering of n items.
func permutations(n int, f func(order []int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			gen(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	gen(0)
}

func TestReceiptsInAnyOrder(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	env := mustSeal(t, w, "us-fm", hotline.Message{Room: hotline.RoomForeignMinisters, Precedence: hotline.Priority, Body: []byte("x")})
	receipts := []*hotline.Receipt{
		mustReceipt(t, w, "jp-fm", env, hotline.Delivered, t0.Add(1*time.Second)),
		mustReceipt(t, w, "jp-fm", env, hotline.Read, t0.Add(5*time.Second)),
		mustReceipt(t, w, "jp-fm", env, hotline.Acknowledged, t0.Add(9*time.Second)),
		mustReceipt(t, w, "kr-fm", env, hotline.Read, t0.Add(3*time.Second)),
		mustReceipt(t, w, "kr-fm-deputy", env, hotline.Acknowledged, t0.Add(4*time.Second)),
	}
	// Event len(receipts) is the message itself, which may come after its receipts.
	var first *hotline.Status
	n := 0
	permutations(len(receipts)+1, func(order []int) {
		n++
		tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
		for i, k := range order {
			var err error
			if k == len(receipts) {
				err = tr.Sent(env)
			} else {
				err = tr.Receipt(receipts[k], t0.Add(time.Duration(i)*time.Minute))
			}
			if err != nil {
				t.Fatalf("order %v: %v", order, err)
			}
		}
		s, ok := tr.Status(env.ID)
		if !ok {
			t.Fatalf("order %v: not tracked", order)
		}
		for i := range s.Members { // arrival-dependent
			s.Members[i].RoundTrip = 0
		}
		for i := range s.Others {
			s.Others[i].RoundTrip = 0
		}
		if first == nil {
			first = &s
			return
		}
		if !reflect.DeepEqual(s, *first) {
			t.Fatalf("order %v gives\n%+v\nwant\n%+v", order, s, *first)
		}
	})
	if n != 720 {
		t.Fatalf("%d orders tried, want 720", n)
	}
	jp := first.Members[0]
	if jp.Member != "jp-fm" || jp.State != hotline.Acknowledged || jp.AcknowledgedBy != "jp-fm" ||
		!jp.Delivered.Equal(t0.Add(time.Second)) || !jp.Read.Equal(t0.Add(5*time.Second)) || !jp.Acknowledged.Equal(t0.Add(9*time.Second)) {
		t.Errorf("jp-fm = %+v", jp)
	}
	kr := first.Members[1]
	if kr.Member != "kr-fm" || kr.State != hotline.Read || kr.AcknowledgedBy != "kr-fm-deputy" || !kr.Delivered.Equal(t0.Add(3*time.Second)) {
		t.Errorf("kr-fm = %+v (a read receipt implies delivery at its time; the deputy's ack counts)", kr)
	}
	if len(first.Members) != 2 || len(first.Others) != 1 || first.Others[0].Member != "kr-fm-deputy" {
		t.Errorf("members %+v, others %+v", first.Members, first.Others)
	}
}

// A member offline while three messages are sent comes back and its
// terminal sends the receipts late, newest first: all count, and the
// escalations that fell due meanwhile were raised once.
func TestOfflineMemberCatchesUp(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
	var envs []*hotline.Envelope
	for i := range 3 {
		env, err := hotline.Seal(w.Keys(t, "jp-ops"), w.Dir, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte{'a' + byte(i)}}, t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
		if err := tr.Sent(env); err != nil {
			t.Fatal(err)
		}
		ack := mustReceipt(t, w, "kr-ops", env, hotline.Acknowledged, env.Created.Add(10*time.Second))
		if err := tr.Receipt(ack, ack.Time); err != nil {
			t.Fatal(err)
		}
	}
	esc := tr.Tick(t0.Add(2 * time.Hour))
	if len(esc) != 3 {
		t.Fatalf("escalations while us-ops is away = %+v, want one per message", esc)
	}
	for i, e := range esc {
		if e.Member != "us-ops" || e.Alternate != "" || e.Message != envs[i].ID {
			t.Errorf("escalation %d = %+v", i, e)
		}
	}
	back := t0.Add(3 * time.Hour)
	for i := 2; i >= 0; i-- {
		for _, s := range []hotline.ReceiptState{hotline.Acknowledged, hotline.Delivered} {
			r := mustReceipt(t, w, "us-ops", envs[i], s, back.Add(time.Duration(i)*time.Second))
			if err := tr.Receipt(r, back); err != nil {
				t.Fatalf("late receipt for message %d: %v", i, err)
			}
		}
	}
	for i, env := range envs {
		if s := memberStatus(t, tr, env.ID, "us-ops"); s.AcknowledgedBy != "us-ops" || s.State != hotline.Acknowledged || s.Escalations != 1 {
			t.Errorf("message %d: us-ops = %+v", i, s)
		}
	}
	if got := tr.Tick(back.Add(time.Hour)); len(got) != 0 {
		t.Errorf("escalations after the return: %+v", got)
	}
}

func TestTrackerRefusesMismatchedReceipt(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
	env := mustSeal(t, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("x")})
	other := mustSeal(t, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("y")})
	if err := tr.Sent(env); err != nil {
		t.Fatal(err)
	}
	// A correctly signed receipt that names env's id but another envelope.
	r := mustReceipt(t, w, "kr-ops", other, hotline.Acknowledged, t0)
	r.Message = env.ID
	sig, _ := w.Keys(t, "kr-ops").Sign(r.Canonical())
	r.Signature = sig
	if err := hotline.VerifyReceipt(r, w.Dir); err != nil {
		t.Fatal(err)
	}
	if err := tr.Receipt(r, t0); !errors.Is(err, hotline.ErrMalformed) {
		t.Errorf("Receipt = %v, want ErrMalformed", err)
	}
	if s := memberStatus(t, tr, env.ID, "kr-ops"); s.State != hotline.ReceiptUnknown {
		t.Errorf("the mismatched receipt changed state: %+v", s)
	}
}

func TestVerifyReceiptRejects(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	env := mustSeal(t, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("x")})
	if _, err := hotline.NewReceipt(w.Keys(t, "kr-fm"), w.Dir, env, hotline.Read, t0); !errors.Is(err, hotline.ErrNotMember) {
		t.Errorf("NewReceipt by a non-reader = %v, want ErrNotMember", err)
	}
	good := mustReceipt(t, w, "kr-ops", env, hotline.Read, t0)
	for _, tt := range []struct {
		name string
		f    func(r *hotline.Receipt)
		want error
	}{
		{"state_raised", func(r *hotline.Receipt) { r.State = hotline.Acknowledged }, hotline.ErrBadSignature},
		{"time", func(r *hotline.Receipt) { r.Time = r.Time.Add(-time.Hour) }, hotline.ErrBadSignature},
		{"signature", func(r *hotline.Receipt) { r.Signature[0] ^= 1 }, hotline.ErrBadSignature},
		{"member_swapped", func(r *hotline.Receipt) { r.Member = "us-ops" }, hotline.ErrUnknownDevice},
		{"state_zero", func(r *hotline.Receipt) { r.State = hotline.ReceiptUnknown }, hotline.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := *good
			r.Signature = append([]byte(nil), good.Signature...)
			tt.f(&r)
			if err := hotline.VerifyReceipt(&r, w.Dir); !errors.Is(err, tt.want) {
				t.Errorf("VerifyReceipt = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLinkTestRoundTrip(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	tr := hotline.NewTracker(w.Dir, hotline.Deadlines{Priority: 5 * time.Minute})
	env := mustSeal(t, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Kind: hotline.KindLinkTest, Precedence: hotline.Priority,
		Body: []byte("The quick brown fox jumped over the lazy dog's back 1234567890")})
	if env.Kind != hotline.KindLinkTest {
		t.Fatalf("kind = %s", env.Kind)
	}
	if err := tr.Sent(env); err != nil {
		t.Fatal(err)
	}
	// kr's terminal answers automatically; the receipt reaches jp 120 ms after sending.
	r := mustReceipt(t, w, "kr-ops", env, hotline.Delivered, t0.Add(50*time.Millisecond))
	if err := tr.Receipt(r, t0.Add(120*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if s := memberStatus(t, tr, env.ID, "kr-ops"); s.RoundTrip != 120*time.Millisecond || !s.Done() {
		t.Errorf("kr-ops = %+v, want round trip 120ms and done", s)
	}
	if s := memberStatus(t, tr, env.ID, "us-ops"); s.RoundTrip != 0 || s.Done() {
		t.Errorf("us-ops = %+v, want no round trip yet", s)
	}
	got := tr.Tick(t0.Add(time.Hour))
	if len(got) != 1 || got[0].Member != "us-ops" || got[0].Kind != hotline.KindLinkTest || got[0].Alternate != "" || got[0].Step != 1 {
		t.Errorf("Tick = %+v, want one link-test alarm for us-ops", got)
	}
}

func TestThreeNationsSeeTheSameReceipts(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	env := mustSeal(t, w, "jp-leader", hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Flash, Body: []byte("x")})
	rs := []*hotline.Receipt{
		mustReceipt(t, w, "kr-leader", env, hotline.Delivered, t0.Add(1*time.Second)),
		mustReceipt(t, w, "us-leader", env, hotline.Delivered, t0.Add(1*time.Second)),
		mustReceipt(t, w, "kr-leader", env, hotline.Acknowledged, t0.Add(20*time.Second)),
		mustReceipt(t, w, "us-leader", env, hotline.Acknowledged, t0.Add(25*time.Second)),
	}
	var states []hotline.Status
	for i := range 3 { // each nation's node gets the traffic in a different order
		tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
		if err := tr.Sent(env); err != nil {
			t.Fatal(err)
		}
		for j := range rs {
			r := rs[(j+i)%len(rs)]
			if err := tr.Receipt(r, r.Time); err != nil {
				t.Fatal(err)
			}
		}
		if got := tr.Tick(t0.Add(time.Hour)); len(got) != 0 {
			t.Errorf("node %d escalated: %+v", i, got)
		}
		s, _ := tr.Status(env.ID)
		for k := range s.Members {
			s.Members[k].RoundTrip = 0
		}
		states = append(states, s)
	}
	for i := 1; i < 3; i++ {
		if !reflect.DeepEqual(states[i], states[0]) {
			t.Errorf("node %d sees %+v, node 0 sees %+v", i, states[i], states[0])
		}
	}
	for _, m := range states[0].Members {
		if m.State != hotline.Acknowledged {
			t.Errorf("%s: %s", m.Member, m.State)
		}
	}
}

func TestPrune(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
	env := mustSeal(t, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("x")})
	if err := tr.Sent(env); err != nil {
		t.Fatal(err)
	}
	if n := tr.Prune(t0); n != 0 {
		t.Errorf("Prune(t0) dropped %d", n)
	}
	if n := tr.Prune(t0.Add(time.Nanosecond)); n != 1 {
		t.Errorf("Prune after t0 dropped %d, want 1", n)
	}
	if _, ok := tr.Status(env.ID); ok {
		t.Error("pruned message still tracked")
	}
}

// TestCallEventAsksNoAcknowledgement: a call event (a member joined or
// left a call) is tracked for receipts but never escalates.
func TestCallEventAsksNoAcknowledgement(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
	env := mustSeal(t, w, "jp-leader", hotline.Message{Room: hotline.RoomLeaders, Kind: hotline.KindCall, Precedence: hotline.Flash, Body: []byte("joined the call")})
	if env.Kind != hotline.KindCall {
		t.Fatalf("kind %v", env.Kind)
	}
	if err := tr.Sent(env); err != nil {
		t.Fatal(err)
	}
	if got := tr.Tick(t0.Add(24 * time.Hour)); len(got) != 0 {
		t.Errorf("a call event escalated: %+v", got)
	}
	if s, ok := tr.Status(env.ID); !ok || len(s.Members) != 0 {
		t.Errorf("status %+v %v, want tracked with no addressee", s, ok)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := hotline.DecodeEnvelope(b)
	if err != nil || got.Kind != hotline.KindCall {
		t.Errorf("decode: kind %v, %v", got.Kind, err)
	}
}
