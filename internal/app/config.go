package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	Embedded struct {
		ClientListen string `yaml:"client_listen"`
		LeafListen   string `yaml:"leaf_listen"`
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
