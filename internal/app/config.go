package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/call"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/strictyaml"
)

// UsageError is bad usage or bad input: the CLI prints it and exits 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usagef returns a UsageError.
func usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// DefaultDataDir is where trilink keeps its state when --data is not given:
// $XDG_STATE_HOME/trilink, else ~/.local/state/trilink — never the working tree.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "trilink")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "trilink")
	}
	return filepath.Join(os.TempDir(), "trilink-state")
}

// NodeConfig is the file given to `trilink node --config`.
type NodeConfig struct {
	Nation  string `yaml:"nation"`
	HTTP    string `yaml:"http"`
	DataDir string `yaml:"data_dir"`
	// Security of the console and API (see SECURITY.md).
	Security NodeSecurity `yaml:"security"`
	// NATS is the nation's own external cluster. When URL is empty the node
	// runs an embedded server described by Embedded.
	NATS struct {
		URL string `yaml:"url"`
		// User and PasswordEnv: the application user and the environment
		// variable holding its password.
		User        string `yaml:"user"`
		PasswordEnv string `yaml:"password_env"`
		Replicas    int    `yaml:"replicas"`
	} `yaml:"nats"`
	// Alerts is the status of the node's public warnings: "actual" (the
	// default) or "exercise" (drills and replays: CAP status Exercise).
	Alerts string `yaml:"alerts"`
	// ExerciseClock, when set, runs the node on a scenario clock for
	// accelerated exercises and tests: scenario time ScenarioStart happens
	// at wall time WallStart and runs Speed times as fast. Every node of
	// the exercise and its simulated sensors use the same three values.
	ExerciseClock struct {
		ScenarioStart string  `yaml:"scenario_start"` // RFC 3339
		WallStart     string  `yaml:"wall_start"`     // RFC 3339
		Speed         float64 `yaml:"speed"`
	} `yaml:"exercise_clock"`
	// Probe publishes, for benchmarks, a core message on <nation>.probe.fused
	// for every measurement the picture takes in.
	Probe bool `yaml:"probe"`
	// Hotline configures the node's hotline exchange and its members'
	// terminals.
	Hotline struct {
		// KeysDir holds this nation's member devices' keys (made by
		// `trilink hotline keygen`, or on first start if missing) and the
		// partners' devices' public keys (their *.pub files); the node
		// refuses to start without those. Empty: <data_dir>/hotline/keys.
		KeysDir string `yaml:"keys_dir"`
		// Disabled runs the node without the hotline.
		Disabled bool `yaml:"disabled"`
	} `yaml:"hotline"`
	// Audit: KeysDir holds the nations' audit public keys (<n>.pub) and
	// this nation's private key (<n>.key, made on first start if missing);
	// default <data_dir>/audit. `trilink audit keygen` makes a nation's
	// pair; each node needs the partners' .pub files.
	Audit struct {
		KeysDir string `yaml:"keys_dir"`
	} `yaml:"audit"`
	// Calls is where the node's call media (its SFU) flows: the local
	// addresses browsers and partners' SFUs reach (default 127.0.0.1 only),
	// one UDP port for all of it (default an ephemeral port per
	// connection), and the public addresses that stand for them behind a
	// 1:1 NAT.
	Calls struct {
		IPs       []string `yaml:"ips"`
		UDPPort   int      `yaml:"udp_port"`
		PublicIPs []string `yaml:"public_ips"`
	} `yaml:"calls"`
	Embedded struct {
		ClientListen string `yaml:"client_listen"`
		LeafListen   string `yaml:"leaf_listen"`
		// AppPasswordEnv names the environment variable holding the
		// national application user's password (user <nation>_app), with
		// which the nation's sensors publish into the embedded server.
		// Unset: a random password only the node itself knows.
		AppPasswordEnv string `yaml:"app_password_env"`
		// MaxStore caps the embedded JetStream file store, in bytes; zero
		// means 10 GiB.
		MaxStore int64 `yaml:"max_store"`
		// Partners: how to reach each partner's leaf listener, and the
		// environment variable holding the link's shared password.
		Partners map[string]struct {
			LeafURL     string `yaml:"leaf_url"`
			PasswordEnv string `yaml:"password_env"`
		} `yaml:"partners"`
		// TLS turns the leaf links into mutual TLS (the files `trilink pki
		// deploy` writes): partners are known by their certificate's
		// leaf.<p>.<domain> name, and password_env is not used.
		TLS *struct {
			CertFile string `yaml:"cert_file"`
			KeyFile  string `yaml:"key_file"`
			CAFile   string `yaml:"ca_file"` // the partners' roots (partners-ca.pem)
			Domain   string `yaml:"domain"`  // default trilink.internal
		} `yaml:"tls"`
	} `yaml:"embedded"`
}

// LoadNodeConfig reads and checks a node configuration file. Errors name the
// file, line and field.
func LoadNodeConfig(path string) (*NodeConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("node config: %w", err)
	}
	c, err := ParseNodeConfig(b)
	if err != nil {
		return nil, usagef("%s: %w", path, err)
	}
	return c, nil
}

// ParseNodeConfig parses and checks a node configuration. Errors name the
// line and field.
func ParseNodeConfig(b []byte) (*NodeConfig, error) {
	var c NodeConfig
	if err := strictyaml.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *NodeConfig) check() error {
	n, err := share.ParseNation(c.Nation)
	if err != nil {
		return fmt.Errorf("nation: %w", err)
	}
	if c.HTTP == "" {
		return errors.New("http: empty (want host:port)")
	}
	if err := c.Security.check(c.HTTP); err != nil {
		return err
	}
	if err := c.callNetwork().Check(); err != nil {
		return fmt.Errorf("calls: %w", err)
	}
	if c.Alerts != "" && c.Alerts != "actual" && c.Alerts != "exercise" {
		return fmt.Errorf("alerts: %q (want actual or exercise)", c.Alerts)
	}
	if ec := c.ExerciseClock; ec.ScenarioStart != "" || ec.WallStart != "" || ec.Speed != 0 {
		if _, err := time.Parse(time.RFC3339Nano, ec.ScenarioStart); err != nil {
			return fmt.Errorf("exercise_clock.scenario_start: %v", err)
		}
		if _, err := time.Parse(time.RFC3339Nano, ec.WallStart); err != nil {
			return fmt.Errorf("exercise_clock.wall_start: %v", err)
		}
		if !(ec.Speed > 0 && ec.Speed <= 10000) {
			return fmt.Errorf("exercise_clock.speed: %v (want > 0 and ≤ 10000)", ec.Speed)
		}
		if c.Alerts != "exercise" {
			return errors.New("exercise_clock: needs alerts: exercise (a replayed clock never issues actual alerts)")
		}
	}
	if c.Embedded.AppPasswordEnv != "" && os.Getenv(c.Embedded.AppPasswordEnv) == "" {
		return fmt.Errorf("embedded.app_password_env: $%s is not set", c.Embedded.AppPasswordEnv)
	}
	if c.Embedded.MaxStore < 0 || (c.Embedded.MaxStore > 0 && c.Embedded.MaxStore < 1<<20) {
		return fmt.Errorf("embedded.max_store: %d (want 0 for the default, or at least 1048576 bytes)", c.Embedded.MaxStore)
	}
	if c.NATS.URL != "" {
		if c.NATS.Replicas != 0 && c.NATS.Replicas != 1 && c.NATS.Replicas != 3 {
			return fmt.Errorf("nats.replicas: %d (want 1 or 3)", c.NATS.Replicas)
		}
		if c.NATS.PasswordEnv != "" && os.Getenv(c.NATS.PasswordEnv) == "" {
			return fmt.Errorf("nats.password_env: $%s is not set", c.NATS.PasswordEnv)
		}
		return nil
	}
	if c.Embedded.ClientListen == "" || c.Embedded.LeafListen == "" {
		return errors.New("embedded.client_listen and embedded.leaf_listen: both required without nats.url")
	}
	for _, p := range n.Partners() {
		pc, ok := c.Embedded.Partners[p.String()]
		if !ok {
			return fmt.Errorf("embedded.partners.%s: missing", p)
		}
		if !strings.HasPrefix(pc.LeafURL, "nats-leaf://") {
			return fmt.Errorf("embedded.partners.%s.leaf_url: %q (want nats-leaf://host:port)", p, pc.LeafURL)
		}
		if t := c.Embedded.TLS; t != nil {
			if t.CertFile == "" || t.KeyFile == "" || t.CAFile == "" {
				return errors.New("embedded.tls: cert_file, key_file and ca_file are all required")
			}
		} else if pc.PasswordEnv == "" || os.Getenv(pc.PasswordEnv) == "" {
			return fmt.Errorf("embedded.partners.%s.password_env: unset or $%s empty (or use embedded.tls)", p, pc.PasswordEnv)
		}
	}
	for k := range c.Embedded.Partners {
		if pn, err := share.ParseNation(k); err != nil || pn == n {
			return fmt.Errorf("embedded.partners.%s: not a partner of %s", k, n)
		}
	}
	return nil
}

// callNetwork is the Calls section as the SFU's network.
func (c *NodeConfig) callNetwork() call.Network {
	return call.Network{IPs: c.Calls.IPs, UDPPort: c.Calls.UDPPort, PublicIPs: c.Calls.PublicIPs}
}

// auditKeysDir is where the node's audit keys are.
func (c *NodeConfig) auditKeysDir() string {
	if c.Audit.KeysDir != "" {
		return c.Audit.KeysDir
	}
	return auditDir(c.DataDir)
}
