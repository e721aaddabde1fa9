package exchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
)

// Errors of Submit and SubmitReceipt, beside the hotline package's
// (ErrMalformed, ErrBadSignature, ErrNotMember, …), which they wrap.
var (
	// ErrForeign is returned for a message or receipt whose author is not
	// of this exchange's nation: each nation releases only its own members'
	// traffic.
	ErrForeign = errors.New("exchange: author is not of this nation")
	// ErrStale is returned for a message created too far from the node's
	// clock (see Config.MaxSkew).
	ErrStale = errors.New("exchange: message time too far from now")
	// ErrUnknownMessage is returned for a receipt of a message the exchange
	// does not hold.
	ErrUnknownMessage = errors.New("exchange: unknown message")
)

// Config configures an Exchange.
type Config struct {
	Nation nation.Nation
	// Directory is the roster in force. Required.
	Directory *hotline.Directory
	// NC and JS are the nation's application connection. Required.
	NC *nats.Conn
	JS jetstream.JetStream
	// Publisher releases the nation's traffic; nil makes one.
	Publisher *share.Publisher
	// Deadlines are the acknowledgement deadlines; zero means the defaults.
	Deadlines hotline.Deadlines
	// MaxSkew bounds how far a submitted message's creation time may be from
	// now; zero means 5 minutes. Older messages are refused (ErrStale), so a
	// captured envelope cannot be released again later.
	MaxSkew time.Duration
	// Audit, when set, records every message, receipt and escalation the
	// exchange accepts (the keeper is this nation).
	Audit func(e audit.Entry)
	// OnItem, when set, is called after each item enters the transcript,
	// from the exchange's goroutine; it must not block.
	OnItem func(Item)
	Now    func() time.Time
	Logger *slog.Logger
}

// ItemKind says what a transcript Item holds.
type ItemKind int

const (
	ItemEnvelope ItemKind = iota + 1
	ItemReceipt
	ItemEscalation
)

// Item is one entry of the nation's transcript.
type Item struct {
	Seq        uint64 // 1, 2, 3… in the order the exchange took them in
	Kind       ItemKind
	Envelope   *hotline.Envelope   // ItemEnvelope; shared, read-only
	Receipt    *hotline.Receipt    // ItemReceipt
	Escalation *hotline.Escalation // ItemEscalation
	Digest     hotline.Digest      // of the envelope or receipt
	Arrived    time.Time           // by the node's clock
	Size       int                 // wire bytes (envelopes and receipts)
}

// Stats counts what an exchange has done. Rejected counts partners' items
// that failed verification: a non-zero value is an alarm.
type Stats struct {
	Envelopes, Receipts, Escalations uint64
	Submitted, Refused               uint64 // local submissions accepted / refused
	Rejected, Duplicates             uint64 // from the backbone: failed verification / seen before
	Subscribers                      int
}

// Exchange is one nation's hotline node: it releases its members' signed
// envelopes and receipts on the backbone (shared.<n>.hotline.<room>[.receipt]),
// receives the three nations' traffic from its PICTURE stream, verifies
// every item, keeps the ciphertext transcript, tracks receipts and
// deadlines, and hands each device what is addressed to it.
//
// It never holds a private key: it sees what the hotline package says an
// operator sees, and nothing more.
type Exchange struct {
	cfg   Config
	log   *slog.Logger
	pub   *share.Publisher
	track *hotline.Tracker
	epoch string // changes with each start; transcript sequence numbers are per epoch

	mu     sync.Mutex
	items  []Item                               // the transcript; items[i].Seq == i+1
	byID   map[hotline.MessageID]int            // envelope id → index in items
	rcpts  map[hotline.Digest]bool              // receipts taken in
	subs   map[hotline.DeviceID][]*Subscription // live subscriptions by device
	accept map[hotline.MessageID]hotline.Digest // submitted here, possibly not yet back from the stream

	envelopes, receipts, escalations, submitted, refused, rejected, dups atomic.Uint64
	ready                                                                atomic.Bool
}

// New returns an exchange; Run starts it.
func New(cfg Config) (*Exchange, error) {
	switch {
	case !cfg.Nation.Valid():
		return nil, errors.New("exchange: config needs a nation")
	case cfg.Directory == nil:
		return nil, errors.New("exchange: config needs a directory")
	case cfg.NC == nil || cfg.JS == nil:
		return nil, errors.New("exchange: config needs a NATS connection")
	}
	if cfg.Deadlines == (hotline.Deadlines{}) {
		cfg.Deadlines = hotline.DefaultDeadlines()
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pub := cfg.Publisher
	if pub == nil {
		pub = share.NewPublisher(cfg.JS, cfg.Nation)
	}
	return &Exchange{
		cfg: cfg, log: cfg.Logger.With("nation", cfg.Nation.String(), "component", "hotline"), pub: pub,
		track: hotline.NewTracker(cfg.Directory, cfg.Deadlines), epoch: hotline.NewMessageID().String()[:8],
		byID: map[hotline.MessageID]int{}, rcpts: map[hotline.Digest]bool{}, subs: map[hotline.DeviceID][]*Subscription{},
		accept: map[hotline.MessageID]hotline.Digest{},
	}, nil
}

// Directory returns the roster the exchange checks against.
func (x *Exchange) Directory() *hotline.Directory { return x.cfg.Directory }

// Nation returns the exchange's nation.
func (x *Exchange) Nation() nation.Nation { return x.cfg.Nation }

// Epoch names this run of the exchange: transcript sequence numbers are
// meaningful only within one epoch.
func (x *Exchange) Epoch() string { return x.epoch }

// Ready reports whether the exchange has caught up with the history its
// stream held when it started.
func (x *Exchange) Ready() bool { return x.ready.Load() }

// Subjects the hotline travels on.
const (
	// SubjectFilter matches every nation's hotline traffic.
	SubjectFilter = "shared.*.hotline.>"
	receiptSuffix = ".receipt"
)

func receiptSubject(r *hotline.Receipt) string {
	return r.Nation.SharedPrefix() + "hotline." + string(r.Room) + receiptSuffix
}

// Run receives the three nations' hotline traffic until ctx ends. It first
// replays the whole transcript held in the nation's PICTURE stream, so that
// a restarted node serves its history again.
func (x *Exchange) Run(ctx context.Context) error {
	durable := "hotline-" + x.cfg.Nation.String()
	// Start from the beginning of the stream each time: the transcript is
	// rebuilt in memory from what JetStream holds.
	if err := x.cfg.JS.DeleteConsumer(ctx, share.PictureStream, durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("exchange: reset consumer: %w", err)
	}
	backlog, err := x.backlog(ctx)
	if err != nil {
		return err
	}
	if backlog == 0 {
		x.ready.Store(true)
	}
	// Receipts are verified, tracked and audited by a second goroutine, so
	// that a message never waits behind the receipts of earlier ones (an
	// all-hands message brings one per member). The Tracker takes receipts
	// before their message.
	receipts := make(chan share.Delivery, 1<<16)
	var taken atomic.Uint64
	catchUp := func() {
		if !x.ready.Load() && taken.Add(1) >= backlog {
			x.ready.Store(true)
		}
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case d := <-receipts:
				x.ingestReceipt(d, x.cfg.Now())
				catchUp()
			}
		}
	}()
	recv, err := share.NewReceiver(x.cfg.NC, x.cfg.JS, share.ReceiverConfig{
		Subjects: []string{SubjectFilter}, Durable: durable, Logger: x.log,
		Handler: func(d share.Delivery) {
			if strings.HasSuffix(d.Subject, receiptSuffix) {
				select {
				case receipts <- d:
				case <-ctx.Done():
				}
				return
			}
			x.ingest(d)
			catchUp()
		},
	})
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- recv.Run(ctx) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return <-errc
		case err := <-errc:
			return err
		case <-tick.C:
			x.Tick(x.cfg.Now())
		}
	}
}

// backlog counts the hotline messages the PICTURE stream holds now.
func (x *Exchange) backlog(ctx context.Context) (uint64, error) {
	s, err := x.cfg.JS.Stream(ctx, share.PictureStream)
	if err != nil {
		return 0, fmt.Errorf("exchange: picture stream: %w", err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(SubjectFilter))
	if err != nil {
		return 0, fmt.Errorf("exchange: picture stream info: %w", err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}

// Submit takes a member's signed envelope in its wire form, checks it and
// releases it. It returns once JetStream has stored it: an accepted message
// is never lost. Submitting the same envelope again is harmless (it is
// stored once); a different envelope with a used id is refused as a replay.
func (x *Exchange) Submit(ctx context.Context, wire []byte) (*hotline.Envelope, error) {
	env, err := hotline.DecodeEnvelope(wire)
	if err != nil {
		x.refused.Add(1)
		return nil, err
	}
	return env, x.SubmitEnvelope(ctx, env)
}

// SubmitEnvelope is Submit for an envelope already decoded (an in-process
// terminal's). env must not be modified afterwards.
func (x *Exchange) SubmitEnvelope(ctx context.Context, env *hotline.Envelope) error {
	if err := x.checkLocal(env); err != nil {
		x.refused.Add(1)
		return err
	}
	wire, err := env.Marshal()
	if err != nil {
		x.refused.Add(1)
		return err
	}
	_, err = x.pub.Publish(ctx, share.Msg{Subject: env.Subject(), ID: "hl-" + env.ID.String(), Data: wire})
	if err != nil {
		x.mu.Lock()
		delete(x.accept, env.ID)
		x.mu.Unlock()
		return fmt.Errorf("exchange: release %s: %w", env.ID, err)
	}
	x.submitted.Add(1)
	return nil
}

func (x *Exchange) checkLocal(env *hotline.Envelope) error {
	if err := hotline.Verify(env, x.cfg.Directory); err != nil {
		return err
	}
	if env.Nation != x.cfg.Nation {
		return fmt.Errorf("%w: message %s is from %s, this node is %s", ErrForeign, env.ID, env.Nation, x.cfg.Nation)
	}
	now := x.cfg.Now()
	if d := now.Sub(env.Created); d > x.cfg.MaxSkew || -d > x.cfg.MaxSkew {
		return fmt.Errorf("%w: message %s created %s, node time %s (allowed ±%v)", ErrStale, env.ID,
			env.Created.Format(time.RFC3339), now.UTC().Format(time.RFC3339), x.cfg.MaxSkew)
	}
	dg := env.Digest()
	x.mu.Lock()
	defer x.mu.Unlock()
	if i, ok := x.byID[env.ID]; ok {
		if x.items[i].Digest != dg {
			return fmt.Errorf("%w: id %s is taken by another message", hotline.ErrReplay, env.ID)
		}
		return nil // a resubmission: Publish dedups it
	}
	if old, ok := x.accept[env.ID]; ok && old != dg {
		return fmt.Errorf("%w: id %s is taken by another message", hotline.ErrReplay, env.ID)
	}
	x.accept[env.ID] = dg
	return nil
}

// SubmitReceipt takes a member's signed receipt, checks it and releases it;
// it returns once JetStream has stored it.
func (x *Exchange) SubmitReceipt(ctx context.Context, r *hotline.Receipt) error {
	if err := x.checkReceipt(r); err != nil {
		x.refused.Add(1)
		return err
	}
	if r.Nation != x.cfg.Nation {
		x.refused.Add(1)
		return fmt.Errorf("%w: receipt by %s of %s, this node is %s", ErrForeign, r.Member, r.Nation, x.cfg.Nation)
	}
	wire, err := r.Marshal()
	if err != nil {
		return err
	}
	dg := r.Digest()
	_, err = x.pub.Publish(ctx, share.Msg{Subject: receiptSubject(r), ID: "hr-" + dg.String()[:32], Data: wire})
	if err != nil {
		return fmt.Errorf("exchange: release receipt: %w", err)
	}
	x.submitted.Add(1)
	return nil
}

// SubmitReceiptWire is SubmitReceipt for a receipt's wire form.
func (x *Exchange) SubmitReceiptWire(ctx context.Context, wire []byte) (*hotline.Receipt, error) {
	r, err := hotline.DecodeReceipt(wire)
	if err != nil {
		x.refused.Add(1)
		return nil, err
	}
	return r, x.SubmitReceipt(ctx, r)
}

// checkReceipt verifies r and that it names a message the exchange holds,
// by that message's exact digest.
func (x *Exchange) checkReceipt(r *hotline.Receipt) error {
	if err := hotline.VerifyReceipt(r, x.cfg.Directory); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.byID[r.Message]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownMessage, r.Message)
	}
	if x.items[i].Digest != r.Envelope || x.items[i].Envelope.Room != r.Room {
		return fmt.Errorf("%w: receipt names message %s with another digest or room", hotline.ErrMalformed, r.Message)
	}
	return nil
}

// ingest takes one envelope from the backbone.
func (x *Exchange) ingest(d share.Delivery) {
	now := x.cfg.Now()
	env, err := hotline.DecodeEnvelope(d.Data)
	if err == nil {
		err = hotline.Verify(env, x.cfg.Directory)
	}
	if err == nil && (env.Nation != d.Origin || env.Subject() != d.Subject) {
		err = fmt.Errorf("%w: envelope of %s arrived on %s", ErrForeign, env.Nation, d.Subject)
	}
	if err != nil {
		x.rejected.Add(1)
		x.log.Warn("hotline envelope rejected", "subject", d.Subject, "origin", d.Origin.String(), "err", err)
		return
	}
	dg := env.Digest()
	x.mu.Lock()
	if i, ok := x.byID[env.ID]; ok {
		same := x.items[i].Digest == dg
		x.mu.Unlock()
		if !same {
			x.rejected.Add(1)
			x.log.Warn("hotline envelope rejected", "id", env.ID.String(), "err", "a different message with a used id")
		} else {
			x.dups.Add(1)
		}
		return
	}
	delete(x.accept, env.ID)
	it := Item{Seq: uint64(len(x.items) + 1), Kind: ItemEnvelope, Envelope: env, Digest: dg, Arrived: now, Size: len(d.Data)}
	x.byID[env.ID] = len(x.items)
	x.items = append(x.items, it)
	for _, r := range env.Recipients {
		for _, s := range x.subs[r.Device] {
			s.push(it.Seq)
		}
	}
	x.mu.Unlock()
	x.envelopes.Add(1)
	if err := x.track.Sent(env); err != nil {
		x.log.Warn("hotline tracker", "err", err)
	}
	x.audit(audit.Entry{Kind: audit.KindMessage, Time: env.Created, Nation: env.Nation, Ref: env.ID.String(), Digest: dg})
	if x.cfg.OnItem != nil {
		x.cfg.OnItem(it)
	}
}

func (x *Exchange) ingestReceipt(d share.Delivery, now time.Time) {
	r, err := hotline.DecodeReceipt(d.Data)
	if err == nil {
		err = hotline.VerifyReceipt(r, x.cfg.Directory)
	}
	if err == nil && (r.Nation != d.Origin || receiptSubject(r) != d.Subject) {
		err = fmt.Errorf("%w: receipt of %s arrived on %s", ErrForeign, r.Nation, d.Subject)
	}
	if err != nil {
		x.rejected.Add(1)
		x.log.Warn("hotline receipt rejected", "subject", d.Subject, "origin", d.Origin.String(), "err", err)
		return
	}
	dg := r.Digest()
	x.mu.Lock()
	if x.rcpts[dg] {
		x.mu.Unlock()
		x.dups.Add(1)
		return
	}
	x.rcpts[dg] = true
	it := Item{Seq: uint64(len(x.items) + 1), Kind: ItemReceipt, Receipt: r, Digest: dg, Arrived: now, Size: len(d.Data)}
	x.items = append(x.items, it)
	if i, ok := x.byID[r.Message]; ok {
		// The sender's devices follow their message's receipts.
		if m, ok := x.cfg.Directory.Member(x.items[i].Envelope.Sender); ok {
			for _, dev := range m.Devices {
				for _, s := range x.subs[dev.ID] {
					s.push(it.Seq)
				}
			}
		}
	}
	x.mu.Unlock()
	x.receipts.Add(1)
	if err := x.track.Receipt(r, now); err != nil {
		x.log.Warn("hotline receipt not tracked", "err", err)
	}
	x.audit(audit.Entry{Kind: audit.KindReceipt, Time: r.Time, Nation: r.Nation, Ref: r.Message.String() + "/" + string(r.Member) + "/" + r.State.String(), Digest: dg})
	if x.cfg.OnItem != nil {
		x.cfg.OnItem(it)
	}
}

// AuditEntry records e in this nation's audit log (link-test results and
// other hotline events the node itself produces).
func (x *Exchange) AuditEntry(e audit.Entry) { x.audit(e) }

func (x *Exchange) audit(e audit.Entry) {
	if x.cfg.Audit != nil {
		x.cfg.Audit(e)
	}
}

// Tick raises the escalations due at now: each goes into the transcript and
// to the devices of the sender, the late member and the alternate, and
// this nation's audit log records those that concern its own members.
func (x *Exchange) Tick(now time.Time) []hotline.Escalation {
	es := x.track.Tick(now)
	for i := range es {
		e := &es[i]
		x.mu.Lock()
		it := Item{Seq: uint64(len(x.items) + 1), Kind: ItemEscalation, Escalation: e, Arrived: now}
		x.items = append(x.items, it)
		for _, m := range []hotline.MemberID{e.Sender, e.Member, e.Alternate} {
			mem, ok := x.cfg.Directory.Member(m)
			if !ok {
				continue
			}
			for _, dev := range mem.Devices {
				for _, s := range x.subs[dev.ID] {
					s.push(it.Seq)
				}
			}
		}
		x.mu.Unlock()
		x.escalations.Add(1)
		if mem, ok := x.cfg.Directory.Member(e.Sender); e.Nation == x.cfg.Nation || ok && mem.Nation == x.cfg.Nation {
			x.audit(audit.Entry{Kind: audit.KindEscalation, Time: e.Deadline, Nation: e.Nation,
				Ref: fmt.Sprintf("%s/%s/%d", e.Message, e.Member, e.Step), Digest: escalationDigest(e)})
		}
		if x.cfg.OnItem != nil {
			x.cfg.OnItem(it)
		}
	}
	return es
}

// Status returns the receipt state of message id.
func (x *Exchange) Status(id hotline.MessageID) (hotline.Status, bool) { return x.track.Status(id) }

// Envelope returns the envelope with id.
func (x *Exchange) Envelope(id hotline.MessageID) (*hotline.Envelope, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.byID[id]
	if !ok {
		return nil, false
	}
	return x.items[i].Envelope, true
}

// Transcript returns up to limit items after seq, in order.
func (x *Exchange) Transcript(after uint64, limit int) []Item {
	x.mu.Lock()
	defer x.mu.Unlock()
	if after >= uint64(len(x.items)) {
		return nil
	}
	out := x.items[after:]
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return slices.Clone(out)
}

// Envelopes returns the envelopes of room, oldest first.
func (x *Exchange) Envelopes(room hotline.RoomID) []*hotline.Envelope {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []*hotline.Envelope
	for _, it := range x.items {
		if it.Kind == ItemEnvelope && it.Envelope.Room == room {
			out = append(out, it.Envelope)
		}
	}
	return out
}

// Stats returns the exchange's counters.
func (x *Exchange) Stats() Stats {
	x.mu.Lock()
	subs := 0
	for _, ss := range x.subs {
		subs += len(ss)
	}
	x.mu.Unlock()
	return Stats{Envelopes: x.envelopes.Load(), Receipts: x.receipts.Load(), Escalations: x.escalations.Load(),
		Submitted: x.submitted.Load(), Refused: x.refused.Load(), Rejected: x.rejected.Load(), Duplicates: x.dups.Load(),
		Subscribers: subs}
}
