package resilience

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/netproxy"
	"github.com/trilink/trilink/internal/share"
)

// Options configure a Cluster.
type Options struct {
	// Binary is the trilink executable to run as each node.
	Binary string
	// Dir holds the nodes' data directories, configs and logs.
	Dir string
	// ScenarioStart, WallStart and Speed are the exercise clock every node
	// and the Feeder share (scenario time ScenarioStart happens at
	// WallStart and runs Speed times as fast). Zero Speed: 1.
	ScenarioStart, WallStart time.Time
	Speed                    float64
	// MaxStore caps a nation's JetStream file store (bytes; 0: default).
	MaxStore map[share.Nation]int64
	// Probe makes each node publish <n>.probe.fused per measurement.
	Probe bool
	// NoHotline runs the nodes without the hotline.
	NoHotline bool
}

// Cluster is three `trilink node` processes on loopback, linked through
// cuttable proxies, one per pair of nations.
type Cluster struct {
	o       Options
	appPass string
	leafEnv map[[2]share.Nation]string // pair → env name
	env     []string
	ports   map[share.Nation]nodePorts
	proxies map[[2]share.Nation]*netproxy.Proxy
	client  *http.Client
	// userPass is the password of each node's account <n>-ops (a watch
	// officer acting as the ops member), which the harness signs in as.
	userPass string

	mu     sync.Mutex // guards procs and tokens
	procs  map[share.Nation]*proc
	tokens map[share.Nation]string
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
}

type nodePorts struct{ client, leaf, http, media int } // media: UDP, the call SFU's one port

// pairs are the leaf links: the earlier nation solicits the later one.
var pairs = [][2]share.Nation{{share.JP, share.KR}, {share.JP, share.US}, {share.KR, share.US}}

// Start writes the configs and starts the three nodes, one after the
// other, and waits until every node is ready (all links up). The ports are
// picked free and then bound by the node processes; another process may
// take one in between, so a start that fails on a port taken is tried
// again with new ports.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	for attempt := 1; ; attempt++ {
		c, err := start(ctx, o) // on failure c is closed, kept for its logs
		if err == nil {
			return c, nil
		}
		if attempt == 3 || ctx.Err() != nil || !c.portTaken() {
			return nil, err
		}
		_ = os.RemoveAll(o.Dir) // the data of the failed attempt
	}
}

// portTaken reports whether a node's log says a port was taken.
func (c *Cluster) portTaken() bool {
	if c == nil {
		return false
	}
	for _, n := range share.Nations {
		if b, err := os.ReadFile(c.LogFile(n)); err == nil && strings.Contains(string(b), "address already in use") {
			return true
		}
	}
	return false
}

func start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Speed == 0 {
		o.Speed = 1
	}
	if o.WallStart.IsZero() {
		o.WallStart = time.Now()
	}
	if o.ScenarioStart.IsZero() {
		o.ScenarioStart = o.WallStart
	}
	c := &Cluster{o: o, appPass: share.RandomSecret(), leafEnv: map[[2]share.Nation]string{}, ports: map[share.Nation]nodePorts{},
		proxies: map[[2]share.Nation]*netproxy.Proxy{}, procs: map[share.Nation]*proc{}, tokens: map[share.Nation]string{},
		userPass: "resilience-" + share.RandomSecret(),
		client:   &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	c.env = append(os.Environ(), "TRILINK_APP_PASSWORD="+c.appPass)
	for _, p := range pairs {
		name := "TRILINK_LEAF_" + p[0].Upper() + "_" + p[1].Upper()
		c.leafEnv[p] = name
		c.env = append(c.env, name+"="+share.RandomSecret())
	}
	ports, err := share.FreePorts(9)
	if err != nil {
		return nil, err
	}
	for i, n := range share.Nations {
		media, err := freeUDPPort()
		if err != nil {
			return nil, err
		}
		c.ports[n] = nodePorts{ports[3*i], ports[3*i+1], ports[3*i+2], media}
	}
	for _, p := range pairs {
		px, err := netproxy.New(fmt.Sprintf("127.0.0.1:%d", c.ports[p[1]].leaf))
		if err != nil {
			c.Close()
			return c, err
		}
		c.proxies[p] = px
	}
	for _, n := range share.Nations {
		if err := c.writeConfig(n); err != nil {
			c.Close()
			return c, err
		}
	}
	if err := c.makeKeys(ctx); err != nil {
		c.Close()
		return c, err
	}
	// The accepting nations first, so that the first dials succeed.
	for _, n := range []share.Nation{share.US, share.KR, share.JP} {
		if err := c.startProc(n); err != nil {
			c.Close()
			return c, err
		}
		if err := c.WaitHealthy(ctx, n, 30*time.Second); err != nil {
			c.Close()
			return c, err
		}
	}
	if err := c.WaitReady(ctx, 60*time.Second); err != nil {
		c.Close()
		return c, err
	}
	return c, nil
}

func (c *Cluster) dataDir(n share.Nation) string { return filepath.Join(c.o.Dir, n.String()) }

// LogFile is the path of nation n's node log (stdout and stderr).
func (c *Cluster) LogFile(n share.Nation) string { return filepath.Join(c.o.Dir, n.String()+".log") }

func (c *Cluster) writeConfig(n share.Nation) error {
	p := c.ports[n]
	var b strings.Builder
	fmt.Fprintf(&b, "nation: %s\nhttp: 127.0.0.1:%d\ndata_dir: %s\nalerts: exercise\nprobe: %v\n", n, p.http, c.dataDir(n), c.o.Probe)
	fmt.Fprintf(&b, "exercise_clock:\n  scenario_start: %s\n  wall_start: %s\n  speed: %v\n",
		c.o.ScenarioStart.UTC().Format(time.RFC3339Nano), c.o.WallStart.UTC().Format(time.RFC3339Nano), c.o.Speed)
	fmt.Fprintf(&b, "hotline:\n  keys_dir: %s\n  disabled: %v\n", c.keysDir(n, "hotline"), c.o.NoHotline)
	fmt.Fprintf(&b, "security:\n  users_file: %s\n", c.usersFile(n))
	fmt.Fprintf(&b, "calls:\n  ips: [127.0.0.1]\n  udp_port: %d\n", p.media)
	fmt.Fprintf(&b, "audit:\n  keys_dir: %s\n", c.AuditKeysDir(n))
	fmt.Fprintf(&b, "embedded:\n  client_listen: 127.0.0.1:%d\n  leaf_listen: 127.0.0.1:%d\n  app_password_env: TRILINK_APP_PASSWORD\n", p.client, p.leaf)
	if ms := c.o.MaxStore[n]; ms > 0 {
		fmt.Fprintf(&b, "  max_store: %d\n", ms)
	}
	b.WriteString("  partners:\n")
	for _, pr := range pairs {
		if pr[0] != n && pr[1] != n {
			continue
		}
		other := pr[0]
		if other == n {
			other = pr[1]
		}
		fmt.Fprintf(&b, "    %s:\n      leaf_url: nats-leaf://%s\n      password_env: %s\n", other, c.proxies[pr].Addr(), c.leafEnv[pr])
	}
	if err := os.MkdirAll(c.o.Dir, 0o700); err != nil {
		return err
	}
	if err := c.writeUsers(n); err != nil {
		return err
	}
	return os.WriteFile(c.configFile(n), []byte(b.String()), 0o600)
}

// keysDir is nation n's directory of kind ("hotline" or "audit") keys: its
// own private keys and the partners' public keys.
func (c *Cluster) keysDir(n share.Nation, kind string) string {
	return filepath.Join(c.o.Dir, "keys-"+n.String(), kind)
}

// AuditKeysDir holds nation n's audit key and the partners' public keys.
func (c *Cluster) AuditKeysDir(n share.Nation) string { return c.keysDir(n, "audit") }

// makeKeys makes each nation's hotline device keys and audit key pair in
// its own directories, with `trilink hotline|audit keygen` as each nation
// would, and hands every nation's public keys (*.pub) to the partners: no
// node holds another nation's private keys.
func (c *Cluster) makeKeys(ctx context.Context) error {
	for _, kind := range []string{"hotline", "audit"} {
		for _, n := range share.Nations {
			out, err := exec.CommandContext(ctx, c.o.Binary, kind, "keygen", "--keys", c.keysDir(n, kind), "--nation", n.String()).CombinedOutput()
			if err != nil {
				return fmt.Errorf("resilience: %s keygen %s: %v: %s", kind, n, err, out)
			}
		}
		for _, n := range share.Nations {
			pubs, err := filepath.Glob(filepath.Join(c.keysDir(n, kind), n.String()+"*.pub"))
			if err != nil || len(pubs) == 0 {
				return fmt.Errorf("resilience: %s keys of %s: no .pub files (%v)", kind, n, err)
			}
			for _, p := range n.Partners() {
				for _, f := range pubs {
					b, err := os.ReadFile(f)
					if err != nil {
						return err
					}
					if err := os.WriteFile(filepath.Join(c.keysDir(p, kind), filepath.Base(f)), b, 0o644); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// UsersFile is nation n's node's users file.
func (c *Cluster) UsersFile(n share.Nation) string { return c.usersFile(n) }

// DataDir is nation n's node's data directory.
func (c *Cluster) DataDir(n share.Nation) string { return c.dataDir(n) }

// MediaPort is the UDP port that carries all of nation n's call media.
func (c *Cluster) MediaPort(n share.Nation) int { return c.ports[n].media }

// freeUDPPort returns a UDP port of 127.0.0.1 that was free a moment ago.
func freeUDPPort() (int, error) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port, nil
}

func (c *Cluster) usersFile(n share.Nation) string {
	return filepath.Join(c.o.Dir, n.String()+"-users.json")
}

// writeUsers gives nation n's node the account the harness signs in as.
func (c *Cluster) writeUsers(n share.Nation) error {
	users, err := auth.OpenUsers(c.usersFile(n))
	if err != nil {
		return err
	}
	name := n.String() + "-ops"
	if _, ok := users.Get(name); ok {
		return nil
	}
	return users.Add(auth.User{Name: name, Nation: n, Role: auth.RoleWatch, Member: name}, c.userPass)
}

// token returns a session token for nation n's node, signing in when
// there is none (fresh is true when it just did).
func (c *Cluster) token(ctx context.Context, n share.Nation) (tok string, fresh bool, err error) {
	c.mu.Lock()
	tok = c.tokens[n]
	c.mu.Unlock()
	if tok != "" {
		return tok, false, nil
	}
	body, _ := json.Marshal(map[string]any{"name": n.String() + "-ops", "password": c.userPass, "bearer": true})
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+c.HTTPAddr(n)+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", false, fmt.Errorf("resilience: sign in to %s: %d %s %v", n, resp.StatusCode, out.Error, err)
	}
	c.mu.Lock()
	c.tokens[n] = out.Token
	c.mu.Unlock()
	return out.Token, true, nil
}

// public reports whether path needs no session.
func public(path string) bool {
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/cap/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (c *Cluster) configFile(n share.Nation) string {
	return filepath.Join(c.o.Dir, n.String()+".yaml")
}

func (c *Cluster) startProc(n share.Nation) error {
	f, err := os.OpenFile(c.LogFile(n), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.o.Binary, "node", "--nation", n.String(), "--config", c.configFile(n))
	cmd.Env = c.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("resilience: start %s: %w", n, err)
	}
	pr := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(pr.done) }()
	c.mu.Lock()
	c.procs[n] = pr
	c.mu.Unlock()
	return nil
}

// Pid returns nation n's node process id (0 when stopped).
func (c *Cluster) Pid(n share.Nation) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[n]; p != nil {
		return p.cmd.Process.Pid
	}
	return 0
}

// Kill sends SIGKILL to nation n's node and waits until it is gone.
func (c *Cluster) Kill(n share.Nation) error {
	c.mu.Lock()
	p := c.procs[n]
	delete(c.procs, n)
	c.mu.Unlock()
	if p == nil {
		return fmt.Errorf("resilience: %s is not running", n)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-p.done
	return nil
}

// Restart starts nation n's node again on the same ports and data
// directory and waits until it answers /healthz.
func (c *Cluster) Restart(ctx context.Context, n share.Nation) error {
	if err := c.startProc(n); err != nil {
		return err
	}
	return c.WaitHealthy(ctx, n, 30*time.Second)
}

// Cut takes every link of nation n down (true) or up again (false).
func (c *Cluster) Cut(n share.Nation, down bool) {
	for p, px := range c.proxies {
		if p[0] == n || p[1] == n {
			px.SetDown(down)
		}
	}
}

// Close stops the nodes (SIGTERM, then SIGKILL after 10 s) and the proxies.
func (c *Cluster) Close() {
	c.mu.Lock()
	procs := c.procs
	c.procs = map[share.Nation]*proc{}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		}()
	}
	wg.Wait()
	for _, px := range c.proxies {
		px.Close()
	}
}

// HTTPAddr is nation n's HTTP address.
func (c *Cluster) HTTPAddr(n share.Nation) string {
	return fmt.Sprintf("127.0.0.1:%d", c.ports[n].http)
}

// ClientAddr is nation n's NATS client address.
func (c *Cluster) ClientAddr(n share.Nation) string {
	return fmt.Sprintf("127.0.0.1:%d", c.ports[n].client)
}

// LeafAddr is nation n's leaf listener (jp accepts no link and has none).
func (c *Cluster) LeafAddr(n share.Nation) string {
	return fmt.Sprintf("127.0.0.1:%d", c.ports[n].leaf)
}

// Do is the one way the harness talks HTTP to a node: method path on
// nation n's node, with body (JSON-encoded unless nil or []byte), decoding
// a 2xx JSON answer into out when out is not nil (a *[]byte gets the raw
// body). It returns the status
// and, for a non-2xx answer, an error carrying the body. (Authentication,
// is added here: the harness signs in as <n>-ops.)
func (c *Cluster) Do(ctx context.Context, n share.Nation, method, path string, body, out any) (int, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(j)
	}
	var payload []byte
	if rd != nil {
		payload, _ = io.ReadAll(rd)
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, "http://"+c.HTTPAddr(n)+path, bytes.NewReader(payload))
		if err != nil {
			return 0, err
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		fresh := true
		if !public(path) {
			var tok string
			if tok, fresh, err = c.token(ctx, n); err != nil {
				return 0, err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := c.client.Do(req)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode == http.StatusUnauthorized && !fresh && attempt == 0 {
			// The node restarted and forgot its sessions: sign in again.
			resp.Body.Close()
			c.mu.Lock()
			delete(c.tokens, n)
			c.mu.Unlock()
			continue
		}
		return c.answer(resp, n, method, path, out)
	}
}

// answer reads a node's answer into out (see Do).
func (c *Cluster) answer(resp *http.Response, n share.Nation, method, path string, out any) (int, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("resilience: %s %s on %s: %d %s", method, path, n, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return resp.StatusCode, nil
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("resilience: %s %s on %s: %w", method, path, n, err)
		}
	}
	return resp.StatusCode, nil
}

// Metrics returns nation n's /metrics text.
func (c *Cluster) Metrics(ctx context.Context, n share.Nation) ([]byte, error) {
	var raw []byte
	_, err := c.Do(ctx, n, "GET", "/metrics", nil, &raw)
	return raw, err
}

// WaitHealthy waits until nation n's node answers /healthz.
func (c *Cluster) WaitHealthy(ctx context.Context, n share.Nation, d time.Duration) error {
	return waitFor(ctx, d, func() error {
		_, err := c.Do(ctx, n, "GET", "/healthz", nil, nil)
		return err
	})
}

// WaitReady waits until every node answers /readyz 200 (streams exist, all
// partner links up).
func (c *Cluster) WaitReady(ctx context.Context, d time.Duration) error {
	return waitFor(ctx, d, func() error {
		for _, n := range share.Nations {
			if _, err := c.Do(ctx, n, "GET", "/readyz", nil, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// waitFor polls fn every 100 ms until it returns nil or d passes.
func waitFor(ctx context.Context, d time.Duration, fn func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("resilience: not within %v: %w", d, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Connect opens a NATS connection to nation n's node as its application
// user (what its sensors use).
func (c *Cluster) Connect(n share.Nation, opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{nats.UserInfo(share.AppUserName(n), c.appPass), nats.MaxReconnects(-1),
		nats.ReconnectWait(200 * time.Millisecond), nats.Name("resilience-" + n.String())}
	return nats.Connect("nats://"+c.ClientAddr(n), append(base, opts...)...)
}

// Count returns how many messages matching subject filter nation n's
// stream holds.
func Count(ctx context.Context, js jetstream.JetStream, stream, filter string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, v := range info.State.Subjects {
		n += v
	}
	return n, nil
}

// RSS returns the resident set size of nation n's node process, in bytes,
// from /proc (Linux).
func (c *Cluster) RSS(n share.Nation) (uint64, error) {
	pid := c.Pid(n)
	if pid == 0 {
		return 0, errors.New("resilience: not running")
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("resilience: no VmRSS")
}
