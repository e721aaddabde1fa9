package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/hotline/exchange"
	"github.com/trilink/trilink/internal/hotline/terminal"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/store"
)

// HotlineFigures is the output of `trilink bench hotline`.
type HotlineFigures struct {
	Members    int     `json:"members"`
	Rooms      int     `json:"rooms"`
	RateMsgsS  int     `json:"rate_msgs_per_s"`
	DurationS  float64 `json:"duration_s"`
	Sent       int     `json:"sent"`
	Deliveries int     `json:"deliveries"` // member terminals that opened and stored a message
	Expected   int     `json:"expected_deliveries"`
	// FlashP99ms is the 99th percentile, over every FLASH message and every
	// addressee, of the time from the sender's terminal starting to seal
	// the message to the addressee's national node having verified it and
	// handed it to the addressee's connection — across the leaf links for
	// the two thirds of addressees in other nations. This is the delivery
	// the nodes are responsible for.
	FlashP99ms float64 `json:"flash_p99_ms"`
	FlashP50ms float64 `json:"flash_p50_ms"`
	FlashMaxms float64 `json:"flash_max_ms"`
	// FlashStoredP99ms goes on to the addressee's terminal having verified,
	// decrypted and stored the message. Here the 500 terminals share the
	// machine's 2 CPUs with the three nodes; in use each runs on its own
	// device.
	FlashStoredP99ms float64 `json:"flash_stored_p99_ms"`
	FlashStoredP50ms float64 `json:"flash_stored_p50_ms"`
	AllP99ms         float64 `json:"all_stored_p99_ms"` // every precedence, to the terminal
	// AllHandsNodeP99ms is the time until all three nodes have handed an
	// all-hands FLASH to their members' connections.
	AllHandsNodeP99ms float64 `json:"all_hands_node_p99_ms"`
	// AllHandsP99ms is the time until the last of 500 members has a FLASH
	// sent to a room of all of them (sealed to 500 devices), p99 over the
	// all-hands messages sent during the run.
	AllHandsP99ms float64 `json:"all_hands_p99_ms"`
	AllHands      int     `json:"all_hands_sent"`
	SealAllMs     float64 `json:"seal_all_hands_ms"` // mean time to seal one all-hands message
	Receipts      uint64  `json:"receipts"`          // delivered receipts released and taken in by jp
	// AuditAppendsPerS is the capacity of one nation's audit log: entries
	// appended per second, closed loop, each written to the entries file.
	AuditAppendsPerS float64 `json:"audit_appends_per_s"`
	// AuditDuringRunPerS is the rate the run itself produced, per nation.
	AuditDuringRunPerS float64 `json:"audit_during_run_per_s"`
	Rejected           uint64  `json:"rejected"`
}

// benchHotline runs 500 member terminals over three exchanges on loopback
// and sends open-loop traffic into 50 rooms of 10 (mixed nations), with
// an all-hands FLASH to every member every 2 s.
func benchHotline(ctx context.Context, o BenchOptions, log *slog.Logger) (*HotlineFigures, error) {
	const members, roomSize, rate = 500, 10, 100
	dur := 20 * time.Second
	if o.Seconds > 0 {
		dur = time.Duration(o.Seconds * float64(time.Second))
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "trilink-bench-hotline-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	quiet := slog.New(slog.DiscardHandler)
	sys, err := StartLoopback(ctx, filepath.Join(dir, "nats"), quiet)
	if err != nil {
		return nil, err
	}
	defer sys.Close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = sys.Run(runCtx) }()

	// The roster: members round-robin over the nations, one device each.
	var roster []hotline.Member
	keys := map[hotline.MemberID]*hotline.DeviceKeys{}
	for i := range members {
		n := nation.Nations[i%3]
		id := hotline.MemberID(fmt.Sprintf("%s-m%03d", n, i))
		seed := sha256.Sum256([]byte("bench " + id))
		k, err := hotline.DeriveDeviceKeys(hotline.DeviceID(string(id)+"-1"), seed[:])
		if err != nil {
			return nil, err
		}
		keys[id] = k
		roster = append(roster, hotline.Member{ID: id, Nation: n, Role: "bench", Devices: []hotline.Device{k.Public()}})
	}
	var rooms []hotline.Room
	all := hotline.Room{ID: "all-hands", Kind: hotline.AdHoc, Title: "All hands"}
	for r := range members / roomSize {
		room := hotline.Room{ID: hotline.RoomID(fmt.Sprintf("r%02d", r)), Kind: hotline.AdHoc}
		for i := range roomSize {
			room.Members = append(room.Members, roster[r*roomSize+i].ID)
		}
		rooms = append(rooms, room)
	}
	for _, m := range roster {
		all.Members = append(all.Members, m.ID)
	}
	rooms = append(rooms, all)
	directory, err := hotline.NewDirectory(roster, rooms)
	if err != nil {
		return nil, err
	}

	keeper, err := openAudit(filepath.Join(dir, "audit"))
	if err != nil {
		return nil, err
	}
	defer keeper.Close()
	// Latency bookkeeping: when each message started, when each nation's
	// exchange handed it to its members' connections, and when each
	// addressee's terminal had it stored.
	type sentMsg struct {
		start time.Time
		prec  hotline.Precedence
		room  hotline.RoomID
	}
	var mu sync.Mutex
	started := map[string]sentMsg{}
	var flash, everything, allHands, flashNode, allHandsNode []time.Duration
	allHandsLeft := map[string]int{}
	nodesLeft := map[string]int{}
	// addressees[room][nation] counts the room's members of each nation.
	addressees := map[hotline.RoomID]map[nation.Nation]int{}
	for _, r := range rooms {
		addressees[r.ID] = map[nation.Nation]int{}
		for _, m := range r.Members {
			mm, _ := directory.Member(m)
			addressees[r.ID][mm.Nation]++
		}
	}
	onItem := func(n nation.Nation, it exchange.Item) {
		if it.Kind != exchange.ItemEnvelope {
			return
		}
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		id := it.Envelope.ID.String()
		s, ok := started[id]
		if !ok {
			return
		}
		d := now.Sub(s.start)
		if s.room == all.ID {
			nodesLeft[id]--
			if nodesLeft[id] == 0 {
				allHandsNode = append(allHandsNode, d)
			}
			return
		}
		if s.prec == hotline.Flash {
			k := addressees[s.room][n]
			if it.Envelope.Nation == n {
				k-- // not to the sender
			}
			for range k {
				flashNode = append(flashNode, d)
			}
		}
	}
	xs := map[nation.Nation]*exchange.Exchange{}
	for _, node := range sys.Nodes {
		n := node.Nation
		x, err := exchange.New(exchange.Config{Nation: n, Directory: directory, NC: node.NC, JS: node.JS, Publisher: node.Pub, Logger: log,
			Audit: func(e audit.Entry) { keeper.AppendEntry(n, e) }, OnItem: func(it exchange.Item) { onItem(n, it) }})
		if err != nil {
			return nil, err
		}
		xs[n] = x
		go func() { _ = x.Run(runCtx) }()
	}
	for _, x := range xs {
		for !x.Ready() {
			time.Sleep(20 * time.Millisecond)
		}
	}

	var deliveries atomic.Int64
	terms := map[hotline.MemberID]*terminal.Terminal{}
	for _, m := range roster {
		st, err := store.Open(filepath.Join(dir, "stores", string(m.ID)+".db"))
		if err != nil {
			return nil, err
		}
		defer st.Close()
		me := m.ID
		t, err := terminal.New(terminal.Config{Keys: keys[m.ID], Exchange: xs[m.Nation], Store: st, Logger: log,
			OnMessage: func(msg store.Message) {
				if msg.Sender == string(me) {
					return
				}
				now := time.Now()
				deliveries.Add(1)
				mu.Lock()
				defer mu.Unlock()
				s, ok := started[msg.ID]
				if !ok {
					return
				}
				d := now.Sub(s.start)
				if s.room == all.ID {
					allHandsLeft[msg.ID]--
					if allHandsLeft[msg.ID] == 0 {
						allHands = append(allHands, d)
					}
					return
				}
				everything = append(everything, d)
				if s.prec == hotline.Flash {
					flash = append(flash, d)
				}
			}})
		if err != nil {
			return nil, err
		}
		terms[m.ID] = t
		go func() { _ = t.Run(runCtx) }()
	}

	// Open-loop load: rate messages/s into random rooms, 1 in 10 FLASH.
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	var sent, sentAll int
	var sealAll time.Duration
	var sendErrs atomic.Int64
	auditBefore := keeper.Size(nation.JP)
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	allEvery := o.AllHandsEvery
	if allEvery == 0 {
		allEvery = 2 * time.Second
	}
	var allC <-chan time.Time // nil: no all-hands messages
	if allEvery > 0 {
		allTick := time.NewTicker(allEvery)
		defer allTick.Stop()
		allC = allTick.C
	}
	start := time.Now()
	body := []byte("Bench message: status of the launch event, request for assessment, 以上 / 이상 / over.")
	for time.Since(start) < dur {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-allC:
			sender := terms[roster[rng.IntN(members)].ID]
			t0 := time.Now()
			env, err := hotline.Seal(keys[sender.Member().ID], directory, hotline.Message{Room: all.ID, Precedence: hotline.Flash, Body: body}, t0)
			if err != nil {
				return nil, err
			}
			sealAll += time.Since(t0)
			mu.Lock()
			started[env.ID.String()] = sentMsg{start: t0, prec: hotline.Flash, room: all.ID}
			allHandsLeft[env.ID.String()] = members - 1
			nodesLeft[env.ID.String()] = 3
			mu.Unlock()
			sentAll++
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := xs[sender.Member().Nation].SubmitEnvelope(ctx, env); err != nil {
					sendErrs.Add(1)
				}
			}()
		case <-tick.C:
			room := rooms[rng.IntN(len(rooms)-1)]
			sender := terms[room.Members[rng.IntN(len(room.Members))]]
			prec := hotline.Precedence(2 + rng.IntN(3))
			if rng.IntN(10) == 0 {
				prec = hotline.Flash
			}
			t0 := time.Now()
			env, err := hotline.Seal(keys[sender.Member().ID], directory, hotline.Message{Room: room.ID, Precedence: prec, Body: body}, t0)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			started[env.ID.String()] = sentMsg{start: t0, prec: prec, room: room.ID}
			mu.Unlock()
			sent++
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := xs[sender.Member().Nation].SubmitEnvelope(ctx, env); err != nil {
					sendErrs.Add(1)
				}
			}()
		}
	}
	elapsed := time.Since(start)
	wg.Wait()
	expected := int64(sent*(roomSize-1) + sentAll*(members-1))
	deadline := time.Now().Add(30 * time.Second)
	for deliveries.Load() < expected && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := sendErrs.Load(); n > 0 {
		return nil, fmt.Errorf("bench hotline: %d messages not accepted", n)
	}
	auditRun := float64(keeper.Size(nation.JP)-auditBefore) / elapsed.Seconds()
	cancel()

	r := &HotlineFigures{Members: members, Rooms: len(rooms), RateMsgsS: rate, DurationS: elapsed.Seconds(), Sent: sent + sentAll,
		Deliveries: int(deliveries.Load()), Expected: int(expected), AllHands: sentAll, AuditDuringRunPerS: auditRun}
	mu.Lock()
	r.FlashP99ms, r.FlashP50ms, r.FlashMaxms = ms99(flashNode), ms(quantile(flashNode, 0.5)), ms(quantile(flashNode, 1))
	r.FlashStoredP99ms, r.FlashStoredP50ms = ms99(flash), ms(quantile(flash, 0.5))
	r.AllHandsNodeP99ms = ms99(allHandsNode)
	r.AllP99ms = ms99(everything)
	r.AllHandsP99ms = ms99(allHands)
	mu.Unlock()
	if sentAll > 0 {
		r.SealAllMs = ms(sealAll / time.Duration(sentAll))
	}
	st := xs[nation.JP].Stats()
	r.Receipts, r.Rejected = st.Receipts, st.Rejected+xs[nation.KR].Stats().Rejected+xs[nation.US].Stats().Rejected
	if r.AuditAppendsPerS, err = auditCapacity(filepath.Join(dir, "audit-capacity"), 20000); err != nil {
		return nil, err
	}
	return r, nil
}

func ms99(d []time.Duration) float64 { return ms(quantile(d, 0.99)) }

// auditCapacity appends n entries to a fresh log, closed loop, and returns
// entries per second.
func auditCapacity(dir string, n int) (float64, error) {
	signer, _, err := audit.GenerateKey(nation.JP)
	if err != nil {
		return 0, err
	}
	l, err := audit.Open(dir, audit.Options{Nation: nation.JP, Signer: signer})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	e := audit.Entry{Kind: audit.KindReceipt, Nation: nation.KR, Ref: "0123456789abcdef0123456789abcdef/kr-m001/delivered"}
	start := time.Now()
	for i := range n {
		e.Time = start.Add(time.Duration(i))
		e.Digest = sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		if _, err := l.Append(e); err != nil {
			return 0, err
		}
	}
	if err := l.Sync(); err != nil {
		return 0, err
	}
	if _, err := l.Checkpoint(); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func printHotline(w io.Writer, r *HotlineFigures) {
	fmt.Fprintf(w, "hotline (%d members in %d rooms of three nations, %d msgs/s open loop for %.0f s, loopback, 2 CPUs)\n", r.Members, r.Rooms, r.RateMsgsS, r.DurationS)
	fmt.Fprintf(w, "  deliveries          %d of %d expected (%d messages)\n", r.Deliveries, r.Expected, r.Sent)
	fmt.Fprintf(w, "  FLASH seal→node     p50 %.2f  p99 %.2f  max %.2f ms  (every addressee: verified and handed to its connection by its nation's node)\n", r.FlashP50ms, r.FlashP99ms, r.FlashMaxms)
	fmt.Fprintf(w, "  FLASH seal→stored   p50 %.2f  p99 %.2f ms  (on to the addressee's terminal: verified, decrypted, stored; 500 terminals on these 2 CPUs)\n", r.FlashStoredP50ms, r.FlashStoredP99ms)
	fmt.Fprintf(w, "  any precedence      p99 %.2f ms to the terminal\n", r.AllP99ms)
	fmt.Fprintf(w, "  all-hands FLASH     p99 %.2f ms to all three nodes, %.2f ms to the last of %d terminals (%d sent; sealing to %d devices: %.1f ms)\n", r.AllHandsNodeP99ms, r.AllHandsP99ms, r.Members-1, r.AllHands, r.Members, r.SealAllMs)
	fmt.Fprintf(w, "  receipts            %d taken in by jp; %d items rejected\n", r.Receipts, r.Rejected)
	fmt.Fprintf(w, "  audit log           %.0f appends/s capacity; %.0f/s per nation during the run\n", r.AuditAppendsPerS, r.AuditDuringRunPerS)
}
