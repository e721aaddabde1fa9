package pki_test

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
	"github.com/trilink/trilink/internal/share"
)

// The three nations' servers, configured by share with mTLS leaf links and
// given certificates from this package (pki deploy), link up: each accepting
// side maps the partner's certificate to its border account by the
// name-constrained DNS SAN (share.LeafCertUser). When the accepting side
// expects a name the certificate does not carry, that link stays down.
func TestLeafLinksWithIssuedCertificates(t *testing.T) {
	for _, tc := range []struct {
		name    string
		swap    bool // us expects another name for jp
		wantAll bool
	}{
		{"mapped by DNS name", false, true},
		{"wrong mapping refused", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkiDir, data := t.TempDir(), t.TempDir()
			fed, err := share.LoopbackFederation(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range nation.Nations {
				if err := pki.Init(pkiDir, n, pki.InitOptions{}); err != nil {
					t.Fatal(err)
				}
				a, err := pki.LoadNation(pkiDir, n)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range []pki.Kind{pki.KindLeaf, pki.KindServer} {
					name := map[pki.Kind]string{pki.KindLeaf: "leaf", pki.KindServer: "route"}[k]
					if _, _, err := a.IssueFile(pki.Request{Kind: k, Name: name, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}, pki.IssueOptions{}); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, n := range nation.Nations {
				out := filepath.Join(pkiDir, "deploy", n.String())
				if _, err := pki.Deploy(pkiDir, n, out, pki.DeployOptions{Leaf: "leaf", Route: "route"}); err != nil {
					t.Fatal(err)
				}
				spec := fed.Spec(n)
				spec.TLS = &share.LeafTLS{CertFile: filepath.Join(out, pki.DeployLeafCert), KeyFile: filepath.Join(out, pki.DeployLeafKey),
					CAFile: filepath.Join(out, pki.DeployPartnersCA), PartnerSubjects: map[share.Nation]string{}}
				for _, p := range n.Partners() {
					spec.TLS.PartnerSubjects[p] = share.LeafCertUser(p, pki.DefaultDomain)
				}
			}
			if tc.swap {
				// us accepts jp's link under a name jp's certificate does
				// not carry (the subject CN=jp-leaf,O=trilink JP is not
				// enough): the link must stay down.
				fed.Spec(nation.US).TLS.PartnerSubjects[nation.JP] = "leaf.jp-other.trilink.internal"
			}
			servers := map[share.Nation]*share.Server{}
			for i := len(nation.Nations) - 1; i >= 0; i-- {
				n := nation.Nations[i]
				s, err := share.StartServer(fed, n, 0, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(s.Stop)
				servers[n] = s
			}
			up := func() (all bool, jpUS bool) {
				all = true
				for n, s := range servers {
					for _, p := range n.Partners() {
						if !s.LeafConnected(p) {
							all = false
						}
					}
				}
				return all, servers[nation.US].LeafConnected(nation.JP)
			}
			deadline := time.Now().Add(10 * time.Second)
			if tc.wantAll {
				for all, _ := up(); !all; all, _ = up() {
					if time.Now().After(deadline) {
						t.Fatal("leaf links with issued certificates not all up within 10 s")
					}
					time.Sleep(50 * time.Millisecond)
				}
				return
			}
			// jp–kr and kr–us come up; jp–us never does.
			for !servers[nation.KR].LeafConnected(nation.US) || !servers[nation.JP].LeafConnected(nation.KR) {
				if time.Now().After(deadline) {
					t.Fatal("the correctly mapped links did not come up")
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(2 * time.Second)
			if _, jpUS := up(); jpUS {
				t.Fatal("us accepted jp's certificate for a user it does not name")
			}
		})
	}
}
