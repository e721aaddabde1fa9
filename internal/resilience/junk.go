package resilience

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"sync/atomic"
	"time"
)

// Junk sends malformed traffic at TCP ports: random bytes, a slow
// half-sent request held open, an oversized header line, and protocol
// lines out of order (PUB before CONNECT, CONNECT with bad credentials).
// Safe for concurrent use.
type Junk struct {
	conns, bytes, refused atomic.Int64
}

// junkPayloads are the malformed openings tried in turn.
var junkPayloads = [][]byte{
	nil, // random bytes
	[]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "), // never finished
	append([]byte("GET /healthz HTTP/1.1\r\nX-Big: "), make([]byte, 64<<10)...),
	[]byte("PUB shared.jp.meas.x 5\r\nhello\r\n"),
	[]byte("CONNECT {\"user\":\"jp_app\",\"pass\":\"wrong\",\"verbose\":false}\r\nPING\r\n"),
	[]byte("CONNECT {not json}\r\n"),
	[]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), // a TLS ClientHello's start
}

// Hammer opens connections to addr and sends malformed traffic until ctx
// ends, holding some connections open for a while.
func (j *Junk) Hammer(ctx context.Context, addr string) {
	for i := 0; ctx.Err() == nil; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			j.refused.Add(1)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		j.conns.Add(1)
		p := junkPayloads[i%len(junkPayloads)]
		if p == nil {
			p = make([]byte, 512)
			_, _ = rand.Read(p)
		}
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		n, _ := c.Write(p)
		j.bytes.Add(int64(n))
		if i%len(junkPayloads) == 1 {
			// Hold the half-sent request open in the background.
			go func() {
				select {
				case <-ctx.Done():
				case <-time.After(3 * time.Second):
				}
				c.Close()
			}()
		} else {
			buf := make([]byte, 512)
			_, _ = c.Read(buf)
			c.Close()
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// String summarises what was sent.
func (j *Junk) String() string {
	return fmt.Sprintf("%d connections, %d bytes, %d refused", j.conns.Load(), j.bytes.Load(), j.refused.Load())
}
