package share

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Any message a partner or a local client can publish goes through
// newDelivery and the merger: nothing in its subject or headers may crash
// the receiver, and a message it does deliver is never delivered twice.
func FuzzReceiverInput(f *testing.F) {
	f.Add("shared.jp.meas.s1", "jp/abc", "1", "JP_REL 5 > >", "jp:x", []byte("d"))
	f.Add("shared.kr.alert.a.warn", "", "18446744073709551615", "", "", []byte{})
	f.Add("shared", "p", "-1", "x", "", []byte("\x00"))
	f.Fuzz(func(t *testing.T, subject, pub, seq, src, id string, data []byte) {
		m := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
		m.Header.Set(HeaderPub, pub)
		m.Header.Set(HeaderSeq, seq)
		m.Header.Set("Nats-Stream-Source", src)
		m.Header.Set("Nats-Msg-Id", id)
		g := newMerger(time.Second)
		now := time.Unix(0, 0)
		delivered, dups := 0, 0
		paths := []Path{PathFast, PathDurable, PathFast}
		for _, path := range paths {
			out, dup := g.offer(newDelivery(m, path, now))
			delivered += len(out)
			dups += len(dup)
		}
		delivered += len(g.expire(now.Add(time.Hour)))
		if delivered > 1 {
			t.Fatalf("one message delivered %d times", delivered)
		}
		// Every copy is accounted for: delivered, dropped as a duplicate or still held.
		if delivered+dups+g.heldCount() != len(paths) {
			t.Fatalf("copies: %d delivered + %d duplicates + %d held, want %d", delivered, dups, g.heldCount(), len(paths))
		}
	})
}
