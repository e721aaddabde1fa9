package share_test

import (
	"testing"
	"time"

	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/share/sharetest"
)

// T1: a nation's embedded server stops and starts again on the same store:
// streams and messages are kept, the links return and sourcing resumes.
func TestRestartKeepsData(t *testing.T) {
	f := sharetest.Start(t, sharetest.Options{})
	ctx := ctxT(t, 60*time.Second)
	publishN(t, ctx, share.NewPublisher(f.JS[share.KR], share.KR), share.KR, "x", 50)
	publishN(t, ctx, share.NewPublisher(f.JS[share.JP], share.JP), share.JP, "y", 50)
	sharetest.Eventually(t, 20*time.Second, "kr PICTURE complete", func() bool {
		return streamMsgs(t, ctx, f.JS[share.KR], share.PictureStream) == 100
	})

	f.Stop(share.KR)
	// jp keeps publishing while kr is away.
	publishN(t, ctx, share.NewPublisher(f.JS[share.JP], share.JP), share.JP, "z", 25)
	start := time.Now()
	f.Restart(share.KR)
	t.Logf("kr ready %v after restart", time.Since(start).Round(time.Millisecond))
	if got := streamMsgs(t, ctx, f.JS[share.KR], share.KR.RelStream()); got != 50 {
		t.Fatalf("KR_REL after restart: %d messages, want 50", got)
	}
	f.WaitLinks(10 * time.Second)
	for _, p := range share.KR.Partners() {
		if err := share.Kick(ctx, f.JS[share.KR], p); err != nil {
			t.Fatal(err)
		}
	}
	sharetest.Eventually(t, 60*time.Second, "kr PICTURE caught up with jp's messages sent while it was down", func() bool {
		return streamMsgs(t, ctx, f.JS[share.KR], share.PictureStream) == 125
	})
	ids := pictureIDs(t, ctx, f.JS[share.KR], "shared.*.meas.>")
	if len(ids[share.JP]) != 75 || len(ids[share.KR]) != 50 {
		t.Fatalf("kr PICTURE: %d from jp, %d from kr; want 75 and 50", len(ids[share.JP]), len(ids[share.KR]))
	}
}
