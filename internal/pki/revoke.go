package pki

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// RevokedFile is DIR/<n>/revoked.json: the serial numbers (hex) of the
// certificates nation n's issuing CA has revoked, with when and why.
//
// The nations' nodes read it (and re-read it when it changes, see
// [Revocations.Watch]) and refuse those certificates at the handshake and
// on every request of a connection already open. It plays the part of a
// CRL (RFC 5280 §5) distributed by the operator's own means; trilink runs
// no OCSP responder.
const RevokedFile = "revoked.json"

// Revocation is one revoked certificate.
type Revocation struct {
	Serial  string    `json:"serial"`
	Name    string    `json:"name,omitempty"`
	Kind    string    `json:"kind,omitempty"`
	Revoked time.Time `json:"revoked"`
	Reason  string    `json:"reason,omitempty"`
}

// Revoke adds the certificate with serial (hex, as [List] shows it) of
// nation n to n's revocation list. The serial must be one of n's issued
// certificates (not a CA); revoking twice is not an error.
func Revoke(dir string, n nation.Nation, serial, reason string) (Revocation, error) {
	serial = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(serial), "0x"))
	entries, err := List(dir, n)
	if err != nil {
		return Revocation{}, err
	}
	var found *Entry
	for i, e := range entries {
		if e.Serial() == serial && e.Kind != "root" && e.Kind != "issuing" {
			found = &entries[i]
		}
	}
	if found == nil {
		return Revocation{}, badRequest("pki: revoke: %s issued no certificate with serial %q (see trilink pki list)", n, serial)
	}
	path := filepath.Join(dir, n.String(), RevokedFile)
	list, err := readRevoked(path)
	if err != nil {
		return Revocation{}, err
	}
	for _, r := range list {
		if r.Serial == serial {
			return r, nil
		}
	}
	r := Revocation{Serial: serial, Name: found.Name, Kind: found.Kind, Revoked: time.Now().UTC().Truncate(time.Second), Reason: reason}
	list = append(list, r)
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return Revocation{}, fmt.Errorf("pki: revoke: %w", err)
	}
	if err := writeAtomic(path, append(b, '\n'), 0o644); err != nil {
		return Revocation{}, fmt.Errorf("pki: revoke: %w", err)
	}
	return r, nil
}

func readRevoked(path string) ([]Revocation, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pki: revocations: %w", err)
	}
	var list []Revocation
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("pki: revocations: %s: %w", path, err)
	}
	return list, nil
}

// Revocations is the set of revoked certificates of every nation in a
// PKI directory, kept current by Refresh or Watch. It is safe for
// concurrent use.
type Revocations struct {
	dir string

	mu     sync.RWMutex
	byNat  map[nation.Nation]map[string]bool
	stamps map[nation.Nation]time.Time
}

// LoadRevocations reads DIR/<n>/revoked.json of every nation.
func LoadRevocations(dir string) (*Revocations, error) {
	r := &Revocations{dir: dir, byNat: map[nation.Nation]map[string]bool{}, stamps: map[nation.Nation]time.Time{}}
	if err := r.Refresh(); err != nil {
		return nil, err
	}
	return r, nil
}

// Refresh re-reads the lists that changed since the last read. A list
// that cannot be read keeps its last good contents and is reported.
func (r *Revocations) Refresh() error {
	var errs []error
	for _, n := range nation.Nations {
		path := filepath.Join(r.dir, n.String(), RevokedFile)
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.mu.RLock()
		same := r.stamps[n].Equal(fi.ModTime())
		r.mu.RUnlock()
		if same {
			continue
		}
		list, err := readRevoked(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		set := map[string]bool{}
		for _, x := range list {
			set[strings.ToLower(x.Serial)] = true
		}
		r.mu.Lock()
		r.byNat[n], r.stamps[n] = set, fi.ModTime()
		r.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Revoked reports whether cert, issued by the nation it names, is revoked.
func (r *Revocations) Revoked(cert *x509.Certificate) bool {
	if r == nil {
		return false
	}
	n, err := NationOf(cert)
	if err != nil {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byNat[n][serialHex(cert)]
}

// Watch refreshes every interval until ctx ends; report receives errors.
func (r *Revocations) Watch(ctx context.Context, every time.Duration, report func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Refresh(); err != nil && report != nil {
				report(err)
			}
		}
	}
}
