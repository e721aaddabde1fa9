package app

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // TRILINK_PPROF only
	"os"
	"path/filepath"
	"time"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/web"
)

// pictureOptions fills the routes of o that show the pictures' events,
// alerts, CAP documents and exports; the demo and a node share it.
func pictureOptions(o *httpapi.Options, pictures map[share.Nation]*Picture) {
	o.Events = func(n share.Nation) []any { return pictures[n].Events() }
	o.Event = func(n share.Nation, id string) (any, bool) { return pictures[n].Event(id) }
	o.Alerts = func(n share.Nation) []any { return pictures[n].Alerts() }
	o.Snapshot = func(n share.Nation) any {
		return map[string]any{"events": orEmpty(pictures[n].Events()), "alerts": orEmpty(pictures[n].Alerts())}
	}
	// Each nation's own feed; a partner's documents as received.
	o.CAPFeed = func(n share.Nation) ([]byte, bool) {
		p := pictures[n]
		if p == nil || p.warning == nil {
			return nil, false
		}
		return p.warning.Feed(), true
	}
	o.Export = func(n share.Nation, id, format string) ([]byte, string, string, error) {
		f, err := export.ParseFormat(format)
		if err != nil {
			return nil, "", "", badRequest("format: %v", err)
		}
		b, err := exportEvent(exportPicture(pictures[n]), id, f)
		return b, f.MediaType(), f.Ext(), err
	}
	o.CAPDocument = func(n share.Nation, id string) ([]byte, bool) {
		for _, p := range pictures {
			if b, ok := p.Document(n, id); ok {
				return b, true
			}
		}
		return nil, false
	}
}

// NationNode is `trilink node`: one nation's full node in its own process —
// its NATS system (embedded or external), the picture (fusion, digests,
// public warning for its own regions), the hotline exchange with its own
// members' terminals, the store watch, and the HTTP API and console for
// its one nation.
type NationNode struct {
	Node     *Node
	sys      *System
	picture  *Picture
	hotline  *Hotline // nil when disabled
	calls    *Calls   // nil without the hotline
	auth     *auth.Service
	audit    *auditKeeper
	auditNet *auditNet
	watch    *storeWatch
	hub      *httpapi.Hub
	ln       net.Listener
	h        http.Handler
	log      *slog.Logger
	scheme   string // of the HTTP listener: http, or https with security.tls
}

// startNationNode starts nation n's node from cfg and opens its HTTP
// listener; Run serves until its context ends, Close stops it.
func startNationNode(ctx context.Context, n share.Nation, cfg *NodeConfig, cfgFile string, log *slog.Logger) (*NationNode, error) {
	node, err := startNode(ctx, n, cfg, log)
	if err != nil {
		return nil, err
	}
	nn := &NationNode{Node: node, sys: &System{Nodes: []*Node{node}, log: log}, hub: httpapi.NewHub(4096), log: log}
	now := time.Now
	if ec := cfg.ExerciseClock; ec.Speed > 0 {
		c := &SimClock{}
		s0, _ := time.Parse(time.RFC3339Nano, ec.ScenarioStart)
		w0, _ := time.Parse(time.RFC3339Nano, ec.WallStart)
		c.Set(s0, w0, ec.Speed)
		now = c.Now
	}
	// The nation's audit log of alerts, hotline traffic and security
	// actions, witnessed by the partners' nodes over the backbone.
	if nn.audit, err = openAuditOf(auditDir(cfg.DataDir), cfg.auditKeysDir(), []nation.Nation{n}); err != nil {
		nn.Close()
		return nil, usagef("%s: audit: %v", cfgFile, err)
	}
	nn.auditNet = newAuditNet(n, nn.audit, node.NC, log)
	nn.picture = newPicture(node, nn.hub, now, log)
	nn.picture.audit = nn.audit
	nn.picture.probe = cfg.Probe
	nn.picture.speed = cfg.ExerciseClock.Speed
	if cfg.Alerts == "exercise" {
		nn.picture.warning, err = NewWarning[warn.Drill](n)
	} else {
		nn.picture.warning, err = NewWarning[warn.Live](n)
	}
	if err != nil {
		nn.Close()
		return nil, err
	}
	if !cfg.Hotline.Disabled {
		if nn.hotline, err = newHotlineKeys(nn.sys, cfg.DataDir, cfg.Hotline.KeysDir, nn.audit, nn.hub, log); err != nil {
			nn.Close()
			return nil, err
		}
		nn.picture.hotline = nn.hotline
		// Calls in the hotline's rooms: this nation's SFU, trunked to the
		// partners' nodes over the backbone.
		if nn.calls, err = newCalls(nn.sys, nn.hotline, nn.hub, cfg.callNetwork(), log); err != nil {
			nn.Close()
			return nil, err
		}
	}
	nn.watch = newStoreWatch(node, log)
	pictures := map[share.Nation]*Picture{n: nn.picture}
	o := httpapi.Options{Status: nn.status, Version: Version, Logger: log, Nations: []nation.Nation{n}, Hub: nn.hub,
		Sensors: sensorList, Console: web.Dist}
	pictureOptions(&o, pictures)
	reg := newRegistry(nn.sys)
	reg.MustRegister(nn.watch, &pictureCollector{pictures}, &auditCollector{nn.audit, nn.auditNet})
	if nn.hotline != nil {
		o.Hotline, o.Calls = nn.hotline, nn.calls
		reg.MustRegister(&hotlineCollector{nn.hotline}, &callCollector{nn.calls})
	}
	o.Gatherer, o.Registerer = reg, reg
	svc, gate, tc, err := nodeSecurity(ctx, cfg, node, nn.audit, func(u auth.User) { nn.calls.Expel(u.Member) }, log)
	if err != nil {
		nn.Close()
		return nil, err
	}
	o.Auth, nn.auth = svc, svc
	o.MetricsToken = cfg.Security.metricsToken()
	if gate != nil {
		o.Measurements = gate.Accept
		reg.MustRegister(gate.Collectors()...)
	}
	nn.h = httpapi.New(o)
	if nn.ln, err = net.Listen("tcp", cfg.HTTP); err != nil {
		nn.Close()
		return nil, usagef("%s: http: %v", cfgFile, err)
	}
	nn.scheme = "http"
	if tc != nil {
		nn.ln, nn.scheme = tls.NewListener(nn.ln, tc), "https"
	}
	if addr := os.Getenv("TRILINK_PPROF"); addr != "" {
		// Profiling for benchmarks only (net/http/pprof on its own
		// listener), never on the API's port.
		go func() { log.Warn("pprof", "err", http.ListenAndServe(addr, nil)) }()
	}
	log.Info("node started", "nation", n.String(), "http", nn.ln.Addr().String(), "data", filepath.Clean(cfg.DataDir))
	return nn, nil
}

// Addr is the HTTP listener's address.
func (nn *NationNode) Addr() net.Addr { return nn.ln.Addr() }

// status is the node's status with its picture's agreement with partners
// and the store's state.
func (nn *NationNode) status(ctx context.Context) []share.NodeStatus {
	st := nn.sys.Status(ctx)
	_, refused := nn.auditNet.Status()
	for i := range st {
		ps := nn.picture.Agreement()
		st[i].Picture = &ps
		st[i].Audit = nn.audit.status(st[i].Nation, refused)
	}
	return st
}

// Run serves until ctx ends.
func (nn *NationNode) Run(ctx context.Context) error {
	fns := []func(context.Context) error{nn.sys.Run, nn.picture.Run, nn.watch.Run, nn.auditNet.Run, nn.watchUsers,
		func(ctx context.Context) error { return serveHTTP(ctx, nn.ln, nn.h, nn.log) },
		func(ctx context.Context) error { return statusLoop(ctx, nn.status, nn.sys, nn.hub) }}
	if nn.hotline != nil {
		fns = append(fns, nn.hotline.Run, nn.calls.Run)
	}
	return runAll(ctx, nn.log, fns...)
}

// watchUsers takes in changes to the users file made while the node runs
// (`trilink user disable` cuts the user off within usersPoll).
func (nn *NationNode) watchUsers(ctx context.Context) error {
	t := time.NewTicker(usersPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := nn.auth.ReloadUsers(); err != nil {
				nn.log.Error("users file", "err", err)
			}
		}
	}
}

// usersPoll is how often a node looks at its users file.
const usersPoll = 2 * time.Second

// Close stops the node.
func (nn *NationNode) Close() {
	if nn.ln != nil {
		_ = nn.ln.Close()
	}
	nn.sys.Close()
	if nn.hotline != nil {
		nn.hotline.Close()
	}
	if nn.audit != nil {
		nn.audit.Close()
	}
}
