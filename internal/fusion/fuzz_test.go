package fusion_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/sensor"
)

// Whatever valid measurements arrive, in whatever order and at whatever
// times, the engine never panics, rejects only with its sentinel errors,
// and its picture stays well formed.
func FuzzAdd(f *testing.F) {
	files, _ := filepath.Glob("../sensor/testdata/measurements/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, b, int64(0))
	}
	f.Fuzz(func(t *testing.T, a, b []byte, shift int64) {
		e := fusion.New(fusion.Config{})
		var ms []sensor.Measurement
		for _, raw := range [][]byte{a, b} {
			m, err := sensor.Decode(raw)
			if err != nil {
				continue
			}
			ms = append(ms, m)
			// The same plot again later, and shifted copies: a track may
			// form from them.
			for k := 1; k <= 3; k++ {
				c := m
				c.Seq += uint64(k)
				c.Time = c.Time.Add(time.Duration(k) * time.Duration(shift%int64(10*time.Second)))
				ms = append(ms, c)
			}
		}
		for _, m := range ms {
			_ = e.Add(m)
			e.Advance(m.Time)
		}
		e.Flush()
		for _, ev := range e.Events() {
			if ev.ID == "" || ev.State == fusion.StateUnknown {
				t.Fatalf("malformed event %+v", ev)
			}
		}
		_ = e.Digest()
	})
}
