package call_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/call/calltest"
	"github.com/trilink/trilink/internal/nation"
)

func TestNetworkCheck(t *testing.T) {
	cases := []struct {
		n    call.Network
		want string // in the error; "" for none
	}{
		{call.Network{}, ""},
		{call.Network{IPs: []string{"10.0.0.5"}, UDPPort: 7882, PublicIPs: []string{"203.0.113.7"}}, ""},
		{call.Network{IPs: []string{"10.0.0.500"}}, `ips: "10.0.0.500" is not a unicast IPv4 address`},
		{call.Network{IPs: []string{"0.0.0.0"}}, `ips: "0.0.0.0"`},
		{call.Network{IPs: []string{"::1"}}, `ips: "::1"`},
		{call.Network{IPs: []string{"224.0.0.1"}}, `ips: "224.0.0.1"`},
		{call.Network{IPs: []string{"10.0.0.5"}, PublicIPs: []string{"x"}}, `public_ips: "x"`},
		{call.Network{PublicIPs: []string{"203.0.113.7"}}, "public_ips: set ips too"},
		{call.Network{UDPPort: 70000}, "udp_port: 70000 is not a port number"},
		{call.Network{UDPPort: -1}, "udp_port: -1"},
	}
	for _, c := range cases {
		err := c.n.Check()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.n, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want it to say %q", c.n, err, c.want)
		}
	}
	if _, err := call.New(call.Config{Nation: nation.JP, Network: call.Network{UDPPort: 70000}}); err == nil {
		t.Error("New took a bad network")
	}
}

// freeUDPPort returns a UDP port free on 127.0.0.1 a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// candidates returns the host:port of every ICE candidate in an SDP.
func candidates(t *testing.T, s string) []string {
	t.Helper()
	var d sdp.SessionDescription
	if err := d.UnmarshalString(s); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range d.MediaDescriptions {
		for _, a := range m.Attributes {
			if a.Key != "candidate" {
				continue
			}
			f := strings.Fields(a.Value) // foundation component transport priority address port typ ...
			if len(f) >= 6 {
				out = append(out, net.JoinHostPort(f[4], f[5]))
			}
		}
	}
	return out
}

// TestOneUDPPort: with Network.UDPPort, every browser session and every
// trunk of jp's SFU uses that one port, and the call works through it.
func TestOneUDPPort(t *testing.T) {
	port := freeUDPPort(t)
	want := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	sfus, _ := nationsOn(t, 10*time.Second, nil, map[nation.Nation]call.Network{nation.JP: {IPs: []string{"127.0.0.1"}, UDPPort: port}})
	jp, resp := join(t, sfus[nation.JP], "ops", "jp-ops")
	jp2, resp2 := join(t, sfus[nation.JP], "ops", "jp-watch")
	for _, r := range []*call.JoinResponse{resp, resp2} {
		cs := candidates(t, r.SDP)
		if len(cs) == 0 {
			t.Fatalf("no candidates in jp's answer")
		}
		for _, c := range cs {
			if c != want {
				t.Errorf("jp's answer offers %s, want only %s", c, want)
			}
		}
	}
	waitFor(t, 10*time.Second, "kr sees jp in the call", func() bool { return len(sfus[nation.KR].State("ops").Participants) == 2 })
	kr, _ := join(t, sfus[nation.KR], "ops", "kr-ops")
	waitFor(t, 10*time.Second, "jp's members hear each other and kr", func() bool { return jp.Streams(10) == 2 && jp2.Streams(10) == 2 })
	waitFor(t, 10*time.Second, "kr hears both of jp's members through the trunk", func() bool { return kr.Streams(10) == 2 })
}

// TestPublicIPs: behind a 1:1 NAT the SFU tells browsers its public
// address, never the local one. (The client does not try to reach the
// documentation address.)
func TestPublicIPs(t *testing.T) {
	s, err := call.New(call.Config{Nation: nation.JP, Network: call.Network{IPs: []string{"127.0.0.1"}, PublicIPs: []string{"203.0.113.7"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	api, err := call.NewAPI()
	if err != nil {
		t.Fatal(err)
	}
	c, err := calltest.New(api, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offer, err := c.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Join(ctx, "ops", "jp-ops", call.JoinRequest{Type: "offer", SDP: offer})
	if err != nil {
		t.Fatal(err)
	}
	cs := candidates(t, resp.SDP)
	if len(cs) == 0 {
		t.Fatal("no candidates in the answer")
	}
	for _, a := range cs {
		if host, _, _ := net.SplitHostPort(a); host != "203.0.113.7" {
			t.Errorf("the answer offers %s, want only the public 203.0.113.7", a)
		}
	}
}

// TestUDPPortInUse: a port already taken is a clear error at start.
func TestUDPPortInUse(t *testing.T) {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.UDPAddr).Port
	_, err = call.New(call.Config{Nation: nation.JP, Network: call.Network{IPs: []string{"127.0.0.1"}, UDPPort: port}})
	if err == nil || !strings.Contains(err.Error(), "udp_port") {
		t.Errorf("New on a taken port: %v, want an error naming udp_port", err)
	}
}
