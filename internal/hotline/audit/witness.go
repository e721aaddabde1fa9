package audit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/transparency-dev/merkle/proof"
	"github.com/trilink/trilink/internal/nation"
	"golang.org/x/mod/sumdb/note"
)

// Witness cosigns the partners' checkpoints (C2SP tlog-witness, simplified):
// it signs a checkpoint only if it is consistent with the last one it
// cosigned for that log, so a keeper cannot show two histories and have
// both cosigned. It remembers, per log, the last checkpoint it cosigned; that
// memory is what Verify's witnessed notes come from.
//
// A Witness is safe for concurrent use.
type Witness struct {
	self   nation.Nation
	signer note.Signer
	keys   Keys   // trusted keys of every nation
	dir    string // state directory; "" keeps state in memory only

	mu   sync.Mutex // guards last
	last map[nation.Nation]witnessed
}

type witnessed struct {
	cp   Checkpoint
	note []byte // as cosigned: the keeper's and our signature
}

// NewWitness returns the witness of nation self, which signs with signer
// and trusts keys (which must hold the keepers' keys and self's). State is
// kept in dir, one file per log ("<keeper>.note"), written before a
// cosignature is returned; dir may be "" for a witness without memory across
// restarts (tests only: a witness that forgets can be made to cosign a fork).
func NewWitness(self nation.Nation, signer note.Signer, keys Keys, dir string) (*Witness, error) {
	if signer == nil || signer.Name() != KeyName(self) {
		return nil, fmt.Errorf("witness: %w: the signer must be named %q", ErrMalformed, KeyName(self))
	}
	if err := keys.check(); err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	w := &Witness{self: self, signer: signer, keys: keys, dir: dir, last: map[nation.Nation]witnessed{}}
	if dir == "" {
		return w, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	for _, keeper := range nation.Nations {
		b, err := os.ReadFile(filepath.Join(dir, keeper.String()+".note"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("witness: %w", err)
		}
		c, _, err := w.check(b, keeper, self)
		if err != nil {
			return nil, fmt.Errorf("witness state for %s: %w", keeper, err)
		}
		w.last[keeper] = witnessed{cp: c, note: b}
	}
	return w, nil
}

// check opens a checkpoint note of keeper's log and requires valid
// signatures by keeper and each of signers. It returns the checkpoint and
// the keeper's signature.
func (w *Witness) check(msg []byte, keeper nation.Nation, signers ...nation.Nation) (Checkpoint, note.Signature, error) {
	text, sigs, err := openNote(msg, w.keys)
	if err != nil {
		return Checkpoint{}, note.Signature{}, err
	}
	c, err := ParseCheckpoint(text)
	if err != nil {
		return Checkpoint{}, note.Signature{}, err
	}
	if c.Origin != Origin(keeper) {
		return Checkpoint{}, note.Signature{}, fmt.Errorf("%w: origin %q, want %q", ErrMalformed, c.Origin, Origin(keeper))
	}
	var keeperSig note.Signature
	for _, n := range append([]nation.Nation{keeper}, signers...) {
		i := slices.IndexFunc(sigs, func(s sigResult) bool { return s.sig.Name == KeyName(n) })
		switch {
		case i < 0:
			return Checkpoint{}, note.Signature{}, fmt.Errorf("%w: no signature by %s", ErrBadSignature, KeyName(n))
		case !sigs[i].ok:
			return Checkpoint{}, note.Signature{}, fmt.Errorf("%w: signature by %s: %s", ErrBadSignature, KeyName(n), sigs[i].why)
		case n == keeper:
			keeperSig = sigs[i].sig
		}
	}
	return c, keeperSig, nil
}

// Cosign checks signed, a partner's checkpoint note, and returns it with the
// witness's signature added. consistency is the proof from the last
// checkpoint this witness cosigned for that log (Log.ConsistencyProof); it is
// ignored the first time (trust on first use).
//
// It fails with ErrBadSignature if the keeper's signature does not verify,
// and with ErrFork if the checkpoint is smaller than the last cosigned, of
// the same size with a different root, or not provably consistent with it.
func (w *Witness) Cosign(signed []byte, consistency [][]byte) ([]byte, error) {
	text, _, err := openNote(signed, w.keys)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	c, err := ParseCheckpoint(text)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	keeper, err := OriginNation(c.Origin)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	if keeper == w.self {
		return nil, fmt.Errorf("cosign: %w: %s does not witness its own log", ErrMalformed, w.self)
	}
	_, keeperSig, err := w.check(signed, keeper)
	if err != nil {
		return nil, fmt.Errorf("cosign %s checkpoint %d: %w", keeper, c.Size, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if last, ok := w.last[keeper]; ok {
		switch {
		case c.Size < last.cp.Size:
			return nil, fmt.Errorf("cosign %s checkpoint %d: %w: %s already cosigned size %d", keeper, c.Size, ErrFork, w.self, last.cp.Size)
		case c.Size == last.cp.Size && !bytes.Equal(c.Root, last.cp.Root):
			return nil, fmt.Errorf("cosign %s checkpoint %d: %w: %s cosigned root %x at this size, now %x", keeper, c.Size, ErrFork, w.self, last.cp.Root, c.Root)
		case c.Size == last.cp.Size:
			return slices.Clone(last.note), nil
		}
		// SECURITY REVIEW: the whole point of witnessing; the old root is the
		// one we signed, never one supplied with the request.
		if err := proof.VerifyConsistency(hasher, last.cp.Size, c.Size, consistency, last.cp.Root, c.Root); err != nil {
			return nil, fmt.Errorf("cosign %s checkpoint %d: %w: not consistent with size %d: %v", keeper, c.Size, ErrFork, last.cp.Size, err)
		}
	}
	out, err := note.Sign(&note.Note{Text: text, Sigs: []note.Signature{keeperSig}}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("cosign %s checkpoint %d: %w", keeper, c.Size, err)
	}
	if w.dir != "" {
		if err := writeFileAtomic(filepath.Join(w.dir, keeper.String()+".note"), out); err != nil {
			return nil, fmt.Errorf("cosign %s checkpoint %d: save state: %w", keeper, c.Size, err)
		}
	}
	w.last[keeper] = witnessed{cp: c, note: out}
	return slices.Clone(out), nil
}

// Last returns the last checkpoint note the witness cosigned for keeper's
// log (with the keeper's and the witness's signatures), or nil. Give it to
// Verify to check the keeper's log against it.
func (w *Witness) Last(keeper nation.Nation) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.last[keeper].note)
}
