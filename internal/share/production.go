package share

import (
	"fmt"
	"path/filepath"
)

// ProductionOptions describe the national clusters of a production
// federation. Every nation runs three servers (JetStream R3); partners are
// linked by leaf connections over mTLS and authenticated by certificate.
type ProductionOptions struct {
	// Domain is the DNS suffix of the servers: server i of nation n is
	// "nats-<i>.<n>.<Domain>". Empty means "trilink.internal".
	Domain string
	// StoreDir is the JetStream store on every server; empty means
	// "/var/lib/trilink/nats".
	StoreDir string
	// CertDir holds each server's certificate files: leaf.pem, leaf-key.pem
	// and partners-ca.pem for the links between nations, route.pem,
	// route-key.pem and ca.pem (the nation's own CA) for the routes inside
	// its cluster. Empty means "/etc/trilink/pki".
	CertDir string
}

// ProductionFederation returns the production description. Secrets are
// environment references that nats-server expands at start
// ($TRILINK_<N>_APP_PASSWORD, $TRILINK_<N>_SYS_PASSWORD): no secret is
// written into a config file.
func ProductionFederation(o ProductionOptions) *Federation {
	if o.Domain == "" {
		o.Domain = "trilink.internal"
	}
	if o.StoreDir == "" {
		o.StoreDir = "/var/lib/trilink/nats"
	}
	if o.CertDir == "" {
		o.CertDir = "/etc/trilink/pki"
	}
	f := &Federation{}
	for _, n := range Nations {
		// Hosts live in the nation's own subtree, the one its CA is
		// name-constrained to (internal/pki).
		host := func(i int) string { return fmt.Sprintf("nats-%d.%s.%s", i, n, o.Domain) }
		spec := NationSpec{
			Nation:      n,
			AppPassword: "$TRILINK_" + n.Upper() + "_APP_PASSWORD",
			SysPassword: "$TRILINK_" + n.Upper() + "_SYS_PASSWORD",
			MaxMemory:   1 << 30,
			MaxStore:    200 << 30,
			TLS: &LeafTLS{
				CertFile:        filepath.Join(o.CertDir, "leaf.pem"),
				KeyFile:         filepath.Join(o.CertDir, "leaf-key.pem"),
				CAFile:          filepath.Join(o.CertDir, "partners-ca.pem"),
				PartnerSubjects: map[Nation]string{},
			},
		}
		spec.ClusterTLS = &LeafTLS{
			CertFile: filepath.Join(o.CertDir, "route.pem"),
			KeyFile:  filepath.Join(o.CertDir, "route-key.pem"),
			CAFile:   filepath.Join(o.CertDir, "ca.pem"),
		}
		var routes []string
		for i := 1; i <= 3; i++ {
			routes = append(routes, fmt.Sprintf("nats-route://%s:6222", host(i)))
			spec.LeafURLs = append(spec.LeafURLs, fmt.Sprintf("nats-leaf://%s:7422", host(i)))
		}
		for i := 1; i <= 3; i++ {
			spec.Servers = append(spec.Servers, ServerSpec{
				Name: fmt.Sprintf("%s-%d", n, i), Host: "0.0.0.0",
				ClientPort: 4222, LeafPort: 7422, ClusterPort: 6222, HTTPPort: 8222,
				Routes: routes, StoreDir: o.StoreDir,
			})
		}
		for _, p := range n.Partners() {
			spec.TLS.PartnerSubjects[p] = LeafCertUser(p, o.Domain)
		}
		f.Nations = append(f.Nations, spec)
	}
	return f
}

// LeafCertSubject is the subject (RFC 2253) of nation n's leaf-link
// certificate. It is not what maps the link to an account: see LeafCertUser.
func LeafCertSubject(n Nation) string { return "CN=" + n.String() + "-leaf,O=trilink " + n.Upper() }

// LeafCertUser is the name verify_and_map maps nation n's leaf link by: the
// DNS SAN "leaf.<n>.<domain>" of its certificate. nats-server tries a
// certificate's e-mail addresses, then its DNS names, then its subject; a
// subject can be written by any CA in partners-ca.pem, but a DNS name in
// n's subtree only by n's CA, whose name constraints (internal/pki) bind it
// there — so a partner cannot present itself as another.
func LeafCertUser(n Nation, domain string) string { return "leaf." + n.String() + "." + domain }
