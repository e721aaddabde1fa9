package share

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Federation is the one Go description of the three nations. Every piece of
// NATS configuration — accounts, exports and imports, leaf links, JetStream
// domains — is generated from it (research/nats.md §5), for the embedded demo
// and for production clusters alike.
type Federation struct {
	// Nations holds one spec per partner, in canonical order.
	Nations []NationSpec
	// Links are the leaf links between nations. Nil means the default: one
	// link per pair, solicited by the earlier nation and landing in each
	// side's border account for the other (jp→kr, jp→us, kr→us).
	Links []Link
	// HashPasswords writes bcrypt hashes instead of the passwords that
	// servers check (users and accepted leaf logins), so that no config holds
	// a secret a client could use. Environment references stay as they are.
	HashPasswords bool
}

// NationSpec describes one nation's NATS system.
type NationSpec struct {
	Nation Nation
	// Servers are the nation's servers: one when embedded, three for a
	// production cluster (streams then use three replicas).
	Servers []ServerSpec
	// LeafURLs are the addresses partners dial to reach this nation's leaf
	// listeners ("nats-leaf://host:port"). Tests point them at cuttable proxies.
	LeafURLs []string
	// TLS, when set, turns on mTLS for the leaf links: partners are
	// authenticated by certificate (verify_and_map) instead of password.
	TLS *LeafTLS
	// ClusterTLS, when set, secures the routes between the nation's own
	// servers (certificates of the nation's own CA; routes always verify).
	ClusterTLS *LeafTLS
	// AppPassword is the password of the national application user. In
	// production configs use an environment reference such as
	// "$TRILINK_JP_APP_PASSWORD", which nats-server expands.
	AppPassword string
	// SysPassword is the password of the system-account user.
	SysPassword string
	// LeafPasswords holds, per partner that solicits this nation, the
	// password this nation issued to it (dev form without TLS), and, per
	// partner this nation solicits, the password that partner issued to us.
	// Key: the partner.
	LeafPasswords map[Nation]string
	// MaxMemory and MaxStore cap JetStream (bytes). Zero means 256 MiB and 10 GiB.
	MaxMemory, MaxStore int64
}

// ServerSpec is one nats-server of a nation.
type ServerSpec struct {
	Name       string // unique server name, e.g. "jp-1"
	Host       string // listen host for all ports
	ClientPort int    // -1 picks a free port
	LeafPort   int    // -1 picks a free port
	// ClusterPort and Routes join the servers of a production cluster.
	ClusterPort int
	Routes      []string // "nats-route://host:port" of every server in the cluster
	HTTPPort    int      // monitoring port; 0 disables
	StoreDir    string
}

// LeafTLS names the certificate files of a nation's leaf links.
type LeafTLS struct {
	CertFile, KeyFile string
	// CAFile holds the partners' CAs (accepting side) and is also used to
	// verify partners' servers (soliciting side).
	CAFile string
	// PartnerSubjects maps each partner to the certificate subject (RFC 2253
	// form, as nats-server renders it for verify_and_map) of its leaf certificate.
	PartnerSubjects map[Nation]string
}

// Link is one leaf connection between two nations' NATS systems. The
// soliciting side dials From→To; the connection binds FromAccount on the
// soliciting side to ToAccount on the accepting side.
type Link struct {
	From, To               Nation
	FromAccount, ToAccount string
	// URLs, when set, replace To\'s LeafURLs for this link alone (a proxy in
	// front of one link, say).
	URLs []string
}

// DefaultLinks returns one link per pair of nations, solicited by the earlier
// nation in canonical order, landing in border accounts on both sides.
func DefaultLinks(nations []Nation) []Link {
	var out []Link
	for i, a := range nations {
		for _, b := range nations[i+1:] {
			out = append(out, Link{From: a, To: b, FromAccount: b.BorderAccount(), ToAccount: a.BorderAccount()})
		}
	}
	return out
}

// links returns f.Links or the default.
func (f *Federation) links() []Link {
	if f.Links != nil {
		return f.Links
	}
	// Canonical order, whatever the order of the specs: both ends must
	// agree on which of them dials.
	var ns []Nation
	for _, n := range Nations {
		if f.Spec(n) != nil {
			ns = append(ns, n)
		}
	}
	return DefaultLinks(ns)
}

// Spec returns the spec of nation n, or nil.
func (f *Federation) Spec(n Nation) *NationSpec {
	for i := range f.Nations {
		if f.Nations[i].Nation == n {
			return &f.Nations[i]
		}
	}
	return nil
}

// ErrLeafLoop is returned when the leaf links would form a cycle in some
// account: nats-server refuses one of the links ("Loop detected") and the
// federation would silently run with a link missing.
var ErrLeafLoop = errors.New("share: leaf links form a loop in the account graph")

// CheckLinks rejects link sets that nats-server would not run: links naming
// unknown nations or a nation to itself, and any cycle in the graph whose
// vertices are (nation, account) and whose edges are leaf links. Leaf-node
// topologies must be acyclic per account (research/nats.md §4.2).
func CheckLinks(links []Link) error {
	parent := map[string]string{}
	var find func(string) string
	find = func(v string) string {
		p, ok := parent[v]
		if !ok || p == v {
			parent[v] = v
			return v
		}
		r := find(p)
		parent[v] = r
		return r
	}
	for i, l := range links {
		if !l.From.Valid() || !l.To.Valid() {
			return fmt.Errorf("share: link %d: %w", i, ErrUnknownNation)
		}
		if l.From == l.To {
			return fmt.Errorf("share: link %d: %s links to itself", i, l.From)
		}
		if l.FromAccount == "" || l.ToAccount == "" {
			return fmt.Errorf("share: link %d (%s→%s): account is empty", i, l.From, l.To)
		}
		a, b := l.From.String()+"/"+l.FromAccount, l.To.String()+"/"+l.ToAccount
		ra, rb := find(a), find(b)
		if ra == rb {
			return fmt.Errorf("%w: link %s→%s (%s↔%s) closes a cycle", ErrLeafLoop, l.From, l.To, a, b)
		}
		parent[ra] = rb
	}
	return nil
}

// Validate checks the whole description and names the first field that is wrong.
func (f *Federation) Validate() error {
	if len(f.Nations) == 0 {
		return errors.New("share: federation has no nations")
	}
	for i := range f.Nations {
		if err := f.validateNation(i, true); err != nil {
			return err
		}
	}
	return f.validateLinks(NationUnknown)
}

// ValidateFor checks what nation n needs to run: its own servers fully, and
// of its partners only what its links use (their leaf URLs and credentials).
// A node's configuration describes partners no further than that.
func (f *Federation) ValidateFor(n Nation) error {
	for i := range f.Nations {
		if err := f.validateNation(i, f.Nations[i].Nation == n); err != nil {
			return err
		}
	}
	if f.Spec(n) == nil {
		return fmt.Errorf("share: %s is not in the federation", n)
	}
	return f.validateLinks(n)
}

func (f *Federation) validateNation(i int, full bool) error {
	s := f.Nations[i]
	if !s.Nation.Valid() {
		return fmt.Errorf("share: nations[%d].nation: %w", i, ErrUnknownNation)
	}
	for j := range i {
		if f.Nations[j].Nation == s.Nation {
			return fmt.Errorf("share: nations[%d].nation: %s listed twice", i, s.Nation)
		}
	}
	if !full {
		// A partner as a node sees it: its leaf URLs, and with TLS only the
		// name its certificate maps by; its files are the partner's own.
		return nil
	}
	if s.TLS != nil && (s.TLS.CertFile == "" || s.TLS.KeyFile == "" || s.TLS.CAFile == "") {
		return fmt.Errorf("share: %s.tls: cert_file, key_file and ca_file are all required", s.Nation)
	}
	if n := len(s.Servers); n != 1 && n != 3 {
		return fmt.Errorf("share: %s.servers: want 1 (embedded) or 3 (cluster), got %d", s.Nation, n)
	}
	names := map[string]bool{}
	for j, srv := range s.Servers {
		field := fmt.Sprintf("share: %s.servers[%d]", s.Nation, j)
		if srv.Name == "" {
			return fmt.Errorf("%s.name: empty", field)
		}
		if names[srv.Name] {
			return fmt.Errorf("%s.name: %q used twice", field, srv.Name)
		}
		names[srv.Name] = true
		if srv.Host == "" {
			return fmt.Errorf("%s.host: empty", field)
		}
		for _, p := range []struct {
			name string
			v    int
		}{{"client_port", srv.ClientPort}, {"leaf_port", srv.LeafPort}, {"cluster_port", srv.ClusterPort}, {"http_port", srv.HTTPPort}} {
			if p.v < -1 || p.v > 65535 {
				return fmt.Errorf("%s.%s: %d out of range", field, p.name, p.v)
			}
		}
		if srv.StoreDir == "" {
			return fmt.Errorf("%s.store_dir: empty", field)
		}
		if len(s.Servers) == 3 && (srv.ClusterPort <= 0 || len(srv.Routes) == 0) {
			return fmt.Errorf("%s: a cluster server needs cluster_port and routes", field)
		}
	}
	if s.AppPassword == "" {
		return fmt.Errorf("share: %s.app_password: empty", s.Nation)
	}
	if s.SysPassword == "" {
		return fmt.Errorf("share: %s.sys_password: empty", s.Nation)
	}
	return nil
}

// validateLinks checks the links, all of them or only those of nation only.
func (f *Federation) validateLinks(only Nation) error {
	links := f.links()
	if err := CheckLinks(links); err != nil {
		return err
	}
	for _, l := range links {
		if only != NationUnknown && l.From != only && l.To != only {
			continue
		}
		from, to := f.Spec(l.From), f.Spec(l.To)
		if from == nil || to == nil {
			return fmt.Errorf("share: link %s→%s names a nation that is not in the federation", l.From, l.To)
		}
		urls := l.URLs
		if urls == nil {
			urls = to.LeafURLs
		}
		if len(urls) == 0 {
			return fmt.Errorf("share: %s.leaf_urls: empty, but %s dials it", l.To, l.From)
		}
		for _, u := range urls {
			if _, _, err := splitLeafURL(u); err != nil {
				return fmt.Errorf("share: %s.leaf_urls: %w", l.To, err)
			}
		}
		if (from.TLS == nil) != (to.TLS == nil) {
			return fmt.Errorf("share: link %s→%s: TLS must be on at both ends or at neither", l.From, l.To)
		}
		if to.TLS == nil {
			if from.LeafPasswords[l.To] == "" || to.LeafPasswords[l.From] == "" {
				return fmt.Errorf("share: link %s→%s: leaf_passwords missing (both sides need the one %s issued to %s)", l.From, l.To, l.To, l.From)
			}
			if from.LeafPasswords[l.To] != to.LeafPasswords[l.From] {
				return fmt.Errorf("share: link %s→%s: leaf passwords differ between the two sides", l.From, l.To)
			}
		} else if to.TLS.PartnerSubjects[l.From] == "" {
			return fmt.Errorf("share: %s.tls.partner_subjects[%s]: empty", l.To, l.From)
		}
	}
	return nil
}

func splitLeafURL(u string) (host string, port int, err error) {
	const pfx = "nats-leaf://"
	if len(u) <= len(pfx) || u[:len(pfx)] != pfx {
		return "", 0, fmt.Errorf("leaf url %q: want nats-leaf://host:port", u)
	}
	h, p, err := net.SplitHostPort(u[len(pfx):])
	if err != nil {
		return "", 0, fmt.Errorf("leaf url %q: %w", u, err)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("leaf url %q: bad port", u)
	}
	return h, port, nil
}
