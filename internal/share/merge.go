package share

import (
	"crypto/sha256"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Path says how a message reached a receiver.
type Path int

const (
	PathUnknown Path = iota
	// PathFast is the core-NATS import: sub-millisecond, but blind to
	// anything sent while a link was down.
	PathFast
	// PathDurable is the PICTURE stream, sourced by JetStream: nothing lost,
	// each origin in order, but tens of seconds late after an outage.
	PathDurable
)

func (p Path) String() string {
	switch p {
	case PathFast:
		return "fast"
	case PathDurable:
		return "durable"
	}
	return "unknown"
}

// Delivery is one released message handed to a receiver's handler, once.
type Delivery struct {
	Subject string
	Origin  Nation
	MsgID   string // Nats-Msg-Id, "<origin>:<id>"; may be empty for foreign publishers
	Data    []byte
	Header  nats.Header
	Path    Path
	// Pub and Seq are the publisher instance and its sequence on Subject
	// (HeaderPub, HeaderSeq); empty and zero for messages from other publishers.
	Pub string
	Seq uint64
	// OriginSeq is the message's sequence in its origin's release stream,
	// known on the durable path only.
	OriginSeq uint64
	// Late is set when the message arrives after the receiver gave up
	// waiting for it and delivered its successors (see ReceiverConfig.MaxHold).
	Late bool

	ack func() // acknowledges the durable copy; nil on the fast path
	at  time.Time
}

// newDelivery builds a Delivery from a NATS message.
func newDelivery(m *nats.Msg, path Path, now time.Time) Delivery {
	d := Delivery{Subject: m.Subject, Data: m.Data, Header: m.Header, Path: path, at: now}
	if o, ok := originOf(m.Subject); ok {
		d.Origin = o
	}
	if m.Header != nil {
		d.MsgID = m.Header.Get(jetstream.MsgIDHeader)
		d.Pub = m.Header.Get(HeaderPub)
		// A sequence that does not parse, or the largest one (next++ would
		// wrap to "unknown"), makes the message unsequenced.
		if seq, err := strconv.ParseUint(m.Header.Get(HeaderSeq), 10, 64); err == nil && seq < math.MaxUint64 {
			d.Seq = seq
		}
		if src := m.Header.Get("Nats-Stream-Source"); src != "" {
			if f := strings.Fields(src); len(f) >= 2 {
				d.OriginSeq, _ = strconv.ParseUint(f[1], 10, 64)
			}
		}
	}
	if d.Seq == 0 {
		d.Pub = ""
	}
	return d
}

// merger merges the fast and the durable path into one sequence per
// publisher and subject: each message once, in the publisher's order. A message that
// arrives ahead of a gap is held until the gap is filled (from either path)
// or until maxHold has passed; then its successors go out and the missing
// ones, should they come, are delivered marked Late. It is not safe for
// concurrent use; the receiver's loop owns it.
type merger struct {
	maxHold time.Duration
	pubs    map[string]*pubState
	seen    *fifoSet // dedup of messages without a publisher sequence
}

type pubState struct {
	next    uint64 // next sequence to deliver; 0 until known
	held    map[uint64]Delivery
	missing []seqRange // skipped after maxHold, still welcome (Late)
}

type seqRange struct{ lo, hi uint64 }

func newMerger(maxHold time.Duration) *merger {
	return &merger{maxHold: maxHold, pubs: map[string]*pubState{}, seen: newFIFOSet(1 << 17)}
}

// offer takes one arriving message and returns what may be delivered now,
// in order, and the copies found to be duplicates (the arriving one, or a
// held one it replaces). Durable duplicates must still be acknowledged.
func (g *merger) offer(d Delivery) (out, dups []Delivery) {
	if d.Pub == "" {
		key := d.MsgID
		if key == "" {
			h := sha256.Sum256(append([]byte(d.Subject+"\x00"), d.Data...))
			key = string(h[:])
		}
		if !g.seen.add(key) {
			return nil, []Delivery{d}
		}
		return []Delivery{d}, nil
	}
	key := d.Pub + " " + d.Subject
	st := g.pubs[key]
	if st == nil {
		st = &pubState{held: map[uint64]Delivery{}}
		g.pubs[key] = st
	}
	if st.next == 0 {
		// The durable path is authoritative about where a publisher's
		// history starts; sequence 1 is its first message by definition.
		if d.Path != PathDurable && d.Seq != 1 {
			return nil, st.hold(d)
		}
		st.next = d.Seq
		dups = st.dropBelowNext()
	}
	switch {
	case d.Seq < st.next:
		if st.takeMissing(d.Seq) {
			d.Late = true
			return []Delivery{d}, dups
		}
		return nil, append(dups, d)
	case d.Seq == st.next:
		if h, ok := st.held[d.Seq]; ok {
			// A copy is already held (seen before the base was known):
			// deliver the durable one of the two, so that it is acknowledged.
			delete(st.held, d.Seq)
			if h.Path == PathDurable && d.Path != PathDurable {
				d, h = h, d
			}
			dups = append(dups, h)
		}
		out = append(out, d)
		st.next++
		return st.drain(out), dups
	default:
		return nil, append(dups, st.hold(d)...)
	}
}

// hold keeps d until its predecessors arrive; it returns d, or the copy it
// replaces, if that sequence was already held.
func (st *pubState) hold(d Delivery) []Delivery {
	h, ok := st.held[d.Seq]
	if !ok {
		st.held[d.Seq] = d
		return nil
	}
	// Keep the durable copy: its acknowledgement is due on release.
	if d.Path == PathDurable && h.Path != PathDurable {
		d.at = h.at
		st.held[d.Seq] = d
		return []Delivery{h}
	}
	return []Delivery{d}
}

// dropBelowNext removes held messages older than next: they were delivered
// before (by an earlier run of this receiver) and are duplicates now.
func (st *pubState) dropBelowNext() []Delivery {
	var dups []Delivery
	for s, h := range st.held {
		if s < st.next {
			delete(st.held, s)
			dups = append(dups, h)
		}
	}
	return dups
}

// drain appends the held messages that are now in order.
func (st *pubState) drain(out []Delivery) []Delivery {
	for {
		h, ok := st.held[st.next]
		if !ok {
			return out
		}
		delete(st.held, st.next)
		out = append(out, h)
		st.next++
	}
}

func (st *pubState) takeMissing(seq uint64) bool {
	for i, r := range st.missing {
		if seq < r.lo || seq > r.hi {
			continue
		}
		switch {
		case r.lo == r.hi:
			st.missing = append(st.missing[:i], st.missing[i+1:]...)
		case seq == r.lo:
			st.missing[i].lo++
		case seq == r.hi:
			st.missing[i].hi--
		default:
			st.missing = append(st.missing[:i+1], st.missing[i:]...)
			st.missing[i].hi = seq - 1
			st.missing[i+1].lo = seq + 1
		}
		return true
	}
	return false
}

// expire releases, for every publisher whose oldest held message has waited
// longer than maxHold, the held messages from the lowest one on, recording
// the skipped sequences as missing.
func (g *merger) expire(now time.Time) []Delivery {
	var out []Delivery
	for _, st := range g.pubs {
		if len(st.held) == 0 {
			continue
		}
		lowest, oldest := uint64(0), now
		for s, h := range st.held {
			if lowest == 0 || s < lowest {
				lowest = s
			}
			if h.at.Before(oldest) {
				oldest = h.at
			}
		}
		if now.Sub(oldest) < g.maxHold {
			continue
		}
		if st.next != 0 && lowest < st.next {
			panic("share: merger holds a message below its next sequence") // offer never leaves one
		}
		base := st.next
		if base == 0 {
			// No message of this publisher was delivered yet, and the
			// durable path, which would say where its history starts, has
			// not spoken within maxHold (a loaded or just started node):
			// what comes before the lowest held is still welcome, from 1.
			base = 1
		}
		if lowest > base {
			st.missing = append(st.missing, seqRange{base, lowest - 1})
			if len(st.missing) > 1024 { // bounded: the oldest gaps are given up
				st.missing = st.missing[len(st.missing)-1024:]
			}
		}
		st.next = lowest
		out = st.drain(out)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// heldCount returns how many messages wait for a gap to fill.
func (g *merger) heldCount() int {
	n := 0
	for _, st := range g.pubs {
		n += len(st.held)
	}
	return n
}

// fifoSet is a set of bounded size that forgets its oldest members.
type fifoSet struct {
	m    map[string]struct{}
	ring []string
	pos  int
}

func newFIFOSet(size int) *fifoSet {
	return &fifoSet{m: make(map[string]struct{}, size), ring: make([]string, size)}
}

// add inserts k and reports whether it was new.
func (s *fifoSet) add(k string) bool {
	if _, ok := s.m[k]; ok {
		return false
	}
	if old := s.ring[s.pos]; old != "" {
		delete(s.m, old)
	}
	s.ring[s.pos] = k
	s.pos = (s.pos + 1) % len(s.ring)
	s.m[k] = struct{}{}
	return true
}
