package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/cap"
)

// DigestMsg is what each node publishes on shared.<n>.digest.
type DigestMsg struct {
	Nation       nation.Nation `json:"nation"`
	Evidence     string        `json:"evidence"`
	Picture      string        `json:"picture"`
	Measurements int           `json:"measurements"`
	Through      time.Time     `json:"through"`
	Sent         time.Time     `json:"sent"`
}

// Picture runs a nation's fusion: measurements from every nation's sensors
// arrive through the backbone (fast and durable paths merged), pass
// ingest, and feed one deterministic engine. The node publishes a digest of
// its picture, and compares partners' digests for the same evidence.
type Picture struct {
	node   *Node
	ingest *Ingest
	hub    *httpapi.Hub
	log    *slog.Logger
	now    func() time.Time // the node's clock (the scenario's in the demo)

	mu        sync.Mutex // guards the fields below
	eng       *fusion.Engine
	events    map[string]fusion.Event
	sent      map[string][]byte                   // last JSON pushed per event
	pushed    map[string]time.Time                // when it was pushed
	lastState map[string]fusion.EventState        // its state then
	marshaled map[string]liveKey                  // what each event's last marshaled live message showed
	mine      map[string]string                   // evidence → picture, recent
	theirs    map[string]map[nation.Nation]string // partners\' pictures for keys not computed here yet
	order     []string                            // evidence in insertion order, to bound mine
	partners  map[nation.Nation]share.DigestAgreement
	lastGrid  time.Time     // the last grid instant fusion advanced to
	digest    fusion.Digest // the picture's digest at the last digest instant
	// speed is how fast the node's clock runs against the wall (a replay);
	// it stretches the digest grid (see digestEvery). Zero: 1.
	speed float64

	warning  alerter
	probe    bool // publish <n>.probe.fused per measurement (benchmarks)
	recv     atomic.Pointer[share.Receiver]
	audit    *auditKeeper            // nil: no audit log
	hotline  *Hotline                // nil: no posts to the operations room
	tak      *cot.Server             // nil: no TAK gateway
	received map[string]*AlertRecord // partners' alerts by id
	acks     map[string][]Ack        // partners' receipts of our alerts, by alert id
}

func newPicture(node *Node, hub *httpapi.Hub, now func() time.Time, log *slog.Logger) *Picture {
	return &Picture{node: node, ingest: NewIngest(sensor.DefaultNetwork()), hub: hub, now: now, log: log.With("nation", node.Nation.String()),
		eng: fusion.New(fusion.Config{}), events: map[string]fusion.Event{}, sent: map[string][]byte{}, pushed: map[string]time.Time{}, lastState: map[string]fusion.EventState{}, marshaled: map[string]liveKey{},
		mine: map[string]string{}, theirs: map[string]map[nation.Nation]string{}, partners: map[nation.Nation]share.DigestAgreement{},
		received: map[string]*AlertRecord{}, acks: map[string][]Ack{}}
}

// Run receives, fuses and publishes until ctx ends.
func (p *Picture) Run(ctx context.Context) error {
	// Fusion lives in memory: a restarted node rebuilds its picture from
	// all of PICTURE (the engine is deterministic in its evidence), so its
	// receiver starts from the beginning, not where it stopped.
	if err := p.node.JS.DeleteConsumer(ctx, share.PictureStream, "fusion-"+p.node.Nation.String()); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("app: %s: reset fusion consumer: %w", p.node.Nation, err)
	}
	if err := p.restoreAlerts(ctx); err != nil {
		return err
	}
	recv, err := share.NewReceiver(p.node.NC, p.node.JS, share.ReceiverConfig{
		Subjects: []string{"shared.*.meas.>"}, Durable: "fusion-" + p.node.Nation.String(), Logger: p.log,
		Handler: func(d share.Delivery) {
			m, err := p.ingest.Check(d.Subject, d.Data, p.now())
			if err != nil {
				p.log.Warn("measurement rejected", "subject", d.Subject, "err", err)
				return
			}
			p.mu.Lock()
			err = p.eng.Add(m)
			p.mu.Unlock()
			if err != nil {
				p.log.Debug("measurement not fused", "subject", d.Subject, "err", err)
			} else if p.probe {
				_ = p.node.NC.Publish(p.node.Nation.String()+".probe.fused",
					[]byte(MeasurementID(m)+" "+strconv.FormatInt(time.Now().UnixNano(), 10)))
			}
		},
	})
	if err != nil {
		return err
	}
	p.recv.Store(recv)
	sub, err := p.node.NC.Subscribe("shared.*.digest", p.onDigest)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	ackSub, err := p.node.NC.Subscribe("shared.*.ack."+p.node.Nation.String()+".>", p.onAck)
	if err != nil {
		return err
	}
	defer ackSub.Unsubscribe()
	alertRecv, err := share.NewReceiver(p.node.NC, p.node.JS, share.ReceiverConfig{
		Subjects: []string{"shared.*.alert.>"}, Durable: "alerts-" + p.node.Nation.String(), Logger: p.log,
		Handler: func(d share.Delivery) { p.onAlert(ctx, d) },
	})
	if err != nil {
		return err
	}
	go func() { _ = alertRecv.Run(ctx) }()
	errc := make(chan error, 1)
	go func() { errc <- recv.Run(ctx) }()
	adv := time.NewTicker(250 * time.Millisecond)
	defer adv.Stop()
	dig := time.NewTicker(2 * time.Second)
	defer dig.Stop()
	for {
		select {
		case <-ctx.Done():
			return <-errc
		case err := <-errc:
			return err
		case <-adv.C:
			p.advance(p.now())
		case <-dig.C:
			p.publishDigest(ctx)
		}
	}
}

// advance moves fusion on and pushes changed events to live subscribers.
// A panic inside fusion or warning is logged and the node goes on: one
// bad estimate must not take a nation's warning system down.
func (p *Picture) advance(now time.Time) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("picture update failed", "panic", r)
		}
	}()
	p.mu.Lock()
	locked := true
	defer func() {
		if locked { // a panic under the lock
			p.mu.Unlock()
		}
	}()
	// Every node advances its fusion through every instant of the same
	// grid of scenario time, so that nations holding the same evidence
	// compute their pictures at the same instants and can compare them
	// (the picture's time-driven states — impacted, closed — depend on
	// the clock). A clock that jumps ahead skips to the present.
	g := now.Truncate(advanceGrid)
	if p.lastGrid.IsZero() || g.Sub(p.lastGrid) > 100*advanceGrid || g.Before(p.lastGrid) {
		p.lastGrid = g.Add(-advanceGrid)
	}
	for t := p.lastGrid.Add(advanceGrid); !t.After(g); t = t.Add(advanceGrid) {
		p.eng.Advance(t)
		// Digests are taken on a coarser grid: hashing the whole picture
		// costs several times a fusion step (9 ms against 1 ms per step
		// in a 20-missile salvo), and a replay at 30× takes 7 steps a tick.
		if t.Equal(t.Truncate(p.digestEvery())) {
			d := p.eng.Digest()
			p.remember(digestKey(d.Evidence, d.Through), d.Picture)
			p.digest = d
		}
		p.lastGrid = t
	}
	evs := p.eng.Events()
	var changed [][]byte
	for _, ev := range evs {
		p.events[ev.ID] = ev
		// Live messages carry a trimmed event at most twice a second; the
		// full one is at /api/v1/events/{id}.
		if now.Sub(p.pushed[ev.ID]) < 500*time.Millisecond && ev.State == p.lastState[ev.ID] {
			continue
		}
		// Most events of a long picture have not changed since their last
		// message: skip encoding them again (it was 12 % of a node's time
		// at 3,000 measurements/s).
		k := liveKeyOf(ev)
		if p.marshaled[ev.ID] == k {
			continue
		}
		b, err := json.Marshal(trimForLive(ev))
		if err != nil {
			continue
		}
		p.marshaled[ev.ID] = k
		if !bytes.Equal(b, p.sent[ev.ID]) {
			p.sent[ev.ID] = b
			p.pushed[ev.ID] = now
			p.lastState[ev.ID] = ev.State
			changed = append(changed, b)
		}
	}
	locked = false
	p.mu.Unlock()
	for _, b := range changed {
		p.hub.Publish(p.node.Nation, httpapi.LiveEvent, json.RawMessage(b))
	}
	if p.hotline != nil {
		for _, ev := range evs {
			p.hotline.PostEvent(p.node.Nation, ev)
		}
	}
	if p.tak != nil {
		defer func() { p.tak.Update(exportPicture(p)) }()
	}
	if p.warning == nil {
		return
	}
	var recs []*AlertRecord
	for _, ev := range evs {
		r, err := p.warning.Update(ev, now)
		if err != nil {
			p.log.Error("alert not sent", "event", ev.ID, "err", err)
		}
		recs = append(recs, r...)
	}
	r, err := p.warning.Tick(now)
	if err != nil {
		p.log.Error("alert not sent", "err", err)
	}
	for _, rec := range append(recs, r...) {
		p.sendAlert(rec)
	}
}

// restoreAlerts reads the alerts already in PICTURE — partners' as
// received, and ours sent before a restart — before the node starts, so a
// restarted node still shows them and does not send its own again. Partners'
// alerts that arrive later come through the alert receiver.
func (p *Picture) restoreAlerts(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	subj := "shared.*.alert.>"
	info, err := p.node.JS.Stream(ctx, share.PictureStream)
	if err != nil {
		return fmt.Errorf("app: %s: restore alerts: %w", p.node.Nation, err)
	}
	si, err := info.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		return fmt.Errorf("app: %s: restore alerts: %w", p.node.Nation, err)
	}
	want := uint64(0)
	for _, c := range si.State.Subjects {
		want += c
	}
	if want == 0 {
		return nil
	}
	cons, err := p.node.JS.OrderedConsumer(ctx, share.PictureStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}})
	if err != nil {
		return fmt.Errorf("app: %s: restore alerts: %w", p.node.Nation, err)
	}
	got := uint64(0)
	for got < want {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return fmt.Errorf("app: %s: restore alerts: %w", p.node.Nation, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			got++
			p.restoreAlert(m.Subject(), m.Headers().Get("Trilink-Alert"), m.Data())
		}
		if n == 0 {
			break // the messages counted may have expired meanwhile
		}
	}
	p.log.Info("alerts restored", "alerts", got)
	return nil
}

// restoreAlert records one alert message read back from PICTURE.
func (p *Picture) restoreAlert(subject, id string, data []byte) {
	parts := strings.Split(subject, ".")
	if len(parts) < 5 || id == "" {
		return
	}
	origin, err := nation.Parse(parts[1])
	if err != nil {
		return
	}
	a, err := cap.Decode(data)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, seen := p.received[id]
	if !seen {
		rec = receivedRecord(origin, id, a)
		rec.Kind = parts[len(parts)-1]
		rec.xml = data
		p.received[id] = rec
	}
	if r := warn.Default().Region(parts[len(parts)-2]); r != nil {
		rec.Regions = append(rec.Regions, AlertRegion{Code: r.ID, Name: map[string]string{"en": r.Name.En, "ja": r.Name.Ja, "ko": r.Name.Ko}})
	}
}

// sentBefore reports whether our alert id was already sent before a
// restart (restored from PICTURE).
func (p *Picture) sentBefore(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.received[id]
	return ok && r.Origin == p.node.Nation
}

// sendAlert releases one of our alerts: to partners and the public feeds
// on shared.<n>.alert.<region>.<level>, one message per region (or
// "sea" for a landing report at sea), and to live subscribers.
func (p *Picture) sendAlert(rec *AlertRecord) {
	if p.sentBefore(rec.ID) {
		// Decided again after a restart: partners and the feeds have it.
		p.log.Info("alert already sent before the restart", "id", rec.ID)
		return
	}
	p.log.Info("alert", "id", rec.ID, "kind", rec.Kind, "msg_type", rec.MsgType, "regions", len(rec.Regions))
	if p.audit != nil {
		doc, _ := p.warning.Document(rec.ID)
		p.audit.Append(p.node.Nation, audit.KindAlert, p.node.Nation, rec.Sent, rec.ID, doc)
	}
	p.hub.Publish(p.node.Nation, httpapi.LiveAlert, p.alertView(rec))
	if p.hotline != nil {
		p.hotline.PostAlert(p.node.Nation, rec)
	}
	regions := []string{"sea"}
	if len(rec.Regions) > 0 {
		regions = regions[:0]
		for _, r := range rec.Regions {
			regions = append(regions, r.Code)
		}
	}
	xml, _ := p.warning.Document(rec.ID)
	for _, code := range regions {
		m := share.Msg{Subject: p.node.Nation.SharedPrefix() + "alert." + subjectToken(code) + "." + rec.Kind, ID: rec.ID + ":" + code, Data: xml,
			Header: nats.Header{"Trilink-Alert": []string{rec.ID}}}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := p.node.Pub.Publish(ctx, m); err != nil {
				p.log.Error("alert publish", "id", rec.ID, "err", err)
			}
		}()
	}
}

// subjectToken makes a region code a NATS subject token ("JP-02" stays).
func subjectToken(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '.' || c == '*' || c == '>' || c == ' ' {
			b[i] = '_'
		}
	}
	return string(b)
}

// onAlert records a partner's alert and acknowledges its receipt.
func (p *Picture) onAlert(ctx context.Context, d share.Delivery) {
	if d.Origin == p.node.Nation || !d.Origin.Valid() {
		return
	}
	id := d.Header.Get("Trilink-Alert")
	if id == "" {
		return
	}
	a, err := cap.Decode(d.Data)
	if err != nil {
		p.log.Warn("partner alert does not validate", "subject", d.Subject, "err", err)
		return
	}
	parts := strings.Split(d.Subject, ".")
	region, kind := parts[len(parts)-2], parts[len(parts)-1]
	p.mu.Lock()
	rec, seen := p.received[id]
	if !seen {
		rec = receivedRecord(d.Origin, id, a)
		rec.Kind = kind
		rec.xml = d.Data
		p.received[id] = rec
	}
	if r := warn.Default().Region(region); r != nil {
		rec.Regions = append(rec.Regions, AlertRegion{Code: r.ID, Name: map[string]string{"en": r.Name.En, "ja": r.Name.Ja, "ko": r.Name.Ko}})
	}
	view := *rec
	p.mu.Unlock()
	p.hub.Publish(p.node.Nation, httpapi.LiveAlert, &view)
	if seen {
		return
	}
	if p.audit != nil {
		p.audit.Append(p.node.Nation, audit.KindAlert, d.Origin, rec.Sent, id, d.Data)
	}
	ack := share.Msg{Subject: p.node.Nation.SharedPrefix() + "ack." + d.Origin.String() + "." + subjectToken(id), ID: "ack:" + id,
		Data: []byte(`{"at":"` + p.now().UTC().Format(time.RFC3339Nano) + `"}`)}
	go func() {
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, _ = p.node.Pub.Publish(actx, ack)
	}()
}

// onAck records a partner's receipt of one of our alerts.
func (p *Picture) onAck(msg *nats.Msg) {
	parts := strings.SplitN(msg.Subject, ".", 5)
	if len(parts) != 5 {
		return
	}
	from, err := nation.Parse(parts[1])
	if err != nil {
		return
	}
	var body struct {
		At time.Time `json:"at"`
	}
	_ = json.Unmarshal(msg.Data, &body)
	id := parts[4]
	p.mu.Lock()
	for _, a := range p.acks[id] {
		if a.Nation == from {
			p.mu.Unlock()
			return
		}
	}
	p.acks[id] = append(p.acks[id], Ack{Nation: from, At: body.At})
	p.mu.Unlock()
	if p.audit != nil {
		p.audit.Append(p.node.Nation, audit.KindReceipt, from, body.At, id, msg.Data)
	}
	if p.warning != nil {
		for _, r := range p.warning.Alerts() {
			if subjectToken(r.ID) == id {
				p.hub.Publish(p.node.Nation, httpapi.LiveAlert, p.alertView(r))
			}
		}
	}
}

// alertView is one of our alerts with the partners' receipts so far.
func (p *Picture) alertView(r *AlertRecord) *AlertRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := *r
	v.Acks = append([]Ack{}, p.acks[subjectToken(r.ID)]...)
	return &v
}

// receivedRecord describes a partner's CAP alert.
func receivedRecord(origin nation.Nation, id string, a *cap.Alert) *AlertRecord {
	status, _ := a.Status.MarshalText()
	msgType, _ := a.MsgType.MarshalText()
	rec := &AlertRecord{ID: id, Origin: origin, Status: string(status), MsgType: string(msgType), Headline: map[string]string{}, Acks: []Ack{},
		CAPURL: "/cap/" + origin.String() + "/alerts/" + id + ".xml"}
	rec.Sent = a.Sent.Time.UTC()
	for _, in := range a.Info {
		lang := in.Language
		if i := strings.IndexByte(lang, '-'); i > 0 {
			lang = lang[:i]
		}
		if rec.Headline[lang] == "" {
			rec.Headline[lang] = in.Headline
		}
	}
	return rec
}

// Alerts returns our alerts and partners' as JSON values, newest first.
func (p *Picture) Alerts() []any {
	var all []*AlertRecord
	p.mu.Lock()
	for _, r := range p.received {
		all = append(all, r)
	}
	p.mu.Unlock()
	if p.warning != nil {
		for _, r := range p.warning.Alerts() {
			if !p.sentBefore(r.ID) {
				all = append(all, p.alertView(r))
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Sent.After(all[j].Sent) })
	out := make([]any, len(all))
	for i, r := range all {
		out[i] = r
	}
	return out
}

// advanceGrid is the step of the fusion clock, in scenario time.
const advanceGrid = time.Second

// digestGrid is the spacing of the instants at which every node takes,
// remembers and publishes its picture digest, in scenario time (a multiple
// of advanceGrid), at real-time speed.
const digestGrid = 5 * time.Second

// digestEvery is the digest grid at the node's clock speed: digestGrid at
// real time, stretched in a faster replay so that a node hashes its
// picture about once a wall second at most (hashing a 20-missile picture
// takes tens of milliseconds). Nodes of one exercise share the speed, hence
// the grid.
func (p *Picture) digestEvery() time.Duration {
	if p.speed <= 5 {
		return digestGrid
	}
	return time.Duration(math.Ceil(p.speed)) * time.Second
}

// digestKey names a picture by its evidence and the fusion clock.
func digestKey(evidence string, through time.Time) string {
	return evidence + "@" + through.UTC().Format(time.RFC3339Nano)
}

func (p *Picture) remember(key, picture string) {
	if _, ok := p.mine[key]; ok {
		return
	}
	p.mine[key] = picture
	p.order = append(p.order, key)
	if len(p.order) > 512 {
		delete(p.mine, p.order[0])
		delete(p.theirs, p.order[0])
		p.order = p.order[1:]
	}
	// Partners that were ahead of us: compare now.
	for n, pic := range p.theirs[key] {
		p.compare(n, key, pic)
	}
	delete(p.theirs, key)
}

// compare records whether partner n's picture for key equals ours.
func (p *Picture) compare(n nation.Nation, key, theirs string) {
	a := p.partners[n]
	a.Partner = n
	a.Compared = time.Now().UTC()
	if p.mine[key] == theirs {
		a.State = "agree"
	} else {
		if a.State != "DISAGREE" {
			p.log.Error("picture digest differs from a partner's for the same evidence", "partner", n.String(), "key", key, "ours", p.mine[key], "theirs", theirs)
		}
		a.State = "DISAGREE"
	}
	p.partners[n] = a
}

func (p *Picture) publishDigest(ctx context.Context) {
	p.mu.Lock()
	d := p.digest
	p.mu.Unlock()
	if d.Evidence == "" {
		return // no digest instant reached yet
	}
	b, _ := json.Marshal(DigestMsg{Nation: p.node.Nation, Evidence: d.Evidence, Picture: d.Picture, Measurements: d.Measurements, Through: d.Through, Sent: time.Now().UTC()})
	msg := nats.NewMsg(p.node.Nation.SharedPrefix() + "digest")
	msg.Data = b
	msg.Header.Set("Nats-TTL", "10m")
	if err := p.node.NC.PublishMsg(msg); err != nil {
		p.log.Warn("digest publish", "err", err)
	}
}

// onDigest compares a partner's digest with ours for the same evidence.
func (p *Picture) onDigest(msg *nats.Msg) {
	var d DigestMsg
	if err := json.Unmarshal(msg.Data, &d); err != nil || !d.Nation.Valid() || d.Nation == p.node.Nation {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := digestKey(d.Evidence, d.Through)
	if _, ok := p.mine[key]; ok {
		p.compare(d.Nation, key, d.Picture)
		a := p.partners[d.Nation]
		a.Measurements = d.Measurements
		p.partners[d.Nation] = a
		return
	}
	// Not computed here (yet): keep it for when we get there; until a
	// comparison is made the state stays as it was ("pending" at first).
	if p.theirs[key] == nil {
		p.theirs[key] = map[nation.Nation]string{}
	}
	p.theirs[key][d.Nation] = d.Picture
	if len(p.theirs) > 512 {
		for k := range p.theirs { // bounded: forget an arbitrary old one
			delete(p.theirs, k)
			break
		}
	}
	if a, ok := p.partners[d.Nation]; !ok || a.State == "" {
		p.partners[d.Nation] = share.DigestAgreement{Partner: d.Nation, State: "pending", Measurements: d.Measurements}
	}
}

// Events returns the picture's events as JSON values.
func (p *Picture) Events() []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]string, 0, len(p.events))
	for id := range p.events {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, p.events[id])
	}
	return out
}

// Event returns one event.
func (p *Picture) Event(id string) (any, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev, ok := p.events[id]
	return ev, ok
}

// Agreement returns the digest comparison with each partner.
func (p *Picture) Agreement() share.PictureStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	// The digest of the last digest instant (computing one here would
	// hold the lock for the whole hash of the picture).
	d := p.digest
	if d.Evidence == "" {
		d = p.eng.Digest()
	}
	st := share.PictureStatus{Evidence: d.Evidence, Picture: d.Picture, Measurements: d.Measurements}
	for _, n := range nation.Nations {
		if a, ok := p.partners[n]; ok {
			st.Partners = append(st.Partners, a)
		}
	}
	return st
}

// trimForLive keeps the last 300 track points and at most 200 points of the
// predicted path, so live messages stay small with many tracks.
// liveKey is what changes in an event whenever anything its live message
// shows changes: fusion appends to History at every new estimate, counts
// every measurement, and moves State on the clock.
type liveKey struct {
	state                  fusion.EventState
	measurements, history  int
	track, path            int
	note                   string
	impact, launch, firstE int64 // Unix ns
}

func liveKeyOf(ev fusion.Event) liveKey {
	return liveKey{state: ev.State, measurements: ev.Measurements, history: len(ev.History), track: len(ev.Track), path: len(ev.Path),
		note: ev.Note, impact: ev.Estimate.Impact.Time.UnixNano(), launch: ev.Estimate.Launch.Time.UnixNano(), firstE: ev.Estimate.FirstEstimate.UnixNano()}
}

func trimForLive(ev fusion.Event) fusion.Event {
	if n := len(ev.Track); n > 300 {
		ev.Track = ev.Track[n-300:]
	}
	if n := len(ev.Path); n > 200 {
		step := (n + 199) / 200
		thin := make([]fusion.PathPoint, 0, 201)
		for i := 0; i < n; i += step {
			thin = append(thin, ev.Path[i])
		}
		if thin[len(thin)-1] != ev.Path[n-1] {
			thin = append(thin, ev.Path[n-1])
		}
		ev.Path = thin
	}
	return ev
}

// Document returns a CAP document, ours or a partner's, by id.
func (p *Picture) Document(origin nation.Nation, id string) ([]byte, bool) {
	if origin == p.node.Nation && p.warning != nil {
		if b, ok := p.warning.Document(id); ok {
			return b, true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.received[id]
	if !ok || r.Origin != origin {
		return nil, false
	}
	return r.xml, true
}
