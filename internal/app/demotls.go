package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
)

// Names of the demo's own TLS material under DATA/demo/pki.
const (
	demoConsoleCert = "console" // jp's server certificate for localhost and 127.0.0.1
)

// demoPKI makes, on the first start with --tls, the three nations' CAs
// under dir (JP's may also issue "localhost", for the console) and JP's
// certificate for the console; later starts reuse them. It returns the
// console's key pair and the nations' roots.
func demoPKI(dir string) (tls.Certificate, pki.Roots, error) {
	for _, n := range nation.Nations {
		o := pki.InitOptions{}
		if n == nation.JP {
			o.PermitDNS = []string{"localhost"}
		}
		if err := pki.Init(dir, n, o); err != nil && !errors.Is(err, pki.ErrExists) {
			return tls.Certificate{}, nil, err
		}
	}
	certFile := filepath.Join(dir, "jp", pki.KindServer.String(), demoConsoleCert+".pem")
	keyFile := filepath.Join(dir, "jp", pki.KindServer.String(), demoConsoleCert+"-key.pem")
	if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
		a, err := pki.LoadNation(dir, nation.JP)
		if err != nil {
			return tls.Certificate{}, nil, err
		}
		if _, _, err := a.IssueFile(pki.Request{Kind: pki.KindServer, Name: demoConsoleCert, DNSNames: []string{"localhost"},
			IPs: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}}, pki.IssueOptions{}); err != nil {
			return tls.Certificate{}, nil, err
		}
	}
	kp, err := pki.KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	if leaf := kp.Leaf; leaf != nil && time.Until(leaf.NotAfter) < 7*24*time.Hour {
		return tls.Certificate{}, nil, fmt.Errorf("demo: %s expires %s; remove it to have a new one made", certFile, leaf.NotAfter.Format(time.DateOnly))
	}
	roots, err := pki.LoadRoots(dir)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return kp, roots, nil
}

// startSensorGate builds the demo's sensor gate over its PKI and its
// nations' publishers, and the HTTPS configuration that asks clients for a
// certificate (sensors) without requiring one (browsers).
func startSensorGate(ctx context.Context, dir string, sys *System, log *slog.Logger) (*SensorGate, *tls.Config, error) {
	cert, roots, err := demoPKI(dir)
	if err != nil {
		return nil, nil, err
	}
	rev, err := pki.LoadRevocations(dir)
	if err != nil {
		return nil, nil, err
	}
	// Revocations take effect within a second, on open connections too.
	go rev.Watch(ctx, time.Second, func(err error) { log.Warn("revocations", "err", err) })
	g := &SensorGate{Roots: roots, Revoked: rev, Ingest: NewIngest(sensor.DefaultNetwork()), Pubs: map[nation.Nation]*share.Publisher{}}
	for _, n := range sys.Nodes {
		g.Pubs[n.Nation] = n.Pub
	}
	tc := &tls.Config{
		MinVersion:       tls.VersionTLS12,
		Certificates:     []tls.Certificate{cert},
		ClientAuth:       tls.VerifyClientCertIfGiven,
		ClientCAs:        roots.Pool(),
		VerifyConnection: g.VerifyConnection,
	}
	return g, tc, nil
}
