package netproxy_test

import (
	"bufio"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/netproxy"
)

// echo serves lines back on a loopback listener.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					fmt.Fprintln(c, sc.Text())
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := fmt.Fprintln(c, "ping"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "ping\n" {
		return fmt.Errorf("got %q", line)
	}
	return nil
}

func TestCutAndRestore(t *testing.T) {
	p, err := netproxy.New(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// An open connection is closed by the cut.
	open, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if err := roundTrip(p.Addr()); err != nil {
		t.Fatalf("up: %v", err)
	}
	p.SetDown(true)
	_ = open.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := open.Read(make([]byte, 1)); err == nil {
		t.Fatal("an open connection survived the cut")
	}
	if err := roundTrip(p.Addr()); err == nil {
		t.Fatal("a new connection got through while down")
	}
	p.SetDown(false)
	if err := roundTrip(p.Addr()); err != nil {
		t.Fatalf("restored: %v", err)
	}
}

func Example() {
	p, err := netproxy.New("127.0.0.1:4222")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	p.SetDown(true) // the link fails
	p.SetDown(false)
	fmt.Println(p.Addr() != "")
	// Output: true
}
