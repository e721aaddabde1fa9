package share

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers trilink adds to every released message.
const (
	// HeaderPub names the publisher instance (a random id per process start).
	HeaderPub = "Trilink-Pub"
	// HeaderSeq is the publisher's own sequence on the message's subject,
	// 1, 2, 3…: receivers use it to restore order and to see gaps on the fast
	// path. It counts per subject so that a receiver filtering subjects sees
	// no holes that are not losses.
	HeaderSeq = "Trilink-Seq"
)

// Publisher releases messages of one origin nation into its JetStream
// streams, idempotently: each message carries Nats-Msg-Id = "<origin>:<id>"
// and is retried with the same id until the stream acknowledges it, so a
// retry after a lost acknowledgement is stored once (research/nats.md §4.5).
//
// A Publisher is safe for concurrent use. Messages are sequenced, per
// subject, in the order Publish is called.
type Publisher struct {
	js     jetstream.JetStream
	origin Nation
	id     string
	// Retry is the wait between attempts; AckWait bounds one attempt.
	Retry, AckWait time.Duration

	mu  sync.Mutex // guards seq
	seq map[string]uint64
}

// NewPublisher returns a publisher for origin over js.
func NewPublisher(js jetstream.JetStream, origin Nation) *Publisher {
	return &Publisher{js: js, origin: origin, id: uuid.NewString()[:8], Retry: 200 * time.Millisecond, AckWait: 2 * time.Second, seq: map[string]uint64{}}
}

// ID returns the publisher instance id carried in HeaderPub.
func (p *Publisher) ID() string { return p.id }

// ErrForeignSubject is returned for a subject that the origin may not publish:
// anything but shared.<origin>.… and <origin>.….
var ErrForeignSubject = errors.New("share: subject does not belong to the publishing nation")

// ErrStoreFull is returned when the nation's JetStream store has no room
// left (its file-store limit, or the disk): the message was not stored and
// retrying will not help until space is freed. Nodes refuse new input then.
var ErrStoreFull = errors.New("share: jetstream store full")

// isStoreFull reports whether a JetStream error means the store has no room:
// insufficient resources (10023: the server's max_file_store reached),
// insufficient storage (10047), or a store write that failed for lack of
// space (10077 with "no space" from the disk).
func isStoreFull(e *jetstream.APIError) bool {
	switch e.ErrorCode {
	case 10023, 10047: // insufficient resources (the file store's limit), insufficient storage
		return true
	case 10077:
		return strings.Contains(strings.ToLower(e.Description), "no space") || strings.Contains(strings.ToLower(e.Description), "resources")
	}
	return false
}

// Msg is one message to release.
type Msg struct {
	Subject string
	// ID is unique per origin for the message's content (e.g. "T7:12" for
	// revision 12 of track T7). Required.
	ID   string
	Data []byte
	// TTL, when positive, makes the streams drop the message after it.
	TTL time.Duration
	// Header holds extra headers; may be nil.
	Header nats.Header
}

// MsgID returns the Nats-Msg-Id of a message with id from origin.
func MsgID(origin Nation, id string) string { return origin.String() + ":" + id }

// Publish releases m and returns once the stream has stored it (or found it a
// duplicate of an already stored message), retrying with the same message id
// until then. It returns early only when ctx ends or the message is invalid.
func (p *Publisher) Publish(ctx context.Context, m Msg) (*jetstream.PubAck, error) {
	nm, err := p.prepare(m)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, p.AckWait)
		ack, err := p.js.PublishMsg(actx, nm)
		cancel()
		if err == nil {
			return ack, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("share: publish %s (attempt %d): %w", m.Subject, attempt, err)
		}
		// A request error (bad subject, too large, no such stream) stays wrong
		// however often it is sent; everything else — timeouts, no responders
		// while a server restarts, a busy stream — is retried with the same id.
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && isStoreFull(apiErr) {
			return nil, fmt.Errorf("share: publish %s: %w: %w", m.Subject, ErrStoreFull, err)
		}
		if errors.As(err, &apiErr) && apiErr.Code >= 400 && apiErr.Code < 500 && apiErr.Code != 408 && apiErr.Code != 429 {
			return nil, fmt.Errorf("share: publish %s: %w", m.Subject, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("share: publish %s (attempt %d): %w", m.Subject, attempt, ctx.Err())
		case <-time.After(p.Retry):
		}
	}
}

// PublishAll releases ms with up to window messages in flight, and returns
// when every one is stored. Failed or unacknowledged messages are re-sent
// with the same id. It is the bulk path (backfill, benchmarks).
func (p *Publisher) PublishAll(ctx context.Context, ms []Msg, window int) error {
	if window < 1 {
		window = 1
	}
	type inflight struct {
		m   *nats.Msg
		fut jetstream.PubAckFuture
	}
	prepared := make([]*nats.Msg, len(ms))
	for i, m := range ms {
		nm, err := p.prepare(m)
		if err != nil {
			return err
		}
		prepared[i] = nm
	}
	pending := prepared
	for len(pending) > 0 {
		var retry []*nats.Msg
		var fl []inflight
		flush := func() error {
			for _, f := range fl {
				select {
				case <-f.fut.Ok():
				case <-f.fut.Err():
					retry = append(retry, f.m)
				case <-time.After(p.AckWait):
					retry = append(retry, f.m)
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			fl = fl[:0]
			return nil
		}
		for _, nm := range pending {
			fut, err := p.js.PublishMsgAsync(nm)
			if err != nil {
				retry = append(retry, nm)
				continue
			}
			fl = append(fl, inflight{nm, fut})
			if len(fl) >= window {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		pending = retry
		if len(pending) > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(p.Retry):
			}
		}
	}
	return nil
}

// prepare validates m and stamps its headers and sequence.
func (p *Publisher) prepare(m Msg) (*nats.Msg, error) {
	if !strings.HasPrefix(m.Subject, p.origin.SharedPrefix()) && !strings.HasPrefix(m.Subject, p.origin.PrivatePrefix()) {
		return nil, fmt.Errorf("%w: %s may not publish %q", ErrForeignSubject, p.origin, m.Subject)
	}
	if m.ID == "" {
		return nil, fmt.Errorf("share: publish %s: message id is empty", m.Subject)
	}
	nm := nats.NewMsg(m.Subject)
	nm.Data = m.Data
	for k, vs := range m.Header {
		for _, v := range vs {
			nm.Header.Add(k, v)
		}
	}
	p.mu.Lock()
	p.seq[m.Subject]++
	seq := p.seq[m.Subject]
	p.mu.Unlock()
	nm.Header.Set(jetstream.MsgIDHeader, MsgID(p.origin, m.ID))
	nm.Header.Set(HeaderPub, p.origin.String()+"/"+p.id)
	nm.Header.Set(HeaderSeq, strconv.FormatUint(seq, 10))
	if m.TTL > 0 {
		if m.TTL < time.Second {
			m.TTL = time.Second // the server's minimum (ADR-43)
		}
		nm.Header.Set(jetstream.MsgTTLHeader, m.TTL.String())
	}
	return nm, nil
}
