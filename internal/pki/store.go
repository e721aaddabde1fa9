package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// ExpiringWithin is how close to expiry [List] flags a certificate.
const ExpiringWithin = 30 * 24 * time.Hour

// IssueOptions tune [Authority.IssueFile].
type IssueOptions struct {
	// Rotate replaces an existing certificate of the same kind and name,
	// moving the old pair to <kind>/retired/<name>-<serial>.pem so that it
	// stays usable, and listed, until it expires. Without Rotate an existing
	// certificate is an error wrapping [ErrExists].
	Rotate bool
}

// IssueFile issues req and writes DIR/<n>/<kind>/<name>.pem (certificate
// and issuing CA, 0644) and <name>-key.pem (0600). It returns the paths.
func (a *Authority) IssueFile(req Request, o IssueOptions) (certFile, keyFile string, err error) {
	kd := filepath.Join(a.dir, req.Kind.String())
	certFile = filepath.Join(kd, req.Name+".pem")
	keyFile = filepath.Join(kd, req.Name+"-key.pem")
	certPEM, keyPEM, err := a.Issue(req)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return "", "", fmt.Errorf("pki: issue: %w", err)
	}
	if old, err := readCert(certFile); err == nil {
		if !o.Rotate {
			return "", "", fmt.Errorf("%w: %s (serial %s, expires %s); rotate it with --rotate",
				ErrExists, certFile, serialHex(old), old.NotAfter.UTC().Format(time.DateOnly))
		}
		rd := filepath.Join(kd, "retired")
		if err := os.MkdirAll(rd, 0o700); err != nil {
			return "", "", fmt.Errorf("pki: rotate: %w", err)
		}
		base := filepath.Join(rd, req.Name+"-"+serialHex(old))
		if err := os.Rename(keyFile, base+"-key.pem"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("pki: rotate: %w", err)
		}
		if err := os.Rename(certFile, base+".pem"); err != nil {
			return "", "", fmt.Errorf("pki: rotate: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("pki: issue: existing %w", err)
	}
	if err := writeNew(keyFile, keyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("pki: issue: %w", err)
	}
	if err := writeNew(certFile, certPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("pki: issue: %w", err)
	}
	return certFile, keyFile, nil
}

// Entry is one certificate found by [List].
type Entry struct {
	Nation  nation.Nation
	Kind    string // "root", "issuing", or a [Kind]
	Name    string
	Path    string
	Retired bool // rotated out, still valid until NotAfter
	Cert    *x509.Certificate
}

// Serial returns the serial number in hex.
func (e Entry) Serial() string { return serialHex(e.Cert) }

// DaysLeft returns the whole days from now to expiry (negative once expired).
func (e Entry) DaysLeft(now time.Time) int {
	return int(e.Cert.NotAfter.Sub(now).Hours() / 24)
}

// Expiring reports whether the certificate expires within [ExpiringWithin] of now (or has).
func (e Entry) Expiring(now time.Time) bool { return e.Cert.NotAfter.Sub(now) < ExpiringWithin }

// List returns every certificate of the given nations (all if none) in dir:
// the CAs, then each kind's current and retired certificates, by name.
// Nations without a CA are skipped.
func List(dir string, ns ...nation.Nation) ([]Entry, error) {
	if len(ns) == 0 {
		ns = nation.Nations
	}
	var out []Entry
	for _, n := range ns {
		nd := filepath.Join(dir, n.String())
		if _, err := os.Stat(nd); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		for _, ca := range []struct{ kind, file string }{{"root", RootCertFile}, {"issuing", IssuingCertFile}} {
			c, err := readCert(filepath.Join(nd, ca.file))
			if err != nil {
				return nil, fmt.Errorf("pki: list %s: %w", n, err)
			}
			out = append(out, Entry{Nation: n, Kind: ca.kind, Name: c.Subject.CommonName, Path: filepath.Join(nd, ca.file), Cert: c})
		}
		for _, k := range Kinds {
			for _, sub := range []string{"", "retired"} {
				d := filepath.Join(nd, k.String(), sub)
				files, err := filepath.Glob(filepath.Join(d, "*.pem"))
				if err != nil {
					return nil, fmt.Errorf("pki: list: %w", err)
				}
				sort.Strings(files)
				for _, f := range files {
					if strings.HasSuffix(f, "-key.pem") {
						continue
					}
					c, err := readCert(f)
					if err != nil {
						return nil, fmt.Errorf("pki: list %s: %w", n, err)
					}
					out = append(out, Entry{Nation: n, Kind: k.String(), Name: strings.TrimSuffix(filepath.Base(f), ".pem"),
						Path: f, Retired: sub != "", Cert: c})
				}
			}
		}
	}
	return out, nil
}

// Deploy file names: what share.ProductionOptions.CertDir holds on every
// NATS server of a nation.
const (
	DeployLeafCert   = "leaf.pem"
	DeployLeafKey    = "leaf-key.pem"
	DeployPartnersCA = "partners-ca.pem"
	DeployRouteCert  = "route.pem"
	DeployRouteKey   = "route-key.pem"
	DeployOwnCA      = "ca.pem"
)

// DeployOptions name the certificates [Deploy] copies.
type DeployOptions struct {
	// Leaf is the name of the nation's leaf certificate (DIR/<n>/leaf/<Leaf>.pem).
	Leaf string
	// Route is the name of this server's server certificate
	// (DIR/<n>/server/<Route>.pem), used for the cluster routes.
	Route string
}

// Deploy writes into out the files one NATS server of nation n reads (see
// share.ProductionFederation): leaf.pem and leaf-key.pem, route.pem and
// route-key.pem, ca.pem (n's root) and partners-ca.pem (the partners' roots,
// which must be in dir: copy each partner's root.pem there). Each file is
// replaced atomically, so a running server reloads a consistent set. It
// returns the paths written.
func Deploy(dir string, n nation.Nation, out string, o DeployOptions) ([]string, error) {
	if !n.Valid() {
		return nil, fmt.Errorf("pki: deploy: %w", nation.ErrUnknownNation)
	}
	if !validName.MatchString(o.Leaf) || !validName.MatchString(o.Route) {
		return nil, badRequest("pki: deploy: --leaf %q and --route %q must be certificate names", o.Leaf, o.Route)
	}
	nd := filepath.Join(dir, n.String())
	own, err := os.ReadFile(filepath.Join(nd, RootCertFile))
	if err != nil {
		return nil, fmt.Errorf("pki: deploy: %w", err)
	}
	var partners bytes.Buffer
	for _, p := range n.Partners() {
		b, err := os.ReadFile(filepath.Join(dir, p.String(), RootCertFile))
		if err != nil {
			return nil, fmt.Errorf("pki: deploy: partner %s's root: %w", p, err)
		}
		partners.Write(b)
	}
	files := []struct {
		name string
		src  string
		data []byte
		perm os.FileMode
	}{
		{DeployLeafCert, filepath.Join(nd, KindLeaf.String(), o.Leaf+".pem"), nil, 0o644},
		{DeployLeafKey, filepath.Join(nd, KindLeaf.String(), o.Leaf+"-key.pem"), nil, 0o600},
		{DeployRouteCert, filepath.Join(nd, KindServer.String(), o.Route+".pem"), nil, 0o644},
		{DeployRouteKey, filepath.Join(nd, KindServer.String(), o.Route+"-key.pem"), nil, 0o600},
		{DeployOwnCA, "", own, 0o644},
		{DeployPartnersCA, "", partners.Bytes(), 0o644},
	}
	for i := range files {
		if files[i].src != "" {
			if files[i].data, err = os.ReadFile(files[i].src); errors.Is(err, fs.ErrNotExist) {
				return nil, badRequest("pki: deploy: no certificate %s: issue it first", files[i].src)
			} else if err != nil {
				return nil, fmt.Errorf("pki: deploy: %w", err)
			}
		}
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, fmt.Errorf("pki: deploy: %w", err)
	}
	var written []string
	for _, f := range files {
		p := filepath.Join(out, f.name)
		if err := writeAtomic(p, f.data, f.perm); err != nil {
			return nil, fmt.Errorf("pki: deploy: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}

// writeNew creates path with perm, failing if it exists.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil { // whatever the umask
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeAtomic replaces path with data via a temporary file and rename.
func writeAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	_ = os.Remove(tmp)
	if err := writeNew(tmp, data, perm); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func serialHex(c *x509.Certificate) string { return fmt.Sprintf("%x", c.SerialNumber) }
