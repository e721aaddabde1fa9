package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
)

// auditKeeper keeps each nation's audit log (RFC 6962-style Merkle log of
// every alert sent or received and every partner acknowledgement) and has
// the partners witness each checkpoint: a partner cosigns only after
// checking that the new checkpoint is consistent with the last one it
// cosigned. In the demo the three nations' logs and witnesses live in one
// process; the witnessing therefore happens by function call, not over the
// backbone (that transport is part of the hotline work still to do).
type auditKeeper struct {
	keys audit.Keys

	mu        sync.Mutex // guards the logs and witness state
	logs      map[nation.Nation]*audit.Log
	witnesses map[nation.Nation]*audit.Witness // by witnessing nation
	last      map[[2]nation.Nation]uint64      // [witness, keeper] → last cosigned size
	dirty     map[nation.Nation]bool
}

// auditDir is where the demo keeps audit logs and keys.
func auditDir(dataDir string) string { return filepath.Join(dataDir, "audit") }

// loadAuditKeys reads (or, with create, makes) each nation's audit key.
// Private keys are 0600 files <n>.key; public keys <n>.pub are what
// `trilink audit verify` trusts.
func loadAuditKeys(dir string, create bool) (audit.Keys, map[nation.Nation]ed25519.PrivateKey, error) {
	keys, privs := audit.Keys{}, map[nation.Nation]ed25519.PrivateKey{}
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, err
		}
	}
	for _, n := range nation.Nations {
		keyFile := filepath.Join(dir, n.String()+".key")
		pubFile := filepath.Join(dir, n.String()+".pub")
		if create {
			if _, err := os.Stat(keyFile); errors.Is(err, os.ErrNotExist) {
				pub, priv, err := ed25519.GenerateKey(rand.Reader)
				if err != nil {
					return nil, nil, err
				}
				if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
					return nil, nil, err
				}
				if err := os.WriteFile(pubFile, []byte(hex.EncodeToString(pub)+"\n"), 0o644); err != nil {
					return nil, nil, err
				}
			}
			b, err := os.ReadFile(keyFile)
			if err != nil {
				return nil, nil, err
			}
			seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
			if err != nil || len(seed) != ed25519.SeedSize {
				return nil, nil, fmt.Errorf("%s: not an ed25519 seed", keyFile)
			}
			privs[n] = ed25519.NewKeyFromSeed(seed)
		}
		b, err := os.ReadFile(pubFile)
		if err != nil {
			return nil, nil, fmt.Errorf("audit key of %s: %w", n, err)
		}
		pub, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, nil, fmt.Errorf("%s: not an ed25519 public key", pubFile)
		}
		if keys[n], err = audit.NewVerifier(n, ed25519.PublicKey(pub)); err != nil {
			return nil, nil, err
		}
	}
	return keys, privs, nil
}

// openAudit opens (or creates) the three nations' logs under dataDir.
func openAudit(dataDir string) (*auditKeeper, error) {
	dir := auditDir(dataDir)
	keys, privs, err := loadAuditKeys(dir, true)
	if err != nil {
		return nil, err
	}
	a := &auditKeeper{keys: keys, logs: map[nation.Nation]*audit.Log{}, witnesses: map[nation.Nation]*audit.Witness{},
		last: map[[2]nation.Nation]uint64{}, dirty: map[nation.Nation]bool{}}
	for _, n := range nation.Nations {
		signer, err := audit.NewSigner(n, privs[n])
		if err != nil {
			return nil, err
		}
		l, err := audit.Open(filepath.Join(dir, n.String()), audit.Options{Nation: n, Signer: signer, Keys: keys})
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("audit log of %s: %w", n, err)
		}
		a.logs[n] = l
		w, err := audit.NewWitness(n, signer, keys, filepath.Join(dir, "witness-"+n.String()))
		if err != nil {
			a.Close()
			return nil, err
		}
		a.witnesses[n] = w
	}
	for w, wit := range a.witnesses {
		for _, k := range nation.Nations {
			if k == w {
				continue
			}
			if last := wit.Last(k); last != nil {
				body, _, _ := strings.Cut(string(last), "\n\n")
				if cp, err := audit.ParseCheckpoint(body + "\n"); err == nil {
					a.last[[2]nation.Nation{w, k}] = cp.Size
				}
			}
		}
	}
	return a, nil
}

// Append records an entry in keeper n's log.
func (a *auditKeeper) Append(n nation.Nation, kind audit.Kind, origin nation.Nation, at time.Time, ref string, object []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.logs[n]
	if l == nil {
		return
	}
	if _, err := l.Append(audit.Entry{Kind: kind, Time: at.UTC(), Nation: origin, Ref: ref, Digest: sha256.Sum256(object)}); err == nil {
		a.dirty[n] = true
	}
}

// Size returns the number of entries in keeper n's log.
func (a *auditKeeper) Size(n nation.Nation) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if l := a.logs[n]; l != nil {
		return l.Size()
	}
	return 0
}

// AppendEntry records e in keeper n's log.
func (a *auditKeeper) AppendEntry(n nation.Nation, e audit.Entry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.logs[n]
	if l == nil {
		return
	}
	e.Time = e.Time.UTC()
	if _, err := l.Append(e); err == nil {
		a.dirty[n] = true
	}
}

// Checkpoint signs a checkpoint of every log that grew and has the two
// partners cosign it.
func (a *auditKeeper) Checkpoint() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for _, k := range nation.Nations {
		if !a.dirty[k] {
			continue
		}
		l := a.logs[k]
		cp, err := l.Checkpoint()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		size := l.Size()
		for _, w := range k.Partners() {
			var proof [][]byte
			if last := a.last[[2]nation.Nation{w, k}]; last > 0 && last < size {
				if proof, err = l.ConsistencyProof(last, size); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			cos, err := a.witnesses[w].Cosign(cp, proof)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s refuses to cosign %s's checkpoint: %w", w, k, err))
				continue
			}
			if err := l.AddCosignature(cos); err != nil {
				errs = append(errs, err)
				continue
			}
			a.last[[2]nation.Nation{w, k}] = size
		}
		a.dirty[k] = false
	}
	return errors.Join(errs...)
}

// Close checkpoints and closes the logs.
func (a *auditKeeper) Close() {
	_ = a.Checkpoint()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, l := range a.logs {
		_ = l.Close()
	}
}

// VerifyAudit checks the demo's three audit logs under dataDir: every
// entry's inclusion, the consistency of successive checkpoints, the
// keeper's signatures and the partners' cosignatures. It prints a line per
// nation and every problem, and fails if any.
func VerifyAudit(dataDir string, stdout io.Writer) error {
	dir := auditDir(filepath.Join(dataDir, "demo"))
	keys, _, err := loadAuditKeys(dir, false)
	if err != nil {
		return usagef("--data: no audit keys in %s (%v)", dir, err)
	}
	bad := 0
	for _, n := range nation.Nations {
		// The checkpoints the partners remember cosigning: a keeper that
		// rewrote its log and stripped the cosignatures is caught by them.
		var witnessed [][]byte
		for _, w := range n.Partners() {
			wit, err := audit.NewWitness(w, nil, keys, filepath.Join(dir, "witness-"+w.String()))
			if err == nil {
				if last := wit.Last(n); last != nil {
					witnessed = append(witnessed, last)
				}
			}
		}
		rep, err := audit.Verify(filepath.Join(dir, n.String()), keys, witnessed...)
		if rep == nil {
			return fmt.Errorf("audit log of %s: %w", n, err)
		}
		fmt.Fprintf(stdout, "%s: %d entries, %d checkpoints, cosigned by all three up to %d, %d not yet checkpointed: ",
			rep.Origin, rep.Entries, rep.Checkpoints, rep.Cosigned, rep.Uncovered)
		if rep.OK() {
			fmt.Fprintln(stdout, "OK")
			continue
		}
		fmt.Fprintln(stdout, "TAMPERED")
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("audit verify: %d problems", bad)
	}
	return nil
}
