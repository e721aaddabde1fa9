package exporttest_test

import (
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/export/exporttest"
)

func ExampleLaunch_At() {
	t0 := time.Date(2022, 10, 3, 22, 22, 0, 0, time.UTC)
	l := exporttest.Overflight(t0)
	for _, after := range []time.Duration{10 * time.Second, 70 * time.Second, 400 * time.Second, l.FlightTime()} {
		ev := l.At(t0.Add(after))
		fmt.Println(after, ev.State, ev.Estimate.Class)
	}
	// Output:
	// 10s unknown unknown
	// 1m10s tracking IRBM
	// 6m40s impact_predicted IRBM
	// 38m30s impacted IRBM
}
