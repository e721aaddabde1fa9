package pki

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// Reloader serves a certificate and key from files and picks up a new
// pair written over them (`trilink pki issue --rotate`, then a copy) at
// the next handshake after the files change: rotation without a restart.
// Connections already open keep the certificate they began with.
type Reloader struct {
	certFile, keyFile string

	mu      sync.Mutex
	cert    *tls.Certificate
	mod     time.Time // of the certificate file when loaded
	checked time.Time
}

// NewReloader loads the pair once, so that a bad pair fails at start.
func NewReloader(certFile, keyFile string) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile}
	if err := r.load(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Reloader) load() error {
	fi, err := os.Stat(r.certFile)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	kp, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("pki: %s: %w", r.certFile, err)
	}
	r.cert, r.mod = &kp, fi.ModTime()
	return nil
}

// GetCertificate is for tls.Config.GetCertificate. It looks at the files
// at most once a second; a pair that fails to load (half written, say)
// leaves the previous one in use.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= time.Second {
		r.checked = now
		if fi, err := os.Stat(r.certFile); err == nil && !fi.ModTime().Equal(r.mod) {
			prev, prevMod := r.cert, r.mod
			if err := r.load(); err != nil {
				r.cert, r.mod = prev, prevMod
			}
		}
	}
	return r.cert, nil
}
