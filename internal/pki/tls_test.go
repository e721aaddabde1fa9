package pki_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
)

func keyPair(tb testing.TB, certPEM, keyPEM []byte) tls.Certificate {
	tb.Helper()
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// handshake runs one TLS handshake over 127.0.0.1 and returns the server's
// and the client's errors, and the client's view of the connection.
func handshake(t *testing.T, srv, cli *tls.Config) (serverErr, clientErr error, cs tls.ConnectionState) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Server(c, srv)
		err = tc.Handshake()
		if err == nil {
			// TLS 1.3 finishes client authentication after the client's
			// Handshake returns: read to learn the outcome on both sides.
			buf := make([]byte, 1)
			if _, err = tc.Read(buf); err == nil {
				_, err = tc.Write(buf)
			}
		}
		done <- err
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(c, cli)
	clientErr = tc.Handshake()
	if clientErr == nil {
		buf := []byte{1}
		if _, clientErr = tc.Write(buf); clientErr == nil {
			_, clientErr = tc.Read(buf)
		}
		cs = tc.ConnectionState()
	}
	return <-done, clientErr, cs
}

func TestMutualTLS(t *testing.T) {
	dir := newTestPKI(t)
	jp, kr, us := mustLoad(t, dir, nation.JP), mustLoad(t, dir, nation.KR), mustLoad(t, dir, nation.US)
	all, _ := pki.LoadRoots(dir)
	jpRoot, _ := pki.LoadRoots(dir, nation.JP)
	krRoot, _ := pki.LoadRoots(dir, nation.KR)

	const jpName = "nats-1.jp.trilink.internal"
	_, _, jpSrvPEM, jpSrvKey := mustIssue(t, jp, pki.Request{Kind: pki.KindServer, Name: "nats-1", DNSNames: []string{jpName}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	jpServer := keyPair(t, jpSrvPEM, jpSrvKey)
	_, _, krLeafPEM, krLeafKey := mustIssue(t, kr, pki.Request{Kind: pki.KindLeaf, Name: "leaf"})
	krLeaf := keyPair(t, krLeafPEM, krLeafKey)
	_, _, usLeafPEM, usLeafKey := mustIssue(t, us, pki.Request{Kind: pki.KindLeaf, Name: "leaf"})
	usLeaf := keyPair(t, usLeafPEM, usLeafKey)
	_, _, krSensorPEM, krSensorKey := mustIssue(t, kr, pki.Request{Kind: pki.KindSensor, Name: "radar-1"})
	krSensor := keyPair(t, krSensorPEM, krSensorKey)

	usIss := mustKey(t, filepath.Join(dir, "us", pki.IssuingKeyFile))
	// us's CA issues a server certificate that claims to be jp, with a name in
	// us's own subtree (so the name constraints pass) ...
	_, fakeJPPEM, fakeJPKey := forge(t, forged{cn: "nats-1", org: "trilink JP", dns: []string{"nats-1.us.trilink.internal"},
		eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}, us.Issuing, usIss)
	fakeJP := keyPair(t, fakeJPPEM, fakeJPKey)
	// ... and one for jp's own server name.
	_, fakeNamePEM, fakeNameKey := forge(t, forged{cn: "nats-1", org: "trilink US", dns: []string{jpName},
		eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, us.Issuing, usIss)
	fakeName := keyPair(t, fakeNamePEM, fakeNameKey)
	// A kr leaf certificate claiming to be us's leaf link.
	krIss := mustKey(t, filepath.Join(dir, "kr", pki.IssuingKeyFile))
	_, fakeUSLeafPEM, fakeUSLeafKey := forge(t, forged{cn: pki.LeafName(nation.US), org: pki.Organization(nation.US), dns: []string{"leaf.kr.trilink.internal"},
		eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}, kr.Issuing, krIss)
	fakeUSLeaf := keyPair(t, fakeUSLeafPEM, fakeUSLeafKey)

	for _, tt := range []struct {
		name       string
		srv        *tls.Config
		cli        *tls.Config
		wantErr    string // in the server's or the client's error; "" for success
		wantClient string // the client subject the server saw
	}{
		{name: "jp_server_kr_leaf", srv: pki.ServerTLSConfig(jpServer, krRoot), cli: pki.ClientTLSConfig(krLeaf, jpRoot, jpName)},
		{name: "jp_server_kr_leaf_all_roots", srv: pki.ServerTLSConfig(jpServer, all), cli: pki.ClientTLSConfig(krLeaf, all, jpName)},
		{name: "jp_server_kr_sensor", srv: pki.ServerTLSConfig(jpServer, all), cli: pki.ClientTLSConfig(krSensor, jpRoot, "127.0.0.1")},
		{name: "client_of_untrusted_nation", srv: pki.ServerTLSConfig(jpServer, krRoot), cli: pki.ClientTLSConfig(usLeaf, jpRoot, jpName),
			wantErr: "certificate"},
		{name: "no_client_certificate", srv: pki.ServerTLSConfig(jpServer, krRoot), cli: pki.ClientTLSConfig(tls.Certificate{}, jpRoot, jpName),
			wantErr: "certificate"},
		{name: "kr_leaf_claims_us", srv: pki.ServerTLSConfig(jpServer, all), cli: pki.ClientTLSConfig(fakeUSLeaf, jpRoot, jpName),
			wantErr: "does not chain to us's root"},
		{name: "us_ca_cert_presented_as_jp", srv: pki.ServerTLSConfig(fakeJP, krRoot), cli: pki.ClientTLSConfig(krLeaf, all, "nats-1.us.trilink.internal"),
			wantErr: "does not chain to jp's root"},
		{name: "us_ca_cert_for_jp_name", srv: pki.ServerTLSConfig(fakeName, krRoot), cli: pki.ClientTLSConfig(krLeaf, all, jpName),
			wantErr: "not authorized to sign for this name"},
		{name: "server_of_untrusted_nation", srv: pki.ServerTLSConfig(jpServer, krRoot), cli: pki.ClientTLSConfig(krLeaf, krRoot, jpName),
			wantErr: "unknown authority"},
		{name: "wrong_server_name", srv: pki.ServerTLSConfig(jpServer, krRoot), cli: pki.ClientTLSConfig(krLeaf, jpRoot, "nats-2.jp.trilink.internal"),
			wantErr: "valid for nats-1.jp.trilink.internal, not nats-2"},
		{name: "tls12_refused", srv: pki.ServerTLSConfig(jpServer, krRoot), cli: func() *tls.Config {
			c := pki.ClientTLSConfig(krLeaf, jpRoot, jpName)
			c.MinVersion, c.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
			return c
		}(), wantErr: "version"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			if tt.srv.VerifyConnection != nil {
				inner := tt.srv.VerifyConnection
				tt.srv.VerifyConnection = func(cs tls.ConnectionState) error {
					if len(cs.PeerCertificates) > 0 {
						seen = cs.PeerCertificates[0].Subject.String()
					}
					return inner(cs)
				}
			}
			serr, cerr, cs := handshake(t, tt.srv, tt.cli)
			if tt.wantErr == "" {
				if serr != nil || cerr != nil {
					t.Fatalf("server %v, client %v; want success", serr, cerr)
				}
				if cs.Version != tls.VersionTLS13 {
					t.Errorf("version %x, want TLS 1.3", cs.Version)
				}
				if len(tt.cli.Certificates) > 0 && seen != tt.cli.Certificates[0].Leaf.Subject.String() {
					t.Errorf("server saw client %q, want %q", seen, tt.cli.Certificates[0].Leaf.Subject)
				}
				return
			}
			if serr == nil && cerr == nil {
				t.Fatal("handshake succeeded, want it refused")
			}
			msg := errors.Join(serr, cerr).Error()
			if !strings.Contains(msg, tt.wantErr) {
				t.Errorf("got %q, want an error containing %q", msg, tt.wantErr)
			}
		})
	}
}

func TestServerTLSConfigWithoutClients(t *testing.T) {
	jp := mustLoad(t, newTestPKI(t), nation.JP)
	_, _, p, k := mustIssue(t, jp, pki.Request{Kind: pki.KindServer, Name: "console", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	c := pki.ServerTLSConfig(keyPair(t, p, k), nil)
	if c.ClientAuth != tls.NoClientCert || c.MinVersion != tls.VersionTLS13 {
		t.Errorf("ClientAuth %v MinVersion %x, want no client certificate, TLS 1.3", c.ClientAuth, c.MinVersion)
	}
}
