package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// Validity periods.
const (
	RootValidity    = 10 * 365 * 24 * time.Hour
	IssuingValidity = 3 * 365 * 24 * time.Hour
	// DefaultValidity is a certificate's validity when a [Request] gives none.
	DefaultValidity = 90 * 24 * time.Hour
	// MaxValidity caps a certificate's validity (the CA/B Forum's 397 days).
	MaxValidity = 397 * 24 * time.Hour
	// backdate covers clock skew between issuer and peers.
	backdate = 5 * time.Minute
)

// DefaultDomain is the DNS suffix under which nation n's names live:
// "<n>.trilink.internal".
const DefaultDomain = "trilink.internal"

// File names inside DIR/<n>.
const (
	RootCertFile    = "root.pem"
	RootKeyFile     = "root-key.pem"
	IssuingCertFile = "issuing.pem"
	IssuingKeyFile  = "issuing-key.pem"
)

// ErrExists is returned by [Init] when a nation's CA already exists.
var ErrExists = errors.New("pki: already exists")

// ErrNoAuthority is returned by [LoadNation] when a nation has no CA in the directory.
var ErrNoAuthority = errors.New("pki: no certificate authority (run trilink pki init)")

// InitOptions tune [Init]. The zero value is the default.
type InitOptions struct {
	// Domain is the DNS suffix; the nation's names are permitted under
	// "<n>.<Domain>". Empty means [DefaultDomain].
	Domain string
	// PermitDNS adds DNS subtrees the nation's CAs may issue names in
	// (RFC 5280 §4.2.1.10), e.g. "jp-nats-1.trilink.internal".
	PermitDNS []string
}

// Authority is one nation's issuing CA, loaded by [LoadNation]. It is safe
// for concurrent use.
type Authority struct {
	// Nation is the nation the authority belongs to.
	Nation nation.Nation
	// Root is the nation's root CA (the trust anchor); Issuing signs.
	Root, Issuing *x509.Certificate

	dir string
	key crypto.Signer // the issuing CA's key
}

// Dir returns the nation's directory: DIR/<n>.
func (a *Authority) Dir() string { return a.dir }

// Init creates nation n's root and issuing CA in dir/<n> (directories 0700,
// keys 0600, certificates 0644, PEM). It refuses with [ErrExists] if any of
// the four files exists, and writes nothing then.
func Init(dir string, n nation.Nation, o InitOptions) error {
	if !n.Valid() {
		return fmt.Errorf("pki: init: %w", nation.ErrUnknownNation)
	}
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	permitted := []string{n.String() + "." + o.Domain}
	for _, d := range o.PermitDNS {
		if err := checkDNSName(d); err != nil {
			return badRequest("pki: init %s: --permit-dns: %w", n, err)
		}
		permitted = append(permitted, d)
	}
	if err := checkDNSName(permitted[0]); err != nil {
		return badRequest("pki: init %s: --domain: %w", n, err)
	}
	nd := filepath.Join(dir, n.String())
	for _, f := range []string{RootCertFile, RootKeyFile, IssuingCertFile, IssuingKeyFile} {
		if _, err := os.Lstat(filepath.Join(nd, f)); err == nil {
			return fmt.Errorf("%w: %s: %s has a certificate authority; remove the directory to start again", ErrExists, filepath.Join(nd, f), n)
		}
	}
	if err := os.MkdirAll(nd, 0o700); err != nil {
		return fmt.Errorf("pki: init %s: %w", n, err)
	}
	now := time.Now()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("pki: init %s: %w", n, err)
	}
	org := Organization(n)
	root := &x509.Certificate{
		Subject:                     pkix.Name{CommonName: org + " Root CA", Organization: []string{org}, Country: []string{n.Upper()}},
		NotBefore:                   now.Add(-backdate),
		NotAfter:                    now.Add(RootValidity),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLen:                  1,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         permitted,
		PermittedURIDomains:         permitted[:1],
	}
	rootDER, err := sign(root, root, &rootKey.PublicKey, rootKey)
	if err != nil {
		return fmt.Errorf("pki: init %s: root: %w", n, err)
	}
	rootCert, _ := x509.ParseCertificate(rootDER)
	issKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("pki: init %s: %w", n, err)
	}
	iss := &x509.Certificate{
		Subject:                     pkix.Name{CommonName: org + " Issuing CA", Organization: []string{org}, Country: []string{n.Upper()}},
		NotBefore:                   now.Add(-backdate),
		NotAfter:                    now.Add(IssuingValidity),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLen:                  0,
		MaxPathLenZero:              true,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         permitted,
		PermittedURIDomains:         permitted[:1],
	}
	issDER, err := sign(iss, rootCert, &issKey.PublicKey, rootKey)
	if err != nil {
		return fmt.Errorf("pki: init %s: issuing: %w", n, err)
	}
	rootKeyPEM, err := keyPEM(rootKey)
	if err != nil {
		return fmt.Errorf("pki: init %s: %w", n, err)
	}
	issKeyPEM, err := keyPEM(issKey)
	if err != nil {
		return fmt.Errorf("pki: init %s: %w", n, err)
	}
	for _, f := range []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{RootKeyFile, rootKeyPEM, 0o600},
		{IssuingKeyFile, issKeyPEM, 0o600},
		{RootCertFile, certPEM(rootDER), 0o644},
		{IssuingCertFile, certPEM(issDER), 0o644},
	} {
		if err := writeNew(filepath.Join(nd, f.name), f.data, f.perm); err != nil {
			return fmt.Errorf("pki: init %s: %w", n, err)
		}
	}
	return nil
}

// Organization is the O attribute of every certificate of nation n: "trilink JP".
func Organization(n nation.Nation) string { return "trilink " + n.Upper() }

// LeafName is the common name of nation n's leaf-link certificate: "jp-leaf".
// Its subject, "CN=jp-leaf,O=trilink JP", is share.LeafCertSubject(n); the
// link is mapped by LeafDNSName (share.LeafCertUser).
func LeafName(n nation.Nation) string { return n.String() + "-leaf" }

// LeafDNSName is the DNS SAN every leaf-link certificate of nation n
// carries, under the nation's first permitted subtree:
// "leaf.jp.trilink.internal" by default. Name constraints bind it to n,
// which is why verify_and_map maps leaf links by it (share.LeafCertUser).
func (a *Authority) LeafDNSName() string {
	return "leaf." + a.Issuing.PermittedDNSDomains[0]
}

// TrustDomain is the nation's DNS subtree, "jp.trilink.internal" by
// default: the host of its SPIFFE IDs and the first permitted name.
func (a *Authority) TrustDomain() string { return a.Issuing.PermittedDNSDomains[0] }

// SensorURI is the URI SAN of sensor id: a SPIFFE ID (spiffe.io, "SPIFFE-ID")
// such as spiffe://jp.trilink.internal/sensor/radar-1. The host is
// name-constrained to the nation (RFC 5280 §4.2.1.10, uniformResourceIdentifier).
func (a *Authority) SensorURI(id string) string { return spiffeID(a.TrustDomain(), KindSensor, id) }

// UserURI is the URI SAN of a user: spiffe://jp.trilink.internal/user/<name>.
func (a *Authority) UserURI(name string) string { return spiffeID(a.TrustDomain(), KindUser, name) }

func spiffeID(domain string, k Kind, name string) string {
	return "spiffe://" + domain + "/" + k.String() + "/" + name
}

// LoadNation loads nation n's authority from dir/<n>: both CA certificates
// and the issuing key (the root key is not read). It returns an error
// wrapping [ErrNoAuthority] if the nation has no CA there.
func LoadNation(dir string, n nation.Nation) (*Authority, error) {
	if !n.Valid() {
		return nil, fmt.Errorf("pki: load: %w", nation.ErrUnknownNation)
	}
	nd := filepath.Join(dir, n.String())
	if _, err := os.Stat(filepath.Join(nd, IssuingCertFile)); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w for %s in %s", ErrNoAuthority, n, dir)
	}
	root, err := readCert(filepath.Join(nd, RootCertFile))
	if err != nil {
		return nil, fmt.Errorf("pki: load %s: %w", n, err)
	}
	iss, err := readCert(filepath.Join(nd, IssuingCertFile))
	if err != nil {
		return nil, fmt.Errorf("pki: load %s: %w", n, err)
	}
	b, err := os.ReadFile(filepath.Join(nd, IssuingKeyFile))
	if err != nil {
		return nil, fmt.Errorf("pki: load %s: %w", n, err)
	}
	key, err := parseKey(b)
	if err != nil {
		return nil, fmt.Errorf("pki: load %s: %s: %w", n, IssuingKeyFile, err)
	}
	if !publicKeyEqual(key.Public(), iss.PublicKey) {
		return nil, fmt.Errorf("pki: load %s: %s does not match %s", n, IssuingKeyFile, IssuingCertFile)
	}
	if err := iss.CheckSignatureFrom(root); err != nil {
		return nil, fmt.Errorf("pki: load %s: issuing CA is not signed by the root: %w", n, err)
	}
	if got, err := NationOf(root); err != nil || got != n {
		return nil, fmt.Errorf("pki: load %s: %s names nation %q", n, RootCertFile, root.Subject.Organization)
	}
	if len(iss.PermittedDNSDomains) == 0 {
		return nil, fmt.Errorf("pki: load %s: issuing CA has no name constraints", n)
	}
	return &Authority{Nation: n, Root: root, Issuing: iss, dir: nd, key: key}, nil
}

// RequestError is bad input to [Authority.Issue] or [Init]: a name, DNS
// name, kind or validity the caller must change.
type RequestError struct{ Err error }

func (e *RequestError) Error() string { return e.Err.Error() }
func (e *RequestError) Unwrap() error { return e.Err }

func badRequest(format string, a ...any) error { return &RequestError{fmt.Errorf(format, a...)} }

// Request is what [Authority.Issue] certifies.
type Request struct {
	Kind Kind
	// Name is the common name and file name: 1–64 of a–z, 0–9, '-', '_'.
	// For a sensor it is the sensor id. For a leaf it names the file only:
	// the subject is always [LeafName].
	Name string
	// DNSNames and IPs are the SANs (server and leaf). DNS names must lie
	// in the nation's permitted subtrees.
	DNSNames []string
	IPs      []net.IP
	// Validity is how long the certificate is valid; zero means
	// [DefaultValidity]. At most [MaxValidity], and never beyond the issuing CA.
	Validity time.Duration
}

// Issue signs a new certificate and key for req. certPEM holds the
// certificate followed by the issuing CA; keyPEM is the PKCS #8 key. Bad
// input (unknown kind, a bad name, a DNS name outside the nation's
// constraints, a validity out of range) is an error naming the field.
func (a *Authority) Issue(req Request) (certPEMOut, keyPEMOut []byte, err error) {
	tmpl, err := a.template(req)
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: issue: %w", err)
	}
	der, err := sign(tmpl, a.Issuing, &key.PublicKey, a.key)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: issue %s %s: %w", req.Kind, req.Name, err)
	}
	k, err := keyPEM(key)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: issue: %w", err)
	}
	return append(certPEM(der), certPEM(a.Issuing.Raw)...), k, nil
}

func (a *Authority) template(req Request) (*x509.Certificate, error) {
	n := a.Nation
	if !validName.MatchString(req.Name) {
		return nil, badRequest("pki: issue: name %q: want 1–64 of a-z, 0-9, '-', '_', starting with a letter or digit", req.Name)
	}
	for _, d := range req.DNSNames {
		if err := checkDNSName(d); err != nil {
			return nil, badRequest("pki: issue %s: --dns: %w", req.Name, err)
		}
		if !a.permits(d) {
			return nil, badRequest("pki: issue %s: --dns %q: outside %s's name constraints (%s)", req.Name, d, n, strings.Join(a.Issuing.PermittedDNSDomains, ", "))
		}
	}
	for _, ip := range req.IPs {
		if ip == nil || (ip.To4() == nil && len(ip) != net.IPv6len) {
			return nil, badRequest("pki: issue %s: --ip: not an IP address", req.Name)
		}
	}
	validity := req.Validity
	if validity == 0 {
		validity = DefaultValidity
	}
	if validity < time.Hour || validity > MaxValidity {
		return nil, badRequest("pki: issue %s: validity %v: want 1 hour to %d days", req.Name, validity, int(MaxValidity.Hours()/24))
	}
	now := time.Now()
	notAfter := now.Add(validity)
	if notAfter.After(a.Issuing.NotAfter) {
		return nil, badRequest("pki: issue %s: validity ends %s, after %s's issuing CA (%s): renew the CA first",
			req.Name, notAfter.UTC().Format(time.DateOnly), n, a.Issuing.NotAfter.UTC().Format(time.DateOnly))
	}
	t := &x509.Certificate{
		Subject:               pkix.Name{CommonName: req.Name, Organization: []string{Organization(n)}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		DNSNames:              req.DNSNames,
		IPAddresses:           req.IPs,
	}
	switch req.Kind {
	case KindServer:
		if len(req.DNSNames) == 0 && len(req.IPs) == 0 {
			return nil, badRequest("pki: issue server %s: give at least one --dns or --ip", req.Name)
		}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	case KindLeaf:
		t.Subject.CommonName = LeafName(n)
		t.DNSNames = append([]string{a.LeafDNSName()}, req.DNSNames...)
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	case KindSensor, KindUser:
		if len(req.DNSNames) > 0 || len(req.IPs) > 0 {
			return nil, badRequest("pki: issue %s %s: a %s certificate takes no --dns or --ip", req.Kind, req.Name, req.Kind)
		}
		uri := a.SensorURI(req.Name)
		if req.Kind == KindUser {
			uri = a.UserURI(req.Name)
		}
		u, _ := url.Parse(uri)
		t.URIs = []*url.URL{u}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	default:
		return nil, badRequest("pki: issue %s: %w", req.Name, ErrUnknownKind)
	}
	return t, nil
}

// permits reports whether DNS name d lies in a permitted subtree of the
// issuing CA (RFC 5280 §4.2.1.10: the name itself or a subdomain of it).
func (a *Authority) permits(d string) bool {
	d = strings.ToLower(d)
	for _, p := range a.Issuing.PermittedDNSDomains {
		p = strings.ToLower(strings.TrimPrefix(p, "."))
		if d == p || strings.HasSuffix(d, "."+p) {
			return true
		}
	}
	return false
}

// checkDNSName accepts an RFC 1123 host name (LDH labels of 1–63, total at
// most 253), optionally with a leading "*." wildcard label.
func checkDNSName(d string) error {
	name := strings.TrimPrefix(d, "*.")
	if name == "" || len(name) > 253 {
		return fmt.Errorf("%q is not a DNS name", d)
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%q is not a DNS name", d)
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q is not a DNS name", d)
			}
		}
	}
	return nil
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1)) // positive, ≤ 128 bits (RFC 5280 §4.1.2.2)
	return x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseKey(b []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("no PEM PRIVATE KEY")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("key cannot sign")
	}
	return s, nil
}

func publicKeyEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// ParseCertificates decodes every CERTIFICATE block of a PEM file, in order.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("pki: no PEM CERTIFICATE")
	}
	return out, nil
}

func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cs, err := ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs[0], nil
}
