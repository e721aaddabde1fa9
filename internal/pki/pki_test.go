package pki_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
	"github.com/trilink/trilink/internal/share"
)

func TestInitCAs(t *testing.T) {
	dir := newTestPKI(t)
	for _, n := range nation.Nations {
		a := mustLoad(t, dir, n)
		if !a.Root.IsCA || a.Root.MaxPathLen != 1 {
			t.Errorf("%s root: IsCA %v MaxPathLen %d, want true 1", n, a.Root.IsCA, a.Root.MaxPathLen)
		}
		if !a.Issuing.IsCA || a.Issuing.MaxPathLen != 0 || !a.Issuing.MaxPathLenZero {
			t.Errorf("%s issuing: path length %d (zero %v), want 0", n, a.Issuing.MaxPathLen, a.Issuing.MaxPathLenZero)
		}
		want := n.String() + ".trilink.internal"
		for _, c := range []*x509.Certificate{a.Root, a.Issuing} {
			if len(c.PermittedDNSDomains) != 1 || c.PermittedDNSDomains[0] != want || !c.PermittedDNSDomainsCritical {
				t.Errorf("%s %s: permitted DNS %v (critical %v), want [%s] critical", n, c.Subject.CommonName, c.PermittedDNSDomains, c.PermittedDNSDomainsCritical, want)
			}
			if got := c.PublicKeyAlgorithm; got != x509.ECDSA {
				t.Errorf("%s: key algorithm %v, want ECDSA", c.Subject, got)
			}
		}
		if d := a.Root.NotAfter.Sub(a.Root.NotBefore); d < pki.RootValidity {
			t.Errorf("%s root valid %v, want ≥ %v", n, d, pki.RootValidity)
		}
		if d := a.Issuing.NotAfter.Sub(a.Issuing.NotBefore); d < pki.IssuingValidity || d > pki.IssuingValidity+time.Hour {
			t.Errorf("%s issuing valid %v, want %v", n, d, pki.IssuingValidity)
		}
		if err := a.Issuing.CheckSignatureFrom(a.Root); err != nil {
			t.Errorf("%s: issuing CA not signed by root: %v", n, err)
		}
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := newTestPKI(t)
	before, _ := os.ReadFile(filepath.Join(dir, "jp", pki.IssuingKeyFile))
	err := pki.Init(dir, nation.JP, pki.InitOptions{})
	if !errors.Is(err, pki.ErrExists) || !strings.Contains(err.Error(), "jp") {
		t.Fatalf("second Init: got %v, want ErrExists naming jp", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "jp", pki.IssuingKeyFile))
	if !bytes.Equal(before, after) {
		t.Error("second Init changed the issuing key")
	}
	// One file present is enough to refuse.
	dir2 := t.TempDir()
	os.MkdirAll(filepath.Join(dir2, "kr"), 0o700)
	os.WriteFile(filepath.Join(dir2, "kr", pki.RootKeyFile), []byte("x"), 0o600)
	if err := pki.Init(dir2, nation.KR, pki.InitOptions{}); !errors.Is(err, pki.ErrExists) {
		t.Errorf("Init over a stray root key: got %v, want ErrExists", err)
	}
}

func TestFilePermissions(t *testing.T) {
	dir := newTestPKI(t)
	a := mustLoad(t, dir, nation.JP)
	if _, _, err := a.IssueFile(pki.Request{Kind: pki.KindSensor, Name: "radar-1"}, pki.IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.IssueFile(pki.Request{Kind: pki.KindSensor, Name: "radar-1"}, pki.IssueOptions{Rotate: true}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	err := filepath.WalkDir(filepath.Join(dir, "jp"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		var want fs.FileMode
		switch {
		case d.IsDir():
			want, seen["dir"] = 0o700, seen["dir"]+1
		case strings.HasSuffix(p, "-key.pem"):
			want, seen["key"] = 0o600, seen["key"]+1
		default:
			want, seen["cert"] = 0o644, seen["cert"]+1
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// jp, jp/sensor, jp/sensor/retired; root, issuing and 2 sensor pairs.
	if seen["dir"] != 3 || seen["key"] != 4 || seen["cert"] != 4 {
		t.Errorf("walked %v, want 3 dirs, 4 keys, 4 certs", seen)
	}
}

func TestIssue(t *testing.T) {
	dir := newTestPKI(t)
	jp := mustLoad(t, dir, nation.JP)
	roots, err := pki.LoadRoots(dir)
	if err != nil {
		t.Fatal(err)
	}
	server, client := x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth
	for _, tt := range []struct {
		name     string
		req      pki.Request
		subject  string
		dns      []string
		uri      string
		eku      []x509.ExtKeyUsage
		validity time.Duration
		wantErr  string
	}{
		{name: "server", req: pki.Request{Kind: pki.KindServer, Name: "nats-1", DNSNames: []string{"nats-1.jp.trilink.internal"}, IPs: []net.IP{net.ParseIP("127.0.0.1")}},
			subject: "CN=nats-1,O=trilink JP", dns: []string{"nats-1.jp.trilink.internal"}, eku: []x509.ExtKeyUsage{server, client}, validity: pki.DefaultValidity},
		{name: "server_wildcard", req: pki.Request{Kind: pki.KindServer, Name: "edge", DNSNames: []string{"*.edge.jp.trilink.internal"}},
			subject: "CN=edge,O=trilink JP", dns: []string{"*.edge.jp.trilink.internal"}, eku: []x509.ExtKeyUsage{server, client}, validity: pki.DefaultValidity},
		{name: "leaf", req: pki.Request{Kind: pki.KindLeaf, Name: "leaf", DNSNames: []string{"nats-1.jp.trilink.internal"}},
			subject: share.LeafCertSubject(nation.JP), dns: []string{"leaf.jp.trilink.internal", "nats-1.jp.trilink.internal"}, eku: []x509.ExtKeyUsage{server, client}, validity: pki.DefaultValidity},
		{name: "sensor", req: pki.Request{Kind: pki.KindSensor, Name: "radar-1", Validity: 30 * 24 * time.Hour},
			subject: "CN=radar-1,O=trilink JP", uri: "spiffe://jp.trilink.internal/sensor/radar-1", eku: []x509.ExtKeyUsage{client}, validity: 30 * 24 * time.Hour},
		{name: "user", req: pki.Request{Kind: pki.KindUser, Name: "watch_officer-2"},
			subject: "CN=watch_officer-2,O=trilink JP", uri: "spiffe://jp.trilink.internal/user/watch_officer-2", eku: []x509.ExtKeyUsage{client}, validity: pki.DefaultValidity},

		{name: "unknown_kind", req: pki.Request{Kind: pki.Kind(9), Name: "x"}, wantErr: "unknown kind"},
		{name: "zero_kind", req: pki.Request{Name: "x"}, wantErr: "unknown kind"},
		{name: "bad_name", req: pki.Request{Kind: pki.KindSensor, Name: "Radar 1"}, wantErr: `name "Radar 1"`},
		{name: "empty_name", req: pki.Request{Kind: pki.KindSensor}, wantErr: `name ""`},
		{name: "bad_dns", req: pki.Request{Kind: pki.KindServer, Name: "s", DNSNames: []string{"bad_name!.jp.trilink.internal"}}, wantErr: "is not a DNS name"},
		{name: "dns_label_dash", req: pki.Request{Kind: pki.KindServer, Name: "s", DNSNames: []string{"-x.jp.trilink.internal"}}, wantErr: "is not a DNS name"},
		{name: "dns_outside_constraints", req: pki.Request{Kind: pki.KindServer, Name: "s", DNSNames: []string{"nats-1.kr.trilink.internal"}}, wantErr: "outside jp's name constraints"},
		{name: "dns_lookalike", req: pki.Request{Kind: pki.KindServer, Name: "s", DNSNames: []string{"eviljp.trilink.internal"}}, wantErr: "outside jp's name constraints"},
		{name: "server_without_san", req: pki.Request{Kind: pki.KindServer, Name: "s"}, wantErr: "at least one --dns or --ip"},
		{name: "sensor_with_dns", req: pki.Request{Kind: pki.KindSensor, Name: "s", DNSNames: []string{"s.jp.trilink.internal"}}, wantErr: "takes no --dns"},
		{name: "too_long", req: pki.Request{Kind: pki.KindSensor, Name: "s", Validity: 400 * 24 * time.Hour}, wantErr: "want 1 hour to 397 days"},
		{name: "too_short", req: pki.Request{Kind: pki.KindSensor, Name: "s", Validity: time.Minute}, wantErr: "want 1 hour to 397 days"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			certPEM, keyPEM, err := jp.Issue(tt.req)
			if tt.wantErr != "" {
				var re *pki.RequestError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &re) {
					t.Fatalf("got %v, want a RequestError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(keyPEM, []byte("PRIVATE KEY")) {
				t.Error("no private key PEM")
			}
			certs, err := pki.ParseCertificates(certPEM)
			if err != nil || len(certs) != 2 || !certs[1].Equal(jp.Issuing) {
				t.Fatalf("certificate file: %d certs (%v), want the certificate and the issuing CA", len(certs), err)
			}
			c := certs[0]
			if got := c.Subject.String(); got != tt.subject {
				t.Errorf("subject %q, want %q", got, tt.subject)
			}
			if got := c.Subject.ToRDNSequence().String(); got != tt.subject {
				t.Errorf("RDN sequence (what verify_and_map matches) %q, want %q", got, tt.subject)
			}
			if strings.Join(c.DNSNames, ",") != strings.Join(tt.dns, ",") {
				t.Errorf("DNS SANs %v, want %v", c.DNSNames, tt.dns)
			}
			var uri string
			if len(c.URIs) == 1 {
				uri = c.URIs[0].String()
			}
			if uri != tt.uri || len(c.URIs) > 1 {
				t.Errorf("URI SANs %v, want %q", c.URIs, tt.uri)
			}
			if len(c.ExtKeyUsage) != len(tt.eku) {
				t.Errorf("EKU %v, want %v", c.ExtKeyUsage, tt.eku)
			}
			if c.IsCA || c.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("IsCA %v KeyUsage %v, want an end-entity signing key", c.IsCA, c.KeyUsage)
			}
			if d := c.NotAfter.Sub(c.NotBefore); d < tt.validity || d > tt.validity+10*time.Minute {
				t.Errorf("validity %v, want %v (+ backdating)", d, tt.validity)
			}
			if pki.KindOf(c) != tt.req.Kind {
				t.Errorf("KindOf = %v, want %v", pki.KindOf(c), tt.req.Kind)
			}
			for _, u := range tt.eku {
				if n, chain, err := roots.Verify(c, certs[1:], u, time.Now()); err != nil || n != nation.JP || len(chain) != 3 {
					t.Errorf("Verify for %v: nation %v, chain %d, %v; want jp, 3, nil", u, n, len(chain), err)
				}
			}
		})
	}
}

func TestIssueSerialsDiffer(t *testing.T) {
	jp := mustLoad(t, newTestPKI(t), nation.JP)
	a, _, _, _ := mustIssue(t, jp, pki.Request{Kind: pki.KindSensor, Name: "s"})
	b, _, _, _ := mustIssue(t, jp, pki.Request{Kind: pki.KindSensor, Name: "s"})
	if a.SerialNumber.Cmp(b.SerialNumber) == 0 || a.SerialNumber.Sign() <= 0 || a.SerialNumber.BitLen() > 128 {
		t.Errorf("serials %x and %x: want distinct, positive, ≤ 128 bits", a.SerialNumber, b.SerialNumber)
	}
}

func TestLeafSubjectMatchesFederation(t *testing.T) {
	dir := newTestPKI(t)
	for _, n := range nation.Nations {
		c, _, _, _ := mustIssue(t, mustLoad(t, dir, n), pki.Request{Kind: pki.KindLeaf, Name: "leaf"})
		if got, want := c.Subject.ToRDNSequence().String(), share.LeafCertSubject(n); got != want {
			t.Errorf("%s leaf subject %q, want share.LeafCertSubject %q", n, got, want)
		}
	}
}

// TestNameConstraints checks that a certificate for a name outside its
// nation's subtree fails verification, even when a CA signs it anyway.
func TestNameConstraints(t *testing.T) {
	dir := newTestPKI(t)
	roots, _ := pki.LoadRoots(dir)
	kr := mustLoad(t, dir, nation.KR)
	krIssKey := mustKey(t, filepath.Join(dir, "kr", pki.IssuingKeyFile))
	rogue, rogueKey := forgeIntermediate(t, dir, nation.KR)
	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	for _, tt := range []struct {
		name    string
		f       forged
		issuer  *x509.Certificate
		key     crypto.Signer
		usage   x509.ExtKeyUsage
		wantErr string
	}{
		{name: "own_name", f: forged{cn: "s", org: "trilink KR", dns: []string{"s.kr.trilink.internal"}, eku: server},
			issuer: kr.Issuing, key: krIssKey, usage: x509.ExtKeyUsageServerAuth},
		{name: "partner_dns", f: forged{cn: "s", org: "trilink KR", dns: []string{"nats-1.jp.trilink.internal"}, eku: server},
			issuer: kr.Issuing, key: krIssKey, usage: x509.ExtKeyUsageServerAuth, wantErr: "not authorized to sign for this name"},
		{name: "unrelated_dns", f: forged{cn: "s", org: "trilink KR", dns: []string{"example.com"}, eku: server},
			issuer: kr.Issuing, key: krIssKey, usage: x509.ExtKeyUsageServerAuth, wantErr: "not authorized to sign for this name"},
		{name: "partner_sensor_id", f: forged{cn: "radar-1", org: "trilink KR", uri: "spiffe://jp.trilink.internal/sensor/radar-1", eku: server[1:]},
			issuer: kr.Issuing, key: krIssKey, usage: x509.ExtKeyUsageClientAuth, wantErr: "not authorized to sign for this name"},
		{name: "claims_partner_nation", f: forged{cn: "jp-leaf", org: "trilink JP", dns: []string{"x.kr.trilink.internal"}, eku: server},
			issuer: kr.Issuing, key: krIssKey, usage: x509.ExtKeyUsageServerAuth, wantErr: "does not chain to jp's root"},
		// The root's own constraints bind even an intermediate it signed without any.
		{name: "rogue_intermediate_partner_dns", f: forged{cn: "s", org: "trilink KR", dns: []string{"nats-1.jp.trilink.internal"}, eku: server},
			issuer: rogue, key: rogueKey, usage: x509.ExtKeyUsageServerAuth, wantErr: "not authorized to sign for this name"},
		{name: "wrong_purpose", f: forged{cn: "s", org: "trilink KR", uri: "spiffe://kr.trilink.internal/sensor/s", eku: server[1:]},
			issuer: kr.Issuing, key: krIssKey, usage: x509.ExtKeyUsageServerAuth, wantErr: "incompatible key usage"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := forge(t, tt.f, tt.issuer, tt.key)
			_, _, err := roots.Verify(c, []*x509.Certificate{tt.issuer}, tt.usage, time.Now())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want it verified", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
