package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
)

// NodeSecurity is the security part of a node's configuration.
type NodeSecurity struct {
	// TLS serves the console and API over HTTPS. Required unless the node
	// listens on loopback only.
	TLS struct {
		CertFile string `yaml:"cert_file"`
		KeyFile  string `yaml:"key_file"`
	} `yaml:"tls"`
	// PKIDir holds the nations' roots and revocation lists (trilink pki):
	// with it, sensors post measurements over mutual TLS.
	PKIDir string `yaml:"pki_dir"`
	// UsersFile holds the node's accounts; default DATA/users.json.
	// Manage it with `trilink user`.
	UsersFile string `yaml:"users_file"`
	// RPID and RPOrigins enable passkeys: the console's host name and its
	// origins (https://ops.jp.example).
	RPID      string   `yaml:"rp_id"`
	RPOrigins []string `yaml:"rp_origins"`
	// MetricsTokenEnv names the environment variable holding the bearer
	// token /metrics asks of scrapers (at least 32 characters); unset
	// leaves /metrics public (counts only).
	MetricsTokenEnv string `yaml:"metrics_token_env"`
}

func (s *NodeSecurity) check(listen string) error {
	if (s.TLS.CertFile == "") != (s.TLS.KeyFile == "") {
		return errors.New("security.tls: cert_file and key_file go together")
	}
	if s.TLS.CertFile == "" {
		host, _, err := net.SplitHostPort(listen)
		if err != nil {
			return fmt.Errorf("http: %q: %v", listen, err)
		}
		if a, err := netip.ParseAddr(host); host != "localhost" && (err != nil || !a.IsLoopback()) {
			return fmt.Errorf("security.tls: required when http (%s) is not a loopback address: sign-ins and sessions never travel in clear text", listen)
		}
	}
	if s.PKIDir != "" && s.TLS.CertFile == "" {
		return errors.New("security.pki_dir: sensors authenticate by client certificate, which needs security.tls")
	}
	if s.RPID != "" && len(s.RPOrigins) == 0 {
		return errors.New("security.rp_origins: required with rp_id (e.g. https://" + s.RPID + ")")
	}
	if e := s.MetricsTokenEnv; e != "" {
		if n := len(os.Getenv(e)); n < 32 {
			return fmt.Errorf("security.metrics_token_env: $%s holds %d characters, want at least 32 (e.g. openssl rand -hex 32)", e, n)
		}
	}
	return nil
}

// metricsToken is the scrape token, or "" for public metrics.
func (s *NodeSecurity) metricsToken() string {
	if s.MetricsTokenEnv == "" {
		return ""
	}
	return os.Getenv(s.MetricsTokenEnv)
}

// UsersPath is where a node with data directory dataDir keeps its accounts.
func (s *NodeSecurity) UsersPath(dataDir string) string {
	if s.UsersFile != "" {
		return s.UsersFile
	}
	return filepath.Join(dataDir, "users.json")
}

// nodeSecurity opens the node's accounts and, with TLS, its HTTPS
// configuration and sensor gate.
func nodeSecurity(ctx context.Context, cfg *NodeConfig, node *Node, keeper *auditKeeper, onDisable func(auth.User), log *slog.Logger) (*auth.Service, *SensorGate, *tls.Config, error) {
	sec := &cfg.Security
	users, err := auth.OpenUsers(sec.UsersPath(cfg.DataDir))
	if err != nil {
		return nil, nil, nil, usagef("%v", err)
	}
	if len(users.List()) == 0 {
		log.Warn("no accounts: create an administrator with `trilink user add --users " + sec.UsersPath(cfg.DataDir) + " --nation " + cfg.Nation + " --role admin --name NAME`")
	}
	svc, err := auth.New(auth.Config{Users: users, RPID: sec.RPID, RPOrigins: sec.RPOrigins,
		Audit: securityAudit(users.Get, keeper, node.Nation, log), OnDisable: onDisable})
	if err != nil {
		return nil, nil, nil, usagef("security: %v", err)
	}
	if sec.TLS.CertFile == "" {
		return svc, nil, nil, nil
	}
	// The certificate is re-read when its file changes: rotation needs no
	// restart.
	rl, err := pki.NewReloader(sec.TLS.CertFile, sec.TLS.KeyFile)
	if err != nil {
		return nil, nil, nil, usagef("security.tls: %v", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: rl.GetCertificate}
	if sec.PKIDir == "" {
		return svc, nil, tc, nil
	}
	roots, err := pki.LoadRoots(sec.PKIDir)
	if err != nil {
		return nil, nil, nil, usagef("security.pki_dir: %v", err)
	}
	rev, err := pki.LoadRevocations(sec.PKIDir)
	if err != nil {
		return nil, nil, nil, usagef("security.pki_dir: %v", err)
	}
	go rev.Watch(ctx, time.Second, func(err error) { log.Warn("revocations", "err", err) })
	g := &SensorGate{Roots: roots, Revoked: rev, Ingest: NewIngest(sensor.DefaultNetwork()),
		Pubs: map[nation.Nation]*share.Publisher{node.Nation: node.Pub}}
	tc.ClientAuth, tc.ClientCAs, tc.VerifyConnection = tls.VerifyClientCertIfGiven, roots.Pool(), g.VerifyConnection
	return svc, g, tc, nil
}
