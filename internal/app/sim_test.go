package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/app"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/share/sharetest"
)

// `trilink sim --nats URL --nation jp` publishes jp's sensors' measurements
// into jp's system over TCP, and they reach kr's PICTURE.
func TestSimPublishesToNATS(t *testing.T) {
	f := sharetest.Start(t, sharetest.Options{})
	t.Setenv("TRILINK_NATS_PASSWORD", f.Spec.Spec(share.JP).AppPassword)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := app.RunSim(ctx, app.SimOptions{
		Scenario: "2019-07-25-kn23-pullup", Speed: 400,
		NATS: f.Servers[share.JP].ClientURL(), Nation: "jp", User: share.AppUserName(share.JP),
	}, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.JS[share.KR].Stream(ctx, share.PictureStream)
	if err != nil {
		t.Fatal(err)
	}
	sharetest.Eventually(t, 10*time.Second, "kr PICTURE holds jp's measurements", func() bool {
		info, err := st.Info(ctx, jetstreamFilter("shared.*.meas.>"))
		if err != nil {
			return false
		}
		n := uint64(0)
		for subj, c := range info.State.Subjects {
			if subj[:10] != "shared.jp." {
				t.Fatalf("sim --nation jp published %s", subj)
			}
			n += c
		}
		return n > 10
	})
}
