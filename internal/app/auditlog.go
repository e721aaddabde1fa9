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
	"github.com/trilink/trilink/internal/share"
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
	// seen holds a key of every entry in each log, so that what a restart
	// replays (the hotline rebuilding from its stream, alerts restored) is
	// recorded once.
	seen map[nation.Nation]map[entryKey]struct{}
}

// entryKey identifies an entry by everything but its optional data: 16
// bytes of SHA-256 over kind, nation, time, ref and digest.
type entryKey [16]byte

func keyOf(e audit.Entry) entryKey {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%d\x00%d\x00%s\x00", e.Kind, e.Nation, e.Time.UnixNano(), e.Ref)
	h.Write(e.Digest[:])
	var k entryKey
	copy(k[:], h.Sum(nil))
	return k
}

// appendOnce appends e to keeper n's log unless the log holds it; a.mu
// is held.
func (a *auditKeeper) appendOnce(n nation.Nation, e audit.Entry) {
	l := a.logs[n]
	if l == nil {
		return
	}
	k := keyOf(e)
	if _, ok := a.seen[n][k]; ok {
		return
	}
	if _, err := l.Append(e); err == nil {
		a.dirty[n] = true
		a.seen[n][k] = struct{}{}
	}
}

// auditDir is where the demo keeps audit logs and keys.
func auditDir(dataDir string) string { return filepath.Join(dataDir, "audit") }

// loadAuditKeys reads each nation's public audit key from dir, and the
// private keys of the nations in own; with create, it first makes the keys
// of own that are missing. Private keys are 0600 files <n>.key; public keys
// <n>.pub are what `trilink audit verify` trusts and what a partner's node
// needs (`trilink audit keygen` makes a nation's pair).
func loadAuditKeys(dir string, own []nation.Nation, create bool) (audit.Keys, map[nation.Nation]ed25519.PrivateKey, error) {
	keys, privs := audit.Keys{}, map[nation.Nation]ed25519.PrivateKey{}
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, err
		}
	}
	for _, n := range own {
		keyFile := filepath.Join(dir, n.String()+".key")
		if create {
			if err := makeAuditKey(dir, n); err != nil {
				return nil, nil, err
			}
		}
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("audit key of %s: %w", n, err)
		}
		seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, nil, fmt.Errorf("%s: not an ed25519 seed", keyFile)
		}
		privs[n] = ed25519.NewKeyFromSeed(seed)
	}
	for _, n := range nation.Nations {
		pubFile := filepath.Join(dir, n.String()+".pub")
		b, err := os.ReadFile(pubFile)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("audit key of %s: %s is missing (on %s's side `trilink audit keygen --keys DIR --nation %s` makes it; copy the .pub here)", n, pubFile, n, n)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("audit key of %s: %w", n, err)
		}
		pub, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, nil, fmt.Errorf("%s: not an ed25519 public key", pubFile)
		}
		if priv, ok := privs[n]; ok && !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(pub)) {
			return nil, nil, fmt.Errorf("%s does not match %s.key", pubFile, n)
		}
		if keys[n], err = audit.NewVerifier(n, ed25519.PublicKey(pub)); err != nil {
			return nil, nil, err
		}
	}
	return keys, privs, nil
}

// makeAuditKey writes nation n's audit key pair into dir unless it is
// there. Several nodes of a loopback exercise may share dir: each file is
// written aside and linked into place, so the first writer wins and nobody
// reads half a file, and the public key is derived from the private key
// that won.
func makeAuditKey(dir string, n nation.Nation) error {
	keyFile := filepath.Join(dir, n.String()+".key")
	if _, err := os.Stat(keyFile); errors.Is(err, os.ErrNotExist) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if err := writeFirst(keyFile, []byte(hex.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return fmt.Errorf("%s: not an ed25519 seed", keyFile)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	return writeFirst(filepath.Join(dir, n.String()+".pub"), []byte(hex.EncodeToString(pub)+"\n"), 0o644)
}

// writeFirst writes b to path unless path exists, atomically.
func writeFirst(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// openAudit opens (or creates) the three nations' logs under dataDir (the
// demo).
func openAudit(dataDir string) (*auditKeeper, error) {
	dir := auditDir(dataDir)
	return openAuditOf(dir, dir, nation.Nations)
}

// openAuditOf opens (or creates) in dir the logs of the nations in own,
// and their witnesses of the partners' logs, with the keys in keysDir.
func openAuditOf(dir, keysDir string, own []nation.Nation) (*auditKeeper, error) {
	keys, privs, err := loadAuditKeys(keysDir, own, true)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	a := &auditKeeper{keys: keys, logs: map[nation.Nation]*audit.Log{}, witnesses: map[nation.Nation]*audit.Witness{},
		last: map[[2]nation.Nation]uint64{}, dirty: map[nation.Nation]bool{}, seen: map[nation.Nation]map[entryKey]struct{}{}}
	for _, n := range own {
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
		seen := make(map[entryKey]struct{}, l.Size())
		for i := range l.Size() {
			e, err := l.Entry(i)
			if err != nil {
				a.Close()
				return nil, fmt.Errorf("audit log of %s: %w", n, err)
			}
			seen[keyOf(e)] = struct{}{}
		}
		a.seen[n] = seen
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
	a.appendOnce(n, audit.Entry{Kind: kind, Time: at.UTC(), Nation: origin, Ref: ref, Digest: sha256.Sum256(object)})
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
	e.Time = e.Time.UTC()
	a.appendOnce(n, e)
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
			if a.witnesses[w] == nil {
				continue // a partner's node witnesses over the backbone (auditNet)
			}
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

// VerifyAudit checks the audit logs under dataDir — the demo's three, or a
// node's own (its data_dir) — with the keys in keysDir (default: beside
// the logs): every entry's inclusion, the consistency of successive
// checkpoints, the keeper's signatures and the partners' cosignatures. It
// prints a line per log and every problem, and fails if any.
func VerifyAudit(dataDir, keysDir string, stdout io.Writer) error {
	dir := auditDir(filepath.Join(dataDir, "demo"))
	if _, err := os.Stat(dir); err != nil {
		dir = auditDir(dataDir) // a node's data directory
	}
	if keysDir == "" {
		keysDir = dir
	}
	keys, _, err := loadAuditKeys(keysDir, nil, false)
	if err != nil {
		return usagef("--data: no audit keys in %s (%v)", keysDir, err)
	}
	bad, logs := 0, 0
	for _, n := range nation.Nations {
		if _, err := os.Stat(filepath.Join(dir, n.String())); err != nil {
			continue // a node keeps its own nation's log only
		}
		logs++
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
	if logs == 0 {
		return usagef("--data: no audit log in %s", dir)
	}
	if bad > 0 {
		return fmt.Errorf("audit verify: %d problems", bad)
	}
	return nil
}

// AuditKeygen makes nation n's audit key pair in dir (if it is not there)
// and prints where the public key is, to give to the partners' nodes.
func AuditKeygen(dir, n string, stdout io.Writer) error {
	nn, err := nation.Parse(n)
	if err != nil {
		return usagef("--nation: %v", err)
	}
	if dir == "" {
		return usagef("--dir: required")
	}
	if err := makeAuditKey(dir, nn); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s's audit key: %s (private, 0600); give %s to the partners' nodes (their audit.keys_dir)\n",
		nn, filepath.Join(dir, nn.String()+".key"), filepath.Join(dir, nn.String()+".pub"))
	return nil
}

// offer returns keeper k's checkpoint to offer to the partners' witnesses
// over the backbone, and the consistency proof each of them needs; nil
// when every partner has cosigned the log's current size.
func (a *auditKeeper) offer(k nation.Nation) ([]byte, map[nation.Nation][][]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.logs[k]
	if l == nil {
		return nil, nil, nil
	}
	size := l.Size()
	if size == 0 {
		return nil, nil, nil
	}
	proofs := map[nation.Nation][][]byte{}
	need := false
	for _, w := range k.Partners() {
		last := a.last[[2]nation.Nation{w, k}]
		if last >= size {
			continue
		}
		need = true
		if last > 0 {
			p, err := l.ConsistencyProof(last, size)
			if err != nil {
				return nil, nil, err
			}
			proofs[w] = p
		}
	}
	if !need {
		return nil, nil, nil
	}
	cp, err := l.Checkpoint()
	if err != nil {
		return nil, nil, err
	}
	a.dirty[k] = false
	return cp, proofs, nil
}

// witnessedAt records that witness w last cosigned size of keeper k's log
// (from its refusal): the next offer's proof starts there.
func (a *auditKeeper) witnessedAt(w, k nation.Nation, size uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last[[2]nation.Nation{w, k}] = size
}

// addCosignature merges witness w's cosignature into keeper k's log and
// returns the size it covers.
func (a *auditKeeper) addCosignature(w, k nation.Nation, cosigned []byte) (uint64, error) {
	cp, err := audit.ParseCheckpoint(checkpointText(cosigned))
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.logs[k]
	if l == nil {
		return 0, fmt.Errorf("audit: no log of %s here", k)
	}
	if err := l.AddCosignature(cosigned); err != nil {
		return 0, err
	}
	key := [2]nation.Nation{w, k}
	a.last[key] = max(a.last[key], cp.Size)
	return cp.Size, nil
}

// status is keeper k's log size and how far each partner has cosigned it
// (refused: the forks of each partner's log this node refused, if known).
func (a *auditKeeper) status(k nation.Nation, refused map[nation.Nation]int) *share.AuditStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.logs[k]
	if l == nil {
		return nil
	}
	st := &share.AuditStatus{Entries: l.Size(), Witnesses: []share.AuditWitness{}}
	for _, w := range k.Partners() {
		st.Witnesses = append(st.Witnesses, share.AuditWitness{Partner: w, Cosigned: a.last[[2]nation.Nation{w, k}], ForksRefused: refused[w]})
	}
	return st
}
