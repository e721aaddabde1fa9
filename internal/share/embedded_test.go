package share_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/share"
)

// A port taken between FreePorts and the bind must come back quickly as
// ErrListen, so that the caller can pick new ports, not as a 10 s timeout.
func TestStartServerPortTaken(t *testing.T) {
	f, err := share.LoopbackFederation(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	spec := f.Spec(share.US)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", itoa(spec.Servers[0].ClientPort)))
	if err != nil {
		t.Skipf("could not take the port first: %v", err)
	}
	defer l.Close()
	start := time.Now()
	s, err := share.StartServer(f, share.US, 0, nil)
	if err == nil {
		s.Stop()
		t.Fatal("StartServer succeeded on a taken port")
	}
	if !errors.Is(err, share.ErrListen) {
		t.Fatalf("err = %v, want ErrListen", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to report the taken port", d)
	}
}
