package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/call/calltest"
	"github.com/trilink/trilink/internal/nation"
)

// CallFigures is the output of `trilink bench calls`: the call SFUs of the
// three nations on one machine, linked over the loopback backbone, with Go
// pion clients standing in for browsers.
type CallFigures struct {
	// Setups is the number of joins timed. A setup is a kr client joining
	// a call that a jp member is talking in: from creating its offer (ICE
	// gathering included) through the SFU's answer, ICE and DTLS, to the
	// first packet of the jp member's audio arriving.
	Setups     int     `json:"setups"`
	SetupP50ms float64 `json:"setup_p50_ms"`
	SetupP95ms float64 `json:"setup_p95_ms"`
	SetupMaxms float64 `json:"setup_max_ms"`
	// HopLatency is one-way packet latency on each path and what each hop
	// adds (milliseconds, sender's RTP write to receiver's read).
	HopLatency HopLatency `json:"hop_latency_ms"`
	// CPU per forwarded audio stream, in percent of one core, for one SFU
	// hop (receive, decrypt, re-encrypt, send): the process's CPU with K
	// streams going jp client → jp SFU → trunk → kr SFU → kr client, less
	// the CPU of K direct client pairs, over 2K SFU hops.
	Streams          int     `json:"cpu_streams"`
	CPUForwardedPct  float64 `json:"cpu_forwarding_pct"`
	CPUDirectPct     float64 `json:"cpu_direct_pct"`
	CPUPerStreamPct  float64 `json:"cpu_per_forwarded_stream_pct"`
	PacketsPerStream float64 `json:"packets_per_stream_per_s"`
	PayloadBytes     int     `json:"payload_bytes"`
	DurationS        float64 `json:"duration_s"`
	CPUs             int     `json:"cpus"`
	GoVersion        string  `json:"go_version"`
}

// HopLatency is the latency of each path and each hop.
type HopLatency struct {
	DirectP50   float64 `json:"direct_p50"`    // client → client, no SFU
	DirectP99   float64 `json:"direct_p99"`    //
	OneSFUP50   float64 `json:"one_sfu_p50"`   // jp client → jp SFU → jp client
	OneSFUP99   float64 `json:"one_sfu_p99"`   //
	TrunkP50    float64 `json:"trunk_p50"`     // jp client → jp SFU → trunk → kr SFU → kr client
	TrunkP99    float64 `json:"trunk_p99"`     //
	SFUHopP50   float64 `json:"sfu_hop_p50"`   // added by one SFU: one_sfu − direct
	TrunkHopP50 float64 `json:"trunk_hop_p50"` // added by the trunk and the partner's SFU: trunk − one_sfu
	Samples     int     `json:"samples"`       // packets per path
}

// benchCalls runs the call benchmark.
func benchCalls(ctx context.Context, o BenchOptions, log *slog.Logger) (*CallFigures, error) {
	secs := o.Seconds
	if secs <= 0 {
		secs = 5
	}
	dur := time.Duration(secs * float64(time.Second))
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "trilink-bench-calls-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	quiet := slog.New(slog.DiscardHandler)
	sys, err := StartLoopback(ctx, dir, quiet)
	if err != nil {
		return nil, err
	}
	defer sys.Close()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	sfus := map[nation.Nation]*call.SFU{}
	for _, node := range sys.Nodes {
		s, err := call.New(call.Config{Nation: node.Nation, NC: node.NC, Partners: node.Nation.Partners(), Logger: quiet})
		if err != nil {
			return nil, err
		}
		sfus[node.Nation] = s
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Run(ctx) }()
	}
	if err := waitFor(ctx, 15*time.Second, func() bool {
		for _, s := range sfus {
			if s.Stats().PeerConnections < 4 {
				return false
			}
		}
		return true
	}); err != nil {
		return nil, fmt.Errorf("bench calls: trunks not up: %w", err)
	}
	api, err := call.NewAPI()
	if err != nil {
		return nil, err
	}
	r := &CallFigures{PayloadBytes: calltest.PayloadSize, DurationS: secs, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	log.Info("bench calls: setup times")
	if err := benchSetup(ctx, api, sfus, r); err != nil {
		return nil, err
	}
	log.Info("bench calls: hop latency")
	if err := benchHops(ctx, api, sfus, dur, r); err != nil {
		return nil, err
	}
	log.Info("bench calls: CPU per stream")
	if err := benchCPU(ctx, api, sfus, dur, r); err != nil {
		return nil, err
	}
	return r, nil
}

func waitFor(ctx context.Context, d time.Duration, f func() bool) error {
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// joinClient connects a new client with slots receive slots as member of
// room through s.
func joinClient(ctx context.Context, api *webrtc.API, s *call.SFU, room, member string, slots int) (*calltest.Client, *call.JoinResponse, error) {
	c, err := calltest.New(api, slots)
	if err != nil {
		return nil, nil, err
	}
	offer, err := c.Offer(ctx)
	if err != nil {
		_ = c.Close()
		return nil, nil, err
	}
	resp, err := s.Join(ctx, room, member, call.JoinRequest{Type: "offer", SDP: offer})
	if err != nil {
		_ = c.Close()
		return nil, nil, err
	}
	if err := c.Answer(resp.SDP); err != nil {
		_ = c.Close()
		return nil, nil, err
	}
	return c, resp, nil
}

func benchSetup(ctx context.Context, api *webrtc.API, sfus map[nation.Nation]*call.SFU, r *CallFigures) error {
	talker, _, err := joinClient(ctx, api, sfus[nation.JP], "setup", "jp-ops", 1)
	if err != nil {
		return err
	}
	defer talker.Close()
	tctx, tcancel := context.WithCancel(ctx)
	defer tcancel()
	go talker.Talk(tctx)
	if err := talker.Connected(ctx); err != nil {
		return err
	}
	// Let the talker's stream reach kr's SFU over the trunk.
	time.Sleep(300 * time.Millisecond)
	var times []time.Duration
	for i := range 50 {
		start := time.Now()
		c, resp, err := joinClient(ctx, api, sfus[nation.KR], "setup", "kr-ops", 2)
		if err != nil {
			return err
		}
		fctx, fcancel := context.WithTimeout(ctx, 5*time.Second)
		err = c.FirstPacket(fctx)
		fcancel()
		if err != nil {
			_ = c.Close()
			return fmt.Errorf("bench calls: setup %d: %w", i, err)
		}
		times = append(times, time.Since(start))
		_ = sfus[nation.KR].Leave("setup", "kr-ops", resp.Session)
		_ = c.Close()
	}
	r.Setups = len(times)
	r.SetupP50ms, r.SetupP95ms, r.SetupMaxms = ms(quantile(times, 0.5)), ms(quantile(times, 0.95)), ms(quantile(times, 1))
	return nil
}

// latencies records one-way latencies of stamped packets.
type latencies struct {
	mu sync.Mutex
	ds []time.Duration
	on bool
}

func (l *latencies) record(p *rtp.Packet, at time.Time) {
	sent, ok := calltest.SentAt(p)
	if !ok {
		return
	}
	l.mu.Lock()
	if l.on {
		l.ds = append(l.ds, at.Sub(sent))
	}
	l.mu.Unlock()
}

func (l *latencies) set(on bool) {
	l.mu.Lock()
	l.on = on
	l.mu.Unlock()
}

func (l *latencies) get() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ds
}

// directPair connects two clients to each other, no SFU between.
func directPair(ctx context.Context, api *webrtc.API) (a, b *calltest.Client, err error) {
	if a, err = calltest.New(api, 1); err != nil {
		return nil, nil, err
	}
	if b, err = calltest.New(api, 1); err != nil {
		_ = a.Close()
		return nil, nil, err
	}
	fail := func(err error) (*calltest.Client, *calltest.Client, error) {
		_ = a.Close()
		_ = b.Close()
		return nil, nil, err
	}
	offer, err := a.Offer(ctx)
	if err != nil {
		return fail(err)
	}
	if err := b.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(err)
	}
	ans, err := b.PC.CreateAnswer(nil)
	if err != nil {
		return fail(err)
	}
	gathered := webrtc.GatheringCompletePromise(b.PC)
	if err := b.PC.SetLocalDescription(ans); err != nil {
		return fail(err)
	}
	<-gathered
	if err := a.Answer(b.PC.LocalDescription().SDP); err != nil {
		return fail(err)
	}
	return a, b, nil
}

func benchHops(ctx context.Context, api *webrtc.API, sfus map[nation.Nation]*call.SFU, dur time.Duration, r *CallFigures) error {
	var direct, one, trunk latencies
	da, db, err := directPair(ctx, api)
	if err != nil {
		return err
	}
	defer da.Close()
	defer db.Close()
	db.OnPacket(direct.record)
	sender, _, err := joinClient(ctx, api, sfus[nation.JP], "hops", "jp-ops", 1)
	if err != nil {
		return err
	}
	defer sender.Close()
	local, _, err := joinClient(ctx, api, sfus[nation.JP], "hops", "jp-ops-deputy", 2)
	if err != nil {
		return err
	}
	defer local.Close()
	local.OnPacket(one.record)
	remote, _, err := joinClient(ctx, api, sfus[nation.KR], "hops", "kr-ops", 2)
	if err != nil {
		return err
	}
	defer remote.Close()
	remote.OnPacket(trunk.record)
	tctx, tcancel := context.WithCancel(ctx)
	defer tcancel()
	go da.Talk(tctx)
	go sender.Talk(tctx)
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	defer ccancel()
	for _, c := range []*calltest.Client{db, local, remote} {
		if err := c.FirstPacket(cctx); err != nil {
			return fmt.Errorf("bench calls: hops: %w", err)
		}
	}
	time.Sleep(500 * time.Millisecond) // past the jitter of the first packets
	for _, l := range []*latencies{&direct, &one, &trunk} {
		l.set(true)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(dur):
	}
	for _, l := range []*latencies{&direct, &one, &trunk} {
		l.set(false)
	}
	d, o, t := direct.get(), one.get(), trunk.get()
	h := &r.HopLatency
	h.DirectP50, h.DirectP99 = ms(quantile(d, 0.5)), ms(quantile(d, 0.99))
	h.OneSFUP50, h.OneSFUP99 = ms(quantile(o, 0.5)), ms(quantile(o, 0.99))
	h.TrunkP50, h.TrunkP99 = ms(quantile(t, 0.5)), ms(quantile(t, 0.99))
	h.SFUHopP50, h.TrunkHopP50 = round3(h.OneSFUP50-h.DirectP50), round3(h.TrunkP50-h.OneSFUP50)
	h.Samples = min(len(d), len(o), len(t))
	return nil
}

// cpuTime returns the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOver returns the process's CPU use over d, in percent of one core.
func cpuOver(ctx context.Context, d time.Duration) (float64, error) {
	c0, t0 := cpuTime(), time.Now()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	return 100 * float64(cpuTime()-c0) / float64(time.Since(t0)), nil
}

func benchCPU(ctx context.Context, api *webrtc.API, sfus map[nation.Nation]*call.SFU, dur time.Duration, r *CallFigures) error {
	const k = 40
	r.Streams = k
	tctx, tcancel := context.WithCancel(ctx)
	defer tcancel()
	var closers []*calltest.Client
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	// Baseline: k direct pairs.
	var recv []*calltest.Client
	for range k {
		a, b, err := directPair(ctx, api)
		if err != nil {
			return err
		}
		closers = append(closers, a, b)
		recv = append(recv, b)
		go a.Talk(tctx)
	}
	if err := firstPackets(ctx, recv); err != nil {
		return err
	}
	pct, err := cpuOver(ctx, dur)
	if err != nil {
		return err
	}
	r.CPUDirectPct = pct
	tcancel()
	for _, c := range closers {
		_ = c.Close()
	}
	closers, recv = nil, nil
	time.Sleep(500 * time.Millisecond)

	// The same k streams through jp's SFU, the trunk and kr's SFU.
	tctx, tcancel = context.WithCancel(ctx)
	defer tcancel()
	for i := range k {
		room := fmt.Sprintf("cpu-%d", i)
		a, _, err := joinClient(ctx, api, sfus[nation.JP], room, "jp-ops", 1)
		if err != nil {
			return err
		}
		b, _, err := joinClient(ctx, api, sfus[nation.KR], room, "kr-ops", 2)
		if err != nil {
			_ = a.Close()
			return err
		}
		closers = append(closers, a, b)
		recv = append(recv, b)
		go a.Talk(tctx)
	}
	if err := firstPackets(ctx, recv); err != nil {
		return err
	}
	p0 := int64(0)
	for _, b := range recv {
		n, _ := b.Received()
		p0 += n
	}
	t0 := time.Now()
	pct, err = cpuOver(ctx, dur)
	if err != nil {
		return err
	}
	p1 := int64(0)
	for _, b := range recv {
		n, _ := b.Received()
		p1 += n
	}
	r.CPUForwardedPct = round3(pct)
	r.CPUDirectPct = round3(r.CPUDirectPct)
	r.CPUPerStreamPct = round3((pct - r.CPUDirectPct) / (2 * k))
	r.PacketsPerStream = round3(float64(p1-p0) / time.Since(t0).Seconds() / k)
	return nil
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func firstPackets(ctx context.Context, cs []*calltest.Client) error {
	fctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for _, c := range cs {
		if err := c.FirstPacket(fctx); err != nil {
			return fmt.Errorf("bench calls: %w", err)
		}
	}
	return nil
}

func printCalls(w io.Writer, r *CallFigures) {
	fmt.Fprintf(w, "calls (three nations' SFUs, trunks over the loopback backbone, Go pion clients)\n")
	fmt.Fprintf(w, "  setup (join an ongoing call to first audio packet): p50 %.1f ms, p95 %.1f ms, max %.1f ms over %d joins\n", r.SetupP50ms, r.SetupP95ms, r.SetupMaxms, r.Setups)
	h := r.HopLatency
	fmt.Fprintf(w, "  one-way latency p50 (p99): direct %.3f (%.3f) ms; via one SFU %.3f (%.3f) ms; via SFU, trunk, SFU %.3f (%.3f) ms\n",
		h.DirectP50, h.DirectP99, h.OneSFUP50, h.OneSFUP99, h.TrunkP50, h.TrunkP99)
	fmt.Fprintf(w, "  added per hop p50: SFU %.3f ms, trunk and partner SFU %.3f ms\n", h.SFUHopP50, h.TrunkHopP50)
	fmt.Fprintf(w, "  CPU: %d streams direct %.1f%%, forwarded %.1f%% of a core; %.3f%% of a core per forwarded stream per SFU (%.0f packets/s each)\n",
		r.Streams, r.CPUDirectPct, r.CPUForwardedPct, r.CPUPerStreamPct, r.PacketsPerStream)
}
