package cotbench_test

import (
	"context"
	"encoding/json"
	"flag"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/cot/cotbench"
)

var full = flag.Bool("full", false, "run the full benchmark (100 clients, 20 missiles, 10 Hz, 10 s) and log its result")

// TestRun makes a short run and checks that every message arrived and the
// figures hang together.
func TestRun(t *testing.T) {
	for _, xml := range []bool{false, true} {
		cfg := cotbench.Config{Clients: 5, Missiles: 3, Hz: 20, Duration: 500 * time.Millisecond, XML: xml}
		if *full {
			cfg = cotbench.Config{XML: xml}
		}
		res, err := cotbench.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		t.Logf("%s", b)
		if res.Updates < int(cfg.Duration.Seconds()*cfg.Hz) || res.Expected == 0 {
			t.Errorf("updates %d, expected %d", res.Updates, res.Expected)
		}
		// Three changed items per missile and update, to every client.
		if want := uint64(res.Updates * res.Missiles * 3 * res.Clients); res.Expected != want {
			t.Errorf("expected %d messages, want %d", res.Expected, want)
		}
		if res.Messages != res.Expected || res.Dropped != 0 || res.ServerDropped != 0 {
			t.Errorf("messages %d of %d, dropped %d (server %d)", res.Messages, res.Expected, res.Dropped, res.ServerDropped)
		}
		if !(res.P50Ms > 0 && res.P50Ms <= res.P99Ms && res.P99Ms <= res.MaxMs) {
			t.Errorf("latencies p50 %v p99 %v max %v", res.P50Ms, res.P99Ms, res.MaxMs)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m["p99_ms"] == nil || m["dropped"] == nil || m["msgs_per_s"] == nil {
			t.Errorf("JSON %s lacks p99_ms, dropped or msgs_per_s", b)
		}
	}
}

// BenchmarkFanout measures one update of a 20-missile salvo delivered to
// 10 clients over TAK protocol v1: the time per update until every client
// has it.
func BenchmarkFanout(b *testing.B) {
	for _, clients := range []int{1, 10} {
		b.Run("clients="+itoa(clients), func(b *testing.B) {
			f, err := cotbench.NewFanout(clients, 20)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			b.ReportAllocs()
			for b.Loop() {
				if err := f.Step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
