package call_test

import (
	"context"
	"fmt"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/call/calltest"
	"github.com/trilink/trilink/internal/nation"
)

// A browser's malformed offer is refused naming the field at fault.
func ExampleParseJoinRequest() {
	_, err := call.ParseJoinRequest([]byte(`{"type":"answer","sdp":"v=0"}`))
	fmt.Println(err)
	// Output: type: call: malformed request: "answer" (want "offer")
}

// One nation's SFU on its own (no backbone): a member joins the
// operations room's call, which this join starts.
func ExampleSFU_Join() {
	sfu, err := call.New(call.Config{Nation: nation.JP})
	if err != nil {
		panic(err)
	}
	defer sfu.Close()
	api, _ := call.NewAPI()
	c, _ := calltest.New(api, 2) // the browser: a microphone and one receive slot
	defer c.Close()
	offer, _ := c.Offer(context.Background())
	resp, err := sfu.Join(context.Background(), "ops", "jp-ops", call.JoinRequest{Type: "offer", SDP: offer, Precedence: "flash"})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Type, resp.Started)
	st := sfu.State("ops")
	fmt.Println(st.Precedence, len(st.Participants), st.Participants[0].Member)
	fmt.Println(sfu.Stats().Sessions)
	// Output:
	// answer true
	// flash 1 jp-ops
	// 1
}
