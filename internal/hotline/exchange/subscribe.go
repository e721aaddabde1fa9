package exchange

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"

	"github.com/trilink/trilink/internal/hotline"
)

// Subscription is one device's view of the transcript: the envelopes
// encrypted to it, the receipts of messages its member sent, and the
// escalations that concern its member (as sender, late member or
// alternate), in transcript order.
type Subscription struct {
	x      *Exchange
	dev    hotline.DeviceID
	notify chan struct{}

	mu     sync.Mutex
	queue  []uint64
	closed bool
}

// Subscribe returns device dev's subscription, starting with the items after
// seq (0: the whole transcript). A device that was offline passes the
// sequence of the last item it processed, if the exchange's Epoch has not
// changed, and gets what it missed in order before anything new.
func (x *Exchange) Subscribe(dev hotline.DeviceID, after uint64) (*Subscription, error) {
	_, member, ok := x.cfg.Directory.Device(dev)
	if !ok {
		return nil, fmt.Errorf("exchange: subscribe: %w: %q", hotline.ErrUnknownDevice, dev)
	}
	mem, _ := x.cfg.Directory.Member(member)
	s := &Subscription{x: x, dev: dev, notify: make(chan struct{}, 1)}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := after; i < uint64(len(x.items)); i++ {
		if x.concerns(&x.items[i], dev, mem.ID) {
			s.queue = append(s.queue, x.items[i].Seq)
		}
	}
	if len(s.queue) > 0 {
		s.notify <- struct{}{}
	}
	x.subs[dev] = append(x.subs[dev], s)
	return s, nil
}

// concerns reports whether it belongs in the view of device dev of member
// m; x.mu is held.
func (x *Exchange) concerns(it *Item, dev hotline.DeviceID, m hotline.MemberID) bool {
	switch it.Kind {
	case ItemEnvelope:
		_, ok := slices.BinarySearchFunc(it.Envelope.Recipients, dev, func(r hotline.Recipient, d hotline.DeviceID) int {
			return cmpString(string(r.Device), string(d))
		})
		return ok
	case ItemReceipt:
		i, ok := x.byID[it.Receipt.Message]
		return ok && x.items[i].Envelope.Sender == m
	case ItemEscalation:
		e := it.Escalation
		return e.Sender == m || e.Member == m || e.Alternate == m
	}
	return false
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// push queues item seq; x.mu is held.
func (s *Subscription) push(seq uint64) {
	s.mu.Lock()
	if !s.closed {
		s.queue = append(s.queue, seq)
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Next returns the subscription's next item, waiting for one until ctx
// ends.
func (s *Subscription) Next(ctx context.Context) (Item, error) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			seq := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			s.x.mu.Lock()
			it := s.x.items[seq-1]
			s.x.mu.Unlock()
			return it, nil
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return Item{}, fmt.Errorf("exchange: subscription of %s closed", s.dev)
		}
		select {
		case <-ctx.Done():
			return Item{}, ctx.Err()
		case <-s.notify:
		}
	}
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.x.mu.Lock()
	s.x.subs[s.dev] = slices.DeleteFunc(s.x.subs[s.dev], func(o *Subscription) bool { return o == s })
	if len(s.x.subs[s.dev]) == 0 {
		delete(s.x.subs, s.dev)
	}
	s.x.mu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// escalationDigest names an escalation in the audit log.
func escalationDigest(e *hotline.Escalation) [sha256.Size]byte {
	return sha256.Sum256(fmt.Appendf(nil, "trilink escalation v1\x00%s\x00%s\x00%s\x00%d\x00%s\x00%d",
		e.Message, e.Room, e.Member, e.Step, e.Alternate, e.Deadline.UnixNano()))
}
