package share_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/share/sharetest"
)

func ctxT(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

// publishN releases n messages of origin on shared.<o>.meas.s1 with ids prefix-i.
func publishN(tb testing.TB, ctx context.Context, p *share.Publisher, o share.Nation, prefix string, n int) {
	tb.Helper()
	for i := range n {
		if _, err := p.Publish(ctx, share.Msg{Subject: o.SharedPrefix() + "meas.s1", ID: fmt.Sprintf("%s-%d", prefix, i), Data: []byte(prefix)}); err != nil {
			tb.Fatal(err)
		}
	}
}

func streamMsgs(tb testing.TB, ctx context.Context, js jetstream.JetStream, name string) uint64 {
	tb.Helper()
	st, err := js.Stream(ctx, name)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return info.State.Msgs
}

// pictureIDs reads nation n's whole PICTURE (subject filter) with an ordered
// consumer and returns the message ids per origin, in stream order.
func pictureIDs(tb testing.TB, ctx context.Context, js jetstream.JetStream, filter string) map[share.Nation][]string {
	tb.Helper()
	st, err := js.Stream(ctx, share.PictureStream)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		tb.Fatal(err)
	}
	total := uint64(0)
	for _, c := range info.State.Subjects {
		total += c
	}
	out := map[share.Nation][]string{}
	if total == 0 {
		return out
	}
	c, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		tb.Fatal(err)
	}
	for got := uint64(0); got < total; {
		batch, err := c.Fetch(int(min(total-got, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			tb.Fatal(err)
		}
		for m := range batch.Messages() {
			got++
			id := m.Headers().Get(jetstream.MsgIDHeader)
			o, _ := share.ParseNation(strings.SplitN(id, ":", 2)[0])
			out[o] = append(out[o], id)
		}
		if batch.Error() != nil {
			tb.Fatal(batch.Error())
		}
	}
	return out
}

// T3: every PICTURE holds exactly the union of the three release streams,
// each origin in its order; TRACKS holds the latest state; TTL expiry
// propagates to partners.
func TestFederationHappyPath(t *testing.T) {
	f := sharetest.Start(t, sharetest.Options{})
	ctx := ctxT(t, 60*time.Second)
	const n = 200
	for _, o := range share.Nations {
		publishN(t, ctx, share.NewPublisher(f.JS[o], o), o, "m", n)
	}
	for _, dst := range share.Nations {
		sharetest.Eventually(t, 30*time.Second, dst.String()+" PICTURE holds every release", func() bool {
			return streamMsgs(t, ctx, f.JS[dst], share.PictureStream) == 3*n
		})
		ids := pictureIDs(t, ctx, f.JS[dst], "shared.*.meas.>")
		for _, o := range share.Nations {
			got := ids[o]
			if len(got) != n {
				t.Fatalf("%s PICTURE: %d messages from %s, want %d", dst, len(got), o, n)
			}
			for i, id := range got {
				if want := share.MsgID(o, fmt.Sprintf("m-%d", i)); id != want {
					t.Fatalf("%s PICTURE: message %d from %s is %s, want %s (order or duplicate)", dst, i, o, id, want)
				}
			}
		}
	}

	// TRACKS: three revisions of jp's track T7, the last with a TTL.
	pub := share.NewPublisher(f.JS[share.JP], share.JP)
	for rev := 1; rev <= 3; rev++ {
		m := share.Msg{Subject: "shared.jp.track.T7", ID: fmt.Sprintf("T7:%d", rev), Data: []byte(fmt.Sprint(rev))}
		if rev == 3 {
			m.TTL = 2 * time.Second
		}
		if _, err := pub.Publish(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := f.JS[share.KR].KeyValue(ctx, share.TracksBucket)
	if err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 20*time.Second, "kr TRACKS holds jp.T7 revision 3", func() bool {
		e, err := kv.Get(ctx, "jp.T7")
		return err == nil && string(e.Value()) == "3"
	})
	sharetest.Eventually(t, 20*time.Second, "jp.T7 expires in kr TRACKS after its TTL", func() bool {
		_, err := kv.Get(ctx, "jp.T7")
		return err != nil
	})
}

// T7: re-publishing a released message with the same id is acknowledged as a
// duplicate and not stored again.
func TestIdempotentRepublish(t *testing.T) {
	f := sharetest.Start(t, sharetest.Options{})
	ctx := ctxT(t, 30*time.Second)
	p := share.NewPublisher(f.JS[share.JP], share.JP)
	m := share.Msg{Subject: "shared.jp.alert.aomori.warn", ID: "A1", Data: []byte("x")}
	first, err := p.Publish(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if first.Duplicate {
		t.Fatal("first publish reported duplicate")
	}
	again, err := p.Publish(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.Sequence != first.Sequence {
		t.Fatalf("re-publish: duplicate=%v seq=%d, want duplicate of seq %d", again.Duplicate, again.Sequence, first.Sequence)
	}
	// A second publisher instance (a restarted process) retrying the same message.
	again2, err := share.NewPublisher(f.JS[share.JP], share.JP).Publish(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if !again2.Duplicate {
		t.Fatal("re-publish by a new publisher instance was stored again")
	}
	if got := streamMsgs(t, ctx, f.JS[share.JP], share.JP.RelStream()); got != 1 {
		t.Fatalf("JP_REL holds %d messages, want 1", got)
	}
}

// The publisher refuses to speak as another nation.
func TestPublisherRefusesForeignSubject(t *testing.T) {
	f := sharetest.Start(t, sharetest.Options{})
	ctx := ctxT(t, 10*time.Second)
	p := share.NewPublisher(f.JS[share.KR], share.KR)
	for _, subj := range []string{"shared.jp.alert.x.warn", "jp.sensor.s1", "shared.us.meas.s"} {
		if _, err := p.Publish(ctx, share.Msg{Subject: subj, ID: "1"}); err == nil {
			t.Errorf("kr publisher accepted %s", subj)
		}
	}
	_ = nats.ErrTimeout
}
