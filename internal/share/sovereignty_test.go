package share_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/share/sharetest"
)

// T2: a partner reaches only what a nation exports.
func TestSovereignty(t *testing.T) {
	f := sharetest.Start(t, sharetest.Options{})
	ctx := ctxT(t, 30*time.Second)
	jp, kr := f.Conns[share.JP], f.Conns[share.KR]

	// A kr subscriber on jp's national subjects and on everything.
	var national, leaked atomic.Int64
	if _, err := kr.Subscribe("jp.>", func(*nats.Msg) { national.Add(1) }); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Subscribe(">", func(m *nats.Msg) {
		if strings.HasPrefix(m.Subject, "jp.") || strings.Contains(string(m.Data), "secret") {
			leaked.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := kr.Flush(); err != nil {
		t.Fatal(err)
	}
	jpPub := share.NewPublisher(f.JS[share.JP], share.JP)
	if _, err := jpPub.Publish(ctx, share.Msg{Subject: "jp.sensor.tpy2-shariki.raw", ID: "p1", Data: []byte("secret")}); err != nil {
		t.Fatal(err)
	}
	// Something jp does release, to know the link carried traffic meanwhile.
	if _, err := jpPub.Publish(ctx, share.Msg{Subject: "shared.jp.meas.s1", ID: "r1", Data: []byte("released")}); err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 10*time.Second, "kr PICTURE has jp's release", func() bool {
		return len(pictureIDs(t, ctx, f.JS[share.KR], "shared.jp.>")[share.JP]) == 1
	})
	if national.Load() != 0 || leaked.Load() != 0 {
		t.Fatalf("kr received jp national data: %d on jp.>, %d leaked", national.Load(), leaked.Load())
	}
	if got := pictureIDs(t, ctx, f.JS[share.KR], "jp.>"); len(got) != 0 {
		t.Fatalf("kr PICTURE holds jp national data: %v", got)
	}

	// jp's JetStream API beyond the exported subset: nobody answers.
	for _, subj := range []string{
		"api.jp.STREAM.INFO.JP_PRIVATE",
		"api.jp.STREAM.INFO.JP_REL",
		"api.jp.STREAM.LIST",
		"api.jp.CONSUMER.CREATE.JP_PRIVATE",
		"api.jp.CONSUMER.CREATE.JP_PRIVATE.x.jp.>",
		"api.jp.STREAM.PURGE.JP_REL",
		"api.jp.STREAM.DELETE.JP_REL",
		"$JS.jp.API.STREAM.INFO.JP_PRIVATE",
		"$JS.jp.API.INFO",
	} {
		msg, err := kr.Request(subj, []byte(`{}`), 500*time.Millisecond)
		if err == nil {
			t.Errorf("kr request %s answered: %s", subj, msg.Data)
		} else if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, nats.ErrTimeout) {
			t.Errorf("kr request %s: unexpected error %v", subj, err)
		}
	}
	// kr's own JetStream knows nothing of jp's streams.
	if msg, err := kr.Request("$JS.API.STREAM.INFO.JP_PRIVATE", nil, time.Second); err == nil && !strings.Contains(string(msg.Data), "not found") {
		t.Errorf("kr's JetStream answered about JP_PRIVATE: %s", msg.Data)
	}

	// kr cannot publish as jp: the server refuses the subject outright.
	var got atomic.Int64
	if _, err := jp.Subscribe("shared.jp.>", func(m *nats.Msg) {
		if string(m.Data) == "spoof" {
			got.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	jp.Flush()
	permErr := make(chan error, 4)
	kr2, err := f.Servers[share.KR].ConnectApp(nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { permErr <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer kr2.Close()
	before := streamMsgs(t, ctx, f.JS[share.JP], share.JP.RelStream())
	for _, subj := range []string{"shared.jp.alert.aomori.warn", "shared.us.alert.guam.warn", "jp.ops.cmd"} {
		if err := kr2.Publish(subj, []byte("spoof")); err != nil {
			t.Fatal(err)
		}
	}
	kr2.Flush()
	select {
	case err := <-permErr:
		if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Errorf("spoofed publish: got %v, want a permissions violation", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("spoofed publish raised no permissions violation")
	}
	time.Sleep(300 * time.Millisecond)
	if got.Load() != 0 {
		t.Fatal("jp received a message published by kr as jp")
	}
	if after := streamMsgs(t, ctx, f.JS[share.JP], share.JP.RelStream()); after != before {
		t.Fatalf("JP_REL grew from %d to %d after kr's spoofed publish", before, after)
	}
}
