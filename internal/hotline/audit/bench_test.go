package audit_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
)

// BenchmarkAppend measures appends per second on the real file system,
// with a signed, fsynced checkpoint every N entries (and, for sync=each, an
// fsync per entry), and reports the figure as appends/s.
func BenchmarkAppend(b *testing.B) {
	for _, c := range []struct {
		name     string
		every    int
		syncEach bool
	}{
		{"checkpoint=100", 100, false},
		{"checkpoint=1000", 1000, false},
		{"checkpoint=1000/sync=each", 1000, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := newFixture(b)
			l, err := audit.Open(filepath.Join(b.TempDir(), "log"), audit.Options{Nation: nation.JP, Signer: f.signers[nation.JP], SyncEach: c.syncEach})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			e := entry(1)
			e.Data = make([]byte, 200) // a receipt-sized detail
			b.ReportAllocs()
			start := time.Now()
			i := 0
			for b.Loop() {
				if _, err := l.Append(e); err != nil {
					b.Fatal(err)
				}
				if i++; i%c.every == 0 {
					if _, err := l.Checkpoint(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(i)/time.Since(start).Seconds(), "appends/s")
		})
	}
}

// BenchmarkVerify measures a full verification of a 10,000-entry log with
// a cosigned checkpoint every 1,000.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	f.buildLog(b, 10000, 1000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := audit.Verify(f.dir, f.keys, f.witnessed()...); err != nil {
			b.Fatal(err)
		}
	}
}
