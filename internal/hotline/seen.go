package hotline

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// Seen is a bounded set of message ids, for replay protection: Add refuses
// an id it holds. When full, it forgets the entry with the oldest creation
// time and from then on refuses every message created at or before that time
// (the floor), so that a forgotten id cannot be replayed either.
//
// Choose the capacity above the number of messages a device can receive
// while it is offline and JetStream keeps redelivering, or old messages
// delivered late will be refused as replays. Call Add only for envelopes
// that verified: an unverified id could be used to push real ones out.
//
// The caller persists it (MarshalBinary, UnmarshalBinary). A Seen is safe
// for concurrent use.
type Seen struct {
	mu    sync.Mutex // guards the fields below
	limit int
	ids   map[MessageID]bool
	order seenHeap // by creation time, oldest first
	floor time.Time
}

// NewSeen returns an empty set that holds up to capacity ids (at least 1).
func NewSeen(capacity int) *Seen {
	return &Seen{limit: max(capacity, 1), ids: map[MessageID]bool{}}
}

// Add records id of a message created at created. It returns an error
// wrapping ErrReplay if id is already held, or created is not after the
// floor.
func (s *Seen) Add(id MessageID, created time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[id] {
		return fmt.Errorf("%w: message %s already seen", ErrReplay, id)
	}
	if !s.floor.IsZero() && !created.After(s.floor) {
		return fmt.Errorf("%w: message %s created %s, at or before the replay window's start %s",
			ErrReplay, id, created.UTC().Format(time.RFC3339Nano), s.floor.UTC().Format(time.RFC3339Nano))
	}
	s.ids[id] = true
	heap.Push(&s.order, seenItem{id: id, created: created})
	for len(s.order) > s.limit {
		old := heap.Pop(&s.order).(seenItem)
		delete(s.ids, old.id)
		if old.created.After(s.floor) {
			s.floor = old.created
		}
	}
	return nil
}

// Contains reports whether id is held.
func (s *Seen) Contains(id MessageID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}

// Len returns the number of ids held.
func (s *Seen) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

const seenMagic = "trilink-seen-v1\n"

// MarshalBinary encodes the set: a version line, the capacity, the floor and
// the (id, creation time) pairs.
func (s *Seen) MarshalBinary() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 0, len(seenMagic)+16+24*len(s.order))
	b = append(b, seenMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(s.limit))
	b = binary.BigEndian.AppendUint64(b, uint64(timeNanos(s.floor)))
	for _, it := range s.order {
		b = append(b, it.id[:]...)
		b = binary.BigEndian.AppendUint64(b, uint64(timeNanos(it.created)))
	}
	return b, nil
}

// UnmarshalBinary replaces the set with the one encoded in b.
func (s *Seen) UnmarshalBinary(b []byte) error {
	if len(b) < len(seenMagic)+16 || string(b[:len(seenMagic)]) != seenMagic || (len(b)-len(seenMagic)-16)%24 != 0 {
		return fmt.Errorf("%w: seen-set encoding", ErrMalformed)
	}
	b = b[len(seenMagic):]
	limit := binary.BigEndian.Uint64(b)
	if limit == 0 || limit > 1<<32 {
		return fmt.Errorf("%w: seen-set capacity %d", ErrMalformed, limit)
	}
	if uint64(len(b)-16)/24 > limit {
		return fmt.Errorf("%w: seen-set holds more ids than its capacity %d", ErrMalformed, limit)
	}
	n := &Seen{limit: int(limit), ids: map[MessageID]bool{}, floor: nanosTime(int64(binary.BigEndian.Uint64(b[8:])))}
	for b = b[16:]; len(b) > 0; b = b[24:] {
		var id MessageID
		copy(id[:], b)
		if n.ids[id] {
			return fmt.Errorf("%w: seen-set: id %s repeated", ErrMalformed, id)
		}
		n.ids[id] = true
		n.order = append(n.order, seenItem{id: id, created: nanosTime(int64(binary.BigEndian.Uint64(b[16:])))})
	}
	heap.Init(&n.order)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit, s.ids, s.order, s.floor = n.limit, n.ids, n.order, n.floor
	return nil
}

func timeNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func nanosTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

type seenItem struct {
	id      MessageID
	created time.Time
}

type seenHeap []seenItem

func (h seenHeap) Len() int { return len(h) }
func (h seenHeap) Less(i, j int) bool {
	if !h[i].created.Equal(h[j].created) {
		return h[i].created.Before(h[j].created)
	}
	return string(h[i].id[:]) < string(h[j].id[:])
}
func (h seenHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *seenHeap) Push(x any)   { *h = append(*h, x.(seenItem)) }
func (h *seenHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
