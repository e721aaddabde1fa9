package resilience_test

import (
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/resilience"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
)

// Check compares what three nations hold; here kr's picture lacks one of
// jp's measurements and has not yet agreed with us.
func ExampleCheck() {
	st := func(n share.Nation) *resilience.State {
		s := &resilience.State{Nation: n, Rel: 10, Evidence: "e1",
			Picture:   map[share.Nation]uint64{share.JP: 10, share.KR: 10, share.US: 10},
			Agreement: map[share.Nation]string{}, Alerts: map[string]share.Nation{}, Hotline: map[string]bool{}}
		for _, p := range n.Partners() {
			s.Agreement[p] = "agree"
		}
		return s
	}
	states := map[share.Nation]*resilience.State{share.JP: st(share.JP), share.KR: st(share.KR), share.US: st(share.US)}
	states[share.KR].Picture[share.JP] = 9
	states[share.KR].Agreement[share.US] = "pending"
	for _, p := range resilience.Check(states, resilience.Expect{}) {
		fmt.Println(p)
	}
	// Output:
	// kr PICTURE holds 9 of jp's measurements, jp REL 10
	// kr says "pending" about us's picture
}

// Flood multiplies one sensor's rate, keeping the others' measurements.
func ExampleFlood() {
	t0 := time.Date(2022, 10, 4, 0, 0, 0, 0, time.UTC)
	ms := []sensor.Measurement{
		{Sensor: "a", Seq: 1, Time: t0}, {Sensor: "b", Seq: 1, Time: t0.Add(50 * time.Millisecond)},
		{Sensor: "a", Seq: 2, Time: t0.Add(100 * time.Millisecond)},
	}
	out, extra := resilience.Flood(ms, "a", 10)
	fmt.Println(len(out), extra)
	// Output: 21 18
}
