package hotline

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// maxPending bounds the receipts a Tracker holds for messages it has not
// seen yet; beyond it the oldest are dropped.
const maxPending = 4096

// Tracker follows sent messages and their receipts and decides escalations.
// It is a pure state machine: it does no I/O, and time comes in as
// arguments, so the same inputs give the same outputs on every node.
//
// Each message's addressees are its room's members other than the sender.
// An addressee must acknowledge within the precedence's deadline (counted
// from the message's signed creation time). If it does not, Tick escalates:
// step 1 at the deadline to the addressee's first alternate, step 2 one
// deadline later to the second, and so on; the step after the last alternate
// has no alternate (all exhausted: call by voice). An acknowledgement by the
// addressee or by any of its alternates stops the escalation. A link test is
// answered by any receipt from the addressee itself; a missed one yields one
// step-1 escalation with no alternate: an alarm, not a person to wake.
//
// Receipts are accepted in any order, as often as they are redelivered, and
// before their message (they are held until Sent). States only go up.
//
// Envelopes and receipts must have been verified (Verify, VerifyReceipt)
// before they are given to a Tracker. A Tracker is safe for concurrent use.
type Tracker struct {
	dir       *Directory
	deadlines Deadlines

	mu      sync.Mutex // guards msgs and pending
	msgs    map[MessageID]*tracked
	pending []pendingReceipt // receipts whose message is not tracked yet, oldest first
}

type pendingReceipt struct {
	r   *Receipt
	now time.Time
}

type tracked struct {
	id         MessageID
	digest     Digest
	kind       Kind
	room       RoomID
	sender     MemberID
	prec       Precedence
	created    time.Time
	period     time.Duration
	addressees []MemberID // sorted
	states     map[MemberID]*memberState
}

type memberState struct {
	state   ReceiptState
	at      [Acknowledged + 1]time.Time // receipt time per state, by the device's clock
	arrived time.Time                   // first receipt's arrival, by the tracker's clock
	ackBy   MemberID                    // addressees: who acknowledged on its behalf
	steps   int                         // addressees: escalation steps issued
}

// NewTracker returns a Tracker that resolves members and alternates in dir
// and uses deadlines d.
func NewTracker(dir *Directory, d Deadlines) *Tracker {
	return &Tracker{dir: dir, deadlines: d, msgs: map[MessageID]*tracked{}}
}

// Sent starts tracking env; its deadlines count from env.Created. Tracking
// the same message again does nothing. Receipts already received for it are
// applied.
func (t *Tracker) Sent(env *Envelope) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.msgs[env.ID] != nil {
		return nil
	}
	room := t.dir.rooms[env.Room]
	if room == nil {
		return fmt.Errorf("track %s: room %q: %w", env.ID, env.Room, ErrUnknownRoom)
	}
	m := &tracked{
		id: env.ID, digest: env.Digest(), kind: env.Kind, room: env.Room, sender: env.Sender,
		prec: env.Precedence, created: env.Created, period: t.deadlines.For(env.Precedence),
		states: map[MemberID]*memberState{},
	}
	for _, a := range room.Members {
		if a != env.Sender && env.Kind != KindCall { // a call event asks for no acknowledgement
			m.addressees = append(m.addressees, a)
			m.states[a] = &memberState{}
		}
	}
	t.msgs[env.ID] = m
	keep := t.pending[:0]
	var errs []string
	for _, p := range t.pending {
		if p.r.Message != env.ID {
			keep = append(keep, p)
			continue
		}
		if err := t.apply(m, p.r, p.now); err != nil {
			errs = append(errs, err.Error())
		}
	}
	clear(t.pending[len(keep):])
	t.pending = keep
	if errs != nil {
		return fmt.Errorf("track %s: held receipts: %s", env.ID, strings.Join(errs, "; "))
	}
	return nil
}

// Receipt applies r, which arrived at now. A receipt for an untracked
// message is held until Sent. It fails if r names a different envelope or
// room than the tracked message with its id (ErrMalformed).
func (t *Tracker) Receipt(r *Receipt, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.msgs[r.Message]
	if m == nil {
		if len(t.pending) == maxPending {
			clear(t.pending[:1])
			t.pending = t.pending[1:]
		}
		t.pending = append(t.pending, pendingReceipt{r: r, now: now})
		return nil
	}
	return t.apply(m, r, now)
}

func (t *Tracker) apply(m *tracked, r *Receipt, now time.Time) error {
	if r.Envelope != m.digest || r.Room != m.room {
		return fmt.Errorf("receipt from %q for %s: %w: it names envelope %s in room %q, the message is %s in %q",
			r.Member, m.id, ErrMalformed, r.Envelope, r.Room, m.digest, m.room)
	}
	st := m.states[r.Member]
	if st == nil {
		st = &memberState{}
		m.states[r.Member] = st
	}
	st.state = max(st.state, r.State)
	for s := Delivered; s <= r.State; s++ { // a state implies the ones below it
		if st.at[s].IsZero() || r.Time.Before(st.at[s]) {
			st.at[s] = r.Time
		}
	}
	if st.arrived.IsZero() || now.Before(st.arrived) {
		st.arrived = now
	}
	if m.kind == KindLinkTest { // a machine receipt of any state answers a link test
		if _, ok := slices.BinarySearch(m.addressees, r.Member); ok && st.ackBy == "" {
			st.ackBy = r.Member
		}
	} else if r.State == Acknowledged {
		for _, a := range m.addressees {
			as := m.states[a]
			if as.ackBy == "" && (a == r.Member || slices.Contains(t.dir.members[a].Alternates, r.Member)) {
				as.ackBy = r.Member
			}
		}
	}
	return nil
}

// Escalation is one missed acknowledgement deadline: show it to the sender,
// and deliver the message to Alternate (it is already encrypted to them).
type Escalation struct {
	Message    MessageID
	Kind       Kind
	Room       RoomID
	Sender     MemberID // to be shown the escalation
	Precedence Precedence
	Member     MemberID      // the addressee who has not acknowledged
	Nation     nation.Nation // the addressee's nation
	Step       int           // 1 at the first missed deadline, 2 at the next, …
	Deadline   time.Time     // the deadline missed: Created + Step × the precedence's deadline
	// Alternate is who is to act now; "" when no alternate is left (or for a
	// missed link test).
	Alternate MemberID
}

// Tick returns the escalations due at now that have not been returned
// before, ordered by deadline, then message id, member and step. If Tick was
// not called for a while, every step missed meanwhile is returned.
func (t *Tracker) Tick(now time.Time) []Escalation {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Escalation
	for _, m := range t.msgs {
		for _, a := range m.addressees {
			st := m.states[a]
			if st.ackBy != "" {
				continue
			}
			mem := t.dir.members[a]
			last := len(mem.Alternates) + 1
			if m.kind == KindLinkTest {
				last = 1
			}
			for st.steps < last {
				due := m.created.Add(time.Duration(st.steps+1) * m.period)
				if now.Before(due) {
					break
				}
				st.steps++
				e := Escalation{Message: m.id, Kind: m.kind, Room: m.room, Sender: m.sender, Precedence: m.prec,
					Member: a, Nation: mem.Nation, Step: st.steps, Deadline: due}
				if m.kind == KindText && st.steps <= len(mem.Alternates) {
					e.Alternate = mem.Alternates[st.steps-1]
				}
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, func(a, b Escalation) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), strings.Compare(string(a.Message[:]), string(b.Message[:])),
			strings.Compare(string(a.Member), string(b.Member)), cmp.Compare(a.Step, b.Step))
	})
	return out
}

// Status is the state of one message.
type Status struct {
	Message    MessageID
	Kind       Kind
	Room       RoomID
	Sender     MemberID
	Precedence Precedence
	Created    time.Time
	Deadline   time.Time // the first acknowledgement deadline
	// Members are the addressees, sorted by id.
	Members []MemberStatus
	// Others are the other readers that sent receipts (alternates, the
	// sender's own member), sorted by id.
	Others []MemberStatus
}

// MemberStatus is the state of a message with one member.
type MemberStatus struct {
	Member MemberID
	// State is the member's own highest receipt state.
	State ReceiptState
	// Delivered, Read and Acknowledged are the receipt times (by the
	// member's device clock) of each state, zero until reached.
	Delivered, Read, Acknowledged time.Time
	// AcknowledgedBy is the member itself or the alternate whose
	// acknowledgement stands for it; "" while unacknowledged. Always "" in
	// Status.Others.
	AcknowledgedBy MemberID
	// Escalations is the number of escalation steps taken.
	Escalations int
	// RoundTrip is the time from the message's creation to the arrival of
	// the member's first receipt at this tracker; 0 before one. Meaningful
	// for link tests tracked on the sender's node, where both times are by
	// the same clock.
	RoundTrip time.Duration
}

// Done reports whether the member's acknowledgement obligation is met.
func (s MemberStatus) Done() bool { return s.AcknowledgedBy != "" }

// Status returns the state of message id, and whether it is tracked.
func (t *Tracker) Status(id MessageID) (Status, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.msgs[id]
	if m == nil {
		return Status{}, false
	}
	s := Status{Message: m.id, Kind: m.kind, Room: m.room, Sender: m.sender, Precedence: m.prec,
		Created: m.created, Deadline: m.created.Add(m.period)}
	for id, st := range m.states {
		ms := MemberStatus{Member: id, State: st.state, Delivered: st.at[Delivered], Read: st.at[Read],
			Acknowledged: st.at[Acknowledged], AcknowledgedBy: st.ackBy, Escalations: st.steps}
		if !st.arrived.IsZero() {
			ms.RoundTrip = st.arrived.Sub(m.created)
		}
		if _, ok := slices.BinarySearch(m.addressees, id); ok {
			s.Members = append(s.Members, ms)
		} else {
			s.Others = append(s.Others, ms)
		}
	}
	byID := func(a, b MemberStatus) int { return strings.Compare(string(a.Member), string(b.Member)) }
	slices.SortFunc(s.Members, byID)
	slices.SortFunc(s.Others, byID)
	return s, true
}

// Prune stops tracking messages created before before, acknowledged or not,
// and returns how many it dropped. Receipts that arrive for them later are
// held as for unknown messages.
func (t *Tracker) Prune(before time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for id, m := range t.msgs {
		if m.created.Before(before) {
			delete(t.msgs, id)
			n++
		}
	}
	return n
}
