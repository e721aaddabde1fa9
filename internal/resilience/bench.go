package resilience

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/sim"
)

// SalvoMeasurements returns the measurements of a 20-missile salvo: the
// 2022-06-05 launches repeated 90 s apart to make 20 (as `trilink bench
// sim`), observed by the scenario's own sensors, in time order.
func SalvoMeasurements(ctx context.Context) ([]sensor.Measurement, error) {
	sc, err := sim.Resolve("2022-06-05-srbm-salvo")
	if err != nil {
		return nil, err
	}
	flights, err := sim.Repeat(sc, 20, 90*time.Second)
	if err != nil {
		return nil, err
	}
	sensors, err := sim.Sensors(sc)
	if err != nil {
		return nil, err
	}
	return Measurements(ctx, &sim.Run{Flights: flights, Sensors: sensors, Seed: sc.Seed})
}

// Repeat returns k copies of ms, copy i shifted by i×(span + gap), so that
// a long run can be fed from one salvo (each copy is new evidence: its
// times, hence its ids, differ).
func Repeat(ms []sensor.Measurement, k int, gap time.Duration) []sensor.Measurement {
	span := ms[len(ms)-1].Time.Sub(ms[0].Time) + gap
	out := make([]sensor.Measurement, 0, k*len(ms))
	for i := range k {
		for _, m := range ms {
			m.Time = m.Time.Add(time.Duration(i) * span)
			out = append(out, m)
		}
	}
	return out
}

// Flood returns ms with sensor id's rate multiplied by factor: factor−1
// extra plots, evenly spaced, after each of its own, and how many were
// added.
func Flood(ms []sensor.Measurement, id string, factor int) ([]sensor.Measurement, int) {
	var out []sensor.Measurement
	extra := 0
	var period time.Duration
	var last time.Time
	for _, m := range ms {
		if m.Sensor == id {
			if !last.IsZero() && (period == 0 || m.Time.Sub(last) < period) && m.Time.After(last) {
				period = m.Time.Sub(last)
			}
			last = m.Time
		}
	}
	if period == 0 {
		period = 100 * time.Millisecond
	}
	for _, m := range ms {
		out = append(out, m)
		if m.Sensor != id {
			continue
		}
		for k := 1; k < factor; k++ {
			c := m
			c.Seq = m.Seq*uint64(factor) + uint64(k) + 1<<40
			c.Time = m.Time.Add(time.Duration(k) * period / time.Duration(factor))
			out = append(out, c)
			extra++
		}
	}
	slices.SortStableFunc(out, func(a, b sensor.Measurement) int { return a.Time.Compare(b.Time) })
	return out, extra
}

// Probe collects the nodes' <n>.probe.fused messages: when each nation's
// picture took in each measurement.
type Probe struct {
	mu    sync.Mutex // guards fused
	fused map[string][3]time.Time
	subs  []*nats.Conn
}

// NewProbe subscribes to every node's probe subject (the cluster must run
// with Options.Probe).
func NewProbe(c *Cluster) (*Probe, error) {
	p := &Probe{fused: map[string][3]time.Time{}}
	for i, n := range share.Nations {
		nc, err := c.Connect(n)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.subs = append(p.subs, nc)
		if _, err := nc.Subscribe(n.String()+".probe.fused", func(m *nats.Msg) {
			f := strings.Fields(string(m.Data))
			if len(f) != 2 {
				return
			}
			ns, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return
			}
			k := f[0]
			p.mu.Lock()
			v := p.fused[k]
			v[i] = time.Unix(0, ns)
			p.fused[k] = v
			p.mu.Unlock()
		}); err != nil {
			p.Close()
			return nil, err
		}
		_ = nc.Flush()
	}
	return p, nil
}

// Close unsubscribes.
func (p *Probe) Close() {
	for _, nc := range p.subs {
		nc.Close()
	}
}

// Lags returns, for every measurement f sent (sampled) that all three
// nations took in, the time from its publication to the last of the three,
// ordered by publication; and how many were still missing somewhere.
func (p *Probe) Lags(f *Feeder) (lags []time.Duration, sentAt []time.Time, missing int) {
	f.mu.Lock()
	sent := make(map[string]time.Time, len(f.sent))
	for k, v := range f.sent {
		sent[k] = v
	}
	f.mu.Unlock()
	type row struct {
		at  time.Time
		lag time.Duration
	}
	var rows []row
	p.mu.Lock()
	for k, at := range sent {
		v, ok := p.fused[k]
		if !ok || v[0].IsZero() || v[1].IsZero() || v[2].IsZero() {
			missing++
			continue
		}
		last := v[0]
		for _, t := range v[1:] {
			if t.After(last) {
				last = t
			}
		}
		rows = append(rows, row{at, last.Sub(at)})
	}
	p.mu.Unlock()
	slices.SortFunc(rows, func(a, b row) int { return a.at.Compare(b.at) })
	for _, r := range rows {
		lags = append(lags, r.lag)
		sentAt = append(sentAt, r.at)
	}
	return lags, sentAt, missing
}

// Quantile returns the q-quantile of sorted d.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1))]
}

// E2EConfig configures BenchE2E.
type E2EConfig struct {
	Binary string
	Dir    string
	Logger *slog.Logger
	// Rates are the offered loads (measurements/s across the three
	// nations) tried for the sustained figure, each for Seconds.
	Rates   []int
	Seconds float64
	// Phases to run ("salvo", "sustained", "flood"); nil means all.
	Phases map[string]bool
}

// E2EFigures are the figures of `trilink bench e2e`.
type E2EFigures struct {
	Setup string `json:"setup"`
	// P50ms and P99ms: a sensor's measurement published at its nation's
	// node until all three nations' pictures took it in (20-missile salvo).
	P50ms          float64 `json:"p50_ms"`
	P99ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	LatencySamples int     `json:"latency_samples"`
	SalvoRatePerS  float64 `json:"salvo_msgs_per_s"`
	SalvoSpeed     float64 `json:"salvo_speed_x"`
	// SustainedMsgsPerS is the highest offered rate that all three
	// pictures kept up with (lag not growing, all taken in).
	SustainedMsgsPerS float64           `json:"sustained_msgs_per_s"`
	Sustained         []SustainedFigure `json:"sustained"`
	// RSSMBPerNation is each node process's peak resident set during the
	// salvo.
	RSSMBPerNation map[string]float64 `json:"rss_mb_per_nation"`
	// Health checks under a flood (one sensor at 10×, malformed traffic
	// at every public port).
	FloodHealthP50ms float64 `json:"flood_health_p50_ms"`
	FloodHealthP99ms float64 `json:"flood_health_p99_ms"`
	FloodHealthMaxMs float64 `json:"flood_health_max_ms"`
	FloodJunk        string  `json:"flood_junk"`
	// FloodAllTakenIn: every measurement (the flood's and the other
	// sensors') reached every nation's PICTURE once.
	FloodAllTakenIn bool     `json:"flood_all_taken_in"`
	FloodProblems   []string `json:"flood_problems,omitempty"`
}

// SustainedFigure is one offered load of the sustained phase.
type SustainedFigure struct {
	OfferedPerS   int     `json:"offered_msgs_per_s"`
	AchievedPerS  float64 `json:"published_msgs_per_s"`
	Measurements  int     `json:"measurements"`
	LagP50FirstMs float64 `json:"lag_p50_first_half_ms"`
	LagP50LastMs  float64 `json:"lag_p50_second_half_ms"`
	LagP99Ms      float64 `json:"lag_p99_ms"`
	Missing       int     `json:"missing_after_drain"`
	Kept          bool    `json:"kept_up"`
}

// benchLead is how long after the configs are written the scenario
// starts: time for three nodes to start and link up on a busy machine.
const benchLead = 10 * time.Second

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchE2E runs `trilink bench e2e`: three node processes on loopback, a
// 20-missile salvo for latency and memory, a ladder of offered loads for
// the sustained rate, and a flood for the health checks.
func BenchE2E(ctx context.Context, cfg E2EConfig) (*E2EFigures, error) {
	if cfg.Seconds <= 0 {
		cfg.Seconds = 15
	}
	if len(cfg.Rates) == 0 {
		cfg.Rates = []int{500, 1000, 2000, 2500, 3000, 4000, 5000, 10000, 20000}
	}
	salvo, err := SalvoMeasurements(ctx)
	if err != nil {
		return nil, err
	}
	r := &E2EFigures{Setup: "three `trilink node` processes on loopback, each with its own data directory and embedded NATS, partner links through TCP proxies; measurements published with JetStream into each sensor's own nation; latency until all three pictures took the measurement in (probe)",
		RSSMBPerNation: map[string]float64{}}
	run := func(phase string) bool { return cfg.Phases == nil || cfg.Phases[phase] }
	// Phase 1: the salvo at 30× real time, every measurement timed.
	const speed = 30
	span := salvo[len(salvo)-1].Time.Sub(salvo[0].Time)
	r.SalvoSpeed = speed
	r.SalvoRatePerS = float64(len(salvo)) / (span.Seconds() / speed)
	if err := func() error {
		if !run("salvo") {
			return nil
		}
		c, err := Start(ctx, Options{Binary: cfg.Binary, Dir: cfg.Dir + "/salvo", Speed: speed, Probe: true,
			WallStart: time.Now().Add(benchLead), ScenarioStart: salvo[0].Time})
		if err != nil {
			return err
		}
		defer c.Close()
		p, err := NewProbe(c)
		if err != nil {
			return err
		}
		defer p.Close()
		f := NewFeeder(c)
		f.Sample = 1
		stop := make(chan struct{})
		var wg sync.WaitGroup
		peak := map[share.Nation]uint64{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				for _, n := range share.Nations {
					if v, err := c.RSS(n); err == nil && v > peak[n] {
						peak[n] = v
					}
				}
				select {
				case <-stop:
					return
				case <-time.After(250 * time.Millisecond):
				}
			}
		}()
		err = f.Play(ctx, salvo, 256)
		time.Sleep(2 * time.Second)
		close(stop)
		wg.Wait()
		if err != nil {
			return err
		}
		for n, v := range peak {
			r.RSSMBPerNation[n.String()] = float64(v) / (1 << 20)
		}
		lags, _, _ := p.Lags(f)
		slices.Sort(lags)
		r.LatencySamples = len(lags)
		r.P50ms, r.P99ms = ms(Quantile(lags, 0.5)), ms(Quantile(lags, 0.99))
		if len(lags) > 0 {
			r.MaxMs = ms(lags[len(lags)-1])
		}
		return nil
	}(); err != nil {
		return nil, fmt.Errorf("resilience: salvo phase: %w", err)
	}
	// Phase 2: offered loads, the salvo repeated at the speed that gives
	// each rate.
	for i, rate := range cfg.Rates {
		if !run("sustained") {
			break
		}
		sf, err := sustained(ctx, cfg, salvo, rate, fmt.Sprintf("%s/rate-%d", cfg.Dir, i))
		if err != nil {
			return nil, fmt.Errorf("resilience: %d msgs/s: %w", rate, err)
		}
		r.Sustained = append(r.Sustained, *sf)
		if sf.Kept && float64(rate) > r.SustainedMsgsPerS {
			r.SustainedMsgsPerS = float64(rate)
		}
		if !sf.Kept {
			break
		}
	}
	// Phase 3: the flood.
	if !run("flood") {
		return r, nil
	}
	if err := flood(ctx, cfg, salvo, r); err != nil {
		return nil, fmt.Errorf("resilience: flood: %w", err)
	}
	return r, nil
}

func sustained(ctx context.Context, cfg E2EConfig, salvo []sensor.Measurement, rate int, dir string) (*SustainedFigure, error) {
	span := salvo[len(salvo)-1].Time.Sub(salvo[0].Time)
	perSalvo := float64(len(salvo))
	speed := float64(rate) * span.Seconds() / perSalvo
	need := int(float64(rate)*cfg.Seconds/perSalvo) + 1
	all := Repeat(salvo, need, time.Minute)
	cut := int(float64(rate) * cfg.Seconds)
	if cut < len(all) {
		all = all[:cut]
	}
	c, err := Start(ctx, Options{Binary: cfg.Binary, Dir: dir, Speed: speed, Probe: true, NoHotline: true,
		WallStart: time.Now().Add(benchLead), ScenarioStart: all[0].Time})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	p, err := NewProbe(c)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	f := NewFeeder(c)
	f.Sample = 10
	if err := f.Play(ctx, all, 1024); err != nil {
		return nil, err
	}
	pubDur := f.last.Sub(f.first)
	// Drain: up to 10 s for the pictures to take in what was published.
	deadline := time.Now().Add(10 * time.Second)
	var lags []time.Duration
	var missing int
	for {
		lags, _, missing = p.Lags(f)
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	sf := &SustainedFigure{OfferedPerS: rate, Measurements: len(all), Missing: missing}
	if pubDur > 0 {
		sf.AchievedPerS = float64(len(all)) / pubDur.Seconds()
	}
	if len(lags) > 4 {
		half := len(lags) / 2
		a, b := slices.Clone(lags[:half]), slices.Clone(lags[half:])
		slices.Sort(a)
		slices.Sort(b)
		sf.LagP50FirstMs, sf.LagP50LastMs = ms(Quantile(a, 0.5)), ms(Quantile(b, 0.5))
		s := slices.Clone(lags)
		slices.Sort(s)
		sf.LagP99Ms = ms(Quantile(s, 0.99))
	}
	// Kept up: everything taken in everywhere, publishing at ≥ 95 % of
	// the offered rate, the median lag of the second half not growing
	// past twice the first half's (plus 50 ms of noise), and under 1 s (a
	// steady lag of seconds is not keeping up either).
	sf.Kept = missing == 0 && sf.AchievedPerS >= 0.95*float64(rate) && sf.LagP50LastMs <= 2*sf.LagP50FirstMs+50 && sf.LagP50LastMs < 1000
	return sf, nil
}

func flood(ctx context.Context, cfg E2EConfig, salvo []sensor.Measurement, r *E2EFigures) error {
	var id string
	for _, m := range salvo {
		if m.Nation == share.JP {
			id = m.Sensor
			break
		}
	}
	all, _ := Flood(salvo, id, 10)
	const speed = 60
	c, err := Start(ctx, Options{Binary: cfg.Binary, Dir: cfg.Dir + "/flood", Speed: speed,
		WallStart: time.Now().Add(benchLead), ScenarioStart: all[0].Time})
	if err != nil {
		return err
	}
	defer c.Close()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	junk := &Junk{}
	for _, n := range share.Nations {
		for _, a := range []string{c.HTTPAddr(n), c.ClientAddr(n), c.LeafAddr(n)} {
			wg.Add(1)
			go func() { defer wg.Done(); junk.Hammer(fctx, a) }()
		}
	}
	var lat []time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; fctx.Err() == nil; i++ {
			start := time.Now()
			if _, err := c.Do(fctx, share.Nations[i%3], "GET", "/healthz", nil, nil); err != nil && fctx.Err() == nil {
				lat = append(lat, 10*time.Second) // counted as a failure at the client timeout
			} else {
				lat = append(lat, time.Since(start))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	f := NewFeeder(c)
	err = f.Play(ctx, all, 256)
	stop()
	wg.Wait()
	if err != nil {
		return err
	}
	slices.Sort(lat)
	r.FloodHealthP50ms, r.FloodHealthP99ms = ms(Quantile(lat, 0.5)), ms(Quantile(lat, 0.99))
	if len(lat) > 0 {
		r.FloodHealthMaxMs = ms(lat[len(lat)-1])
	}
	r.FloodJunk = junk.String()
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	e := Expect{Acked: map[share.Nation]int64{}, CountsOnly: true}
	for _, n := range share.Nations {
		e.Acked[n] = f.Acked(n)
	}
	r.FloodProblems = c.Converge(cctx, e, nil)
	r.FloodAllTakenIn = len(r.FloodProblems) == 0
	return nil
}
