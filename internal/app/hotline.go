package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/fusion"
	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/hotline/exchange"
	"github.com/trilink/trilink/internal/hotline/terminal"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/store"
)

// LiveHotline is the /api/v1/live type of hotline changes.
const LiveHotline = "hotline"

// Hotline is the hotline of the nations this process serves: one Exchange
// per nation, and — because the demo has no user devices — every member's
// terminal in this process, with keys and local stores under the data
// directory. Each nation's operations room also has the node's own machine
// terminal, which runs the link tests and posts launch events and alerts.
type Hotline struct {
	dir      *hotline.Directory
	x        map[nation.Nation]*exchange.Exchange
	terms    map[hotline.MemberID]*terminal.Terminal // the member's console device
	machine  map[nation.Nation]*terminal.Terminal    // the node's device in the ops room
	stores   []*store.Store
	hub      *httpapi.Hub
	log      *slog.Logger
	linkTest time.Duration

	mu     sync.Mutex
	links  map[nation.Nation][]*LinkTest // newest last
	posted map[string]bool               // event ids posted to ops
}

// LinkTest is one scheduled test of the links between the three nations:
// a link-test message from one nation's node, acknowledged by the partners'
// nodes.
type LinkTest struct {
	ID      string            `json:"id"`
	From    nation.Nation     `json:"from"`
	Sent    time.Time         `json:"sent"`
	State   string            `json:"state"` // pending | ok | missed
	Results []LinkTestPartner `json:"results"`
}

// LinkTestPartner is one partner's answer to a link test.
type LinkTestPartner struct {
	Nation nation.Nation `json:"nation"`
	OK     bool          `json:"ok"`
	RTTms  float64       `json:"rtt_ms,omitempty"`
}

// demoRoster is the demo's members: per nation a head of government, a
// national security adviser, foreign and defence ministers with deputies,
// and the operations centre, in the four standing rooms.
var demoRoster = []struct {
	suffix string
	role   hotline.Role
	alts   []string
	room   hotline.RoomID
	names  [3]string // jp, kr, us
}{
	{"leader", "leader", []string{"nsa"}, hotline.RoomLeaders, [3]string{"Prime Minister", "President", "President"}},
	{"nsa", "national-security-adviser", []string{"ops"}, "", [3]string{"National Security Secretariat", "National Security Office", "National Security Adviser"}},
	{"fm", "foreign-minister", []string{"fm-deputy"}, hotline.RoomForeignMinisters, [3]string{"Minister for Foreign Affairs", "Minister of Foreign Affairs", "Secretary of State"}},
	{"fm-deputy", "deputy-foreign-minister", nil, "", [3]string{"Vice-Minister for Foreign Affairs", "Vice Minister of Foreign Affairs", "Deputy Secretary of State"}},
	{"dm", "defence-minister", []string{"dm-deputy"}, hotline.RoomDefenceMinisters, [3]string{"Minister of Defense", "Minister of National Defense", "Secretary of Defense"}},
	{"dm-deputy", "deputy-defence-minister", nil, "", [3]string{"Vice-Minister of Defense", "Vice Minister of National Defense", "Deputy Secretary of Defense"}},
	{"ops", "watch-officer", []string{"ops-deputy"}, hotline.RoomOps, [3]string{"Joint Staff operations centre", "JCS operations centre", "National Military Command Center"}},
	{"ops-deputy", "deputy-watch-officer", nil, "", [3]string{"Operations centre (deputy)", "Operations centre (deputy)", "NMCC (deputy)"}},
}

var roomTitles = map[hotline.RoomID]string{
	hotline.RoomLeaders: "Leaders", hotline.RoomForeignMinisters: "Foreign ministers",
	hotline.RoomDefenceMinisters: "Defence ministers", hotline.RoomOps: "Operations centres",
}

func consoleDevice(m hotline.MemberID) hotline.DeviceID {
	return hotline.DeviceID(string(m) + "-console")
}
func machineDevice(n nation.Nation) hotline.DeviceID {
	return hotline.DeviceID(n.String() + "-ops-node")
}

// loadDeviceKeys reads device id's keys from dir, making them (and the
// public half, <id>.pub, to hand to the partners) on first use.
func loadDeviceKeys(dir string, id hotline.DeviceID) (*hotline.DeviceKeys, error) {
	path := filepath.Join(dir, string(id)+".key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, err := hotline.GenerateDeviceKeys(id)
		if err != nil {
			return nil, err
		}
		kb, err := k.MarshalBinary()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		// Several nodes may share a keys directory (loopback federations
		// in tests): the first writer wins.
		if err := writeFirst(path, kb, 0o600); err != nil {
			return nil, err
		}
		if b, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	k, err := hotline.UnmarshalDeviceKeys(b)
	if err != nil {
		return nil, fmt.Errorf("hotline keys %s: %w", path, err)
	}
	pb, err := marshalDevice(k.Public())
	if err != nil {
		return nil, err
	}
	if err := writeFirst(filepath.Join(dir, string(id)+".pub"), pb, 0o644); err != nil {
		return nil, err
	}
	return k, nil
}

// devicePub is the file form of a device's public keys (<id>.pub).
type devicePub struct {
	ID   hotline.DeviceID `json:"id"`
	KEM  []byte           `json:"kem"`  // HPKE X25519 public key
	Sign []byte           `json:"sign"` // Ed25519 public key
}

func marshalDevice(d hotline.Device) ([]byte, error) {
	b, err := json.MarshalIndent(devicePub{ID: d.ID, KEM: d.KEM, Sign: d.Sign}, "", "  ")
	return append(b, '\n'), err
}

// parseDevice reads a device's public keys, as a partner handed them over.
func parseDevice(b []byte, want hotline.DeviceID) (hotline.Device, error) {
	var p devicePub
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return hotline.Device{}, err
	}
	switch {
	case p.ID != want:
		return hotline.Device{}, fmt.Errorf("id %q, want %q", p.ID, want)
	case len(p.KEM) != 32:
		return hotline.Device{}, fmt.Errorf("kem: %d bytes, want 32", len(p.KEM))
	case len(p.Sign) != ed25519.PublicKeySize:
		return hotline.Device{}, fmt.Errorf("sign: %d bytes, want %d", len(p.Sign), ed25519.PublicKeySize)
	}
	return hotline.Device{ID: p.ID, KEM: p.KEM, Sign: ed25519.PublicKey(p.Sign)}, nil
}

// loadDevicePublic reads a partner's device's public keys from dir.
func loadDevicePublic(dir string, id hotline.DeviceID, n nation.Nation) (hotline.Device, error) {
	path := filepath.Join(dir, string(id)+".pub")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		// A keys directory of an earlier version, shared by a loopback
		// exercise, holds the partners' private keys but no .pub: take
		// the public half and nothing else.
		if kb, kerr := os.ReadFile(filepath.Join(dir, string(id)+".key")); kerr == nil {
			if k, kerr := hotline.UnmarshalDeviceKeys(kb); kerr == nil {
				return k.Public(), nil
			}
		}
		return hotline.Device{}, fmt.Errorf("%s is missing: on %s's side run `trilink hotline keygen --keys DIR --nation %s` and copy its *.pub files here", path, n, n)
	}
	if err != nil {
		return hotline.Device{}, err
	}
	d, err := parseDevice(b, id)
	if err != nil {
		return hotline.Device{}, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// HotlineKeygen makes nation n's member devices' keys in dir (those
// missing) and says which files to give the partners' nodes.
func HotlineKeygen(dir, n string, stdout io.Writer) error {
	nn, err := nation.Parse(n)
	if err != nil {
		return usagef("--nation: %v", err)
	}
	if dir == "" {
		return usagef("--keys: required")
	}
	count := 0
	for _, id := range rosterDevices(nn) {
		if _, err := loadDeviceKeys(dir, id); err != nil {
			return err
		}
		count++
	}
	fmt.Fprintf(stdout, "%s's %d hotline devices: private keys %s/%s-*.key (0600, this node only); give %s/%s-*.pub to the partners' nodes (their hotline.keys_dir)\n",
		nn, count, dir, nn, dir, nn)
	return nil
}

// rosterDevices lists nation n's member devices in the roster.
func rosterDevices(n nation.Nation) []hotline.DeviceID {
	var ids []hotline.DeviceID
	for _, r := range demoRoster {
		id := hotline.MemberID(n.String() + "-" + r.suffix)
		ids = append(ids, consoleDevice(id))
		if r.suffix == "ops" {
			ids = append(ids, machineDevice(n))
		}
	}
	return ids
}

// demoDirectory builds the roster with keys kept under dir: the private
// keys of the nations in own (made on first use), the partners' devices'
// public keys only.
func demoDirectory(dir string, own []nation.Nation) (*hotline.Directory, map[hotline.DeviceID]*hotline.DeviceKeys, error) {
	keys := map[hotline.DeviceID]*hotline.DeviceKeys{}
	var members []hotline.Member
	rooms := map[hotline.RoomID]*hotline.Room{}
	for _, id := range hotline.StandingRooms {
		rooms[id] = &hotline.Room{ID: id, Kind: hotline.Standing, Title: roomTitles[id]}
	}
	for i, n := range nation.Nations {
		for _, r := range demoRoster {
			id := hotline.MemberID(n.String() + "-" + r.suffix)
			m := hotline.Member{ID: id, Nation: n, Role: r.role, Name: n.Upper() + " " + r.names[i]}
			for _, a := range r.alts {
				m.Alternates = append(m.Alternates, hotline.MemberID(n.String()+"-"+a))
			}
			devs := []hotline.DeviceID{consoleDevice(id)}
			if r.suffix == "ops" {
				devs = append(devs, machineDevice(n))
			}
			for _, d := range devs {
				if !slices.Contains(own, n) {
					pub, err := loadDevicePublic(dir, d, n)
					if err != nil {
						return nil, nil, err
					}
					m.Devices = append(m.Devices, pub)
					continue
				}
				k, err := loadDeviceKeys(dir, d)
				if err != nil {
					return nil, nil, err
				}
				keys[d] = k
				m.Devices = append(m.Devices, k.Public())
			}
			members = append(members, m)
			if r.room != "" {
				rooms[r.room].Members = append(rooms[r.room].Members, id)
			}
		}
	}
	var rs []hotline.Room
	for _, id := range hotline.StandingRooms {
		rs = append(rs, *rooms[id])
	}
	d, err := hotline.NewDirectory(members, rs)
	return d, keys, err
}

// newHotline builds the hotline of the system's nations under dataDir.
func newHotline(sys *System, dataDir string, keeper *auditKeeper, hub *httpapi.Hub, log *slog.Logger) (*Hotline, error) {
	return newHotlineKeys(sys, dataDir, "", keeper, hub, log)
}

// newHotlineKeys is newHotline with the roster's keys in keysDir ("" for
// dataDir/hotline/keys).
func newHotlineKeys(sys *System, dataDir, keysDir string, keeper *auditKeeper, hub *httpapi.Hub, log *slog.Logger) (*Hotline, error) {
	root := filepath.Join(dataDir, "hotline")
	if keysDir == "" {
		keysDir = filepath.Join(root, "keys")
	}
	var own []nation.Nation
	for _, node := range sys.Nodes {
		own = append(own, node.Nation)
	}
	dir, keys, err := demoDirectory(keysDir, own)
	if err != nil {
		return nil, fmt.Errorf("hotline roster: %w", err)
	}
	h := &Hotline{dir: dir, x: map[nation.Nation]*exchange.Exchange{}, terms: map[hotline.MemberID]*terminal.Terminal{},
		machine: map[nation.Nation]*terminal.Terminal{}, hub: hub, log: log, linkTest: time.Hour,
		links: map[nation.Nation][]*LinkTest{}, posted: map[string]bool{}}
	for _, node := range sys.Nodes {
		n := node.Nation
		cfg := exchange.Config{Nation: n, Directory: dir, NC: node.NC, JS: node.JS, Publisher: node.Pub, Logger: log,
			OnItem: func(it exchange.Item) { h.onItem(n, it) }}
		if keeper != nil {
			cfg.Audit = func(e audit.Entry) { keeper.AppendEntry(n, e) }
		}
		x, err := exchange.New(cfg)
		if err != nil {
			h.Close()
			return nil, err
		}
		h.x[n] = x
	}
	for _, m := range dir.Members() {
		x := h.x[m.Nation]
		if x == nil {
			continue
		}
		t, err := h.openTerminal(filepath.Join(root, "stores", string(m.ID)+".db"), keys[consoleDevice(m.ID)], x, false)
		if err != nil {
			h.Close()
			return nil, err
		}
		h.terms[m.ID] = t
		if k := keys[machineDevice(m.Nation)]; strings.HasSuffix(string(m.ID), "-ops") && k != nil {
			mt, err := h.openTerminal(filepath.Join(root, "stores", string(machineDevice(m.Nation))+".db"), k, x, true)
			if err != nil {
				h.Close()
				return nil, err
			}
			h.machine[m.Nation] = mt
		}
	}
	return h, nil
}

func (h *Hotline) openTerminal(path string, k *hotline.DeviceKeys, x *exchange.Exchange, machine bool) (*terminal.Terminal, error) {
	st, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	h.stores = append(h.stores, st)
	return terminal.New(terminal.Config{Keys: k, Exchange: x, Store: st, Machine: machine, Logger: h.log})
}

// Close closes the local stores.
func (h *Hotline) Close() {
	for _, s := range h.stores {
		_ = s.Close()
	}
}

// Run runs the exchanges and, once they have caught up, the terminals and
// the link tests, until ctx ends.
func (h *Hotline) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, len(h.x))
	for _, x := range h.x {
		wg.Add(1)
		go func() { defer wg.Done(); errc <- x.Run(ctx) }()
	}
	defer wg.Wait()
	for !h.ready() {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, t := range h.terms {
		wg.Add(1)
		go func() { defer wg.Done(); _ = t.Run(ctx) }()
	}
	for n, t := range h.machine {
		wg.Add(1)
		go func() { defer wg.Done(); _ = t.Run(ctx) }()
		wg.Add(1)
		go func() { defer wg.Done(); h.linkTestLoop(ctx, n, t) }()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

func (h *Hotline) ready() bool {
	for _, x := range h.x {
		if !x.Ready() {
			return false
		}
	}
	return true
}

// Ready reports whether every exchange has caught up.
func (h *Hotline) Ready() bool { return h.ready() }

// onItem tells the nation's console what changed.
func (h *Hotline) onItem(n nation.Nation, it exchange.Item) {
	if h.hub == nil {
		return
	}
	v := map[string]any{"seq": it.Seq}
	switch it.Kind {
	case exchange.ItemEnvelope:
		v["kind"], v["room"], v["id"], v["precedence"], v["sender"] = "message", it.Envelope.Room, it.Envelope.ID, strings.ToUpper(it.Envelope.Precedence.String()), it.Envelope.Sender
	case exchange.ItemReceipt:
		v["kind"], v["room"], v["id"], v["member"], v["state"] = "receipt", it.Receipt.Room, it.Receipt.Message, it.Receipt.Member, it.Receipt.State
	case exchange.ItemEscalation:
		e := it.Escalation
		v["kind"], v["room"], v["id"], v["member"], v["alternate"], v["step"] = "escalation", e.Room, e.Message, e.Member, e.Alternate, e.Step
	}
	h.hub.Publish(n, LiveHotline, v)
}

// linkTestLoop sends a link test from nation n's node soon after start and
// then every h.linkTest, and records each result.
func (h *Hotline) linkTestLoop(ctx context.Context, n nation.Nation, t *terminal.Terminal) {
	timer := time.NewTimer(2 * time.Second)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		h.runLinkTest(ctx, n, t)
		timer.Reset(h.linkTest)
	}
}

func (h *Hotline) runLinkTest(ctx context.Context, n nation.Nation, t *terminal.Terminal) {
	x := h.x[n]
	sent := time.Now()
	env, err := t.Send(ctx, hotline.Message{Room: hotline.RoomOps, Kind: hotline.KindLinkTest, Precedence: hotline.Flash,
		Body: []byte("LINK TEST " + n.Upper() + " " + sent.UTC().Format(time.RFC3339))})
	lt := &LinkTest{From: n, Sent: sent.UTC(), State: "pending"}
	if err != nil {
		lt.State = "missed"
		h.log.Error("link test not sent", "nation", n.String(), "err", err)
		h.addLinkTest(n, lt)
		return
	}
	lt.ID = env.ID.String()
	h.addLinkTest(n, lt)
	deadline := env.Created.Add(hotline.DefaultDeadlines().For(hotline.Flash))
	for {
		s, _ := x.Status(env.ID)
		var res []LinkTestPartner
		done := 0
		for _, p := range n.Partners() {
			r := LinkTestPartner{Nation: p}
			for _, ms := range s.Members {
				if ms.Member == hotline.MemberID(p.String()+"-ops") && ms.State >= hotline.Delivered {
					r.OK, r.RTTms = true, float64(ms.RoundTrip.Microseconds())/1000
					done++
				}
			}
			res = append(res, r)
		}
		h.mu.Lock()
		lt.Results = res
		if done == len(n.Partners()) {
			lt.State = "ok"
		} else if time.Now().After(deadline) {
			lt.State = "missed"
		}
		state := lt.State
		h.mu.Unlock()
		if state != "pending" {
			b, _ := json.Marshal(lt)
			x.AuditEntry(audit.Entry{Kind: audit.KindLinkTest, Time: env.Created, Nation: n, Ref: lt.ID, Digest: sha256.Sum256(b)})
			if h.hub != nil {
				h.hub.Publish(n, LiveHotline, map[string]any{"kind": "link-test", "id": lt.ID, "state": state})
			}
			if state == "missed" {
				h.log.Error("link test missed", "nation", n.String(), "id", lt.ID, "results", res)
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (h *Hotline) addLinkTest(n nation.Nation, lt *LinkTest) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.links[n] = append(h.links[n], lt)
	if len(h.links[n]) > 200 {
		h.links[n] = h.links[n][1:]
	}
}

// PostEvent posts a launch event's first estimate into the operations
// room, from the node of the first nation whose sensors saw it (every
// nation computes the same picture, so one posts).
func (h *Hotline) PostEvent(n nation.Nation, ev fusion.Event) {
	if len(ev.Nations) == 0 || ev.Nations[0] != n.String() || ev.Estimate.Class == 0 {
		return
	}
	h.mu.Lock()
	if h.posted[ev.ID] || h.postedBefore(n, ev.ID) {
		h.posted[ev.ID] = true
		h.mu.Unlock()
		return
	}
	h.posted[ev.ID] = true
	h.mu.Unlock()
	e := ev.Estimate
	im := e.Impact
	body := fmt.Sprintf("[LAUNCH] %s · %s · launched %s near %.2f°N %.2f°E · apogee %.0f km · range %.0f km · predicted impact %s at %.2f°N %.2f°E (95%% ellipse %.0f × %.0f km) · sensors of %s\n"+
		"[発射] %s · %s · 発射 %s · 最高高度 約%.0f km · 飛翔距離 約%.0f km · 落下予測 %s\n"+
		"[발사] %s · %s · 발사 %s · 정점고도 약 %.0f km · 비행거리 약 %.0f km · 낙하예측 %s",
		ev.ID, e.Class, clock(e.Launch.Time), e.Launch.Lat, e.Launch.Lon, e.ApogeeKm, e.RangeKm, clock(im.Time), im.Lat, im.Lon,
		im.Ellipse95.MajorKm, im.Ellipse95.MinorKm, strings.ToUpper(strings.Join(ev.Nations, ", ")),
		ev.ID, e.Class, clock(e.Launch.Time), e.ApogeeKm, e.RangeKm, clock(im.Time),
		ev.ID, e.Class, clock(e.Launch.Time), e.ApogeeKm, e.RangeKm, clock(im.Time))
	h.post(n, hotline.Immediate, body)
}

// postedBefore reports whether nation n's node posted event id into the
// operations room before a restart: its machine terminal's local copy holds
// the post.
func (h *Hotline) postedBefore(n nation.Nation, id string) bool {
	t := h.machine[n]
	if t == nil {
		return false
	}
	msgs, err := t.Store().Latest(string(hotline.RoomOps), 1000)
	if err != nil {
		return false
	}
	for _, m := range msgs {
		if m.Sender == n.String()+"-ops" && strings.HasPrefix(m.Body, "[LAUNCH] "+id+" ") {
			return true
		}
	}
	return false
}

// PostAlert posts one of nation n's own public alerts into the operations
// room.
func (h *Hotline) PostAlert(n nation.Nation, rec *AlertRecord) {
	var regions []string
	for _, r := range rec.Regions {
		regions = append(regions, r.Name["en"])
	}
	where := "at sea"
	if len(regions) > 0 {
		where = strings.Join(regions, ", ")
	}
	body := fmt.Sprintf("[%s ALERT %s] %s — %s (%s)\n%s\n%s", n.Upper(), rec.MsgType, rec.Headline["en"], where, rec.ID, rec.Headline["ja"], rec.Headline["ko"])
	h.post(n, hotline.Priority, body)
}

func (h *Hotline) post(n nation.Nation, p hotline.Precedence, body string) {
	t := h.machine[n]
	if t == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := t.Send(ctx, hotline.Message{Room: hotline.RoomOps, Precedence: p, Body: []byte(body)}); err != nil {
			h.log.Error("hotline post", "nation", n.String(), "err", err)
		}
	}()
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("15:04:05Z")
}

// httpError carries an HTTP status for httpapi.
type httpError struct {
	code int
	err  error
}

func (e *httpError) Error() string   { return e.err.Error() }
func (e *httpError) Unwrap() error   { return e.err }
func (e *httpError) HTTPStatus() int { return e.code }

// classify gives err the HTTP status its kind calls for.
func classify(err error) error {
	if err == nil {
		return nil
	}
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, hotline.ErrTooLarge):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, share.ErrStoreFull):
		code = http.StatusInsufficientStorage
	case errors.Is(err, hotline.ErrMalformed), errors.Is(err, hotline.ErrBadSignature), errors.Is(err, exchange.ErrStale),
		errors.Is(err, store.ErrEmptyQuery), errors.Is(err, store.ErrQueryTooLong):
		code = http.StatusBadRequest
	case errors.Is(err, hotline.ErrNotMember), errors.Is(err, hotline.ErrNotAddressed), errors.Is(err, exchange.ErrForeign):
		code = http.StatusForbidden
	case errors.Is(err, hotline.ErrUnknownRoom), errors.Is(err, hotline.ErrUnknownMember), errors.Is(err, hotline.ErrUnknownDevice),
		errors.Is(err, exchange.ErrUnknownMessage):
		code = http.StatusNotFound
	case errors.Is(err, hotline.ErrReplay):
		code = http.StatusConflict
	}
	return &httpError{code, err}
}

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Errorf(format, args...)}
}

// terminalOf returns member's console terminal.
func (h *Hotline) terminalOf(member string) (*terminal.Terminal, error) {
	t := h.terms[hotline.MemberID(member)]
	if t == nil {
		return nil, classify(fmt.Errorf("%w: %q is not a member on this node", hotline.ErrUnknownMember, member))
	}
	return t, nil
}

type memberView struct {
	ID         hotline.MemberID   `json:"id"`
	Nation     nation.Nation      `json:"nation"`
	Role       hotline.Role       `json:"role"`
	Name       string             `json:"name"`
	Alternates []hotline.MemberID `json:"alternates"`
}

func viewMember(m hotline.Member) memberView {
	return memberView{ID: m.ID, Nation: m.Nation, Role: m.Role, Name: m.Name, Alternates: orNone(m.Alternates)}
}

func orNone[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Members lists nation n's members in roster order (leader first).
func (h *Hotline) Members(n nation.Nation) any {
	out := []memberView{}
	for _, r := range demoRoster {
		if m, ok := h.dir.Member(hotline.MemberID(n.String() + "-" + r.suffix)); ok {
			out = append(out, viewMember(m))
		}
	}
	return out
}

type roomView struct {
	ID       hotline.RoomID   `json:"id"`
	Kind     hotline.RoomKind `json:"kind"`
	Title    string           `json:"title"`
	Members  []memberView     `json:"members"`
	Role     string           `json:"role"` // member | alternate
	Messages int              `json:"messages"`
	Pending  int              `json:"pending"` // messages awaiting this member's acknowledgement
}

// Rooms lists the rooms member takes part in, as member or as alternate.
func (h *Hotline) Rooms(member string) (any, error) {
	t, err := h.terminalOf(member)
	if err != nil {
		return nil, err
	}
	me := t.Member().ID
	out := []roomView{}
	for _, r := range h.dir.Rooms() {
		role := ""
		if r.Has(me) {
			role = "member"
		} else {
			for _, m := range r.Members {
				if mm, _ := h.dir.Member(m); slices.Contains(mm.Alternates, me) {
					role = "alternate"
				}
			}
		}
		if role == "" {
			continue
		}
		rv := roomView{ID: r.ID, Kind: r.Kind, Title: r.Title, Role: role, Members: []memberView{}}
		for _, m := range r.Members {
			mm, _ := h.dir.Member(m)
			rv.Members = append(rv.Members, viewMember(mm))
		}
		msgs, err := t.Store().Latest(string(r.ID), 1000)
		if err != nil {
			return nil, err
		}
		rv.Messages = len(msgs)
		for _, m := range msgs {
			if h.needsAck(t, m) {
				rv.Pending++
			}
		}
		out = append(out, rv)
	}
	return out, nil
}

// needsAck reports whether m awaits an acknowledgement from t's member:
// as an addressee, or as the alternate it has escalated to.
func (h *Hotline) needsAck(t *terminal.Terminal, m store.Message) bool {
	id, err := hotline.ParseMessageID(m.ID)
	if err != nil {
		return false
	}
	s, ok := h.x[t.Member().Nation].Status(id)
	if !ok {
		return false
	}
	me := t.Member().ID
	for _, ms := range s.Members {
		if ms.Done() {
			continue
		}
		if ms.Member == me {
			return true
		}
		for _, e := range t.Escalations() {
			if e.Message == id && e.Member == ms.Member && e.Alternate == me {
				return true
			}
		}
	}
	return false
}

type messageView struct {
	ID           string           `json:"id"`
	Seq          uint64           `json:"seq"`
	Room         string           `json:"room"`
	Kind         string           `json:"kind"`
	Sender       string           `json:"sender"`
	SenderName   string           `json:"sender_name"`
	SenderNation string           `json:"sender_nation"`
	Precedence   string           `json:"precedence"`
	Created      time.Time        `json:"created"`
	Deadline     time.Time        `json:"deadline"`
	Body         string           `json:"body"`
	Attachments  []attachmentView `json:"attachments"`
	Receipts     []receiptView    `json:"receipts"`
	Escalations  []escalationView `json:"escalations"`
	Mine         bool             `json:"mine"`
	NeedsAck     bool             `json:"needs_ack"`
	MyState      string           `json:"my_state"`
}

type attachmentView struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int    `json:"size"`
}

type receiptView struct {
	Member         hotline.MemberID `json:"member"`
	Nation         string           `json:"nation"`
	Addressee      bool             `json:"addressee"`
	State          string           `json:"state"`
	Delivered      *time.Time       `json:"delivered,omitempty"`
	Read           *time.Time       `json:"read,omitempty"`
	Acknowledged   *time.Time       `json:"acknowledged,omitempty"`
	AcknowledgedBy hotline.MemberID `json:"acknowledged_by,omitempty"`
	Escalations    int              `json:"escalations"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Messages returns the newest limit messages of room as member's terminal
// holds them (decrypted), with every member's receipts.
func (h *Hotline) Messages(member, room string, limit int) (any, error) {
	t, err := h.terminalOf(member)
	if err != nil {
		return nil, err
	}
	if _, ok := h.dir.Room(hotline.RoomID(room)); !ok {
		return nil, classify(fmt.Errorf("%w: %q", hotline.ErrUnknownRoom, room))
	}
	msgs, err := t.Store().Latest(room, limit)
	if err != nil {
		return nil, err
	}
	x := h.x[t.Member().Nation]
	escs := t.Escalations()
	out := []messageView{}
	for _, m := range msgs {
		v := messageView{ID: m.ID, Seq: m.Seq, Room: m.Room, Kind: m.Kind, Sender: m.Sender, SenderNation: m.SenderNation,
			Precedence: strings.ToUpper(m.Precedence), Created: m.Created, Body: m.Body, Attachments: []attachmentView{}, Receipts: []receiptView{},
			Escalations: []escalationView{}, Mine: m.Sender == string(t.Member().ID), MyState: "delivered"}
		if sm, ok := h.dir.Member(hotline.MemberID(m.Sender)); ok {
			v.SenderName = sm.Name
		}
		for _, a := range m.Attachments {
			v.Attachments = append(v.Attachments, attachmentView{Name: a.Name, Type: a.Type, Size: a.Size})
		}
		id, _ := hotline.ParseMessageID(m.ID)
		if s, ok := x.Status(id); ok {
			v.Deadline = s.Deadline
			add := func(ms hotline.MemberStatus, addressee bool) {
				mm, _ := h.dir.Member(ms.Member)
				rv := receiptView{Member: ms.Member, Nation: mm.Nation.String(), Addressee: addressee,
					State: stateName(ms.State), Delivered: timePtr(ms.Delivered), Read: timePtr(ms.Read), Acknowledged: timePtr(ms.Acknowledged),
					AcknowledgedBy: ms.AcknowledgedBy, Escalations: ms.Escalations}
				if by := ms.AcknowledgedBy; by != "" && by != ms.Member {
					// An alternate's acknowledgement stands for the member.
					rv.State = "acknowledged"
					for _, o := range s.Others {
						if o.Member == by {
							rv.Acknowledged = timePtr(o.Acknowledged)
						}
					}
				}
				v.Receipts = append(v.Receipts, rv)
				if ms.Member == t.Member().ID && ms.State > 0 {
					v.MyState = stateName(ms.State)
				}
			}
			for _, ms := range s.Members {
				add(ms, true)
			}
			for _, ms := range s.Others {
				add(ms, false)
			}
		}
		for _, e := range escs {
			if e.Message == id {
				v.Escalations = append(v.Escalations, viewEscalation(e))
			}
		}
		v.NeedsAck = h.needsAck(t, m)
		out = append(out, v)
	}
	return out, nil
}

// escalationView is hotline.Escalation as the API shows it.
type escalationView struct {
	Message    hotline.MessageID `json:"message"`
	Kind       string            `json:"kind"`
	Room       hotline.RoomID    `json:"room"`
	Sender     hotline.MemberID  `json:"sender"`
	Precedence string            `json:"precedence"`
	Member     hotline.MemberID  `json:"member"`
	Nation     nation.Nation     `json:"nation"`
	Step       int               `json:"step"`
	Deadline   time.Time         `json:"deadline"`
	// Alternate is who is to act now; "" when no alternate is left.
	Alternate hotline.MemberID `json:"alternate"`
}

func viewEscalation(e hotline.Escalation) escalationView {
	return escalationView{Message: e.Message, Kind: e.Kind.String(), Room: e.Room, Sender: e.Sender, Precedence: strings.ToUpper(e.Precedence.String()),
		Member: e.Member, Nation: e.Nation, Step: e.Step, Deadline: e.Deadline, Alternate: e.Alternate}
}

func stateName(s hotline.ReceiptState) string {
	if s == 0 {
		return "pending"
	}
	return s.String()
}

// Send seals and releases a message from member into room.
func (h *Hotline) Send(ctx context.Context, member, room string, req httpapi.SendRequest) (any, error) {
	t, err := h.terminalOf(member)
	if err != nil {
		return nil, err
	}
	p, err := hotline.ParsePrecedence(req.Precedence)
	if err != nil {
		return nil, badRequest("precedence: %v", err)
	}
	m := hotline.Message{Room: hotline.RoomID(room), Precedence: p, Body: []byte(req.Body)}
	for _, a := range req.Attachments {
		m.Attachments = append(m.Attachments, hotline.Attachment{Name: a.Name, MediaType: a.Type, Data: a.Data})
	}
	env, err := t.Send(ctx, m)
	if err != nil {
		return nil, classify(err)
	}
	return map[string]any{"id": env.ID, "room": env.Room, "precedence": strings.ToUpper(env.Precedence.String()), "created": env.Created,
		"deadline": env.Created.Add(hotline.DefaultDeadlines().For(p))}, nil
}

// Mark signs member's read receipt or acknowledgement of message id.
func (h *Hotline) Mark(ctx context.Context, member, room, id, state string) error {
	t, err := h.terminalOf(member)
	if err != nil {
		return err
	}
	mid, err := hotline.ParseMessageID(id)
	if err != nil {
		return badRequest("message id: %v", err)
	}
	if env, ok := h.x[t.Member().Nation].Envelope(mid); ok && string(env.Room) != room {
		return classify(fmt.Errorf("%w: %s is not in room %q", exchange.ErrUnknownMessage, id, room))
	}
	if state == "read" {
		return classify(t.MarkRead(ctx, mid))
	}
	return classify(t.Acknowledge(ctx, mid))
}

// Attachment returns attachment i of message id from member's store.
func (h *Hotline) Attachment(member, room, id string, i int) (string, string, []byte, error) {
	t, err := h.terminalOf(member)
	if err != nil {
		return "", "", nil, err
	}
	if m, ok, err := t.Store().Get(id); err != nil || !ok || m.Room != room {
		return "", "", nil, classify(fmt.Errorf("%w: %s in room %q", exchange.ErrUnknownMessage, id, room))
	}
	a, err := t.Store().Attachment(id, i)
	if err != nil {
		return "", "", nil, &httpError{http.StatusNotFound, err}
	}
	return a.Name, a.Type, a.Data, nil
}

// Search searches member's local decrypted copy.
func (h *Hotline) Search(member, q string, limit int) (any, error) {
	t, err := h.terminalOf(member)
	if err != nil {
		return nil, err
	}
	hits, err := t.Store().Search(q, limit)
	if err != nil {
		return nil, classify(err)
	}
	type hitView struct {
		ID         string    `json:"id"`
		Room       string    `json:"room"`
		Sender     string    `json:"sender"`
		Precedence string    `json:"precedence"`
		Created    time.Time `json:"created"`
		Snippet    string    `json:"snippet"`
	}
	out := []hitView{}
	for _, hit := range hits {
		out = append(out, hitView{ID: hit.Message.ID, Room: hit.Message.Room, Sender: hit.Message.Sender, Precedence: strings.ToUpper(hit.Message.Precedence),
			Created: hit.Message.Created, Snippet: hit.Snippet})
	}
	return out, nil
}

// Escalations lists the escalations concerning member.
func (h *Hotline) Escalations(member string) (any, error) {
	t, err := h.terminalOf(member)
	if err != nil {
		return nil, err
	}
	out := []escalationView{}
	for _, e := range t.Escalations() {
		out = append(out, viewEscalation(e))
	}
	return out, nil
}

// LinkTests lists nation n's link tests, newest first.
func (h *Hotline) LinkTests(n nation.Nation) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := []LinkTest{}
	for i := len(h.links[n]) - 1; i >= 0; i-- {
		lt := *h.links[n][i]
		lt.Results = orNone(slices.Clone(lt.Results))
		out = append(out, lt)
	}
	return out
}

// SubmitEnvelope releases a signed envelope from a client holding its own
// keys.
func (h *Hotline) SubmitEnvelope(ctx context.Context, n nation.Nation, wire []byte) (any, error) {
	x := h.x[n]
	if x == nil {
		return nil, classify(fmt.Errorf("%w: nation %s is not served here", exchange.ErrForeign, n))
	}
	env, err := x.Submit(ctx, wire)
	if err != nil {
		return nil, classify(err)
	}
	return map[string]any{"id": env.ID, "digest": env.Digest()}, nil
}

// SubmitReceipt releases a signed receipt from a client holding its own
// keys.
func (h *Hotline) SubmitReceipt(ctx context.Context, n nation.Nation, wire []byte) (any, error) {
	x := h.x[n]
	if x == nil {
		return nil, classify(fmt.Errorf("%w: nation %s is not served here", exchange.ErrForeign, n))
	}
	r, err := x.SubmitReceiptWire(ctx, wire)
	if err != nil {
		return nil, classify(err)
	}
	return map[string]any{"message": r.Message, "state": r.State}, nil
}

// Transcript returns nation n's ciphertext transcript after seq.
func (h *Hotline) Transcript(n nation.Nation, after uint64, limit int) (any, error) {
	x := h.x[n]
	if x == nil {
		return nil, classify(fmt.Errorf("%w: nation %s is not served here", exchange.ErrForeign, n))
	}
	type itemView struct {
		Seq        uint64              `json:"seq"`
		Arrived    time.Time           `json:"arrived"`
		Envelope   *hotline.Envelope   `json:"envelope,omitempty"`
		Receipt    *hotline.Receipt    `json:"receipt,omitempty"`
		Escalation *hotline.Escalation `json:"escalation,omitempty"`
	}
	out := []itemView{}
	for _, it := range x.Transcript(after, limit) {
		out = append(out, itemView{Seq: it.Seq, Arrived: it.Arrived, Envelope: it.Envelope, Receipt: it.Receipt, Escalation: it.Escalation})
	}
	return map[string]any{"epoch": x.Epoch(), "items": out}, nil
}
