package app

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/trilink/trilink/internal/cot/cotbench"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/fusion/fusionbench"
	"github.com/trilink/trilink/internal/share"
)

// BenchOptions are the flags of `trilink bench`.
type BenchOptions struct {
	Name string
	JSON bool
	Dir  string
	// Seconds of each measured phase; zero means 5.
	Seconds float64
	// Seeds is the number of Monte Carlo runs per scenario (estimator); zero means 50.
	Seeds int
	// CPUProfile, when set, names a file for a CPU profile of the run.
	CPUProfile string
	// XML keeps the cot bench's clients on TAK protocol v0.
	XML bool
	// AllHandsEvery is the period of the hotline bench's all-hands FLASH;
	// zero means 2 s, negative none.
	AllHandsEvery time.Duration
	// Rates (e2e) are the offered loads to try, comma-separated; empty
	// means the default ladder.
	Rates string
	// Phases (e2e) are the phases to run, comma-separated; empty means all.
	Phases string
}

// RunBench runs the named benchmark and prints its figures.
func RunBench(ctx context.Context, o BenchOptions, log *slog.Logger, stdout io.Writer) error {
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	switch o.Name {
	case "backbone":
		r, err := benchBackbone(ctx, o, log)
		if err != nil {
			return err
		}
		return printBench(stdout, o.JSON, r)
	case "sim":
		r, err := benchSim(ctx)
		if err != nil {
			return err
		}
		if o.JSON {
			return writeJSONTo(stdout, r)
		}
		printSim(stdout, r)
		return nil
	case "estimator":
		seeds := o.Seeds
		if seeds == 0 {
			seeds = 50
		}
		r, err := fusionbench.BenchEstimator(ctx, seeds)
		if err != nil {
			return err
		}
		return writeJSONTo(stdout, r)
	case "hotline":
		r, err := benchHotline(ctx, o, log)
		if err != nil {
			return err
		}
		if o.JSON {
			return writeJSONTo(stdout, r)
		}
		printHotline(stdout, r)
		return nil
	case "cot":
		cfg := cotbench.Config{XML: o.XML}
		if o.Seconds > 0 {
			cfg.Duration = time.Duration(o.Seconds * float64(time.Second))
		}
		r, err := cotbench.Run(ctx, cfg)
		if err != nil {
			return err
		}
		if o.JSON {
			return writeJSONTo(stdout, r)
		}
		fmt.Fprintf(stdout, "cot (%d TAK clients, %d-missile salvo at %.0f Hz, protocol %s, loopback)\n", r.Clients, r.Missiles, r.Hz, r.Protocol)
		fmt.Fprintf(stdout, "  delivery  p50 %.2f  p99 %.2f  p999 %.2f  max %.2f ms\n", r.P50Ms, r.P99Ms, r.P999Ms, r.MaxMs)
		fmt.Fprintf(stdout, "  messages  %d of %d (%.0f/s); dropped %d\n", r.Messages, r.Expected, r.MsgsPerS, r.Dropped)
		return nil
	case "calls":
		r, err := benchCalls(ctx, o, log)
		if err != nil {
			return err
		}
		if o.JSON {
			return writeJSONTo(stdout, r)
		}
		printCalls(stdout, r)
		return nil
	case "warn":
		r, err := benchWarn(ctx)
		if err != nil {
			return err
		}
		if o.JSON {
			return writeJSONTo(stdout, r)
		}
		printWarn(stdout, r)
		return nil
	case "e2e":
		r, err := benchE2E(ctx, o, log)
		if err != nil {
			return err
		}
		if o.JSON {
			return writeJSONTo(stdout, r)
		}
		printE2E(stdout, r)
		return nil
	default:
		return usagef("bench: unknown benchmark %q (have: backbone, sim, warn, estimator, hotline, cot, calls, e2e)", o.Name)
	}
}

// LatencyFigures summarises one latency measurement.
type LatencyFigures struct {
	RatePerS  int     `json:"rate_msgs_per_s"`
	Sent      int     `json:"sent"`
	Received  int     `json:"received"`
	AchievedS float64 `json:"achieved_msgs_per_s"`
	P50ms     float64 `json:"p50_ms"`
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	Maxms     float64 `json:"max_ms"`
}

// BackboneFigures is the output of `trilink bench backbone`.
type BackboneFigures struct {
	FastP99ms    float64 `json:"fast_p99_ms"`    // jp publish → kr core subscriber, at 1,000 msgs/s
	DurableP99ms float64 `json:"durable_p99_ms"` // jp publish → kr PICTURE consumer, at 1,000 msgs/s
	// SustainedMsgsPerS is the release rate achieved at an open-loop offered
	// load, with the durable lag sampled in each half of the run.
	SustainedMsgsPerS    float64 `json:"sustained_msgs_per_s"`
	SustainedOfferedPerS int     `json:"sustained_offered_msgs_per_s"`
	SustainedLagFirstMs  float64 `json:"sustained_median_lag_ms_first_half"`
	SustainedLagSecondMs float64 `json:"sustained_median_lag_ms_second_half"`
	SustainedLagMaxMs    float64 `json:"sustained_max_lag_ms"`
	SustainedDrainS      float64 `json:"sustained_drain_s"`
	// MaxMsgsPerS is the closed-loop maximum, counted until all three
	// PICTUREs hold every message.
	MaxMsgsPerS  float64          `json:"max_msgs_per_s"`
	ReadyMs      float64          `json:"ready_ms"`
	IdleRSSMB    float64          `json:"idle_rss_mb"`
	Fast         []LatencyFigures `json:"fast"`
	Durable      []LatencyFigures `json:"durable"`
	PayloadBytes int              `json:"payload_bytes"`
	CPUs         int              `json:"cpus"`
	GoVersion    string           `json:"go_version"`
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printBench(w io.Writer, asJSON bool, r *BackboneFigures) error {
	if asJSON {
		return writeJSONTo(w, r)
	}
	fmt.Fprintf(w, "backbone (jp → kr across a leaf link, %d-byte messages, %d CPUs, %s)\n", r.PayloadBytes, r.CPUs, r.GoVersion)
	fmt.Fprintf(w, "  demo ready            %8.1f ms\n", r.ReadyMs)
	fmt.Fprintf(w, "  idle RSS              %8.1f MB\n", r.IdleRSSMB)
	for i := range r.Fast {
		for _, x := range []struct {
			name string
			f    LatencyFigures
		}{{"fast", r.Fast[i]}, {"durable", r.Durable[i]}} {
			fmt.Fprintf(w, "  %-7s @%6d/s  p50 %6.3f  p90 %6.3f  p99 %6.3f  max %7.3f ms  (%d/%d received, %.0f/s achieved)\n",
				x.name, x.f.RatePerS, x.f.P50ms, x.f.P90ms, x.f.P99ms, x.f.Maxms, x.f.Received, x.f.Sent, x.f.AchievedS)
		}
	}
	fmt.Fprintf(w, "  sustained into all three PICTUREs: %.0f msgs/s of %d offered (durable lag: median %.1f ms first half, %.1f ms second half, max %.1f ms; drained %.2f s after stop)\n",
		r.SustainedMsgsPerS, r.SustainedOfferedPerS, r.SustainedLagFirstMs, r.SustainedLagSecondMs, r.SustainedLagMaxMs, r.SustainedDrainS)
	fmt.Fprintf(w, "  closed-loop maximum into all three PICTUREs: %.0f msgs/s\n", r.MaxMsgsPerS)
	return nil
}

func benchBackbone(ctx context.Context, o BenchOptions, log *slog.Logger) (*BackboneFigures, error) {
	if o.Seconds == 0 {
		o.Seconds = 5
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "trilink-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	quiet := slog.New(slog.DiscardHandler)
	start := time.Now()
	sys, err := StartLoopback(ctx, dir, quiet)
	if err != nil {
		return nil, err
	}
	defer sys.Close()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = sys.Run(rctx) }()
	for !allReady(ctx, sys) {
		if time.Since(start) > 30*time.Second {
			return nil, fmt.Errorf("%w: backbone not ready within 30 s", ErrNotReady)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := &BackboneFigures{ReadyMs: ms(time.Since(start)), PayloadBytes: 256, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	time.Sleep(2 * time.Second)
	runtime.GC()
	r.IdleRSSMB = rssMB()
	log.Info("backbone ready", "ready_ms", r.ReadyMs, "idle_rss_mb", r.IdleRSSMB)

	jp, kr := sys.Node(share.JP), sys.Node(share.KR)
	for i, rate := range []int{1000, 10000} {
		fast, durable, err := measureLatency(ctx, jp, kr, rate, time.Duration(o.Seconds*float64(time.Second)), fmt.Sprintf("l%d", i), r.PayloadBytes)
		if err != nil {
			return nil, err
		}
		log.Info("latency", "rate", rate, "fast_p99_ms", fast.P99ms, "durable_p99_ms", durable.P99ms)
		r.Fast, r.Durable = append(r.Fast, fast), append(r.Durable, durable)
	}
	r.FastP99ms, r.DurableP99ms = r.Fast[0].P99ms, r.Durable[0].P99ms
	if err := measureSustained(ctx, sys, time.Duration(o.Seconds*float64(time.Second)), r); err != nil {
		return nil, err
	}
	log.Info("sustained", "msgs_per_s", r.SustainedMsgsPerS)
	return r, nil
}

func allReady(ctx context.Context, sys *System) bool {
	for _, st := range sys.Status(ctx) {
		if !st.Ready {
			return false
		}
	}
	return true
}

// measureLatency publishes from jp at an open-loop rate for d and measures
// one-way latency to a kr core subscriber (fast path) and a kr PICTURE
// consumer (durable path). Timestamps travel in the payload; both ends share
// this process's clock.
func measureLatency(ctx context.Context, jp, kr *Node, rate int, d time.Duration, tag string, size int) (fast, durable LatencyFigures, err error) {
	subj := "shared.jp.bench." + tag
	var mu sync.Mutex // guards the two slices
	var fl, dl []time.Duration
	record := func(dst *[]time.Duration, data []byte) {
		if len(data) < 8 {
			return
		}
		lat := time.Duration(time.Now().UnixNano() - int64(binary.BigEndian.Uint64(data)))
		mu.Lock()
		*dst = append(*dst, lat)
		mu.Unlock()
	}
	sub, err := kr.NC.Subscribe(subj, func(m *nats.Msg) { record(&fl, m.Data) })
	if err != nil {
		return fast, durable, err
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(-1, -1)
	cons, err := kr.JS.OrderedConsumer(ctx, share.PictureStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}, DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return fast, durable, err
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { record(&dl, m.Data()) })
	if err != nil {
		return fast, durable, err
	}
	defer cc.Stop()
	_ = kr.NC.Flush()
	time.Sleep(200 * time.Millisecond)

	jsPub, err := jetstream.New(jp.NC, jetstream.WithPublishAsyncMaxPending(8192))
	if err != nil {
		return fast, durable, err
	}
	payload := make([]byte, size)
	sent := 0
	begin := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for time.Since(begin) < d {
		due := int(time.Since(begin).Seconds() * float64(rate))
		for ; sent < due; sent++ {
			m := nats.NewMsg(subj)
			binary.BigEndian.PutUint64(payload, uint64(time.Now().UnixNano()))
			m.Data = append([]byte(nil), payload...)
			m.Header.Set(jetstream.MsgIDHeader, "jp:"+tag+"-"+strconv.Itoa(sent))
			if _, err := jsPub.PublishMsgAsync(m); err != nil {
				return fast, durable, fmt.Errorf("bench publish: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return fast, durable, ctx.Err()
		case <-tick.C:
		}
	}
	elapsed := time.Since(begin)
	select {
	case <-jsPub.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		return fast, durable, fmt.Errorf("bench: publishes not acknowledged within 30 s")
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := len(dl) >= sent && len(fl) >= sent
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	return summarize(rate, sent, elapsed, fl), summarize(rate, sent, elapsed, dl), nil
}

func summarize(rate, sent int, elapsed time.Duration, ls []time.Duration) LatencyFigures {
	f := LatencyFigures{RatePerS: rate, Sent: sent, Received: len(ls), AchievedS: float64(sent) / elapsed.Seconds()}
	if len(ls) == 0 {
		return f
	}
	s := slices.Clone(ls)
	slices.Sort(s)
	q := func(p float64) float64 { return ms(s[min(len(s)-1, int(p*float64(len(s))))]) }
	f.P50ms, f.P90ms, f.P99ms, f.Maxms = q(0.50), q(0.90), q(0.99), ms(s[len(s)-1])
	return f
}

// measureSustained has all three nations release at an open-loop rate
// (rate/3 each) for d, and samples how far behind the newest message in each
// PICTURE is (the age of its payload timestamp), in each half of the run: a
// lag that does not grow from the first half to the second means the
// PICTUREs keep up. Then it measures the closed-loop maximum.
func measureSustained(ctx context.Context, sys *System, d time.Duration, r *BackboneFigures) error {
	const rate = 24000
	var first, second []time.Duration
	total, err := releaseAll(ctx, sys, "sustained", rate, d, func(elapsed time.Duration) {
		lag := pictureTimeLag(ctx, sys, "sustained")
		if elapsed < d/2 {
			first = append(first, lag)
		} else {
			second = append(second, lag)
		}
	})
	if err != nil {
		return err
	}
	r.SustainedLagFirstMs = ms(median(first))
	r.SustainedLagSecondMs = ms(median(second))
	r.SustainedLagMaxMs = ms(max(slices.Max(append(first, 0)), slices.Max(append(second, 0))))
	r.SustainedOfferedPerS = rate
	r.SustainedMsgsPerS = float64(total) / d.Seconds()
	if r.SustainedDrainS, err = drain(ctx, sys, "sustained", total); err != nil {
		return err
	}
	// Closed loop: as fast as the publishers can.
	total, err = releaseAll(ctx, sys, "max", 0, d, nil)
	if err != nil {
		return err
	}
	drainS, err := drain(ctx, sys, "max", total)
	if err != nil {
		return err
	}
	r.MaxMsgsPerS = float64(total) / (d.Seconds() + drainS)
	return nil
}

// releaseAll has every nation publish on shared.<n>.bench.<tag> for d, at
// rate messages per second in all (0: as fast as possible), calling sample
// every 250 ms. It returns how many messages were released.
func releaseAll(ctx context.Context, sys *System, tag string, rate int, d time.Duration, sample func(time.Duration)) (uint64, error) {
	var wg sync.WaitGroup
	var mu sync.Mutex // guards total and firstErr
	var total uint64
	var firstErr error
	begin := time.Now()
	for _, node := range sys.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			js, err := jetstream.New(node.NC, jetstream.WithPublishAsyncMaxPending(4096))
			if err != nil {
				return
			}
			subj := node.Nation.SharedPrefix() + "bench." + tag
			per := float64(rate) / float64(len(sys.Nodes))
			var n uint64
			for time.Since(begin) < d {
				due := n + 256
				if rate > 0 {
					due = uint64(time.Since(begin).Seconds() * per)
				}
				for ; n < due; n++ {
					m := nats.NewMsg(subj)
					m.Data = make([]byte, 256)
					binary.BigEndian.PutUint64(m.Data, uint64(time.Now().UnixNano()))
					m.Header.Set(jetstream.MsgIDHeader, node.Nation.String()+":"+tag+"-"+strconv.FormatUint(n, 10))
					if _, err := js.PublishMsgAsync(m); err != nil {
						mu.Lock()
						firstErr = cmpOr(firstErr, err)
						mu.Unlock()
						return
					}
				}
				if rate > 0 {
					time.Sleep(time.Millisecond)
				}
			}
			<-js.PublishAsyncComplete()
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	if sample != nil {
		for time.Since(begin) < d {
			time.Sleep(250 * time.Millisecond)
			sample(time.Since(begin))
		}
	}
	wg.Wait()
	return total, firstErr
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// pictureTimeLag returns the largest age, over every PICTURE and origin, of
// the newest bench message stored.
func pictureTimeLag(ctx context.Context, sys *System, tag string) time.Duration {
	var worst time.Duration
	for _, node := range sys.Nodes {
		st, err := node.JS.Stream(ctx, share.PictureStream)
		if err != nil {
			continue
		}
		for _, o := range share.Nations {
			m, err := st.GetLastMsgForSubject(ctx, o.SharedPrefix()+"bench."+tag)
			if err != nil || len(m.Data) < 8 {
				continue
			}
			worst = max(worst, time.Duration(time.Now().UnixNano()-int64(binary.BigEndian.Uint64(m.Data))))
		}
	}
	return worst
}

// drain waits until every PICTURE holds total messages of the tag and
// returns how long that took.
func drain(ctx context.Context, sys *System, tag string, total uint64) (float64, error) {
	start := time.Now()
	for {
		done := true
		for _, node := range sys.Nodes {
			if subjectMsgs(ctx, node, share.PictureStream, "shared.*.bench."+tag) < total {
				done = false
			}
		}
		if done {
			return time.Since(start).Seconds(), nil
		}
		if time.Since(start) > 60*time.Second {
			return 0, fmt.Errorf("bench %s: PICTUREs did not drain within 60 s", tag)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// subjectMsgs counts the messages of a stream on subjects matching filter.
func subjectMsgs(ctx context.Context, node *Node, stream, filter string) uint64 {
	st, err := node.JS.Stream(ctx, stream)
	if err != nil {
		return 0
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rssMB returns this process's resident set size in MB (Linux), or 0.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
