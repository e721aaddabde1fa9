package resilience_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/resilience"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
)

// binary is the trilink executable the tests run as nodes, built once.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() || os.Getenv("TRILINK_RESILIENCE") == "off" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "trilink-resilience-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "trilink")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("go", "build", "-o", binary, "./cmd/trilink")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build trilink:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// soak reports whether the long variants run (make soak).
func soak() bool { return os.Getenv("TRILINK_SOAK") != "" }

func needBinary(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("resilience tests need the trilink binary; skipped with -short or TRILINK_RESILIENCE=off")
	}
}

// startCluster starts three nodes whose exercise clock puts the first
// measurement of ms lead after now, at speed.
func startCluster(t *testing.T, ms []sensor.Measurement, speed float64, lead time.Duration, o resilience.Options) *resilience.Cluster {
	t.Helper()
	o.Binary, o.Dir, o.Speed = binary, t.TempDir(), speed
	o.WallStart = time.Now().Add(lead)
	o.ScenarioStart = ms[0].Time
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := resilience.Start(ctx, o)
	if err != nil {
		for _, n := range share.Nations {
			b, _ := os.ReadFile(filepath.Join(o.Dir, n.String()+".log"))
			lines := strings.Split(string(b), "\n")
			if len(lines) > 20 {
				lines = lines[len(lines)-20:]
			}
			t.Logf("---- %s log (tail) ----\n%s", n, strings.Join(lines, "\n"))
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer c.Close()
		if t.Failed() {
			for _, n := range share.Nations {
				b, _ := os.ReadFile(c.LogFile(n))
				lines := strings.Split(string(b), "\n")
				if len(lines) > 40 {
					lines = lines[len(lines)-40:]
				}
				t.Logf("---- %s log (tail) ----\n%s", n, strings.Join(lines, "\n"))
				var mb []byte
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if _, err := c.Do(ctx, n, "GET", "/metrics", nil, nil); err == nil {
					mb = metricsText(ctx, c, n)
				}
				cancel()
				t.Logf("---- %s metrics ----\n%s", n, mb)
			}
		}
	})
	return c
}

func measurements(t *testing.T, scenario string) []sensor.Measurement {
	t.Helper()
	run, err := resilience.ScenarioRun(scenario)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := resilience.Measurements(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// hotlineChatter sends a FLASH from each live nation's ops centre every
// period until ctx ends; it returns the ids the nodes accepted.
func hotlineChatter(ctx context.Context, c *resilience.Cluster, period time.Duration) func() []string {
	var mu sync.Mutex
	var ids []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-time.After(period):
			}
			n := share.Nations[i%3]
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			id, err := c.SendHotline(rctx, n, fmt.Sprintf("resilience message %d from %s", i, n))
			cancel()
			if err == nil && id != "" {
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(ids)
	}
}

// Kill -9 a nation's node in the middle of a salvo and restart it: it
// catches up, its digest matches the others', and no acknowledged
// measurement, alert or accepted hotline message is lost or duplicated.
func TestKillNineMidSalvo(t *testing.T) {
	needBinary(t)
	ms := measurements(t, "2022-06-05-srbm-salvo")
	speed := 150.0 // 38 min of salvo in about 15 s
	if soak() {
		speed = 30
	}
	c := startCluster(t, ms, speed, 3*time.Second, resilience.Options{})
	f := resilience.NewFeeder(c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	chatCtx, stopChat := context.WithCancel(ctx)
	chat := hotlineChatter(chatCtx, c, 400*time.Millisecond)
	feedErr := make(chan error, 1)
	go func() { feedErr <- f.Play(ctx, ms, 256) }()

	span := ms[len(ms)-1].Time.Sub(ms[0].Time)
	wallSpan := time.Duration(float64(span) / speed)
	time.Sleep(3*time.Second + wallSpan*2/5)
	before, err := c.Snapshot(ctx, share.KR)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(share.KR); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed kr (-9) after %d of its measurements; it listed %d alerts", before.Rel, len(before.Alerts))
	time.Sleep(2 * time.Second)
	if err := c.Restart(ctx, share.KR); err != nil {
		t.Fatal(err)
	}
	if err := <-feedErr; err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	stopChat()
	hl := chat()
	var alerts []string
	for id := range before.Alerts {
		alerts = append(alerts, id)
	}
	e := resilience.Expect{Acked: map[share.Nation]int64{}, Hotline: hl, Alerts: alerts}
	for _, n := range share.Nations {
		e.Acked[n] = f.Acked(n)
	}
	start := time.Now()
	cctx, ccancel := context.WithTimeout(ctx, 90*time.Second)
	defer ccancel()
	if bad := c.Converge(cctx, e, t.Logf); len(bad) > 0 {
		t.Fatalf("not converged after 90 s:\n%s", strings.Join(bad, "\n"))
	}
	states, _ := c.Snapshots(ctx)
	t.Logf("converged %.1f s after the feed ended: %d measurements, %d alerts, %d hotline messages in every nation",
		time.Since(start).Seconds(), states[share.JP].Measurements, len(states[share.JP].Alerts), len(hl))
	if len(hl) == 0 {
		t.Error("no hotline message was accepted during the run")
	}
}

// Cut one nation's links during a launch: its own alerts still go out from
// its own sensors; after the heal all three converge.
func TestPartitionOwnAlerts(t *testing.T) {
	needBinary(t)
	ms := measurements(t, "2022-10-04-irbm-overflight")
	speed, cut := 20.0, 12*time.Second // 12 s = 4 min of flight
	if soak() {
		speed, cut = 4, 60*time.Second
	}
	c := startCluster(t, ms, speed, 3*time.Second, resilience.Options{})
	f := resilience.NewFeeder(c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	chatCtx, stopChat := context.WithCancel(ctx)
	chat := hotlineChatter(chatCtx, c, 500*time.Millisecond)
	feedErr := make(chan error, 1)
	go func() { feedErr <- f.Play(ctx, ms, 256) }()

	// Cut jp at launch (the first measurements come a few seconds after).
	time.Sleep(3 * time.Second)
	c.Cut(share.JP, true)
	cutAt := time.Now()
	var own []string
	for time.Since(cutAt) < cut {
		time.Sleep(500 * time.Millisecond)
		s, err := c.Snapshot(ctx, share.JP)
		if err != nil {
			t.Fatal(err)
		}
		own = own[:0]
		for id, o := range s.Alerts {
			if o == share.JP {
				own = append(own, id)
			}
		}
	}
	kr, err := c.Snapshot(ctx, share.KR)
	if err != nil {
		t.Fatal(err)
	}
	c.Cut(share.JP, false)
	healAt := time.Now()
	t.Logf("jp issued %d alerts of its own while cut off for %v; kr saw %d of them meanwhile", len(own), cut, countOrigin(kr.Alerts, share.JP))
	if len(own) == 0 {
		t.Fatal("jp issued no alert for its own regions while cut off from its partners")
	}
	if n := countOrigin(kr.Alerts, share.JP); n != 0 {
		t.Errorf("kr listed %d of jp's alerts while jp was cut off: the cut did not hold", n)
	}
	if err := <-feedErr; err != nil {
		t.Fatal(err)
	}
	fedAt := time.Now()
	stopChat()
	e := resilience.Expect{Acked: map[share.Nation]int64{}, Hotline: chat(), Alerts: own}
	for _, n := range share.Nations {
		e.Acked[n] = f.Acked(n)
	}
	// The bound recorded in BENCHMARKS.md, from the later of the heal and
	// the sensors' last measurement.
	from := healAt
	if fedAt.After(from) {
		from = fedAt
	}
	cctx, ccancel := context.WithDeadline(ctx, from.Add(healBound))
	defer ccancel()
	if bad := c.Converge(cctx, e, t.Logf); len(bad) > 0 {
		t.Fatalf("not converged within %v of the heal and the last measurement:\n%s", healBound, strings.Join(bad, "\n"))
	}
	t.Logf("converged %.1f s after the heal, %.1f s after the later of the heal and the last measurement (bound %v)",
		time.Since(healAt).Seconds(), time.Since(from).Seconds(), healBound)
}

// healBound is the convergence bound after a partition heals, recorded in
// BENCHMARKS.md: every invariant holds within it.
const healBound = 30 * time.Second

func countOrigin(m map[string]share.Nation, o share.Nation) int {
	n := 0
	for _, v := range m {
		if v == o {
			n++
		}
	}
	return n
}

// metricsText returns nation n's trilink_picture and trilink_ingest lines.
func metricsText(ctx context.Context, c *resilience.Cluster, n share.Nation) []byte {
	var out []byte
	b, err := c.Metrics(ctx, n)
	if err != nil {
		return []byte(err.Error())
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "trilink_picture") || strings.HasPrefix(l, "trilink_ingest") || strings.HasPrefix(l, "trilink_jetstream") {
			out = append(out, l+"\n"...)
		}
	}
	return out
}

// A JetStream limit reached: the node refuses new input with a clear error
// and raises the alarm (metric and log), keeps serving what it has, and
// takes input again once space is freed.
func TestStoreFull(t *testing.T) {
	needBinary(t)
	ms := measurements(t, "2022-10-04-irbm-overflight")
	const limit = 8 << 20
	c := startCluster(t, ms, 1, 0, resilience.Options{MaxStore: map[share.Nation]int64{share.KR: limit}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nc, err := c.Connect(share.KR)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	// Fill kr's store with its own private data.
	block := make([]byte, 256<<10)
	var fillErr error
	for i := 0; i < 4*limit/len(block) && fillErr == nil; i++ {
		_, fillErr = js.Publish(ctx, fmt.Sprintf("kr.fill.%d", i), block)
	}
	if fillErr == nil {
		t.Fatal("kr's store took four times its limit")
	}
	t.Logf("filling stopped: %v", fillErr)
	// A sensor's measurement is refused, with the server's reason.
	var krm sensor.Measurement
	for _, m := range ms {
		if m.Nation == share.KR {
			krm = m
			break
		}
	}
	b, _ := json.Marshal(&krm)
	_, err = js.Publish(ctx, "shared.kr.meas."+krm.Sensor, b)
	if err == nil || !strings.Contains(err.Error(), "insufficient") {
		t.Errorf("measurement into a full store: err = %v, want insufficient resources", err)
	}
	// A hotline message is refused at once with 507 and says why.
	start := time.Now()
	_, err = c.SendHotline(ctx, share.KR, "into a full store")
	if err == nil || !strings.Contains(err.Error(), "507") || !strings.Contains(err.Error(), "store full") {
		t.Errorf("hotline message into a full store: err = %v, want 507 … store full", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusal took %v: the node retried a write that cannot succeed", d)
	}
	// The alarm: metric and log.
	if err := waitUntil(ctx, 10*time.Second, func() bool {
		b, err := c.Metrics(ctx, share.KR)
		return err == nil && strings.Contains(string(b), `trilink_jetstream_store_full{nation="kr"} 1`)
	}); err != nil {
		t.Error("trilink_jetstream_store_full{nation=\"kr\"} did not become 1")
	}
	if b, _ := os.ReadFile(c.LogFile(share.KR)); !strings.Contains(string(b), "ALARM: JetStream store full") {
		t.Error("kr's log has no store-full alarm")
	}
	// It keeps serving what it has; the partners are unaffected.
	for _, path := range []string{"/healthz", "/api/v1/status", "/api/v1/events?nation=kr", "/api/v1/alerts?nation=kr", "/api/v1/rooms/ops/messages?member=kr-ops"} {
		if _, err := c.Do(ctx, share.KR, "GET", path, nil, nil); err != nil {
			t.Errorf("full kr: %v", err)
		}
	}
	if _, err := c.SendHotline(ctx, share.JP, "jp is not full"); err != nil {
		t.Errorf("jp's hotline while kr is full: %v", err)
	}
	// Space freed: the alarm clears and input is taken again.
	s, err := js.Stream(ctx, share.KR.PrivateStream())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if err := waitUntil(ctx, 10*time.Second, func() bool {
		b, err := c.Metrics(ctx, share.KR)
		return err == nil && strings.Contains(string(b), `trilink_jetstream_store_full{nation="kr"} 0`)
	}); err != nil {
		t.Error("the store-full alarm did not clear after the purge")
	}
	if _, err := js.Publish(ctx, "shared.kr.meas."+krm.Sensor, b); err != nil {
		t.Errorf("measurement after the purge: %v", err)
	}
	if _, err := c.SendHotline(ctx, share.KR, "space again"); err != nil {
		t.Errorf("hotline after the purge: %v", err)
	}
}

func waitUntil(ctx context.Context, d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %v", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// Floods: one sensor at 10× its normal rate, and malformed traffic at every
// public port (HTTP, NATS client, leaf) and malformed measurements from an
// authenticated client. Every node stays responsive and the other sensors'
// data still flows into every picture.
func TestFloodAndMalformed(t *testing.T) {
	needBinary(t)
	ms := measurements(t, "2022-10-04-irbm-overflight")
	// One jp sensor at ten times its rate: nine more plots between each two.
	var flooder string
	for _, m := range ms {
		if m.Nation == share.JP {
			flooder = m.Sensor
			break
		}
	}
	var all []sensor.Measurement
	extra := 0
	for _, m := range ms {
		all = append(all, m)
		if m.Sensor != flooder {
			continue
		}
		for k := 1; k < 10; k++ {
			c := m
			c.Seq = m.Seq*10 + uint64(k) + 1_000_000
			c.Time = m.Time.Add(time.Duration(k) * 10 * time.Millisecond)
			all = append(all, c)
			extra++
		}
	}
	slices.SortStableFunc(all, func(a, b sensor.Measurement) int { return a.Time.Compare(b.Time) })
	speed := 20.0
	if soak() {
		speed = 2
	}
	c := startCluster(t, all, speed, 2*time.Second, resilience.Options{NoHotline: true})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	f := resilience.NewFeeder(c)
	floodCtx, stopFlood := context.WithCancel(ctx)
	var wg sync.WaitGroup
	junk := resilience.Junk{}
	targets := []string{c.HTTPAddr(share.JP), c.HTTPAddr(share.KR), c.HTTPAddr(share.US),
		c.ClientAddr(share.JP), c.ClientAddr(share.KR), c.ClientAddr(share.US), c.LeafAddr(share.KR), c.LeafAddr(share.US)}
	for _, addr := range targets {
		wg.Add(1)
		go func() { defer wg.Done(); junk.Hammer(floodCtx, addr) }()
	}
	// Malformed measurements from an authenticated client of us. Each
	// publish has its own deadline, not the flood's: one cut off by the
	// end of the flood could be stored without its acknowledgement.
	var badAcked, badUnknown int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc, err := c.Connect(share.US)
		if err != nil {
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		for i := 0; floodCtx.Err() == nil; i++ {
			bodies := [][]byte{[]byte("{not json"), []byte(`{"kind":"radar","sensor":"nope"}`), make([]byte, 4096)}
			pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if _, err := js.Publish(pctx, fmt.Sprintf("shared.us.meas.bogus-%d", i%5), bodies[i%3]); err == nil {
				badAcked++
			} else {
				badUnknown++ // stored or not: the server's answer was lost
			}
			cancel()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	// Health checks during the flood.
	var lat []time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; floodCtx.Err() == nil; i++ {
			n := share.Nations[i%3]
			start := time.Now()
			_, err := c.Do(floodCtx, n, "GET", "/healthz", nil, nil)
			if err != nil && floodCtx.Err() == nil {
				t.Errorf("%s /healthz during the flood: %v", n, err)
			}
			lat = append(lat, time.Since(start))
			time.Sleep(20 * time.Millisecond)
		}
	}()
	if err := f.Play(ctx, all, 256); err != nil {
		t.Fatal(err)
	}
	stopFlood()
	wg.Wait()
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	t.Logf("flood: %s at 10× (%d extra plots), junk %s; /healthz over %d checks: p50 %v p99 %v max %v",
		flooder, extra, junk.String(), len(lat), p(0.5), p(0.99), lat[len(lat)-1])
	e := resilience.Expect{Acked: map[share.Nation]int64{}}
	for _, n := range share.Nations {
		e.Acked[n] = f.Acked(n)
	}
	e.Acked[share.US] += badAcked
	e.Unknown = map[share.Nation]int64{share.US: badUnknown}
	cctx, ccancel := context.WithTimeout(ctx, 90*time.Second)
	defer ccancel()
	if bad := c.Converge(cctx, e, t.Logf); len(bad) > 0 {
		t.Fatalf("not converged after the flood:\n%s", strings.Join(bad, "\n"))
	}
	for _, n := range share.Nations {
		b, err := c.Metrics(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `trilink_ingest_rejected_total{nation="`+n.String()+`",reason="malformed"}`) {
			t.Errorf("%s counted no malformed measurement", n)
		}
	}
}
