package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/call/calltest"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share/sharetest"
)

// TestDisabledMemberLeavesTheCall: an administrator disables a member who
// is in a call; the member's media session ends within seconds, as their
// sessions do.
func TestDisabledMemberLeavesTheCall(t *testing.T) {
	d, base, _ := startDemo(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api, err := call.NewAPI()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := calltest.New(api, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offer, err := cl.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(call.JoinRequest{Type: "offer", SDP: offer})
	code, answer := post(t, base+"/api/v1/rooms/ops/call?member=jp-ops", "application/json", string(body))
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("join: %d %s", code, answer)
	}
	var resp call.JoinResponse
	if err := json.Unmarshal([]byte(answer), &resp); err != nil {
		t.Fatal(err)
	}
	if err := cl.Answer(resp.SDP); err != nil {
		t.Fatal(err)
	}
	if err := cl.Connected(ctx); err != nil {
		t.Fatal(err)
	}
	if n := d.CallStats(nation.JP).Sessions; n != 1 {
		t.Fatalf("%d sessions at jp after joining", n)
	}
	// jp's administrator (signed in by ?member=jp-admin in this package's
	// helper) disables jp-ops.
	if code, b := post(t, base+"/api/v1/admin/users/jp-ops/disable?member=jp-admin", "application/json", "{}"); code != http.StatusOK {
		t.Fatalf("disable: %d %s", code, b)
	}
	disabled := time.Now()
	sharetest.Eventually(t, 5*time.Second, "jp-ops's call session ended", func() bool {
		return d.CallStats(nation.JP).Sessions == 0
	})
	t.Logf("call session ended %v after the account was disabled", time.Since(disabled).Round(time.Millisecond))
}
