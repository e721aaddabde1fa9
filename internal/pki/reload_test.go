package pki_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
)

// TestReloaderRotates: a server certificate rotated on disk is served at
// the next handshake, without a restart; a broken file keeps the old one.
func TestReloaderRotates(t *testing.T) {
	dir := t.TempDir()
	if err := pki.Init(dir, nation.JP, pki.InitOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := pki.LoadNation(dir, nation.JP)
	if err != nil {
		t.Fatal(err)
	}
	req := pki.Request{Kind: pki.KindServer, Name: "console", DNSNames: []string{"console.jp.trilink.internal"}}
	certFile, keyFile, err := a.IssueFile(req, pki.IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := pki.NewReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	serial := func() string {
		t.Helper()
		c, err := r.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return leaf.SerialNumber.String()
	}
	first := serial()
	time.Sleep(1100 * time.Millisecond) // a new modification time, and the once-a-second check
	if _, _, err := a.IssueFile(req, pki.IssueOptions{Rotate: true}); err != nil {
		t.Fatal(err)
	}
	second := serial()
	if second == first {
		t.Fatalf("still serving %s after rotation", first)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := os.WriteFile(certFile, []byte("half written"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := serial(); got != second {
		t.Fatalf("a broken file replaced the certificate: %s, want %s", got, second)
	}
	if _, err := pki.NewReloader(filepath.Join(dir, "none.pem"), keyFile); err == nil {
		t.Fatal("a missing file accepted at start")
	}
}
