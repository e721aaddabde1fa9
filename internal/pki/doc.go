// Package pki is trilink's per-nation public-key infrastructure: for each
// nation (jp, kr, us) an offline-able root CA and an issuing CA, and the
// certificates the federation runs on (DESIGN.md §8, research/nats.md §3.3).
//
// # Authorities
//
// [Init] creates, per nation, a root CA (ECDSA P-256, 10 years, path length
// 1) and an issuing CA signed by it (ECDSA P-256, 3 years, path length 0).
// Both carry critical X.509 name constraints (RFC 5280 §4.2.1.10): DNS names
// are permitted only under "<n>.trilink.internal" (the [InitOptions] domain
// and extra subtrees may widen this at creation). Because Go's verifier, and
// so nats-server, enforces constraints on the trust anchor as well, a
// partner that trusts kr's root accepts from it no DNS name of jp, even if
// kr's root signed another, unconstrained intermediate. IP addresses are not
// constrained: nodes are reached by address in tests and small deployments.
// URI SANs are constrained to the host "<n>.trilink.internal": sensor and
// user identities are SPIFFE IDs (spiffe.io) in that trust domain. (A URN
// such as urn:trilink:sensor:jp:x cannot be used: Go's verifier, since 1.26,
// rejects any host-less URI under a name-constrained CA.) [SensorIdentity]
// and the TLS configurations of this package check, besides, that the
// nation in an ID is the nation of the root the chain ends at.
//
// [LoadNation] loads an [Authority]: both CA certificates and the issuing
// key only. The root key is needed by nothing but Init and may be moved
// offline after it.
//
// # Certificates
//
// [Authority.Issue] makes a certificate of one [Kind] (ECDSA P-256, 90
// days by default, never beyond the issuing CA). Every subject is
// "CN=<name>,O=trilink <N>" (RFC 2253 order, as Go and nats-server print
// it), which [NationOf] reads back:
//
//   - [KindServer]: serverAuth and clientAuth (a NATS route authenticates
//     both ways), DNS and IP SANs, at least one required.
//   - [KindLeaf]: the link between nations. Subject
//     "CN=<n>-leaf,O=trilink <N>" and DNS SAN "leaf.<n>.trilink.internal",
//     the name nats-server's verify_and_map maps to the partner's border
//     account (share.LeafCertUser: name-constrained, so only n's CA can
//     issue it), and the nation's leaf host names; serverAuth and
//     clientAuth, since the same file serves the accepting and the
//     soliciting side.
//   - [KindSensor]: clientAuth, URI SAN
//     "spiffe://<n>.trilink.internal/sensor/<id>": a node lets a sensor
//     publish only as that nation and id ([SensorIdentity]).
//   - [KindUser]: clientAuth, URI SAN "spiffe://<n>.trilink.internal/user/<name>".
//
// Certificate files hold the certificate followed by the issuing CA, so a
// peer that trusts only the root can build the chain. Rotation without
// downtime is issuing a new certificate while the old one is still valid
// ([IssueOptions.Rotate] keeps the old pair under retired/).
//
// # Files
//
//	DIR/<n>/               0700
//	  root.pem             root CA certificate (0644)
//	  root-key.pem         root CA key, PKCS #8 (0600) — move offline
//	  issuing.pem          issuing CA certificate (0644)
//	  issuing-key.pem      issuing CA key (0600)
//	  <kind>/<name>.pem    certificate + issuing CA (0644)
//	  <kind>/<name>-key.pem   key (0600)
//	  <kind>/retired/<name>-<serial>.pem, -key.pem   rotated-out pairs
//
// [Deploy] writes the files one NATS server reads, under the names
// share.ProductionOptions.CertDir expects (/etc/trilink/pki): leaf.pem,
// leaf-key.pem, partners-ca.pem (the partners' roots), route.pem,
// route-key.pem and ca.pem (the nation's own root).
//
// # Trust between nations
//
// [ServerTLSConfig] and [ClientTLSConfig] require TLS 1.3 and a peer
// certificate that chains to one of the given [Roots], and then check that
// the nation the certificate names (its O, and a URN's nation) is the nation
// whose root it chains to: a cert of kr's CA that claims to be jp is
// refused. nats-server's verify_and_map has no such check — any CA in a
// ca_file may issue any subject — which is why a partner should map leaf
// links by the name-constrained DNS SAN rather than by subject.
package pki
