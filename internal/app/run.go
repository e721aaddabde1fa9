package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/web"
)

// Version is set at build time (-ldflags "-X ...app.Version=...").
var Version = "dev"

// DemoConfig configures `trilink demo`.
type DemoConfig struct {
	HTTP     string  // listen address of the console
	DataDir  string  // persistent state; streams survive restarts
	Scenario string  // built-in scenario replayed in a loop
	Speed    float64 // replay speed
	// TAK, when set, is the listen address of a TAK streaming endpoint
	// (plain TCP, CoT protocol v0 and v1) serving TAKNation's picture.
	TAK       string
	TAKNation string
	// TLS serves the console and API over HTTPS with a certificate of the
	// demo's own JP CA (made on the first start under DATA/demo/pki) and
	// accepts sensor measurements over mutual TLS at
	// POST /api/v1/measurements.
	TLS bool
}

// Demo is `trilink demo`: the three nations in this process with the
// console.
type Demo struct {
	Sys     *System
	DataDir string
	ln      net.Listener
	h       http.Handler
	log     *slog.Logger
	cfg     DemoConfig
	hub     *httpapi.Hub
	// pictures run fusion, one per nation.
	pictures map[share.Nation]*Picture
	clock    *SimClock
	audit    *auditKeeper
	hotline  *Hotline
	calls    *Calls
	tak      *cot.Server
	takLn    net.Listener
	auth     *auth.Service
	gate     *SensorGate
	// PKIDir holds the demo's CAs with --tls.
	PKIDir string
	// Logins are the demo's accounts, printed at start.
	Logins DemoLogins
}

// httpOptions describes what the demo's HTTP server shows.
func (d *Demo) httpOptions() httpapi.Options {
	o := httpapi.Options{
		Status: d.status, Gatherer: newRegistry(d.Sys), Version: Version, Logger: d.log,
		Nations: share.Nations, Hub: d.hub, Sensors: sensorList, Console: web.Dist,
	}
	pictureOptions(&o, d.pictures)
	return o
}

// status is the system's status with each nation's picture digest.
func (d *Demo) status(ctx context.Context) []share.NodeStatus {
	st := d.Sys.Status(ctx)
	for i := range st {
		if p := d.pictures[st[i].Nation]; p != nil {
			ps := p.Agreement()
			st[i].Picture = &ps
		}
		if d.audit != nil {
			st[i].Audit = d.audit.status(st[i].Nation, nil)
		}
	}
	return st
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// NewDemo starts the three nations and opens the console's listener; Run
// serves until its context ends; Close stops everything.
func NewDemo(ctx context.Context, cfg DemoConfig, log *slog.Logger) (*Demo, error) {
	if cfg.Speed <= 0 {
		return nil, usagef("--speed: %v (want > 0)", cfg.Speed)
	}
	if _, _, err := net.SplitHostPort(cfg.HTTP); err != nil {
		return nil, usagef("--http: %q: %v", cfg.HTTP, err)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir()
	}
	dir := filepath.Join(cfg.DataDir, "demo")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, usagef("--data: %v", err)
	}
	start := time.Now()
	sys, err := StartLoopback(ctx, dir, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		sys.Close()
		return nil, usagef("--http: %v", err)
	}
	d := &Demo{Sys: sys, DataDir: dir, ln: ln, log: log, cfg: cfg, hub: httpapi.NewHub(4096), pictures: map[share.Nation]*Picture{}, clock: &SimClock{}}
	if d.audit, err = openAudit(dir); err != nil {
		d.Close()
		return nil, err
	}
	if d.hotline, err = newHotline(sys, dir, d.audit, d.hub, log); err != nil {
		d.Close()
		return nil, err
	}
	if d.calls, err = newCalls(sys, d.hotline, d.hub, call.Network{}, log); err != nil {
		d.Close()
		return nil, err
	}
	for _, n := range sys.Nodes {
		p := newPicture(n, d.hub, d.clock.Now, log)
		p.speed = cfg.Speed
		p.audit = d.audit
		p.hotline = d.hotline
		// A replay is an exercise: its alerts carry status Exercise.
		if p.warning, err = NewWarning[warn.Drill](n.Nation); err != nil {
			d.Close()
			return nil, err
		}
		d.pictures[n.Nation] = p
	}
	if cfg.TAK != "" {
		tn := nation.JP
		if cfg.TAKNation != "" {
			if tn, err = nation.Parse(cfg.TAKNation); err != nil {
				d.Close()
				return nil, usagef("--tak-nation: %v", err)
			}
		}
		if d.takLn, err = net.Listen("tcp", cfg.TAK); err != nil {
			d.Close()
			return nil, usagef("--tak: %v", err)
		}
		// A replay is an exercise: CoT opex marks it so.
		d.tak = cot.NewServer(cot.Options{Logger: log.With("component", "tak", "nation", tn.String()),
			UIDPrefix: "trilink." + tn.String() + ".", Opex: "e-trilink-demo"})
		d.pictures[tn].tak = d.tak
	}
	if d.auth, d.Logins, err = demoAuth(ln.Addr(), d.audit, func(u auth.User) { d.calls.Expel(u.Member) }, log); err != nil {
		d.Close()
		return nil, err
	}
	if cfg.TLS {
		d.PKIDir = filepath.Join(dir, "pki")
		var tc *tls.Config
		if d.gate, tc, err = startSensorGate(ctx, d.PKIDir, sys, log); err != nil {
			d.Close()
			return nil, err
		}
		d.ln = tls.NewListener(ln, tc)
	}
	o := d.httpOptions()
	o.Hotline, o.Calls = d.hotline, d.calls
	o.Auth = d.auth
	reg := newRegistry(d.Sys)
	reg.MustRegister(&hotlineCollector{d.hotline}, &pictureCollector{d.pictures}, &callCollector{d.calls})
	o.Gatherer, o.Registerer = reg, reg
	if d.gate != nil {
		o.Measurements = d.gate.Accept
		reg.MustRegister(d.gate.Collectors()...)
	}
	d.h = httpapi.New(o)
	if cfg.Scenario != "" {
		if _, _, err := loadRun(cfg.Scenario, nil); err != nil {
			d.Close()
			return nil, err
		}
	}
	log.Info("demo started", "http", ln.Addr().String(), "data", dir, "took", time.Since(start).Round(time.Millisecond))
	return d, nil
}

// TAKAddr returns the TAK endpoint's address, or nil without one.
func (d *Demo) TAKAddr() net.Addr {
	if d.takLn == nil {
		return nil
	}
	return d.takLn.Addr()
}

// Addr returns the console's address.
func (d *Demo) Addr() net.Addr { return d.ln.Addr() }

// Run serves until ctx ends.
func (d *Demo) Run(ctx context.Context) error {
	fns := []func(context.Context) error{d.Sys.Run, func(ctx context.Context) error { return serveHTTP(ctx, d.ln, d.h, d.log) },
		func(ctx context.Context) error { return statusLoop(ctx, d.status, d.Sys, d.hub) }}
	for _, p := range d.pictures {
		fns = append(fns, p.Run)
	}
	fns = append(fns, d.auditLoop, d.hotline.Run, d.calls.Run)
	if d.tak != nil {
		fns = append(fns, func(ctx context.Context) error {
			go func() { <-ctx.Done(); _ = d.tak.Close() }()
			if err := d.tak.Serve(d.takLn); err != nil && !errors.Is(err, cot.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	if d.cfg.Scenario != "" {
		fns = append(fns, d.replayLoop)
	}
	return runAll(ctx, d.log, fns...)
}

// auditLoop checkpoints the audit logs every 5 s, each cosigned by the
// partners.
func (d *Demo) auditLoop(ctx context.Context) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := d.audit.Checkpoint(); err != nil {
				d.log.Error("audit checkpoint", "err", err)
			}
		}
	}
}

// statusLoop pushes every nation's status to live subscribers each second.
func statusLoop(ctx context.Context, status func(context.Context) []share.NodeStatus, sys *System, hub *httpapi.Hub) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		st := map[string]any{"version": Version, "time": time.Now().UTC(), "nations": status(ctx)}
		for _, n := range sys.Nodes {
			hub.Publish(n.Nation, httpapi.LiveStatus, st)
		}
	}
}

// sensorList describes the built-in sensor network for the console.
func sensorList() any {
	type row struct {
		ID         string  `json:"id"`
		Name       string  `json:"name"`
		Nation     string  `json:"nation"`
		Kind       string  `json:"kind"`
		Lat        float64 `json:"lat"`
		Lon        float64 `json:"lon"`
		MaxRangeKm float64 `json:"max_range_km"`
		AzCenter   float64 `json:"az_center_deg"`
		AzWidth    float64 `json:"az_width_deg"`
	}
	var out []row
	for _, s := range sensor.DefaultNetwork() {
		out = append(out, row{s.ID, s.Name, s.Nation.String(), s.Kind.String(), float64(s.Site.Lat), float64(s.Site.Lon),
			float64(s.MaxRange) / 1000, float64(s.AzCenter), float64(s.AzWidth)})
	}
	return out
}

// replayLoop replays the demo's scenario as if it were happening now, each
// nation's sensors publishing into their own nation's system, again and
// again with a pause between runs.
func (d *Demo) replayLoop(ctx context.Context) error {
	pubs := map[share.Nation]*share.Publisher{}
	for _, n := range d.Sys.Nodes {
		pubs[n.Nation] = n.Pub
	}
	for {
		sc, run, err := loadRun(d.cfg.Scenario, nil)
		if err != nil {
			return err
		}
		// Each replay starts at the scenario clock's present, which keeps
		// the clock running forward across replays (fusion and the warning
		// engines must never see time go backwards).
		start, end := run.Span()
		run.Shift = d.clock.Now().Sub(start)
		d.log.Info("replaying scenario", "scenario", sc.Name, "launches", len(run.Flights), "speed", d.cfg.Speed,
			"duration", (time.Duration(float64(end.Sub(start)) / d.cfg.Speed)).Round(time.Second))
		if err := Replay(ctx, run, d.cfg.Speed, pubs, d.clock, d.log); err != nil {
			return err
		}
		// The sensors lose the objects before they come down: wait for the
		// last impact (scenario time) and a pause, so that a replay never
		// flies beside the previous one.
		_, end = run.Span()
		for d.clock.Now().Before(end.Add(time.Minute)) {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(200 * time.Millisecond):
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(30 * time.Second):
		}
	}
}

// Close stops the nations.
func (d *Demo) Close() {
	_ = d.ln.Close()
	if d.tak != nil {
		_ = d.tak.Close()
	}
	if d.takLn != nil {
		_ = d.takLn.Close()
	}
	d.Sys.Close()
	if d.hotline != nil {
		d.hotline.Close()
	}
	if d.audit != nil {
		d.audit.Close()
	}
}

// RunDemo runs the demo until ctx ends, and prints where the console is.
func RunDemo(ctx context.Context, cfg DemoConfig, log *slog.Logger, stdout io.Writer) error {
	d, err := NewDemo(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(stdout, "trilink demo: jp, kr and us running in this process (data in %s)\n", d.DataDir)
	if d.cfg.TLS {
		fmt.Fprintf(stdout, "console: https://localhost:%d/ (certificate of the demo's JP CA)\n", d.Addr().(*net.TCPAddr).Port)
		fmt.Fprintf(stdout, "  trust it: %s (e.g. certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n trilink-demo-jp -i %s)\n",
			filepath.Join(d.PKIDir, "jp", pki.RootCertFile), filepath.Join(d.PKIDir, "jp", pki.RootCertFile))
		fmt.Fprintf(stdout, "  sensors: POST /api/v1/measurements with a certificate from `trilink pki issue --dir %s --nation jp --kind sensor --name ID`\n", d.PKIDir)
	} else {
		fmt.Fprintf(stdout, "console: http://%s/\n", d.Addr())
	}
	fmt.Fprint(stdout, d.Logins.String())
	if a := d.TAKAddr(); a != nil {
		tn := d.cfg.TAKNation
		if tn == "" {
			tn = "jp"
		}
		fmt.Fprintf(stdout, "TAK: %s's picture for ATAK/WinTAK/iTAK at tcp://%s (CoT, protocol v0/v1)\n", tn, a)
	}
	return d.Run(ctx)
}

// NodeOptions are the flags of `trilink node`.
type NodeOptions struct {
	Nation          string
	ConfigFile      string
	PrintNATSConfig bool
	// OutDir, with PrintNATSConfig, writes one file per server instead of printing.
	OutDir string
}

// RunNode runs one nation's node, or prints its production NATS configuration.
func RunNode(ctx context.Context, o NodeOptions, log *slog.Logger, stdout io.Writer) error {
	n, err := share.ParseNation(o.Nation)
	if err != nil {
		return usagef("--nation: %w", err)
	}
	if o.PrintNATSConfig {
		return printNATSConfig(n, o.OutDir, stdout)
	}
	if o.ConfigFile == "" {
		return usagef("--config: required (or --print-nats-config)")
	}
	cfg, err := LoadNodeConfig(o.ConfigFile)
	if err != nil {
		return err
	}
	if cfg.Nation != n.String() {
		return usagef("--nation %s but %s says nation: %s", n, o.ConfigFile, cfg.Nation)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(DefaultDataDir(), "node-"+n.String())
	}
	nn, err := startNationNode(ctx, n, cfg, o.ConfigFile, log)
	if err != nil {
		return err
	}
	defer nn.Close()
	fmt.Fprintf(stdout, "trilink node %s: %s://%s/\n", n, nn.scheme, nn.Addr())
	return nn.Run(ctx)
}

func startNode(ctx context.Context, n share.Nation, cfg *NodeConfig, log *slog.Logger) (*Node, error) {
	if cfg.NATS.URL != "" {
		opts := []nats.Option{nats.Name("trilink-" + n.String()), nats.MaxReconnects(-1)}
		if cfg.NATS.User != "" {
			opts = append(opts, nats.UserInfo(cfg.NATS.User, os.Getenv(cfg.NATS.PasswordEnv)))
		}
		nc, err := nats.Connect(cfg.NATS.URL, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: connect %s: %w", n, cfg.NATS.URL, err)
		}
		replicas := cfg.NATS.Replicas
		if replicas == 0 {
			replicas = 3
		}
		node, err := newNode(n, nc, nil, replicas, log)
		if err != nil {
			nc.Close()
			return nil, err
		}
		if err := share.EnsureStreams(ctx, node.JS, n, n.Partners(), replicas, share.DefaultRetention); err != nil {
			node.Close()
			return nil, err
		}
		return node, nil
	}
	fed, err := nodeFederation(n, cfg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	srv, err := share.StartServer(fed, n, 0, log)
	if err != nil {
		return nil, err
	}
	nc, err := srv.ConnectApp()
	if err != nil {
		srv.Stop()
		return nil, err
	}
	node, err := newNode(n, nc, srv, 1, log)
	if err != nil {
		nc.Close()
		srv.Stop()
		return nil, err
	}
	if err := share.EnsureStreams(ctx, node.JS, n, n.Partners(), 1, share.DefaultRetention); err != nil {
		node.Close()
		return nil, err
	}
	return node, nil
}

// nodeFederation describes, for an embedded node, its own server and of
// each partner what the links use.
func nodeFederation(n share.Nation, cfg *NodeConfig) (*share.Federation, error) {
	ch, cp, err := splitPort(cfg.Embedded.ClientListen)
	if err != nil {
		return nil, fmt.Errorf("embedded.client_listen: %w", err)
	}
	lh, lp, err := splitPort(cfg.Embedded.LeafListen)
	if err != nil {
		return nil, fmt.Errorf("embedded.leaf_listen: %w", err)
	}
	if lh != ch {
		return nil, fmt.Errorf("embedded.leaf_listen: host %q differs from client_listen's %q", lh, ch)
	}
	own := share.NationSpec{
		Nation:        n,
		Servers:       []share.ServerSpec{{Name: n.String() + "-1", Host: ch, ClientPort: cp, LeafPort: lp, StoreDir: filepath.Join(cfg.DataDir, "nats")}},
		LeafURLs:      []string{"nats-leaf://" + cfg.Embedded.LeafListen},
		AppPassword:   share.RandomSecret(),
		SysPassword:   share.RandomSecret(),
		LeafPasswords: map[share.Nation]string{},
		MaxStore:      cfg.Embedded.MaxStore,
	}
	if cfg.Embedded.AppPasswordEnv != "" {
		own.AppPassword = os.Getenv(cfg.Embedded.AppPasswordEnv)
	}
	fed := &share.Federation{}
	t := cfg.Embedded.TLS
	domain := ""
	if t != nil {
		domain = t.Domain
		if domain == "" {
			domain = pki.DefaultDomain
		}
		own.TLS = &share.LeafTLS{CertFile: t.CertFile, KeyFile: t.KeyFile, CAFile: t.CAFile, PartnerSubjects: map[share.Nation]string{}}
	}
	for _, p := range n.Partners() {
		pc := cfg.Embedded.Partners[p.String()]
		spec := share.NationSpec{Nation: p, LeafURLs: []string{pc.LeafURL}}
		if t != nil {
			// mTLS: each side maps the other by its leaf certificate's name.
			own.TLS.PartnerSubjects[p] = share.LeafCertUser(p, domain)
			spec.TLS = &share.LeafTLS{PartnerSubjects: map[share.Nation]string{n: share.LeafCertUser(n, domain)}}
		} else {
			pw := os.Getenv(pc.PasswordEnv)
			own.LeafPasswords[p] = pw
			spec.LeafPasswords = map[share.Nation]string{n: pw}
		}
		fed.Nations = append(fed.Nations, spec)
	}
	fed.Nations = append(fed.Nations, own)
	return fed, fed.ValidateFor(n)
}

func splitPort(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return h, port, nil
}

// printNATSConfig prints (or writes) the nats-server configuration files of
// nation n's production cluster.
func printNATSConfig(n share.Nation, outDir string, stdout io.Writer) error {
	fed := share.ProductionFederation(share.ProductionOptions{})
	spec := fed.Spec(n)
	for i, srv := range spec.Servers {
		conf, err := fed.ServerConfig(n, i)
		if err != nil {
			return err
		}
		name := srv.Name + ".conf"
		if outDir != "" {
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(outDir, name), []byte(conf), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(outDir, name))
			continue
		}
		fmt.Fprintf(stdout, "# ===== %s =====\n%s\n", name, conf)
	}
	return nil
}

// serveHTTP serves h on ln until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		// The largest body is a hotline message with 4 MiB of attachments in
		// base64; each route sets its own, smaller limit below this one.
		Handler:           http.MaxBytesHandler(h, 9<<20),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	return err
}

// runAll runs fns until ctx ends or one fails; then it cancels the others and
// waits for them.
func runAll(ctx context.Context, log *slog.Logger, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(fns))
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(ctx)
			cancel()
		}()
	}
	wg.Wait()
	err := errors.Join(errs...)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
