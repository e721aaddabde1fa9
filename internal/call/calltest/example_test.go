package calltest_test

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/pion/rtp"

	"github.com/trilink/trilink/internal/call/calltest"
)

// Packets sent by a Client carry their send time in the first 8 bytes.
func ExampleSentAt() {
	p := &rtp.Packet{Payload: make([]byte, calltest.PayloadSize)}
	binary.BigEndian.PutUint64(p.Payload, uint64(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC).UnixNano()))
	at, ok := calltest.SentAt(p)
	fmt.Println(at.UTC().Format(time.RFC3339), ok)
	_, ok = calltest.SentAt(&rtp.Packet{})
	fmt.Println(ok)
	// Output:
	// 2026-11-27T09:00:00Z true
	// false
}
