package cot

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trilink/trilink/internal/export"
)

// Options configure a [Server]. Zero fields take the defaults given.
type Options struct {
	// Logger receives connection events and rejected input (at debug
	// level); nil discards.
	Logger *slog.Logger
	// Now is the clock that stamps the events' time, start and stale;
	// time.Now if nil.
	Now func() time.Time
	// UIDPrefix starts every UID the server makes, so that two nations'
	// gateways never collide; "trilink." by default.
	UIDPrefix string
	// Callsign is the sender's name in alert chat messages;
	// "TRILINK-WARN" by default.
	Callsign string
	// Lang is the language of area names and alert texts ("en", "ja",
	// "ko"); "en" by default, and English where a text lacks it.
	Lang string
	// Opex, if set, marks every event (CoT opex: "e-…" for an exercise,
	// "s-…" for a simulation).
	Opex string
	// TrackStale is how long a missile track stays fresh without an
	// update; 20 s. ItemStale is the same for launch and impact points,
	// ellipses and areas; 10 min. ChatStale is for alert texts; 24 h.
	// Items are re-sent when half their stale time has passed.
	TrackStale, ItemStale, ChatStale time.Duration
	// RefreshInterval is how often items are checked for re-sending; 1 s.
	RefreshInterval time.Duration
	// MaxMessageSize limits each message a client sends; MaxEventSize.
	MaxMessageSize int
	// QueueLen bounds what waits for a client that falls behind; 4096.
	// When more than 16 updates wait for a client they are merged: a newer
	// state of an item replaces the one waiting (counted as superseded),
	// and items beyond QueueLen are dropped (counted).
	QueueLen int
	// WriteTimeout bounds each write to a client; a client that cannot
	// take a batch in that time is disconnected. 10 s.
	WriteTimeout time.Duration
	// HandshakeTimeout bounds the TLS handshake; 10 s.
	HandshakeTimeout time.Duration
	// MaxClients limits concurrent clients; 1000. More are refused.
	MaxClients int
	// MaxAreaPolygons is how many of a warning area's polygons (the
	// largest) are sent; 8. MaxAreaVertices is the most vertices each is
	// simplified to; 64.
	MaxAreaPolygons, MaxAreaVertices int
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.UIDPrefix == "" {
		o.UIDPrefix = "trilink."
	}
	if o.Callsign == "" {
		o.Callsign = "TRILINK-WARN"
	}
	if o.Lang == "" {
		o.Lang = "en"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.TrackStale, 20*time.Second)
	def(&o.ItemStale, 10*time.Minute)
	def(&o.ChatStale, 24*time.Hour)
	def(&o.RefreshInterval, time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.HandshakeTimeout, 10*time.Second)
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt(&o.MaxMessageSize, MaxEventSize)
	defInt(&o.QueueLen, 4096)
	defInt(&o.MaxClients, 1000)
	defInt(&o.MaxAreaPolygons, 8)
	defInt(&o.MaxAreaVertices, 64)
}

// Stats are a server's counters since it started, for metrics.
type Stats struct {
	// Clients is the number of clients connected now; ClientsV1 of them
	// have switched to TAK protocol v1.
	Clients, ClientsV1 int
	// Items is the number of items (tracks, points, ellipses, area
	// polygons, alert texts) in the current picture.
	Items int
	// Accepted counts connections accepted (after the TLS handshake);
	// Refused those turned away (MaxClients, failed handshakes).
	Accepted, Refused uint64
	// Updates counts calls of Update; Changes the messages they caused
	// (new or changed items and deletions, each sent to every client).
	Updates, Changes uint64
	// Sent counts messages written to clients.
	Sent uint64
	// Dropped counts messages not sent because a client's queue was full
	// (picture items beyond QueueLen, or answers to a client that sends
	// pings faster than it reads).
	Dropped uint64
	// Superseded counts queued messages replaced by a newer state of the
	// same item before they were sent (a slow client sees only the
	// latest).
	Superseded uint64
	// Received counts valid messages from clients; Rejected the malformed
	// or oversized ones (each rejected alone: the connection stays up).
	Received, Rejected uint64
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("cot: server closed")

// Server is a TAK streaming endpoint: it sends the current [Picture] to
// every client as CoT, in TAK protocol v0 (XML) or, after the client asks
// for it, v1 (protobuf), and the changes whenever [Server.Update] gives it
// a new picture. Clients cannot change the picture: what they send is
// parsed (pings are answered, protocol requests handled) and otherwise
// ignored. All methods are safe for concurrent use.
type Server struct {
	o   Options
	log *slog.Logger
	r   renderer

	// mu guards the fields below it. Lock order: Server.mu before
	// client.mu.
	mu        sync.Mutex
	entries   map[string]*entry
	order     []string // keys of entries in the order first added
	clients   map[*client]struct{}
	listeners map[net.Listener]struct{}
	areas     map[string]cachedArea
	closed    bool

	done chan struct{} // closed by Close
	wg   sync.WaitGroup

	accepted, refused, updates, changes atomic.Uint64
	sent, dropped, superseded           atomic.Uint64
	received, rejected                  atomic.Uint64
	nclients, nclientsV1                atomic.Int64
	connSeq                             atomic.Uint64
}

// entry is an item of the current picture and the message last sent for
// it.
type entry struct {
	it     item
	ev     Event // as last sent, with its times
	msg    *message
	sentAt time.Time
}

// cachedArea is an area and the items it rendered to.
type cachedArea struct {
	area  export.Area
	items []item
}

// message is one CoT event, shared by all clients, encoded for each
// protocol when a client first needs it.
type message struct {
	key string // the UID of the item it concerns
	ev  Event  // validated

	xmlOnce, frameOnce sync.Once
	xml                []byte // TAK protocol v0: XML header and event
	frame              []byte // TAK protocol v1 streaming frame
}

// encoded returns m in TAK protocol v1 framing if v1, else as XML.
func (m *message) encoded(v1 bool) []byte {
	if v1 {
		m.frameOnce.Do(func() { m.frame = appendFrame(nil, &m.ev) })
		return m.frame
	}
	m.xmlOnce.Do(func() { m.xml = appendXML(make([]byte, 0, 512), &m.ev) })
	return m.xml
}

// NewServer returns a server with an empty picture. It starts the
// refreshing of stale items, which Close stops.
func NewServer(o Options) *Server {
	o.defaults()
	s := &Server{
		o: o, log: o.Logger, entries: map[string]*entry{}, clients: map[*client]struct{}{},
		listeners: map[net.Listener]struct{}{}, areas: map[string]cachedArea{}, done: make(chan struct{}),
	}
	s.r = renderer{o: &s.o}
	s.wg.Add(1)
	go s.refreshLoop()
	return s
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	items := len(s.entries)
	s.mu.Unlock()
	return Stats{
		Clients: int(s.nclients.Load()), ClientsV1: int(s.nclientsV1.Load()), Items: items,
		Accepted: s.accepted.Load(), Refused: s.refused.Load(), Updates: s.updates.Load(), Changes: s.changes.Load(),
		Sent: s.sent.Load(), Dropped: s.dropped.Load(), Superseded: s.superseded.Load(),
		Received: s.received.Load(), Rejected: s.rejected.Load(),
	}
}

// Update makes p the current picture. Items that are new or changed
// (ignoring times) are stamped with the clock and sent to every client;
// items no longer in the picture (closed events, tracks of events that
// have impacted, areas no longer alerted) are withdrawn with a t-x-d-d
// event; alert texts are sent once each. Update does not wait for the
// clients: each has its own queue. The server may keep p's areas until the
// next Update (to skip re-rendering unchanged ones): the caller must not
// modify p's contents afterwards.
func (s *Server) Update(p Picture) {
	s.updates.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []item
	for i := range p.Events {
		items = s.r.event(&p.Events[i], items)
	}
	items = s.renderAreas(p.Areas, items)
	for i := range p.Alerts {
		items = s.r.alert(&p.Alerts[i], items)
	}
	now := s.o.Now()
	var out []*message // sent together: one queueing and one wake-up per client
	defer func() { s.broadcast(out...) }()
	want := make(map[string]bool, len(items))
	for _, it := range items {
		key := it.ev.UID
		if want[key] {
			continue // the first of two items with one UID wins
		}
		want[key] = true
		if e, ok := s.entries[key]; ok && (it.chat || sameContent(&e.it.ev, &it.ev) && e.it.stale == it.stale) {
			continue
		}
		ev, m, err := s.stamp(it, now)
		if err != nil {
			s.log.Warn("cot: item not sent", "uid", key, "err", err)
			continue
		}
		if _, ok := s.entries[key]; !ok {
			s.order = append(s.order, key)
		}
		s.entries[key] = &entry{it: it, ev: ev, msg: m, sentAt: now}
		out = append(out, m)
	}
	kept := s.order[:0]
	for _, key := range s.order {
		if want[key] {
			kept = append(kept, key)
			continue
		}
		e := s.entries[key]
		delete(s.entries, key)
		if e.it.chat {
			continue // chat messages are not map items: nothing to withdraw
		}
		del := deletion(&e.it.ev, s.o.Opex)
		_, m, err := s.stamp(item{ev: del, stale: s.o.TrackStale}, now)
		if err != nil {
			s.log.Warn("cot: deletion not sent", "uid", key, "err", err)
			continue
		}
		m.key = key
		out = append(out, m)
	}
	clear(s.order[len(kept):])
	s.order = kept
}

// renderAreas renders areas, reusing the items of an area that has not
// changed since the last Update. s.mu is held.
func (s *Server) renderAreas(areas []export.Area, out []item) []item {
	cache := s.areas
	next := make(map[string]cachedArea, len(areas))
	for i := range areas {
		a := &areas[i]
		if c, ok := cache[a.Code]; ok && reflect.DeepEqual(c.area, *a) {
			next[a.Code] = c
			out = append(out, c.items...)
			continue
		}
		its := s.r.area(a, nil)
		next[a.Code] = cachedArea{area: *a, items: its}
		out = append(out, its...)
	}
	s.areas = next
	return out
}

// stamp sets the item's times from now and encodes it both ways.
func (s *Server) stamp(it item, now time.Time) (Event, *message, error) {
	ev := it.ev
	now = now.UTC().Truncate(time.Millisecond)
	ev.Version = "2.0"
	ev.Time, ev.Start, ev.Stale = now, now, now.Add(it.stale)
	if err := ev.Validate(); err != nil {
		return Event{}, nil, err
	}
	s.changes.Add(1)
	return ev, &message{key: ev.UID, ev: ev}, nil
}

// Snapshot returns the events of the current picture as last sent, in the
// order the items first appeared: what a client connecting now receives.
func (s *Server) Snapshot() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, 0, len(s.order))
	for _, key := range s.order {
		out = append(out, s.entries[key].ev)
	}
	return out
}

// broadcast queues ms, whose keys are distinct, for every client. s.mu
// is held.
func (s *Server) broadcast(ms ...*message) {
	if len(ms) == 0 {
		return
	}
	for c := range s.clients {
		c.enqueue(ms)
	}
}

// refreshLoop re-sends items when half their stale time has passed.
func (s *Server) refreshLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.o.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.refresh()
		}
	}
}

func (s *Server) refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	var out []*message
	for _, key := range s.order {
		e := s.entries[key]
		if e.it.chat || now.Sub(e.sentAt) < e.it.stale/2 {
			continue
		}
		ev, m, err := s.stamp(e.it, now)
		if err != nil {
			continue
		}
		e.ev, e.msg, e.sentAt = ev, m, now
		out = append(out, m)
	}
	s.broadcast(out...)
}

// Serve accepts plain TCP connections on ln (TAK's port 8087, for loopback
// and lab use) and serves each until it closes or Close is called. It
// returns ErrServerClosed after Close, or the listener's error.
func (s *Server) Serve(ln net.Listener) error { return s.serve(ln, nil) }

// ServeTLS accepts connections on ln and serves them over TLS (TAK's port
// 8089). cfg must require and verify client certificates
// (tls.RequireAndVerifyClientCert with ClientCAs set); it is not modified.
func (s *Server) ServeTLS(ln net.Listener, cfg *tls.Config) error {
	if cfg == nil || cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
		return fmt.Errorf("cot: TLS config must require and verify client certificates")
	}
	return s.serve(ln, cfg)
}

func (s *Server) serve(ln net.Listener, cfg *tls.Config) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return ErrServerClosed
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("cot: accept: %w", err)
		}
		backoff = 0
		s.wg.Add(1)
		go s.handle(conn, cfg)
	}
}

// Close stops the listeners and disconnects every client, and returns when
// all of the server's goroutines have ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	for ln := range s.listeners {
		_ = ln.Close()
	}
	cs := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.close()
	}
	s.wg.Wait()
	return nil
}

// handle runs one connection.
func (s *Server) handle(conn net.Conn, cfg *tls.Config) {
	defer s.wg.Done()
	log := s.log.With("remote", conn.RemoteAddr().String())
	if cfg != nil {
		tc := tls.Server(conn, cfg)
		_ = conn.SetDeadline(time.Now().Add(s.o.HandshakeTimeout))
		err := tc.Handshake()
		_ = conn.SetDeadline(time.Time{})
		if err != nil {
			s.refused.Add(1)
			log.Debug("cot: TLS handshake failed", "err", err)
			_ = conn.Close()
			return
		}
		cn := ""
		if pc := tc.ConnectionState().PeerCertificates; len(pc) > 0 {
			cn = pc[0].Subject.CommonName
		}
		log = log.With("cn", cn)
		conn = tc
	}
	c := &client{
		s: s, conn: conn, log: log, id: s.connSeq.Add(1),
		wake: make(chan struct{}, 1), ctrl: make(chan control, 8), done: make(chan struct{}),
	}
	s.mu.Lock()
	if s.closed || len(s.clients) >= s.o.MaxClients {
		s.mu.Unlock()
		s.refused.Add(1)
		log.Debug("cot: client refused")
		_ = conn.Close()
		return
	}
	// Resync: the whole current picture first, then the changes.
	resync := make([]*message, len(s.order))
	for i, key := range s.order {
		resync[i] = s.entries[key].msg
	}
	c.enqueue(resync)
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	s.accepted.Add(1)
	s.nclients.Add(1)
	log.Info("cot: client connected")
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.writeLoop()
	}()
	c.readLoop()
	c.close()
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
	s.nclients.Add(-1)
	if c.v1.Load() {
		s.nclientsV1.Add(-1)
	}
	log.Info("cot: client disconnected")
}

// control is a message for one client only: an answer to a ping or a
// protocol request.
type control struct {
	ev Event
	// toV1 switches the connection to TAK protocol v1 after ev.
	toV1 bool
}

// client is one connection.
type client struct {
	s    *Server
	conn net.Conn
	log  *slog.Logger
	id   uint64

	// mu guards queue.
	mu    sync.Mutex
	queue [][]*message // batches not yet sent, oldest first; keys distinct within each

	wake chan struct{} // a message is pending
	ctrl chan control
	v1   atomic.Bool // the writer sends TAK protocol v1
	once sync.Once
	done chan struct{}
}

// maxBatches is how many batches may wait for a client before they are
// merged into one.
const maxBatches = 16

// enqueue queues a batch of messages with distinct keys and wakes the
// writer. A client that keeps up costs one append; the batches of one
// that falls behind are merged, keeping the latest message per item.
func (c *client) enqueue(ms []*message) {
	c.mu.Lock()
	c.queue = append(c.queue, ms)
	if len(c.queue) > maxBatches {
		c.queue = append(c.queue[:0], c.merge(c.queue))
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// merge returns the latest message of each item in bs, in the order the
// items first appear, at most QueueLen of them; it counts the messages
// replaced (superseded) and those beyond the limit (dropped).
func (c *client) merge(bs [][]*message) []*message {
	n := 0
	for _, b := range bs {
		n += len(b)
	}
	idx := make(map[string]int, n)
	out := make([]*message, 0, min(n, c.s.o.QueueLen))
	var superseded, dropped uint64
	for _, b := range bs {
		for _, m := range b {
			switch i, ok := idx[m.key]; {
			case ok:
				out[i] = m
				superseded++
			case len(out) >= c.s.o.QueueLen:
				dropped++
			default:
				idx[m.key] = len(out)
				out = append(out, m)
			}
		}
	}
	if superseded > 0 {
		c.s.superseded.Add(superseded)
	}
	if dropped > 0 {
		c.s.dropped.Add(dropped)
	}
	return out
}

func (c *client) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.conn.Close()
	})
}

// writeLoop offers TAK protocol v1, then writes queued messages in
// batches and the control messages, until the client goes.
func (c *client) writeLoop() {
	defer c.close()
	offer := Event{
		UID: "protouid-" + strconv.FormatUint(c.id, 10), Type: TypeProtoOffer, How: "m-g",
		Point:  Point{CE: 999999, LE: 999999},
		Detail: Detail{XML: `<TakControl><TakProtocolSupport version="1"/></TakControl>`},
	}
	if err := c.writeControl(control{ev: offer}); err != nil {
		return
	}
	var buf []byte
	var spare [][]*message
	// flush writes what is queued.
	flush := func() error {
		// Swap the queue with the writer's spare array: the enqueuers
		// fill one while the writer reads the other.
		c.mu.Lock()
		bs := c.queue
		c.queue, spare = spare[:0], nil
		c.mu.Unlock()
		var ms []*message
		switch len(bs) {
		case 0:
		case 1:
			ms = bs[0]
		default:
			ms = c.merge(bs)
		}
		clear(bs)
		spare = bs
		v1 := c.v1.Load()
		buf = buf[:0]
		for _, m := range ms {
			buf = append(buf, m.encoded(v1)...)
		}
		if len(ms) == 0 {
			return nil
		}
		if err := c.write(buf); err != nil {
			return err
		}
		c.s.sent.Add(uint64(len(ms)))
		if cap(buf) > 1<<20 {
			buf = nil // do not keep a large burst's buffer
		}
		return nil
	}
	for {
		select {
		case <-c.done:
			return
		case ctl := <-c.ctrl:
			// What was queued before the client's message goes first, so
			// that an answer to a ping follows everything sent before it.
			if flush() != nil || c.writeControl(ctl) != nil {
				return
			}
		case <-c.wake:
			if flush() != nil {
				return
			}
		}
	}
}

func (c *client) write(b []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.s.o.WriteTimeout))
	if _, err := c.conn.Write(b); err != nil {
		c.log.Info("cot: write failed", "err", err)
		return err
	}
	return nil
}

// writeControl stamps and writes a control message in the connection's
// current protocol, then switches to v1 if asked.
func (c *client) writeControl(ctl control) error {
	now := c.s.o.Now().UTC().Truncate(time.Millisecond)
	ev := ctl.ev
	ev.Version = "2.0"
	ev.Time, ev.Start, ev.Stale = now, now, now.Add(time.Minute)
	var b []byte
	var err error
	if c.v1.Load() {
		b, err = MarshalFrame(&ev)
	} else {
		b, err = Encode(&ev)
	}
	if err != nil {
		return err
	}
	if err := c.write(b); err != nil {
		return err
	}
	if ctl.toV1 && !c.v1.Swap(true) {
		c.s.nclientsV1.Add(1)
		c.log.Info("cot: client switched to TAK protocol v1")
	}
	return nil
}

// sendControl queues a control message; it is dropped (and counted) if
// the client has too many waiting.
func (c *client) sendControl(ctl control) {
	select {
	case c.ctrl <- ctl:
	case <-c.done:
	default:
		c.s.dropped.Add(1)
	}
}

// readLoop reads what the client sends until the connection ends: CoT XML
// until a switch to v1 is agreed, then v1 frames.
func (c *client) readLoop() {
	max := c.s.o.MaxMessageSize
	xr := NewXMLReader(c.conn, max)
	for {
		msg, name, err := xr.Next()
		if err != nil {
			if !c.rejectable(err) {
				return
			}
			continue
		}
		if name != "event" {
			continue // <auth> and the like: not needed here
		}
		ev, err := Decode(msg)
		if err != nil {
			c.reject(err)
			continue
		}
		c.s.received.Add(1)
		if c.handle(&ev) {
			break
		}
	}
	// TAK protocol v1 from here: the client sends nothing after its
	// request until it has the answer.
	fr := NewFrameReader(xr.Buffered(), max)
	for {
		p, err := fr.Next()
		if err != nil {
			if !c.rejectable(err) {
				return
			}
			continue
		}
		ev, _, err := UnmarshalPayload(p)
		if err != nil {
			c.reject(err)
			continue
		}
		c.s.received.Add(1)
		if ev != nil {
			c.handle(ev)
		}
	}
}

// rejectable counts err if it concerns one message and reports whether
// reading can go on.
func (c *client) rejectable(err error) bool {
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrInvalid) {
		c.reject(err)
		return true
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.log.Debug("cot: read ended", "err", err)
	}
	return false
}

func (c *client) reject(err error) {
	c.s.rejected.Add(1)
	c.log.Debug("cot: client message rejected", "err", err)
}

// handle acts on a client's event and reports whether the connection
// switches to TAK protocol v1. Nothing a client sends changes the picture.
func (c *client) handle(ev *Event) (toV1 bool) {
	switch ev.Type {
	case TypePing:
		c.sendControl(control{ev: Event{UID: "takPong", Type: TypePong, How: "h-g-i-g-o",
			Point: Point{HAE: Unknown, CE: Unknown, LE: Unknown}}})
	case TypeProtoRequest:
		if c.v1.Load() {
			return false
		}
		var req struct {
			Requests []struct {
				Version string `xml:"version,attr"`
			} `xml:"TakControl>TakRequest"`
		}
		ok := ev.Detail.Unmarshal(&req) == nil && len(req.Requests) == 1 && req.Requests[0].Version == "1"
		c.sendControl(control{toV1: ok, ev: Event{
			UID: ev.UID, Type: TypeProtoResponse, How: "m-g", Point: Point{CE: 999999, LE: 999999},
			Detail: Detail{XML: `<TakControl><TakResponse status="` + strconv.FormatBool(ok) + `"/></TakControl>`},
		}})
		return ok
	default:
		c.log.Debug("cot: client event ignored", "uid", ev.UID, "type", ev.Type)
	}
	return false
}

// sameContent reports whether a and b are the same item apart from their
// times.
func sameContent(a, b *Event) bool {
	if a.UID != b.UID || a.Type != b.Type || a.How != b.How || a.Access != b.Access || a.QoS != b.QoS ||
		a.Opex != b.Opex || a.Point != b.Point || a.Detail.XML != b.Detail.XML {
		return false
	}
	eq := func(x, y any) bool { return reflect.DeepEqual(x, y) }
	da, db := &a.Detail, &b.Detail
	return eq(da.Contact, db.Contact) && eq(da.Group, db.Group) && eq(da.PrecisionLocation, db.PrecisionLocation) &&
		eq(da.Status, db.Status) && eq(da.Takv, db.Takv) && eq(da.Track, db.Track)
}
