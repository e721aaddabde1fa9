package cottest_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/cottest"
	"github.com/trilink/trilink/internal/export"
)

func ExampleClient_Negotiate() {
	s := cot.NewServer(cot.Options{})
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { _ = s.Serve(ln) }()
	s.Update(cot.Picture{Alerts: []export.AlertText{{ID: "A1", Headline: map[string]string{"en": "Missile launch"}, Sent: time.Now()}}})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := cottest.Dial(ctx, ln.Addr().String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Negotiate(ctx); err != nil {
		fmt.Println(err)
		return
	}
	ev, err := c.Until(ctx, func(ev cot.Event) bool { return ev.Type == cot.TypeChat })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("v1:", c.V1(), ev.Type, ev.UID)
	// Output: v1: true b-t-f GeoChat.trilink.warn.All Chat Rooms.A1
}
