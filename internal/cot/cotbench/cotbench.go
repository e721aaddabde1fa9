// Package cotbench measures the TAK gateway's delivery: many TAK clients
// on loopback following a missile salvo that changes at a fixed rate, with
// the latency of each message from the Update that made it to its receipt
// by a client.
//
// The server's clock (cot.Options.Now) is synthetic: update k stamps its
// events with a base time plus k milliseconds, so a client reading an
// event's time knows which update made it; the harness records the wall
// time just before each Update. Clients frame each message and read only
// its time (protowire for v1, the time attribute for v0): the figure is
// the gateway's delivery, not a client's decoding.
package cotbench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/cottest"
	"github.com/trilink/trilink/internal/export/exporttest"
	"github.com/trilink/trilink/internal/fusion"
	"google.golang.org/protobuf/encoding/protowire"
)

// Config is a benchmark run. Zero fields take the defaults given.
type Config struct {
	// Clients is the number of TAK clients; 100.
	Clients int
	// Missiles is the size of the salvo; 20. Each update moves every
	// missile and refines its impact prediction: three changed items per
	// missile (track, impact point, ellipse).
	Missiles int
	// Hz is the update rate; 10.
	Hz float64
	// Duration is how long updates are made; 10 s.
	Duration time.Duration
	// XML keeps the clients on TAK protocol v0 instead of negotiating v1.
	XML bool
}

// Result is what a run measured.
type Result struct {
	Clients  int     `json:"clients"`
	Missiles int     `json:"missiles"`
	Hz       float64 `json:"hz"`
	Protocol string  `json:"protocol"`
	// Updates is the number of Update calls; Messages the messages the
	// clients received from them (all clients together), Expected the
	// messages the server broadcast times the clients.
	Updates  int    `json:"updates"`
	Messages uint64 `json:"messages"`
	Expected uint64 `json:"expected"`
	// MsgsPerS is Messages per second of the run.
	MsgsPerS float64 `json:"msgs_per_s"`
	// Latency from the Update call to a client's receipt, milliseconds.
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p999_ms"`
	MaxMs  float64 `json:"max_ms"`
	// Dropped is Expected − Messages: messages some client never got.
	// ServerDropped and Superseded are the server's own counts (queue
	// full; replaced by a newer state while waiting).
	Dropped       uint64  `json:"dropped"`
	ServerDropped uint64  `json:"server_dropped"`
	Superseded    uint64  `json:"superseded"`
	DurationS     float64 `json:"duration_s"`
}

func (c *Config) defaults() {
	if c.Clients <= 0 {
		c.Clients = 100
	}
	if c.Missiles <= 0 {
		c.Missiles = 20
	}
	if c.Hz <= 0 {
		c.Hz = 10
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
}

// base is the synthetic clock's zero: update k is stamped base + k ms.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// simStart is the salvo time of the first update: every missile of a
// salvo of up to 40 is in flight with an impact prediction from then for
// more than five minutes.
const simStart = 400 * time.Second

// Run starts a gateway on a loopback port, connects the clients, makes
// updates at cfg.Hz for cfg.Duration, waits (up to 5 s) for the clients to
// receive everything, and reports. It fails if the context ends or a
// client cannot connect or loses its connection.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg.defaults()
	var seq atomic.Int64
	s := cot.NewServer(cot.Options{
		Now:        func() time.Time { return base.Add(time.Duration(seq.Load()) * time.Millisecond) },
		MaxClients: cfg.Clients + 10,
	})
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, fmt.Errorf("cotbench: listen: %w", err)
	}
	go func() { _ = s.Serve(ln) }()

	pic := salvo(cfg.Missiles, cfg.Hz)
	s.Update(pic(0))
	want := s.Stats().Items

	n := int(cfg.Duration.Seconds()*cfg.Hz) + 1
	sentAt := make([]atomic.Int64, n+1) // wall time of update k, ns since start
	start := time.Now()

	clients := make([]*benchClient, cfg.Clients)
	for i := range clients {
		c, err := connect(ctx, ln.Addr().String(), !cfg.XML, want)
		if err != nil {
			for _, c := range clients[:i] {
				_ = c.c.Close()
			}
			return Result{}, err
		}
		clients[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.run(sentAt, start, nil); err != nil {
				errs <- err
			}
		}()
	}
	defer func() {
		for _, c := range clients {
			_ = c.c.Close()
		}
		wg.Wait()
	}()

	before := s.Stats()
	tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.Hz))
	defer tick.Stop()
	runStart := time.Now()
	for k := 1; k <= n; k++ {
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case err := <-errs:
			return Result{}, err
		case <-tick.C:
		}
		p := pic(k)
		seq.Store(int64(k))
		sentAt[k].Store(int64(time.Since(start)))
		s.Update(p)
	}
	after := s.Stats()
	expected := (after.Changes - before.Changes) * uint64(len(clients))
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got uint64
		for _, c := range clients {
			got += c.count.Load()
		}
		if got >= expected || time.Now().After(deadline) {
			break
		}
		select {
		case err := <-errs:
			return Result{}, err
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	elapsed := time.Since(runStart)
	res := Result{Clients: len(clients), Missiles: cfg.Missiles, Hz: cfg.Hz, Protocol: "v1", Updates: n,
		Expected: expected, DurationS: elapsed.Seconds()}
	if cfg.XML {
		res.Protocol = "v0"
	}
	var lat []int64
	for _, c := range clients {
		c.mu.Lock()
		lat = append(lat, c.lat...)
		res.Messages += uint64(len(c.lat))
		c.mu.Unlock()
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := min(int(p*float64(len(lat))), len(lat)-1)
		return float64(lat[i]) / 1e6
	}
	res.P50Ms, res.P99Ms, res.P999Ms, res.MaxMs = pct(0.5), pct(0.99), pct(0.999), pct(1)
	res.MsgsPerS = float64(res.Messages) / elapsed.Seconds()
	if expected > res.Messages {
		res.Dropped = expected - res.Messages
	}
	st := s.Stats()
	res.ServerDropped, res.Superseded = st.Dropped-before.Dropped, st.Superseded-before.Superseded
	return res, nil
}

// benchClient is one TAK client: it counts and times the messages of
// updates 1 and later.
type benchClient struct {
	c     *cottest.Client
	v1    bool
	count atomic.Uint64
	mu    sync.Mutex // guards lat
	lat   []int64    // ns
}

// connect dials, negotiates v1 if asked and reads the initial picture of
// want items.
func connect(ctx context.Context, addr string, v1 bool, want int) (*benchClient, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := cottest.Dial(ctx, addr, nil)
	if err != nil {
		return nil, fmt.Errorf("cotbench: %w", err)
	}
	if v1 {
		if err := c.Negotiate(ctx); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("cotbench: %w", err)
		}
	}
	pic := cottest.Picture{}
	for len(pic) < want {
		ev, err := c.Next(ctx)
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("cotbench: initial picture: %w", err)
		}
		pic.Apply(ev)
	}
	return &benchClient{c: c, v1: v1, lat: make([]int64, 0, 1<<14)}, nil
}

// run reads messages until the connection closes, counting those of
// updates 1 and later, timing those of updates below len(sentAt), and
// calling onMsg (if not nil) after each counted one.
func (b *benchClient) run(sentAt []atomic.Int64, start time.Time, onMsg func()) error {
	_ = b.c.Conn().SetReadDeadline(time.Time{})
	r := b.c.Reader()
	for {
		var ms uint64
		var err error
		if b.v1 {
			ms, err = readFrameTime(r)
		} else {
			ms, err = readXMLTime(r)
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("cotbench: client: %w", err)
		}
		now := int64(time.Since(start))
		k := int64(ms) - base.UnixMilli()
		if k < 1 {
			continue // the initial picture, or a control message
		}
		if k < int64(len(sentAt)) {
			b.mu.Lock()
			b.lat = append(b.lat, now-sentAt[k].Load())
			b.mu.Unlock()
		}
		b.count.Add(1)
		if onMsg != nil {
			onMsg()
		}
	}
}

// readFrameTime reads a TAK protocol v1 frame and returns its event's
// sendTime, or 0 for a message without one.
func readFrameTime(r *bufio.Reader) (uint64, error) {
	m, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	if m != cot.Magic {
		return 0, fmt.Errorf("frame starts with %#x", m)
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, err
	}
	p, err := r.Peek(int(n))
	if err != nil {
		if !errors.Is(err, bufio.ErrBufferFull) {
			return 0, err
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return 0, err
		}
		return sendTime(buf), nil
	}
	t := sendTime(p)
	_, _ = r.Discard(int(n))
	return t, nil
}

// sendTime is TakMessage.cotEvent (2).sendTime (6), or 0.
func sendTime(p []byte) uint64 {
	ev := field(p, 2, protowire.BytesType)
	if ev == nil {
		return 0
	}
	for len(ev) > 0 {
		num, typ, n := protowire.ConsumeTag(ev)
		if n < 0 {
			return 0
		}
		ev = ev[n:]
		if num == 6 && typ == protowire.VarintType {
			v, _ := protowire.ConsumeVarint(ev)
			return v
		}
		n = protowire.ConsumeFieldValue(num, typ, ev)
		if n < 0 {
			return 0
		}
		ev = ev[n:]
	}
	return 0
}

// field returns the first length-delimited field num of p.
func field(p []byte, num protowire.Number, typ protowire.Type) []byte {
	for len(p) > 0 {
		n0, t0, n := protowire.ConsumeTag(p)
		if n < 0 {
			return nil
		}
		p = p[n:]
		if n0 == num && t0 == typ {
			v, n := protowire.ConsumeBytes(p)
			if n < 0 {
				return nil
			}
			return v
		}
		n = protowire.ConsumeFieldValue(n0, t0, p)
		if n < 0 {
			return nil
		}
		p = p[n:]
	}
	return nil
}

// readXMLTime reads a TAK protocol v0 message (to "</event>") and returns
// its time attribute in milliseconds, or 0.
func readXMLTime(r *bufio.Reader) (uint64, error) {
	var msg []byte
	for {
		chunk, err := r.ReadSlice('>')
		msg = append(msg, chunk...)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return 0, err
		}
		if err == nil && bytes.HasSuffix(msg, []byte("</event>")) {
			break
		}
	}
	i := bytes.Index(msg, []byte(` time="`))
	if i < 0 || len(msg) < i+7+24 {
		return 0, nil
	}
	t, err := time.Parse("2006-01-02T15:04:05.000Z", string(msg[i+7:i+7+24]))
	if err != nil {
		return 0, nil
	}
	return uint64(t.UnixMilli()), nil
}

// salvo returns the picture of a salvo of n missiles at update k of a run
// at hz.
func salvo(n int, hz float64) func(k int) cot.Picture {
	launches := exporttest.Salvo(n, base)
	return func(k int) cot.Picture {
		t := base.Add(simStart + time.Duration(float64(k)/hz*float64(time.Second)))
		p := cot.Picture{Events: make([]fusion.Event, len(launches))}
		for i, l := range launches {
			p.Events[i] = l.Live(t)
		}
		return p
	}
}

// Fanout is a gateway with TAK protocol v1 clients connected over
// loopback, for Go benchmarks: each Step makes one update of a salvo and
// waits until every client has received all of it.
type Fanout struct {
	s       *cot.Server
	clients []*benchClient
	pic     func(int) cot.Picture
	seq     atomic.Int64
	k       int
	total   atomic.Uint64 // messages received by all clients
	target  atomic.Uint64 // total to reach in this step
	reached chan struct{}
	wg      sync.WaitGroup
}

// NewFanout starts a gateway with a salvo of missiles and connects the
// clients.
func NewFanout(clients, missiles int) (*Fanout, error) {
	f := &Fanout{pic: salvo(missiles, 10), reached: make(chan struct{}, 1)}
	f.s = cot.NewServer(cot.Options{
		Now:        func() time.Time { return base.Add(time.Duration(f.seq.Load()) * time.Millisecond) },
		MaxClients: clients + 10,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.s.Close()
		return nil, fmt.Errorf("cotbench: listen: %w", err)
	}
	go func() { _ = f.s.Serve(ln) }()
	f.s.Update(f.pic(0))
	want := f.s.Stats().Items
	for range clients {
		c, err := connect(context.Background(), ln.Addr().String(), true, want)
		if err != nil {
			f.Close()
			return nil, err
		}
		f.clients = append(f.clients, c)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			_ = c.run(nil, time.Now(), func() {
				if f.total.Add(1) == f.target.Load() {
					select {
					case f.reached <- struct{}{}:
					default:
					}
				}
			})
		}()
	}
	return f, nil
}

// Step makes one update and waits (up to 10 s) until every client has
// received its messages.
func (f *Fanout) Step() error {
	f.k++
	p := f.pic(f.k % 2000) // stay within the flights
	select {
	case <-f.reached: // a signal left over from the last step
	default:
	}
	before := f.s.Stats().Changes
	// The messages of this update are stamped k ms after base, which is
	// all the clients look at; they count them whatever the order.
	f.seq.Store(int64(f.k))
	var n uint64
	f.s.Update(p)
	n = (f.s.Stats().Changes - before) * uint64(len(f.clients))
	if f.target.Add(n) == f.total.Load() {
		return nil
	}
	select {
	case <-f.reached:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("cotbench: step %d: %d of %d messages", f.k, f.total.Load(), f.target.Load())
	}
}

// Close disconnects the clients and stops the gateway.
func (f *Fanout) Close() {
	for _, c := range f.clients {
		_ = c.c.Close()
	}
	f.s.Close()
	f.wg.Wait()
}
