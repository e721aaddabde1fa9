package share_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/trilink/trilink/internal/share"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedFederation is a loopback federation with fixed ports and passwords,
// for golden files.
func fixedFederation() *share.Federation {
	f := &share.Federation{}
	for i, n := range share.Nations {
		f.Nations = append(f.Nations, share.NationSpec{
			Nation: n,
			Servers: []share.ServerSpec{{Name: n.String() + "-1", Host: "127.0.0.1",
				ClientPort: 14222 + i, LeafPort: 17422 + i, StoreDir: "/tmp/trilink/" + n.String()}},
			LeafURLs:      []string{"nats-leaf://127.0.0.1:" + itoa(17422+i)},
			AppPassword:   n.String() + "-app-pw",
			SysPassword:   n.String() + "-sys-pw",
			LeafPasswords: map[share.Nation]string{},
		})
	}
	for _, l := range share.DefaultLinks(share.Nations) {
		pw := "leaf-" + l.From.String() + "-" + l.To.String()
		f.Spec(l.From).LeafPasswords[l.To] = pw
		f.Spec(l.To).LeafPasswords[l.From] = pw
	}
	return f
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func TestServerConfigGolden(t *testing.T) {
	f := fixedFederation()
	for _, n := range share.Nations {
		t.Run(n.String(), func(t *testing.T) {
			got, err := f.ServerConfig(n, 0)
			if err != nil {
				t.Fatal(err)
			}
			// The generated text must be a valid nats-server config.
			if err := (&server.Options{}).ProcessConfigString(got); err != nil {
				t.Fatalf("generated config does not parse: %v\n%s", err, got)
			}
			golden := filepath.Join("testdata", "loopback-"+n.String()+".conf")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("config of %s differs from %s (go test -update to accept):\n%s", n, golden, got)
			}
		})
	}
}

// The production form: three servers per nation, routes, mTLS leaf links
// with verify_and_map; it parses with real certificate files.
func TestProductionConfigParses(t *testing.T) {
	dir := t.TempDir()
	writeTestPKI(t, dir)
	f := share.ProductionFederation(share.ProductionOptions{CertDir: dir, StoreDir: filepath.Join(dir, "store")})
	for _, n := range share.Nations {
		t.Setenv("TRILINK_"+n.Upper()+"_APP_PASSWORD", "x")
		t.Setenv("TRILINK_"+n.Upper()+"_SYS_PASSWORD", "y")
	}
	for i := range 3 {
		conf, err := f.ServerConfig(share.JP, i)
		if err != nil {
			t.Fatal(err)
		}
		o := &server.Options{}
		if err := o.ProcessConfigString(conf); err != nil {
			t.Fatalf("jp server %d: %v\n%s", i+1, err, conf)
		}
		if o.Cluster.TLSConfig == nil {
			t.Errorf("jp server %d: routes without TLS", i+1)
		}
		if o.Cluster.Name != "jp" || len(o.Routes) != 3 {
			t.Errorf("jp server %d: cluster %q with %d routes, want jp with 3", i+1, o.Cluster.Name, len(o.Routes))
		}
		if o.LeafNode.Port != 0 {
			t.Errorf("jp server %d: opens leaf port %d, but jp accepts no link", i+1, o.LeafNode.Port)
		}
		if len(o.LeafNode.Remotes) != 2 {
			t.Fatalf("jp server %d: %d leaf remotes, want 2 (kr, us)", i+1, len(o.LeafNode.Remotes))
		}
		for _, r := range o.LeafNode.Remotes {
			if r.TLSConfig == nil || len(r.URLs) != 3 || !r.IgnoreDiscoveredServers {
				t.Errorf("jp server %d: remote %s: tls=%v urls=%d ignore_discovered=%v", i+1, r.LocalAccount, r.TLSConfig != nil, len(r.URLs), r.IgnoreDiscoveredServers)
			}
		}
		expanded := false
		for _, u := range o.Users {
			if u.Username == share.AppUserName(share.JP) && u.Password == "x" {
				expanded = true
			}
		}
		if !expanded {
			t.Error("production config does not take the app password from the environment")
		}
	}
	// us accepts jp's and kr's links, mapped from their certificates' DNS names.
	conf, err := f.ServerConfig(share.US, 0)
	if err != nil {
		t.Fatal(err)
	}
	o := &server.Options{}
	if err := o.ProcessConfigString(conf); err != nil {
		t.Fatal(err)
	}
	if o.LeafNode.TLSConfig == nil || !o.LeafNode.TLSMap || o.LeafNode.TLSConfig.MinVersion < tls.VersionTLS13 {
		t.Errorf("us leaf listener: tls=%v verify_and_map=%v, want mTLS 1.3 with verify_and_map", o.LeafNode.TLSConfig != nil, o.LeafNode.TLSMap)
	}
	for _, p := range []share.Nation{share.JP, share.KR} {
		if !strings.Contains(conf, share.LeafCertUser(p, "trilink.internal")) {
			t.Errorf("us config does not map %s's leaf certificate name", p)
		}
	}
}

// T11: a link set whose account graph has a cycle is rejected before any
// server is started.
func TestLeafLoopRejected(t *testing.T) {
	for _, tt := range []struct {
		name  string
		links []share.Link
		loop  bool
	}{
		{"default_border_accounts", share.DefaultLinks(share.Nations), false},
		{"shared_account_triangle", []share.Link{
			{From: share.JP, To: share.KR, FromAccount: "SHARE", ToAccount: "SHARE"},
			{From: share.KR, To: share.US, FromAccount: "SHARE", ToAccount: "SHARE"},
			{From: share.US, To: share.JP, FromAccount: "SHARE", ToAccount: "SHARE"},
		}, true},
		{"double_link_same_accounts", []share.Link{
			{From: share.JP, To: share.KR, FromAccount: "KR_BORDER", ToAccount: "JP_BORDER"},
			{From: share.KR, To: share.JP, FromAccount: "JP_BORDER", ToAccount: "KR_BORDER"},
		}, true},
		{"chain_is_fine", []share.Link{
			{From: share.JP, To: share.KR, FromAccount: "SHARE", ToAccount: "SHARE"},
			{From: share.KR, To: share.US, FromAccount: "SHARE", ToAccount: "SHARE"},
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := share.CheckLinks(tt.links)
			if got := errors.Is(err, share.ErrLeafLoop); got != tt.loop {
				t.Fatalf("CheckLinks: %v, want loop=%v", err, tt.loop)
			}
			f := fixedFederation()
			f.Links = tt.links
			if _, err := f.ServerConfig(share.JP, 0); tt.loop && !errors.Is(err, share.ErrLeafLoop) {
				t.Fatalf("ServerConfig accepted a looping federation: %v", err)
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*share.Federation)
		want   string
	}{
		{"no_store", func(f *share.Federation) { f.Nations[0].Servers[0].StoreDir = "" }, "jp.servers[0].store_dir"},
		{"bad_port", func(f *share.Federation) { f.Nations[1].Servers[0].LeafPort = 70000 }, "kr.servers[0].leaf_port"},
		{"two_servers", func(f *share.Federation) {
			f.Nations[2].Servers = append(f.Nations[2].Servers, f.Nations[2].Servers[0])
		}, "us.servers"},
		{"bad_leaf_url", func(f *share.Federation) { f.Nations[1].LeafURLs = []string{"tcp://x"} }, "kr.leaf_urls"},
		{"no_app_password", func(f *share.Federation) { f.Nations[0].AppPassword = "" }, "jp.app_password"},
		{"duplicate_nation", func(f *share.Federation) { f.Nations[1].Nation = share.JP }, "nations[1].nation"},
		{"leaf_password_mismatch", func(f *share.Federation) { f.Nations[0].LeafPasswords[share.KR] = "other" }, "leaf passwords differ"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := fixedFederation()
			tt.mutate(f)
			err := f.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate: %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// writeTestPKI writes a CA and a leaf certificate into dir under the names
// ProductionFederation expects.
func writeTestPKI(t *testing.T, dir string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "jp-leaf", Organization: []string{"trilink JP"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, DNSNames: []string{"leaf.jp.trilink.internal", "nats-1.jp.trilink.internal"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("leaf.pem", "CERTIFICATE", der)
	write("leaf-key.pem", "EC PRIVATE KEY", keyDER)
	write("partners-ca.pem", "CERTIFICATE", caDER)
	write("route.pem", "CERTIFICATE", der)
	write("route-key.pem", "EC PRIVATE KEY", keyDER)
	write("ca.pem", "CERTIFICATE", caDER)
}

// Both ends of a link must agree on who dials, whatever order the nations
// are listed in (a node's config lists its partners first).
func TestLinkDirectionIgnoresSpecOrder(t *testing.T) {
	f := fixedFederation()
	want, err := f.ServerConfig(share.KR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Nations[0], f.Nations[2] = f.Nations[2], f.Nations[0]
	got, err := f.ServerConfig(share.KR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("kr's config changed with the order of the nations:\n%s", got)
	}
}
