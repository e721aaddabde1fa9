package cot_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/cot"
	"github.com/trilink/trilink/internal/cot/cottest"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate.
type testPKI struct {
	pool           *x509.CertPool
	server, client tls.Certificate
}

func newTestPKI(tb testing.TB) testPKI {
	tb.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	now := time.Now()
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, ip net.IP) tls.Certificate {
		k := key()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		if ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			tb.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testPKI{pool: pool,
		server: issue(2, "gateway", x509.ExtKeyUsageServerAuth, net.ParseIP("127.0.0.1")),
		client: issue(3, "atak-1", x509.ExtKeyUsageClientAuth, nil)}
}

func TestServeTLS(t *testing.T) {
	pki := newTestPKI(t)
	s := cot.NewServer(cot.Options{})
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ServeTLS(ln, &tls.Config{Certificates: []tls.Certificate{pki.server}}); err == nil {
		t.Fatal("ServeTLS without client certificates: no error")
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: pki.pool, MinVersion: tls.VersionTLS12}
	go func() { _ = s.ServeTLS(ln, cfg) }()
	s.Update(picture(salvo(1), t0.Add(300*time.Second), false))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := cottest.Dial(ctx, ln.Addr().String(), &tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Negotiate(ctx); err != nil {
		t.Fatal(err)
	}
	pic := cottest.Picture{}
	collect(t, c, pic, size(4))

	// Without a client certificate the server ends the connection.
	anon, err := cottest.Dial(ctx, ln.Addr().String(), &tls.Config{RootCAs: pki.pool})
	if err == nil {
		defer anon.Close()
		if _, err = anon.Next(ctx); err == nil {
			t.Fatal("a client without a certificate got an event")
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not end the connection: %v", err)
	}
	checkFor(t, time.Second, func() error {
		if st := s.Stats(); st.Refused != 1 || st.Accepted != 1 {
			return fmt.Errorf("refused %d, accepted %d; want 1 and 1", st.Refused, st.Accepted)
		}
		return nil
	})
}
