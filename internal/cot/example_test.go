package cot_test

import (
	"context"
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/cottest"
	"github.com/trilink/trilink/internal/export/exporttest"
	"github.com/trilink/trilink/internal/fusion"
)

func ExampleServer() {
	launch := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	s := cot.NewServer(cot.Options{})
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { _ = s.Serve(ln) }()

	// The picture of one missile, five minutes into its flight.
	s.Update(cot.Picture{Events: []fusion.Event{exporttest.Salvo(1, launch)[0].At(launch.Add(5 * time.Minute))}})

	// A TAK client connects, switches to protocol v1 and reads the
	// picture.
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
	pic := cottest.Picture{}
	for len(pic) < 4 {
		ev, err := c.Next(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		pic.Apply(ev)
	}
	var lines []string
	for uid, ev := range pic {
		lines = append(lines, ev.Type+" "+uid)
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// a-h-A-W-M-S-S trilink.E-salvo-01
	// b-d-l trilink.E-salvo-01.launch
	// b-m-p-s-m trilink.E-salvo-01.impact
	// u-d-c-e trilink.E-salvo-01.ellipse95
}
