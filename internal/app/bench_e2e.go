package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/trilink/trilink/internal/resilience"
)

// benchE2E runs `trilink bench e2e`: the three nations as three `trilink
// node` processes (this executable) on loopback — processes, not one
// process, so that each nation's memory is its own process's resident set
// and the backbone crosses real sockets and proxies.
func benchE2E(ctx context.Context, o BenchOptions, log *slog.Logger) (*resilience.E2EFigures, error) {
	cfg := resilience.E2EConfig{Logger: log, Seconds: o.Seconds}
	for f := range strings.SplitSeq(o.Rates, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		r, err := strconv.Atoi(f)
		if err != nil || r <= 0 {
			return nil, usagef("--rates: %q is not a positive whole number of measurements/s", f)
		}
		cfg.Rates = append(cfg.Rates, r)
	}
	if o.Phases != "" {
		cfg.Phases = map[string]bool{}
		for f := range strings.SplitSeq(o.Phases, ",") {
			switch f = strings.TrimSpace(f); f {
			case "salvo", "sustained", "flood":
				cfg.Phases[f] = true
			default:
				return nil, usagef("--phases: %q is not salvo, sustained or flood", f)
			}
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench e2e: %w", err)
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "trilink-bench-e2e"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	cfg.Binary, cfg.Dir = exe, filepath.Clean(dir)
	return resilience.BenchE2E(ctx, cfg)
}

func printE2E(w io.Writer, r *resilience.E2EFigures) {
	fmt.Fprintf(w, "e2e (three node processes on loopback, %d CPUs)\n", runtime.NumCPU())
	if r.LatencySamples > 0 {
		fmt.Fprintf(w, "  20-missile salvo at %.0f× (%.0f msgs/s): measurement → all three pictures  p50 %.2f  p99 %.2f  max %.2f ms (%d measurements)\n",
			r.SalvoSpeed, r.SalvoRatePerS, r.P50ms, r.P99ms, r.MaxMs, r.LatencySamples)
		fmt.Fprintf(w, "  peak RSS per nation: jp %.1f MB, kr %.1f MB, us %.1f MB\n", r.RSSMBPerNation["jp"], r.RSSMBPerNation["kr"], r.RSSMBPerNation["us"])
	}
	for _, s := range r.Sustained {
		fmt.Fprintf(w, "  offered %6d/s: published %7.0f/s, lag p50 %.1f → %.1f ms (first → second half), p99 %.1f ms, missing %d: kept up %v\n",
			s.OfferedPerS, s.AchievedPerS, s.LagP50FirstMs, s.LagP50LastMs, s.LagP99Ms, s.Missing, s.Kept)
	}
	if len(r.Sustained) > 0 {
		fmt.Fprintf(w, "  sustained: %.0f msgs/s across the three nations\n", r.SustainedMsgsPerS)
	}
	if r.FloodJunk == "" {
		return
	}
	fmt.Fprintf(w, "  flood (one sensor 10×, junk: %s): /healthz p50 %.2f  p99 %.2f  max %.2f ms; all data taken in: %v\n",
		r.FloodJunk, r.FloodHealthP50ms, r.FloodHealthP99ms, r.FloodHealthMaxMs, r.FloodAllTakenIn)
}
