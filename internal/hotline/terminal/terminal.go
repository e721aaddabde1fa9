// Package terminal is a hotline member's device: it holds the device's
// private keys, seals and signs what the member sends, opens what is
// addressed to the device, keeps the decrypted copy in the member's local
// store (searchable), and signs the receipts — delivered on arrival, read
// and acknowledged when the member says so.
//
// In production the terminal runs on the member's own machine and talks to
// its nation's node; in `trilink demo` every member's terminal runs inside
// the demo process (the keys and stores under the demo's data directory),
// because the demo has no user devices. Either way the node's Exchange only
// ever sees ciphertext.
package terminal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/exchange"
	"github.com/trilink/trilink/internal/store"
)

// Config configures a Terminal.
type Config struct {
	Keys     hotline.Identity
	Exchange *exchange.Exchange
	// Store keeps the decrypted copy; required.
	Store *store.Store
	// Machine makes the terminal answer link tests with an acknowledgement
	// at once (a node's own device in the ops room).
	Machine bool
	// OnMessage, when set, is called for each message newly stored.
	OnMessage func(store.Message)
	// OnEscalation, when set, is called for each escalation concerning the
	// member.
	OnEscalation func(hotline.Escalation)
	Now          func() time.Time
	Logger       *slog.Logger
}

// Terminal is one member device. Its methods are safe for concurrent use.
type Terminal struct {
	cfg    Config
	dir    *hotline.Directory
	member hotline.Member
	log    *slog.Logger
	seen   *hotline.Seen

	mu          sync.Mutex
	escalations []hotline.Escalation
	received    map[hotline.MessageID]time.Time // opened here (and stored)
	errors      int
}

// New returns a terminal for the device whose keys are cfg.Keys.
func New(cfg Config) (*Terminal, error) {
	if cfg.Keys == nil || cfg.Exchange == nil || cfg.Store == nil {
		return nil, errors.New("terminal: config needs keys, an exchange and a store")
	}
	dir := cfg.Exchange.Directory()
	_, mid, ok := dir.Device(cfg.Keys.Device())
	if !ok {
		return nil, fmt.Errorf("terminal: %w: %q", hotline.ErrUnknownDevice, cfg.Keys.Device())
	}
	m, _ := dir.Member(mid)
	if m.Nation != cfg.Exchange.Nation() {
		return nil, fmt.Errorf("terminal: member %q is of %s, the node is %s", mid, m.Nation, cfg.Exchange.Nation())
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Terminal{cfg: cfg, dir: dir, member: m, log: cfg.Logger.With("device", string(cfg.Keys.Device())),
		seen: hotline.NewSeen(1 << 20), received: map[hotline.MessageID]time.Time{}}, nil
}

// Member returns the terminal's member.
func (t *Terminal) Member() hotline.Member { return t.member }

// Device returns the terminal's device id.
func (t *Terminal) Device() hotline.DeviceID { return t.cfg.Keys.Device() }

// Run follows the exchange until ctx ends: it opens every envelope
// addressed to the device, stores it, and signs a delivered receipt for
// each one the store did not hold yet (a terminal that was offline gets
// what it missed, in order).
func (t *Terminal) Run(ctx context.Context) error {
	sub, err := t.cfg.Exchange.Subscribe(t.Device(), 0)
	if err != nil {
		return err
	}
	defer sub.Close()
	for {
		it, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		switch it.Kind {
		case exchange.ItemEnvelope:
			t.take(ctx, it)
		case exchange.ItemEscalation:
			t.mu.Lock()
			t.escalations = append(t.escalations, *it.Escalation)
			t.mu.Unlock()
			if t.cfg.OnEscalation != nil {
				t.cfg.OnEscalation(*it.Escalation)
			}
		}
	}
}

func (t *Terminal) take(ctx context.Context, it exchange.Item) {
	env := it.Envelope
	// SECURITY REVIEW: the exchange verified the envelope, but the terminal
	// trusts only its own check: Open verifies again before decrypting, and
	// Seen refuses a replayed id.
	p, err := hotline.Open(env, t.cfg.Keys, t.dir)
	if err == nil {
		err = t.seen.Add(env.ID, env.Created)
	}
	if err != nil {
		t.mu.Lock()
		t.errors++
		t.mu.Unlock()
		t.log.Warn("hotline message not opened", "id", env.ID.String(), "err", err)
		return
	}
	msg := storeMessage(p, it.Seq, t.cfg.Now())
	added, err := t.cfg.Store.Put(msg)
	if err != nil {
		t.log.Error("hotline message not stored", "id", env.ID.String(), "err", err)
		return
	}
	t.mu.Lock()
	t.received[env.ID] = it.Arrived
	t.mu.Unlock()
	if !added {
		return // stored and receipted in an earlier run
	}
	if t.cfg.OnMessage != nil {
		t.cfg.OnMessage(msg)
	}
	if env.Sender == t.member.ID {
		return // one's own message needs no receipt
	}
	state := hotline.Delivered
	if t.cfg.Machine && env.Kind == hotline.KindLinkTest {
		state = hotline.Acknowledged
	}
	if err := t.receipt(ctx, env, state); err != nil {
		t.log.Warn("hotline receipt not sent", "id", env.ID.String(), "err", err)
	}
}

func storeMessage(p *hotline.Plaintext, seq uint64, now time.Time) store.Message {
	env := p.Envelope
	m := store.Message{
		ID: env.ID.String(), Seq: seq, Room: string(env.Room), Sender: string(env.Sender), SenderNation: env.Nation.String(),
		Device: string(env.Device), Kind: env.Kind.String(), Precedence: env.Precedence.String(),
		Created: env.Created, Received: now, Body: string(p.Body),
	}
	for _, a := range p.Attachments {
		m.Attachments = append(m.Attachments, store.Attachment{Name: a.Name, Type: a.MediaType, Data: a.Data})
	}
	return m
}

func (t *Terminal) receipt(ctx context.Context, env *hotline.Envelope, state hotline.ReceiptState) error {
	r, err := hotline.NewReceipt(t.cfg.Keys, t.dir, env, state, t.cfg.Now())
	if err != nil {
		return err
	}
	return t.cfg.Exchange.SubmitReceipt(ctx, r)
}

// Send seals m as the terminal's member and submits it; it returns once the
// node has stored it.
func (t *Terminal) Send(ctx context.Context, m hotline.Message) (*hotline.Envelope, error) {
	env, err := hotline.Seal(t.cfg.Keys, t.dir, m, t.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := t.cfg.Exchange.SubmitEnvelope(ctx, env); err != nil {
		return nil, err
	}
	return env, nil
}

// MarkRead signs a read receipt for message id.
func (t *Terminal) MarkRead(ctx context.Context, id hotline.MessageID) error {
	return t.mark(ctx, id, hotline.Read)
}

// Acknowledge signs an acknowledgement of message id: the member has taken
// it in and acts on it. It meets the member's deadline, or that of the
// member an alternate stands in for.
func (t *Terminal) Acknowledge(ctx context.Context, id hotline.MessageID) error {
	return t.mark(ctx, id, hotline.Acknowledged)
}

func (t *Terminal) mark(ctx context.Context, id hotline.MessageID, state hotline.ReceiptState) error {
	t.mu.Lock()
	_, ok := t.received[id]
	t.mu.Unlock()
	if !ok {
		return fmt.Errorf("terminal: %w: %s has not reached %s", exchange.ErrUnknownMessage, id, t.Device())
	}
	env, ok := t.cfg.Exchange.Envelope(id)
	if !ok {
		return fmt.Errorf("terminal: %w: %s", exchange.ErrUnknownMessage, id)
	}
	return t.receipt(ctx, env, state)
}

// Has reports whether message id has reached this terminal, and when it
// arrived at the node.
func (t *Terminal) Has(id hotline.MessageID) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.received[id]
	return at, ok
}

// Escalations returns the escalations concerning the member seen so far.
func (t *Terminal) Escalations() []hotline.Escalation {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]hotline.Escalation(nil), t.escalations...)
}

// Store returns the terminal's local store.
func (t *Terminal) Store() *store.Store { return t.cfg.Store }

// Errors counts envelopes the terminal refused to open.
func (t *Terminal) Errors() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.errors
}
