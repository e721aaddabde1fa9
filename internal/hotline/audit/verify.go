package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/trilink/trilink/internal/nation"
)

// ProblemKind classifies what Verify found.
//
// The values are persisted (in reports): do not reorder.
type ProblemKind int

const (
	ProblemUnknown   ProblemKind = iota
	EntryCorrupt                 // an entry's content does not match its recorded leaf hash
	EntryMalformed               // an entry does not decode
	Framing                      // a record's length is impossible: the file is damaged from there on
	RootMismatch                 // a checkpoint's root differs from the root of the entries it covers
	BadSignature                 // a signature on a checkpoint does not verify
	MissingSignature             // a checkpoint lacks the keeper's signature
	UnknownSigner                // a signature by a key not in the trusted keys
	Inconsistent                 // two checkpoints are not consistent
	Fork                         // two checkpoints of the same size differ
	Truncated                    // a checkpoint covers more entries than the log holds
	BadCheckpoint                // a checkpoint does not parse or is for another log
)

var problemNames = [...]string{"unknown", "entry-corrupt", "entry-malformed", "framing", "root-mismatch", "bad-signature",
	"missing-signature", "unknown-signer", "inconsistent", "fork", "truncated", "bad-checkpoint"}

// String returns the kind's name, e.g. "entry-corrupt".
func (k ProblemKind) String() string {
	if k > ProblemUnknown && int(k) < len(problemNames) {
		return problemNames[k]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k ProblemKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Problem is one thing wrong with a log.
type Problem struct {
	Kind ProblemKind
	// Entry is the index of the entry concerned, or -1.
	Entry int64
	// Checkpoint is the size of the checkpoint concerned, or -1.
	Checkpoint int64
	// Signer is the key name of the signature concerned, or "".
	Signer string
	Detail string
}

func (p Problem) String() string {
	var where []string
	if p.Entry >= 0 {
		where = append(where, fmt.Sprintf("entry %d", p.Entry))
	}
	if p.Checkpoint >= 0 {
		where = append(where, fmt.Sprintf("checkpoint %d", p.Checkpoint))
	}
	if p.Signer != "" {
		where = append(where, "signature by "+p.Signer)
	}
	return fmt.Sprintf("%s: %s: %s", strings.Join(where, ", "), p.Kind, p.Detail)
}

// Report is what Verify found.
type Report struct {
	Origin string
	Nation nation.Nation
	// Entries is the number of complete entry records.
	Entries uint64
	// Checkpoints is the number of checkpoint sizes.
	Checkpoints int
	// Cosigned is the size of the latest checkpoint signed by the keeper and
	// every partner in the trusted keys (it vouches for every entry before
	// it); 0 if none.
	Cosigned uint64
	// Pending lists the sizes of later checkpoints still lacking a partner's
	// cosignature: not a problem, but not yet witnessed.
	Pending []uint64
	// Uncovered is the number of entries after the latest checkpoint.
	Uncovered uint64
	// TornTail is the size in bytes of an incomplete final entry record left
	// by a crash (Open cuts it off); 0 if none.
	TornTail int64
	// Problems are the findings; none means the log verifies.
	Problems []Problem
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(k ProblemKind, entry, cp int64, signer, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Kind: k, Entry: entry, Checkpoint: cp, Signer: signer, Detail: fmt.Sprintf(format, args...)})
}

// Verify checks the log in dir against the trusted keys, which must include
// the keeper's, without changing anything:
//
//   - every entry decodes and matches its recorded leaf hash;
//   - every checkpoint parses, is for this log, bears a valid keeper
//     signature, and has valid signatures only (cosignatures included);
//   - each checkpoint's root is the root of the entries it covers;
//   - successive checkpoints are consistent (RFC 9162 §2.1.4 proofs);
//   - two checkpoints of one size agree;
//   - each witnessed note (a cosigned checkpoint kept by a partner, e.g.
//     Witness.Last) is validly signed and agrees with the entries here, so
//     that a keeper who rewrote its history and re-signed it is caught.
//
// It returns an error wrapping ErrTampered when the report lists problems,
// and another error when dir cannot be read as a log at all.
func Verify(dir string, keys Keys, witnessed ...[]byte) (*Report, error) {
	if err := keys.check(); err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	meta, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	origin, ok := strings.CutPrefix(string(meta), metaMagic)
	origin, ok2 := strings.CutSuffix(origin, "\n")
	keeper, err := OriginNation(origin)
	if !ok || !ok2 || err != nil {
		return nil, fmt.Errorf("verify %s: %w: %s file", dir, ErrMalformed, metaFile)
	}
	if keys[keeper] == nil {
		return nil, fmt.Errorf("verify %s: no trusted key for the keeper %s", dir, keeper)
	}
	rep := &Report{Origin: origin, Nation: keeper}

	// Entries.
	t := newTree()
	firstBad := int64(-1) // the first entry with a problem
	bad := func(i int64) {
		if firstBad < 0 {
			firstBad = i
		}
	}
	f, err := os.Open(filepath.Join(dir, entriesFile))
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	_, torn, err := readRecords(f, leafSize, maxEntryRecord, func(r record) error {
		i := int64(r.index)
		if _, err := ParseEntry(r.body); err != nil {
			rep.add(EntryMalformed, i, -1, "", "at offset %d: %v", r.offset, err)
			bad(i)
		}
		h := LeafHash(r.body)
		if !bytes.Equal(h, r.trailer) {
			rep.add(EntryCorrupt, i, -1, "", "at offset %d: content does not match its recorded leaf hash", r.offset)
			bad(i)
		}
		t.append(h)
		return nil
	})
	f.Close()
	if errors.Is(err, errFraming) {
		rep.add(Framing, int64(t.size()), -1, "", "%v", err)
		bad(int64(t.size()))
	} else if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	rep.Entries, rep.TornTail = t.size(), torn

	// Checkpoints, grouped by size.
	type cpInfo struct {
		text    string
		root    []byte
		signers map[nation.Nation]bool // valid signatures
		matches bool                   // the root is that of the entries
		good    bool                   // keeper-signed and matching the entries
	}
	cps := map[uint64]*cpInfo{}
	b, err := os.ReadFile(filepath.Join(dir, checkpointsFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	_, _, err = readRecords(bytes.NewReader(b), 0, maxNote, func(r record) error {
		text, sigs, err := openNote(r.body, keys)
		if err != nil {
			rep.add(BadCheckpoint, -1, -1, "", "record %d: %v", r.index, err)
			return nil
		}
		c, err := ParseCheckpoint(text)
		if err != nil || c.Origin != origin {
			rep.add(BadCheckpoint, -1, -1, "", "record %d: not a checkpoint of %s: %v", r.index, origin, err)
			return nil
		}
		size := int64(c.Size)
		info := cps[c.Size]
		if info == nil {
			info = &cpInfo{text: text, root: c.Root, signers: map[nation.Nation]bool{}}
			cps[c.Size] = info
		} else if info.text != text {
			rep.add(Fork, -1, size, "", "two checkpoints of this size: roots %s and %s", b64(info.root), b64(c.Root))
			return nil
		}
		keeperSigned := false
		for _, s := range sigs {
			switch {
			case s.ok:
				info.signers[s.nation] = true
				keeperSigned = keeperSigned || s.nation == keeper
			case s.why == "unknown signer" || strings.HasPrefix(s.why, "unknown key"):
				rep.add(UnknownSigner, -1, size, s.sig.Name, "%s", s.why)
			default:
				rep.add(BadSignature, -1, size, s.sig.Name, "signature does not verify over this checkpoint")
			}
		}
		if !keeperSigned {
			rep.add(MissingSignature, -1, size, KeyName(keeper), "no valid signature by the keeper")
		}
		return nil
	})
	if err != nil {
		rep.add(BadCheckpoint, -1, -1, "", "%v", err)
	}
	sizes := make([]uint64, 0, len(cps))
	for s := range cps {
		sizes = append(sizes, s)
	}
	slices.Sort(sizes)
	rep.Checkpoints = len(sizes)
	prevGood := int64(-1)
	for _, s := range sizes {
		info := cps[s]
		if s > t.size() {
			rep.add(Truncated, -1, int64(s), "", "covers %d entries, the log holds %d", s, t.size())
			continue
		}
		root, _ := t.rootAt(s)
		switch {
		case bytes.Equal(root, info.root):
			info.matches = true
			info.good = info.signers[keeper]
		case firstBad >= 0 && firstBad < int64(s):
			// Explained by the damaged entry already reported.
		default:
			from := uint64(0)
			if prevGood >= 0 {
				from = uint64(prevGood)
			}
			rep.add(RootMismatch, -1, int64(s), "", "signed root %s, the entries give %s: entries in [%d, %d) were changed", b64(info.root), b64(root), from, s)
		}
		if !info.good {
			continue
		}
		if prevGood >= 0 {
			// Implied by both roots matching one tree; checked with the RFC
			// 9162 algorithm all the same, as a partner would.
			p, err := t.consistency(uint64(prevGood), s)
			if err == nil {
				err = proof.VerifyConsistency(hasher, uint64(prevGood), s, p, cps[uint64(prevGood)].root, info.root)
			}
			if err != nil {
				rep.add(Inconsistent, -1, int64(s), "", "not consistent with checkpoint %d: %v", prevGood, err)
			}
		}
		prevGood = int64(s)
	}
	for _, s := range sizes {
		info := cps[s]
		all := info.good
		for n := range keys {
			all = all && info.signers[n]
		}
		if all {
			rep.Cosigned = s
		}
	}
	for _, s := range sizes {
		if s > rep.Cosigned && cps[s].good {
			rep.Pending = append(rep.Pending, s)
		}
	}
	if len(sizes) > 0 && sizes[len(sizes)-1] <= t.size() {
		rep.Uncovered = t.size() - sizes[len(sizes)-1]
	} else if len(sizes) == 0 {
		rep.Uncovered = t.size()
	}

	// Witnessed checkpoints.
	for i, w := range witnessed {
		text, sigs, err := openNote(w, keys)
		if err != nil {
			rep.add(BadCheckpoint, -1, -1, "", "witnessed note %d: %v", i, err)
			continue
		}
		c, err := ParseCheckpoint(text)
		if err != nil || c.Origin != origin {
			rep.add(BadCheckpoint, -1, -1, "", "witnessed note %d: not a checkpoint of %s: %v", i, origin, err)
			continue
		}
		size := int64(c.Size)
		var by []string
		var byNation []nation.Nation
		keeperOK := false
		for _, s := range sigs {
			switch {
			case s.ok && s.nation == keeper:
				keeperOK = true
			case s.ok:
				by = append(by, s.nation.String())
				byNation = append(byNation, s.nation)
			default:
				rep.add(BadSignature, -1, size, s.sig.Name, "witnessed note %d: %s", i, s.why)
			}
		}
		if !keeperOK || len(by) == 0 {
			rep.add(MissingSignature, -1, size, "", "witnessed note %d: needs the keeper's signature and a partner's", i)
			continue
		}
		who := strings.Join(by, ", ")
		if c.Size > t.size() {
			rep.add(Truncated, -1, size, "", "%s cosigned %d entries, the log holds %d: entries were removed", who, c.Size, t.size())
			continue
		}
		root, _ := t.rootAt(c.Size)
		if !bytes.Equal(root, c.Root) && !(firstBad >= 0 && firstBad < size) { // else explained by the damaged entry
			// The witness's own earlier cosignature on a checkpoint that
			// still matches bounds where the rewriting starts.
			from := uint64(0)
			for _, s := range sizes {
				if s < c.Size && cps[s].matches && slices.ContainsFunc(byNation, func(n nation.Nation) bool { return cps[s].signers[n] }) {
					from = s
				}
			}
			rep.add(Fork, -1, size, "", "%s cosigned root %s at this size, the entries here give %s: entries in [%d, %d) were rewritten",
				who, b64(c.Root), b64(root), from, c.Size)
		}
		if info := cps[c.Size]; info != nil && info.text != text {
			rep.add(Fork, -1, size, "", "%s cosigned root %s, the log's own checkpoint says %s", who, b64(c.Root), b64(info.root))
		}
	}

	if !rep.OK() {
		return rep, fmt.Errorf("verify %s: %w: %d problems, the first: %s", dir, ErrTampered, len(rep.Problems), rep.Problems[0])
	}
	return rep, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
