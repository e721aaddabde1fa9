package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/exchange"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
)

// One nation's exchange on its own embedded server: a member's sealed
// message is released and enters the transcript; a malformed one is
// refused with the reason.
func Example() {
	dir, _ := os.MkdirTemp("", "exchange-example-")
	defer os.RemoveAll(dir)
	fed, _ := share.LoopbackFederation(dir)
	srv, err := share.StartServer(fed, nation.JP, 0, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	nc, _ := srv.ConnectApp()
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = share.EnsureReleaseStreams(ctx, js, nation.JP, 1, share.DefaultRetention)
	_ = share.EnsurePicture(ctx, js, nation.JP, nil, 1, share.DefaultRetention)

	// Two watch officers of jp in the ops room.
	a, _ := hotline.GenerateDeviceKeys("jp-ops-1")
	b, _ := hotline.GenerateDeviceKeys("jp-ops2-1")
	roster, _ := hotline.NewDirectory([]hotline.Member{
		{ID: "jp-ops", Nation: nation.JP, Role: "watch-officer", Devices: []hotline.Device{a.Public()}},
		{ID: "jp-ops2", Nation: nation.JP, Role: "watch-officer", Devices: []hotline.Device{b.Public()}},
	}, []hotline.Room{{ID: hotline.RoomOps, Kind: hotline.Standing, Members: []hotline.MemberID{"jp-ops", "jp-ops2"}}})

	x, _ := exchange.New(exchange.Config{Nation: nation.JP, Directory: roster, NC: nc, JS: js})
	go func() { _ = x.Run(ctx) }()

	env, _ := hotline.Seal(a, roster, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("launch detected")}, time.Now())
	if err := x.SubmitEnvelope(ctx, env); err != nil {
		fmt.Println(err)
		return
	}
	for {
		if _, ok := x.Envelope(env.ID); ok {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s, _ := x.Status(env.ID)
	fmt.Println("in the transcript:", s.Precedence, "to", s.Members[0].Member)

	_, err = x.Submit(ctx, []byte(`{"v":1}`))
	fmt.Println("malformed refused:", errors.Is(err, hotline.ErrMalformed))
	// Output:
	// in the transcript: flash to jp-ops2
	// malformed refused: true
}
