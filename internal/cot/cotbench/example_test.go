package cotbench_test

import (
	"context"
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/cot/cotbench"
)

func ExampleRun() {
	res, err := cotbench.Run(context.Background(), cotbench.Config{Clients: 3, Missiles: 2, Hz: 20, Duration: 200 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Protocol, res.Clients, "clients, all delivered:", res.Messages == res.Expected, "dropped:", res.Dropped)
	// Output: v1 3 clients, all delivered: true dropped: 0
}
