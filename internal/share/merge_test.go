package share

import (
	"math/rand/v2"
	"testing"
	"time"
)

func dlv(pub string, seq uint64, path Path, at time.Time) Delivery {
	return Delivery{Subject: "shared.jp.meas.s1", Pub: pub, Seq: seq, Path: path, MsgID: "jp:" + string(rune('a'+seq)), at: at}
}

func seqsOf(ds []Delivery) []uint64 {
	var out []uint64
	for _, d := range ds {
		out = append(out, d.Seq)
	}
	return out
}

func TestMergerOrdersAndDedups(t *testing.T) {
	t0 := time.Unix(0, 0)
	for _, tt := range []struct {
		name string
		in   []Delivery
		want []uint64
		dups int
	}{
		{"in_order_fast", []Delivery{dlv("p", 1, PathFast, t0), dlv("p", 2, PathFast, t0)}, []uint64{1, 2}, 0},
		{"fast_then_durable_copies", []Delivery{dlv("p", 1, PathFast, t0), dlv("p", 1, PathDurable, t0), dlv("p", 2, PathDurable, t0), dlv("p", 2, PathFast, t0)}, []uint64{1, 2}, 2},
		{"gap_filled_by_durable", []Delivery{dlv("p", 1, PathFast, t0), dlv("p", 3, PathFast, t0), dlv("p", 4, PathFast, t0), dlv("p", 2, PathDurable, t0), dlv("p", 3, PathDurable, t0)}, []uint64{1, 2, 3, 4}, 1},
		{"unknown_publisher_waits_for_durable", []Delivery{dlv("p", 5, PathFast, t0), dlv("p", 4, PathDurable, t0)}, []uint64{4, 5}, 0},
		{"durable_base_drops_older_held", []Delivery{dlv("p", 3, PathFast, t0), dlv("p", 5, PathDurable, t0), dlv("p", 6, PathFast, t0)}, []uint64{5, 6}, 1},
		{"held_copy_of_base_is_a_duplicate", []Delivery{dlv("p", 2, PathFast, t0), dlv("p", 2, PathDurable, t0), dlv("p", 3, PathFast, t0)}, []uint64{2, 3}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newMerger(time.Minute)
			var got []Delivery
			dups := 0
			for _, d := range tt.in {
				out, dup := g.offer(d)
				got = append(got, out...)
				dups += len(dup)
			}
			if s := seqsOf(got); !equal(s, tt.want) || dups != tt.dups {
				t.Errorf("got %v with %d duplicates, want %v with %d", s, dups, tt.want, tt.dups)
			}
		})
	}
}

func TestMergerReleasesAfterMaxHoldAndMarksLate(t *testing.T) {
	t0 := time.Unix(100, 0)
	g := newMerger(time.Second)
	out, _ := g.offer(dlv("p", 1, PathFast, t0))
	if len(out) != 1 {
		t.Fatal("first message not delivered")
	}
	if out, _ := g.offer(dlv("p", 3, PathFast, t0)); len(out) != 0 {
		t.Fatal("message behind a gap delivered at once")
	}
	if out := g.expire(t0.Add(500 * time.Millisecond)); len(out) != 0 {
		t.Fatal("released before MaxHold")
	}
	if out := g.expire(t0.Add(2 * time.Second)); !equal(seqsOf(out), []uint64{3}) {
		t.Fatalf("after MaxHold: %v, want [3]", seqsOf(out))
	}
	out, dup := g.offer(dlv("p", 2, PathDurable, t0.Add(3*time.Second)))
	if len(dup) != 0 || len(out) != 1 || !out[0].Late {
		t.Fatalf("gap message after release: %+v dup=%v, want it delivered once, Late", out, dup)
	}
	if _, dup := g.offer(dlv("p", 2, PathFast, t0)); len(dup) != 1 {
		t.Fatal("second copy of the late message not a duplicate")
	}
}

// The fast path brings a publisher's second message to a receiver that
// missed the first (it subscribed in between) and whose durable path is
// slower than MaxHold: the second goes out after MaxHold, and the first,
// when the durable path brings it, is delivered Late — not dropped as a
// duplicate. (Seen under load: a partner's alert never listed.)
func TestMergerLateBaseAfterRelease(t *testing.T) {
	t0 := time.Unix(100, 0)
	g := newMerger(time.Second)
	if out, _ := g.offer(dlv("p", 2, PathFast, t0)); len(out) != 0 {
		t.Fatal("a message of an unknown publisher's history delivered before MaxHold")
	}
	if out := g.expire(t0.Add(2 * time.Second)); !equal(seqsOf(out), []uint64{2}) {
		t.Fatalf("after MaxHold: %v, want [2]", seqsOf(out))
	}
	out, dup := g.offer(dlv("p", 1, PathDurable, t0.Add(3*time.Second)))
	if len(dup) != 0 || len(out) != 1 || out[0].Seq != 1 || !out[0].Late {
		t.Fatalf("the first message after the release: %+v dup=%v, want it delivered once, Late", out, dup)
	}
	if _, dup := g.offer(dlv("p", 1, PathFast, t0)); len(dup) != 1 {
		t.Fatal("a second copy of the late first message not a duplicate")
	}
	if out, _ := g.offer(dlv("p", 3, PathDurable, t0.Add(4*time.Second))); !equal(seqsOf(out), []uint64{3}) {
		t.Fatalf("the next message: %v, want [3]", seqsOf(out))
	}
}

// A property test: whatever the fast path drops and however the two paths
// interleave, every message comes out exactly once and in order.
func TestMergerRandomInterleavings(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 1))
		const n = 60
		var fast, durable []Delivery
		t0 := time.Unix(0, 0)
		for s := uint64(1); s <= n; s++ {
			if r.IntN(3) != 0 { // the fast path loses a third
				fast = append(fast, dlv("p", s, PathFast, t0))
			}
			durable = append(durable, dlv("p", s, PathDurable, t0))
		}
		g := newMerger(time.Hour)
		var got []Delivery
		for len(fast)+len(durable) > 0 {
			var d Delivery
			if len(durable) == 0 || len(fast) > 0 && r.IntN(2) == 0 {
				d, fast = fast[0], fast[1:]
			} else {
				d, durable = durable[0], durable[1:]
			}
			out, _ := g.offer(d)
			got = append(got, out...)
		}
		s := seqsOf(got)
		// The first fast message may precede the durable history only if it is sequence 1.
		for i, v := range s {
			if v != uint64(i+1) {
				t.Fatalf("seed %d: delivered %v", seed, s)
			}
		}
		if len(s) != n {
			t.Fatalf("seed %d: delivered %d of %d", seed, len(s), n)
		}
	}
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFIFOSetForgetsOldest(t *testing.T) {
	s := newFIFOSet(2)
	if !s.add("a") || !s.add("b") || s.add("a") {
		t.Fatal("set semantics broken")
	}
	s.add("c") // evicts a
	if !s.add("a") {
		t.Fatal("oldest member not forgotten")
	}
}
