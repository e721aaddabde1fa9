package pki_test

import (
	"crypto/x509"
	"errors"
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

func TestRotateAndList(t *testing.T) {
	dir := newTestPKI(t)
	jp := mustLoad(t, dir, nation.JP)
	req := pki.Request{Kind: pki.KindLeaf, Name: "leaf", Validity: 10 * 24 * time.Hour}
	certFile, keyFile, err := jp.IssueFile(req, pki.IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if certFile != filepath.Join(dir, "jp", "leaf", "leaf.pem") || keyFile != filepath.Join(dir, "jp", "leaf", "leaf-key.pem") {
		t.Errorf("paths %s %s, want DIR/jp/leaf/leaf{,-key}.pem", certFile, keyFile)
	}
	old, _ := os.ReadFile(certFile)
	if _, _, err := jp.IssueFile(req, pki.IssueOptions{}); !errors.Is(err, pki.ErrExists) || !strings.Contains(err.Error(), "--rotate") {
		t.Fatalf("second issue: got %v, want ErrExists suggesting --rotate", err)
	}
	req.Validity = 90 * 24 * time.Hour
	if _, _, err := jp.IssueFile(req, pki.IssueOptions{Rotate: true}); err != nil {
		t.Fatal(err)
	}
	cur, _ := os.ReadFile(certFile)
	if string(cur) == string(old) {
		t.Fatal("rotation kept the old certificate")
	}
	es, err := pki.List(dir, nation.JP)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var got []string
	for _, e := range es {
		got = append(got, e.Kind+"/"+e.Name+"/"+map[bool]string{true: "retired", false: "current"}[e.Retired]+"/"+
			map[bool]string{true: "expiring", false: "ok"}[e.Expiring(now)])
		if e.Retired {
			if b, _ := os.ReadFile(e.Path); string(b) != string(old) {
				t.Errorf("retired %s is not the old certificate", e.Path)
			}
			if d := e.DaysLeft(now); d != 9 {
				t.Errorf("retired leaf: %d days left, want 9", d)
			}
			if _, err := os.Stat(strings.TrimSuffix(e.Path, ".pem") + "-key.pem"); err != nil {
				t.Errorf("retired key: %v", err)
			}
			if _, err := pki.VerifyFile(dir, e.Path); err != nil {
				t.Errorf("the retired certificate must stay valid until it expires: %v", err)
			}
		}
	}
	want := "root/trilink JP Root CA/current/ok issuing/trilink JP Issuing CA/current/ok leaf/leaf/current/ok leaf/" +
		"leaf-" + es[3].Serial() + "/retired/expiring"
	if strings.Join(got, " ") != want {
		t.Errorf("List:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestVerifyFile(t *testing.T) {
	dir := newTestPKI(t)
	other := newTestPKI(t) // a different set of CAs
	jp := mustLoad(t, dir, nation.JP)
	write := func(name string, b []byte) string {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	_, _, srvPEM, _ := mustIssue(t, jp, pki.Request{Kind: pki.KindServer, Name: "s", IPs: []net.IP{net.IPv4(10, 0, 0, 1)}})
	_, _, sensorPEM, _ := mustIssue(t, jp, pki.Request{Kind: pki.KindSensor, Name: "radar-1"})
	krIss := mustKey(t, filepath.Join(dir, "kr", pki.IssuingKeyFile))
	kr := mustLoad(t, dir, nation.KR)
	_, spoofPEM, _ := forge(t, forged{cn: "radar-1", org: "trilink KR", uri: "spiffe://jp.trilink.internal/sensor/radar-1"}, kr.Issuing, krIss)
	srvOnly := srvPEM[:strings.Index(string(srvPEM), "-----END CERTIFICATE-----")+len("-----END CERTIFICATE-----\n")]
	for _, tt := range []struct {
		name     string
		dir      string
		file     string
		wantKind pki.Kind
		wantErr  string
	}{
		{name: "server", dir: dir, file: write("s.pem", srvPEM), wantKind: pki.KindServer},
		{name: "server_without_chain", dir: dir, file: write("s.pem", []byte(srvOnly)), wantKind: pki.KindServer},
		{name: "sensor", dir: dir, file: write("r.pem", sensorPEM), wantKind: pki.KindSensor},
		{name: "other_pki", dir: other, file: write("s.pem", srvPEM), wantErr: "does not chain to jp's root"},
		{name: "ca_certificate", dir: dir, file: filepath.Join(dir, "jp", pki.IssuingCertFile), wantErr: "is a CA certificate"},
		{name: "foreign_sensor_id", dir: dir, file: write("f.pem", spoofPEM), wantErr: "not authorized to sign for this name"},
		{name: "not_pem", dir: dir, file: write("x.pem", []byte("hello")), wantErr: "no PEM CERTIFICATE"},
		{name: "missing", dir: dir, file: filepath.Join(dir, "nope.pem"), wantErr: "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := pki.VerifyFile(tt.dir, tt.file)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Nation != nation.JP || v.Kind != tt.wantKind || len(v.Chain) != 3 || !v.Chain[2].Equal(jp.Root) {
				t.Errorf("got %v %v chain %d, want jp %v, 3 certificates ending at jp's root", v.Nation, v.Kind, len(v.Chain), tt.wantKind)
			}
		})
	}
}

func TestSensorIdentity(t *testing.T) {
	dir := newTestPKI(t)
	for _, n := range nation.Nations {
		c, _, _, _ := mustIssue(t, mustLoad(t, dir, n), pki.Request{Kind: pki.KindSensor, Name: "aegis-" + n.String()})
		gotN, id, err := pki.SensorIdentity(c)
		if err != nil || gotN != n || id != "aegis-"+n.String() {
			t.Errorf("%s: got %v %q %v, want %v aegis-%s", n, gotN, id, err, n, n)
		}
	}
	jp := mustLoad(t, dir, nation.JP)
	srv, _, _, _ := mustIssue(t, jp, pki.Request{Kind: pki.KindServer, Name: "s", IPs: []net.IP{net.IPv4(10, 0, 0, 1)}})
	user, _, _, _ := mustIssue(t, jp, pki.Request{Kind: pki.KindUser, Name: "u"})
	// A certificate whose ID names another nation than its subject.
	krIss := mustKey(t, filepath.Join(dir, "kr", pki.IssuingKeyFile))
	mixed, _, _ := forge(t, forged{cn: "r", org: "trilink KR", uri: "spiffe://jp.trilink.internal/sensor/r"}, mustLoad(t, dir, nation.KR).Issuing, krIss)
	for _, tt := range []struct {
		name string
		cert *x509.Certificate
		want string
	}{
		{"server", srv, "want one sensor ID"},
		{"user", user, "want one sensor ID"},
		{"mixed_nation", mixed, "claims another nation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := pki.SensorIdentity(tt.cert)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseSensorURI(t *testing.T) {
	for _, tt := range []struct {
		in     string
		nation nation.Nation
		id     string
	}{
		{"spiffe://jp.trilink.internal/sensor/radar-1", nation.JP, "radar-1"},
		{"spiffe://us.example.org/sensor/sbirs_geo-1", nation.US, "sbirs_geo-1"},
		{"spiffe://kr.trilink.internal/user/radar-1", 0, ""},
		{"spiffe://xx.trilink.internal/sensor/r", 0, ""},
		{"spiffe://jp/sensor/r", 0, ""},
		{"spiffe://JP.trilink.internal/sensor/r", 0, ""},
		{"spiffe://jp.trilink.internal/sensor/R", 0, ""},
		{"spiffe://jp.trilink.internal/sensor/r/x", 0, ""},
		{"spiffe://jp.trilink.internal:8443/sensor/r", 0, ""},
		{"spiffe://jp.trilink.internal/sensor/r?x=1", 0, ""},
		{"urn:trilink:sensor:jp:r", 0, ""},
		{"spiffe://jp./sensor/000#", 0, ""}, // found by FuzzParseSensorURI
		{"spiffe://jp.x/sensor/r?", 0, ""},
		{"spiffe://u@jp.x/sensor/r", 0, ""},
		{"", 0, ""},
	} {
		n, id, err := pki.ParseSensorURI(tt.in)
		if n != tt.nation || id != tt.id || (err == nil) != (tt.id != "") {
			t.Errorf("ParseSensorURI(%q) = %v %q %v, want %v %q", tt.in, n, id, err, tt.nation, tt.id)
		}
	}
}

func TestDeployMatchesProductionConfig(t *testing.T) {
	dir := newTestPKI(t)
	jp := mustLoad(t, dir, nation.JP)
	if _, _, err := jp.IssueFile(pki.Request{Kind: pki.KindLeaf, Name: "leaf", DNSNames: []string{"nats-1.jp.trilink.internal"}}, pki.IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := jp.IssueFile(pki.Request{Kind: pki.KindServer, Name: "nats-1", DNSNames: []string{"nats-1.jp.trilink.internal"}}, pki.IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "etc-trilink-pki")
	written, err := pki.Deploy(dir, nation.JP, out, pki.DeployOptions{Leaf: "leaf", Route: "nats-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 6 {
		t.Errorf("wrote %d files, want 6", len(written))
	}
	spec := share.ProductionFederation(share.ProductionOptions{CertDir: out}).Spec(nation.JP)
	for _, f := range []struct {
		path string
		perm os.FileMode
	}{
		{spec.TLS.CertFile, 0o644}, {spec.TLS.KeyFile, 0o600}, {spec.TLS.CAFile, 0o644},
		{spec.ClusterTLS.CertFile, 0o644}, {spec.ClusterTLS.KeyFile, 0o600}, {spec.ClusterTLS.CAFile, 0o644},
	} {
		st, err := os.Stat(f.path)
		if err != nil {
			t.Errorf("the production config names %s: %v", f.path, err)
			continue
		}
		if st.Mode().Perm() != f.perm {
			t.Errorf("%s: mode %v, want %v", f.path, st.Mode().Perm(), f.perm)
		}
	}
	partners, _ := os.ReadFile(spec.TLS.CAFile)
	cs, err := pki.ParseCertificates(partners)
	if err != nil || len(cs) != 2 {
		t.Fatalf("partners-ca.pem: %d certificates, %v; want kr's and us's roots", len(cs), err)
	}
	for i, p := range nation.JP.Partners() {
		if n, _ := pki.NationOf(cs[i]); n != p || !cs[i].IsCA {
			t.Errorf("partners-ca.pem[%d] is %q, want %s's root", i, cs[i].Subject, p)
		}
	}
	own, _ := os.ReadFile(spec.ClusterTLS.CAFile)
	if cs, _ := pki.ParseCertificates(own); len(cs) != 1 || !cs[0].Equal(jp.Root) {
		t.Error("ca.pem is not jp's root")
	}
	if _, err := pki.KeyPair(spec.TLS.CertFile, spec.TLS.KeyFile); err != nil {
		t.Errorf("leaf pair: %v", err)
	}
	if _, err := pki.KeyPair(spec.ClusterTLS.CertFile, spec.ClusterTLS.KeyFile); err != nil {
		t.Errorf("route pair: %v", err)
	}
	if _, err := pki.Deploy(dir, nation.JP, out, pki.DeployOptions{Leaf: "leaf", Route: "nats-9"}); err == nil || !strings.Contains(err.Error(), "nats-9") {
		t.Errorf("deploy of a missing certificate: got %v, want an error naming it", err)
	}
}

func TestLoadNationErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := pki.LoadNation(dir, nation.JP); !errors.Is(err, pki.ErrNoAuthority) {
		t.Errorf("empty dir: got %v, want ErrNoAuthority", err)
	}
	if _, err := pki.LoadNation(dir, nation.NationUnknown); !errors.Is(err, nation.ErrUnknownNation) {
		t.Errorf("bad nation: got %v, want ErrUnknownNation", err)
	}
	if err := pki.Init(dir, nation.NationUnknown, pki.InitOptions{}); !errors.Is(err, nation.ErrUnknownNation) {
		t.Errorf("Init bad nation: got %v, want ErrUnknownNation", err)
	}
	if err := pki.Init(dir, nation.JP, pki.InitOptions{PermitDNS: []string{"bad name"}}); err == nil || !strings.Contains(err.Error(), "not a DNS name") {
		t.Errorf("Init bad --permit-dns: got %v", err)
	}
	// Swapped issuing keys are detected.
	full := newTestPKI(t)
	kb, _ := os.ReadFile(filepath.Join(full, "kr", pki.IssuingKeyFile))
	os.Chmod(filepath.Join(full, "jp", pki.IssuingKeyFile), 0o600)
	os.WriteFile(filepath.Join(full, "jp", pki.IssuingKeyFile), kb, 0o600)
	if _, err := pki.LoadNation(full, nation.JP); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("swapped key: got %v, want a mismatch error", err)
	}
}

func TestPermitDNS(t *testing.T) {
	dir := t.TempDir()
	if err := pki.Init(dir, nation.JP, pki.InitOptions{PermitDNS: []string{"jp-nats-1.trilink.internal"}}); err != nil {
		t.Fatal(err)
	}
	jp := mustLoad(t, dir, nation.JP)
	c, inter, _, _ := mustIssue(t, jp, pki.Request{Kind: pki.KindLeaf, Name: "leaf", DNSNames: []string{"jp-nats-1.trilink.internal"}})
	roots, _ := pki.LoadRoots(dir, nation.JP)
	if _, _, err := roots.Verify(c, inter, x509.ExtKeyUsageServerAuth, time.Now()); err != nil {
		t.Errorf("extra permitted subtree: %v", err)
	}
	if _, _, err := jp.Issue(pki.Request{Kind: pki.KindLeaf, Name: "leaf", DNSNames: []string{"jp-nats-2.trilink.internal"}}); err == nil {
		t.Error("a name outside the extra subtree was issued")
	}
}
