package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
)

// newTestPKI creates the three nations' CAs in a temporary directory.
func newTestPKI(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, n := range nation.Nations {
		if err := pki.Init(dir, n, pki.InitOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func mustLoad(tb testing.TB, dir string, n nation.Nation) *pki.Authority {
	tb.Helper()
	a, err := pki.LoadNation(dir, n)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func mustIssue(tb testing.TB, a *pki.Authority, req pki.Request) (*x509.Certificate, []*x509.Certificate, []byte, []byte) {
	tb.Helper()
	certPEM, keyPEM, err := a.Issue(req)
	if err != nil {
		tb.Fatal(err)
	}
	certs, err := pki.ParseCertificates(certPEM)
	if err != nil {
		tb.Fatal(err)
	}
	return certs[0], certs[1:], certPEM, keyPEM
}

func mustKey(tb testing.TB, path string) crypto.Signer {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return k.(crypto.Signer)
}

// forged describes a certificate made outside Authority.Issue's checks,
// as a dishonest or compromised CA could make it.
type forged struct {
	cn, org string
	dns     []string
	uri     string
	eku     []x509.ExtKeyUsage
}

// forge signs f with the given issuer certificate and key file, returning
// the certificate and PEM (certificate, issuer, key).
func forge(tb testing.TB, f forged, issuer *x509.Certificate, issuerKey crypto.Signer) (*x509.Certificate, []byte, []byte) {
	tb.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	t := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: f.cn, Organization: []string{f.org}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  f.eku,
		DNSNames:     f.dns,
	}
	if f.uri != "" {
		u, _ := url.Parse(f.uri)
		t.URIs = []*url.URL{u}
	}
	der, err := x509.CreateCertificate(rand.Reader, t, issuer, &key.PublicKey, issuerKey)
	if err != nil {
		tb.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issuer.Raw})...)
	return c, certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// forgeIntermediate makes an unconstrained CA signed by nation n's root key.
func forgeIntermediate(tb testing.TB, dir string, n nation.Nation) (*x509.Certificate, crypto.Signer) {
	tb.Helper()
	a := mustLoad(tb, dir, n)
	rootKey := mustKey(tb, filepath.Join(dir, n.String(), pki.RootKeyFile))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	t := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "rogue", Organization: []string{pki.Organization(n)}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, t, a.Root, &key.PublicKey, rootKey)
	if err != nil {
		tb.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}
