package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// ErrWrongNation is returned when a certificate names a nation other than
// the one whose root it chains to.
var ErrWrongNation = errors.New("pki: certificate claims another nation than its CA")

// NationOf returns the nation a certificate names in its O attribute
// ("trilink JP"), or an error if it names none or several.
func NationOf(c *x509.Certificate) (nation.Nation, error) {
	if len(c.Subject.Organization) != 1 {
		return nation.NationUnknown, fmt.Errorf("pki: %q: want one organization \"trilink <NATION>\"", c.Subject)
	}
	code, ok := strings.CutPrefix(c.Subject.Organization[0], "trilink ")
	n, err := nation.Parse(code)
	if !ok || err != nil || code != n.Upper() {
		return nation.NationUnknown, fmt.Errorf("pki: %q: organization is not \"trilink JP|KR|US\"", c.Subject)
	}
	return n, nil
}

// SensorIdentity returns the nation and sensor id a sensor certificate
// carries in its URI SAN, spiffe://<n>.<domain>/sensor/<id>. It checks that
// the ID's nation is the one in the subject and that the certificate may be
// used for client authentication; it does not verify the chain — take cert
// from a TLS connection verified by [ServerTLSConfig], or call [Roots.Verify]
// first. The nation's CAs are name-constrained to their trust domain, so a
// verified chain cannot carry another nation's ID.
func SensorIdentity(cert *x509.Certificate) (nation.Nation, string, error) {
	var ids []identity
	for _, u := range cert.URIs {
		id, err := parseID(u)
		if err != nil {
			return nation.NationUnknown, "", err
		}
		if id.kind == KindSensor {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		return nation.NationUnknown, "", fmt.Errorf("pki: %q: want one sensor ID spiffe://<n>.trilink.internal/sensor/<id>, found %d", cert.Subject, len(ids))
	}
	if on, err := NationOf(cert); err != nil || on != ids[0].nation {
		return nation.NationUnknown, "", fmt.Errorf("%w: %s in a certificate of %q", ErrWrongNation, ids[0].uri, cert.Subject)
	}
	if !hasEKU(cert, x509.ExtKeyUsageClientAuth) {
		return nation.NationUnknown, "", fmt.Errorf("pki: %q: not a client certificate", cert.Subject)
	}
	return ids[0].nation, ids[0].name, nil
}

// ParseSensorURI parses a sensor ID, spiffe://<n>.<domain>/sensor/<id>,
// into its nation and sensor id.
func ParseSensorURI(s string) (nation.Nation, string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nation.NationUnknown, "", fmt.Errorf("pki: %q is not a URI", s)
	}
	id, err := parseID(u)
	if err != nil {
		return nation.NationUnknown, "", err
	}
	if id.kind != KindSensor {
		return nation.NationUnknown, "", fmt.Errorf("pki: %q is not a sensor ID", s)
	}
	if s != id.uri {
		// url.Parse lower-cases the scheme; a SPIFFE ID is written in
		// lower case only (SPIFFE ID §2.1), so only its canonical form is
		// one.
		return nation.NationUnknown, "", fmt.Errorf("pki: %q is not a sensor ID in canonical form (%s)", s, id.uri)
	}
	return id.nation, id.name, nil
}

// identity is a parsed trilink SPIFFE ID; kind is KindUnknown for a URI
// that is not one.
type identity struct {
	uri    string
	nation nation.Nation
	kind   Kind
	name   string
}

// parseID parses spiffe://<n>.<domain>/<sensor|user>/<name>. A URI of
// another scheme is no identity (kind KindUnknown, no error); a malformed
// spiffe URI is an error.
func parseID(u *url.URL) (identity, error) {
	s := u.String()
	if u.Scheme != "spiffe" {
		return identity{uri: s}, nil
	}
	code, _, _ := strings.Cut(u.Host, ".")
	n, err := nation.Parse(code)
	if err != nil || code != n.String() || !strings.Contains(u.Host, ".") {
		return identity{}, fmt.Errorf("pki: %q: trust domain is not <jp|kr|us>.<domain>", s)
	}
	ks, name, ok := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	k, err := ParseKind(ks)
	if !ok || err != nil || (k != KindSensor && k != KindUser) || !validName.MatchString(name) ||
		checkDNSName(u.Host) != nil || s != spiffeID(u.Host, k, name) {
		return identity{}, fmt.Errorf("pki: %q is not spiffe://<n>.<domain>/<sensor|user>/<name>", s)
	}
	return identity{uri: s, nation: n, kind: k, name: name}, nil
}

func hasEKU(c *x509.Certificate, u x509.ExtKeyUsage) bool {
	for _, e := range c.ExtKeyUsage {
		if e == u || e == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

// Roots are the trust anchors of some nations, by nation.
type Roots map[nation.Nation]*x509.Certificate

// LoadRoots reads DIR/<n>/root.pem for each nation given (all three if none).
func LoadRoots(dir string, ns ...nation.Nation) (Roots, error) {
	if len(ns) == 0 {
		ns = nation.Nations
	}
	r := Roots{}
	for _, n := range ns {
		c, err := readCert(filepath.Join(dir, n.String(), RootCertFile))
		if err != nil {
			return nil, fmt.Errorf("pki: roots: %w", err)
		}
		if got, err := NationOf(c); err != nil || got != n {
			return nil, fmt.Errorf("pki: roots: %s/%s is not %s's root", n, RootCertFile, n)
		}
		r[n] = c
	}
	return r, nil
}

// Pool returns the roots as a certificate pool.
func (r Roots) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range r {
		p.AddCert(c)
	}
	return p
}

// Verify checks that cert chains, through the given intermediates, to the
// root of the nation it names, for the given purpose (an extended key usage
// such as x509.ExtKeyUsageServerAuth), at time now, with name constraints
// enforced. It returns the nation and the chain from cert to the root.
func (r Roots) Verify(cert *x509.Certificate, intermediates []*x509.Certificate, usage x509.ExtKeyUsage, now time.Time) (nation.Nation, []*x509.Certificate, error) {
	n, err := NationOf(cert)
	if err != nil {
		return nation.NationUnknown, nil, err
	}
	root, ok := r[n]
	if !ok {
		return nation.NationUnknown, nil, fmt.Errorf("pki: %q: %s's root is not trusted here", cert.Subject, n)
	}
	inter := x509.NewCertPool()
	for _, c := range intermediates {
		inter.AddCert(c)
	}
	anchor := x509.NewCertPool()
	anchor.AddCert(root)
	chains, err := cert.Verify(x509.VerifyOptions{Roots: anchor, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}, CurrentTime: now})
	if err != nil {
		return nation.NationUnknown, nil, fmt.Errorf("pki: %q does not chain to %s's root: %w", cert.Subject, n, err)
	}
	if err := checkBinding(n, cert); err != nil {
		return nation.NationUnknown, nil, err
	}
	return n, chains[0], nil
}

// checkBinding checks the nation inside a certificate's SPIFFE IDs against n.
func checkBinding(n nation.Nation, cert *x509.Certificate) error {
	for _, u := range cert.URIs {
		id, err := parseID(u)
		if err != nil {
			return err
		}
		if id.kind != KindUnknown && id.nation != n {
			return fmt.Errorf("%w: %s in a certificate of %s", ErrWrongNation, id.uri, n)
		}
	}
	return nil
}

// verifyPeer is the VerifyConnection check of [ServerTLSConfig] and
// [ClientTLSConfig]: the chain the handshake verified must end at the root
// of the nation the peer certificate names.
func (r Roots) verifyPeer(cs tls.ConnectionState, usage x509.ExtKeyUsage) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("pki: peer sent no certificate")
	}
	_, _, err := r.Verify(cs.PeerCertificates[0], cs.PeerCertificates[1:], usage, time.Now())
	return err
}

// ServerTLSConfig returns a TLS 1.3 server configuration presenting cert.
// With clients non-empty it requires a client certificate that chains to one
// of those roots and names that root's nation (see [Roots.Verify]); with no
// clients it asks for none (a public console).
func ServerTLSConfig(cert tls.Certificate, clients Roots) *tls.Config {
	c := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
	}
	if len(clients) > 0 {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = clients.Pool()
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			return clients.verifyPeer(cs, x509.ExtKeyUsageClientAuth)
		}
	}
	return c
}

// ClientTLSConfig returns a TLS 1.3 client configuration that presents cert
// (if it has one) and accepts only a server certificate for serverName that
// chains to one of servers and names that root's nation.
func ClientTLSConfig(cert tls.Certificate, servers Roots, serverName string) *tls.Config {
	c := &tls.Config{
		MinVersion: tls.VersionTLS13,
		RootCAs:    servers.Pool(),
		ServerName: serverName,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return servers.verifyPeer(cs, x509.ExtKeyUsageServerAuth)
		},
	}
	if len(cert.Certificate) > 0 {
		c.Certificates = []tls.Certificate{cert}
	}
	return c
}

// KeyPair loads a certificate file (as written by [Authority.IssueFile]) and its key.
func KeyPair(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: %w", err)
	}
	return c, nil
}

// Verified is the result of [VerifyFile].
type Verified struct {
	Nation nation.Nation
	Kind   Kind
	Chain  []*x509.Certificate // certificate, issuing CA, root
}

// VerifyFile verifies the certificate in file (PEM, optionally followed by
// its issuing CA) against the roots in dir: it must chain to the root of the
// nation it names through that nation's issuing CA, for every purpose its
// kind has (serverAuth and clientAuth for server and leaf, clientAuth for
// sensor and user), with name constraints and URN nations checked.
func VerifyFile(dir, file string) (*Verified, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("pki: verify: %w", err)
	}
	certs, err := ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("pki: verify %s: %w", file, err)
	}
	cert := certs[0]
	if cert.IsCA {
		return nil, fmt.Errorf("pki: verify %s: %q is a CA certificate", file, cert.Subject)
	}
	n, err := NationOf(cert)
	if err != nil {
		return nil, fmt.Errorf("pki: verify %s: %w", file, err)
	}
	roots, err := LoadRoots(dir, n)
	if err != nil {
		return nil, fmt.Errorf("pki: verify %s: %w", file, err)
	}
	inter := certs[1:]
	if iss, err := readCert(filepath.Join(dir, n.String(), IssuingCertFile)); err == nil {
		inter = append(inter, iss)
	}
	kind := KindOf(cert)
	usages := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if kind == KindServer || kind == KindLeaf {
		usages = append(usages, x509.ExtKeyUsageServerAuth)
	}
	var chain []*x509.Certificate
	for _, u := range usages {
		if _, chain, err = roots.Verify(cert, inter, u, time.Now()); err != nil {
			return nil, fmt.Errorf("pki: verify %s: %w", file, err)
		}
	}
	if kind == KindSensor {
		if _, _, err := SensorIdentity(cert); err != nil {
			return nil, fmt.Errorf("pki: verify %s: %w", file, err)
		}
	}
	return &Verified{Nation: n, Kind: kind, Chain: chain}, nil
}

// KindOf tells what an issued certificate is for: a sensor or user by its
// URN, a leaf by its common name, a server by serverAuth; else KindUnknown.
func KindOf(c *x509.Certificate) Kind {
	for _, u := range c.URIs {
		if id, err := parseID(u); err == nil && id.kind != KindUnknown {
			return id.kind
		}
	}
	if n, err := NationOf(c); err == nil && c.Subject.CommonName == LeafName(n) {
		return KindLeaf
	}
	if hasEKU(c, x509.ExtKeyUsageServerAuth) {
		return KindServer
	}
	return KindUnknown
}
