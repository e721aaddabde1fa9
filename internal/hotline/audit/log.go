package audit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/trilink/trilink/internal/nation"
	"golang.org/x/mod/sumdb/note"
)

var (
	// ErrFork is returned when two checkpoints of one log cannot both be
	// true: the same size with different roots, a smaller size than one
	// already cosigned, or a failed consistency proof.
	ErrFork = errors.New("audit: checkpoints fork")
	// ErrBadSignature is returned for a note signature that does not verify,
	// or a missing required one.
	ErrBadSignature = errors.New("audit: bad signature")
	// ErrTampered is returned by Verify when the report lists problems.
	ErrTampered = errors.New("audit: log does not verify")
	// ErrClosed is returned by a Log after Close or a failed write.
	ErrClosed = errors.New("audit: log closed or failed")
)

// Options configure a Log.
type Options struct {
	// Nation keeps the log; its origin is Origin(Nation). Required.
	Nation nation.Nation
	// Signer is the keeper's audit key (KeyName(Nation)). Required.
	Signer note.Signer
	// Keys are the trusted audit keys of the partners, whose cosignatures
	// AddCosignature accepts. Required for AddCosignature.
	Keys Keys
	// SyncEach makes Append fsync the entries file before it returns, so that
	// an appended entry survives a machine crash. Without it an entry is
	// durable once a later Sync or Checkpoint returns (a process crash loses
	// nothing either way: each record is written with one write(2)).
	SyncEach bool
}

// Log is one nation's append-only audit log in a directory (see files.go
// for the format). A Log is safe for concurrent use. Only one Log may have a
// directory open at a time.
type Log struct {
	dir    string
	opts   Options
	origin string

	mu      sync.Mutex // guards the fields below
	entries *os.File
	cps     *os.File
	tree    *tree
	offsets []int64 // offset of each entry record
	end     int64   // size of the entries file
	cpEnd   int64   // size of the checkpoints file
	notes   map[uint64][]byte
	latest  uint64 // size of the latest checkpoint; valid if len(notes) > 0
	err     error  // sticky: after a failed write the log refuses further writes
}

// Open opens the log in dir, creating it if dir holds none. It reads every
// entry and checks each against its recorded leaf hash, and checks the
// latest checkpoint's root, so that nothing is appended to a damaged log;
// run Verify for a full report. A torn final entry record (a crash during
// Append) is cut off if no checkpoint covers it.
func Open(dir string, o Options) (*Log, error) {
	if !o.Nation.Valid() {
		return nil, fmt.Errorf("open audit log: %w", nation.ErrUnknownNation)
	}
	if o.Signer == nil || o.Signer.Name() != KeyName(o.Nation) {
		return nil, fmt.Errorf("open audit log: %w: the signer must be named %q", ErrMalformed, KeyName(o.Nation))
	}
	if err := o.Keys.check(); err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	l := &Log{dir: dir, opts: o, origin: Origin(o.Nation), tree: newTree(), notes: map[uint64][]byte{}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	meta := []byte(metaMagic + l.origin + "\n")
	switch got, err := os.ReadFile(filepath.Join(dir, metaFile)); {
	case errors.Is(err, os.ErrNotExist):
		if err := writeFileAtomic(filepath.Join(dir, metaFile), meta); err != nil {
			return nil, fmt.Errorf("open audit log: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("open audit log: %w", err)
	case !bytes.Equal(got, meta):
		return nil, fmt.Errorf("open audit log %s: %w: it is not the log %q", dir, ErrMalformed, l.origin)
	}
	var err error
	if l.cps, err = os.OpenFile(filepath.Join(dir, checkpointsFile), os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if l.entries, err = os.OpenFile(filepath.Join(dir, entriesFile), os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		l.cps.Close()
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	if err := l.load(); err != nil {
		l.entries.Close()
		l.cps.Close()
		return nil, fmt.Errorf("open audit log %s: %w", dir, err)
	}
	if err := syncDir(dir); err != nil {
		l.entries.Close()
		l.cps.Close()
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return l, nil
}

func (l *Log) load() error {
	end, torn, err := readRecords(l.cps, 0, maxNote, func(r record) error {
		text, _, err := openNote(r.body, nil)
		if err != nil {
			return fmt.Errorf("checkpoint record %d: %w", r.index, err)
		}
		c, err := ParseCheckpoint(text)
		if err != nil {
			return fmt.Errorf("checkpoint record %d: %w", r.index, err)
		}
		if c.Origin != l.origin {
			return fmt.Errorf("checkpoint record %d: %w: origin %q", r.index, ErrMalformed, c.Origin)
		}
		l.notes[c.Size] = r.body
		l.latest = max(l.latest, c.Size)
		return nil
	})
	if err != nil {
		return err
	}
	if torn > 0 {
		if err := l.cps.Truncate(end); err != nil {
			return err
		}
	}
	l.cpEnd = end

	end, torn, err = readRecords(l.entries, leafSize, maxEntryRecord, func(r record) error {
		if _, err := ParseEntry(r.body); err != nil {
			return fmt.Errorf("entry %d: %w", r.index, err)
		}
		h := LeafHash(r.body)
		if !bytes.Equal(h, r.trailer) {
			return fmt.Errorf("entry %d: %w: content does not match its recorded leaf hash", r.index, ErrTampered)
		}
		l.tree.append(h)
		l.offsets = append(l.offsets, r.offset)
		return nil
	})
	if err != nil {
		return err
	}
	if len(l.notes) > 0 && l.tree.size() < l.latest {
		return fmt.Errorf("%w: %d entries, but a checkpoint covers %d", ErrTampered, l.tree.size(), l.latest)
	}
	if torn > 0 {
		if err := l.entries.Truncate(end); err != nil {
			return err
		}
		if err := l.entries.Sync(); err != nil {
			return err
		}
	}
	l.end = end
	if len(l.notes) > 0 {
		c, _ := l.checkpointOf(l.latest)
		root, err := l.tree.rootAt(c.Size)
		if err != nil {
			return err
		}
		if !bytes.Equal(root, c.Root) {
			return fmt.Errorf("%w: the entries do not match checkpoint %d", ErrTampered, c.Size)
		}
	}
	return nil
}

func (l *Log) checkpointOf(size uint64) (Checkpoint, error) {
	text, _, err := openNote(l.notes[size], nil)
	if err != nil {
		return Checkpoint{}, err
	}
	return ParseCheckpoint(text)
}

// Origin returns the log's origin line.
func (l *Log) Origin() string { return l.origin }

// Size returns the number of entries.
func (l *Log) Size() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tree.size()
}

// Append appends e and returns its index. The entry is written to the file
// before Append returns (and fsynced with Options.SyncEach). On a write
// error the log refuses further writes; reopening it cuts off a torn
// record.
func (l *Log) Append(e Entry) (uint64, error) {
	b, err := e.MarshalBinary()
	if err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	h := LeafHash(b)
	rec := frame(b, h)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	if _, err := l.entries.WriteAt(rec, l.end); err != nil {
		l.err = fmt.Errorf("%w: append: %v", ErrClosed, err)
		return 0, l.err
	}
	if l.opts.SyncEach {
		if err := l.entries.Sync(); err != nil {
			l.err = fmt.Errorf("%w: append: %v", ErrClosed, err)
			return 0, l.err
		}
	}
	i := l.tree.size()
	l.offsets = append(l.offsets, l.end)
	l.end += int64(len(rec))
	l.tree.append(h)
	return i, nil
}

// Sync makes every appended entry durable.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	return l.entries.Sync()
}

// Entry returns entry i as stored.
func (l *Log) Entry(i uint64) (Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		return Entry{}, ErrClosed
	}
	if i >= uint64(len(l.offsets)) {
		return Entry{}, fmt.Errorf("entry %d of %d", i, len(l.offsets))
	}
	next := l.end
	if i+1 < uint64(len(l.offsets)) {
		next = l.offsets[i+1]
	}
	buf := make([]byte, next-l.offsets[i])
	if _, err := l.entries.ReadAt(buf, l.offsets[i]); err != nil {
		return Entry{}, fmt.Errorf("entry %d: %w", i, err)
	}
	return ParseEntry(buf[recordHeaderSize : len(buf)-leafSize])
}

// Checkpoint signs and stores a checkpoint of the current size, after
// making every entry durable, and returns the signed note to send to the
// partners' witnesses. If the latest checkpoint already has this size, it
// returns that one (with the cosignatures gathered so far).
func (l *Log) Checkpoint() ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	size := l.tree.size()
	if n, ok := l.notes[size]; ok && size == l.latest {
		return slices.Clone(n), nil
	}
	if err := l.entries.Sync(); err != nil {
		l.err = fmt.Errorf("%w: checkpoint: %v", ErrClosed, err)
		return nil, l.err
	}
	root, err := l.tree.rootAt(size)
	if err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: Checkpoint{Origin: l.origin, Size: size, Root: root}.Text()}, l.opts.Signer)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %d: sign: %w", size, err)
	}
	if err := l.storeNote(size, msg); err != nil {
		return nil, err
	}
	return slices.Clone(msg), nil
}

func (l *Log) storeNote(size uint64, msg []byte) error {
	rec := frame(msg, nil)
	if _, err := l.cps.WriteAt(rec, l.cpEnd); err != nil {
		l.err = fmt.Errorf("%w: checkpoint %d: %v", ErrClosed, size, err)
		return l.err
	}
	if err := l.cps.Sync(); err != nil {
		l.err = fmt.Errorf("%w: checkpoint %d: %v", ErrClosed, size, err)
		return l.err
	}
	l.cpEnd += int64(len(rec))
	l.notes[size] = msg
	l.latest = max(l.latest, size)
	return nil
}

// AddCosignature merges the partners' signatures on cosigned, a checkpoint
// note returned by a Witness, into the stored checkpoint of the same size.
// It fails with ErrFork if the note's text is not that of a checkpoint this
// log signed, and ErrBadSignature if a partner's signature does not verify
// or none is there.
func (l *Log) AddCosignature(cosigned []byte) error {
	text, sigs, err := openNote(cosigned, l.opts.Keys)
	if err != nil {
		return fmt.Errorf("add cosignature: %w", err)
	}
	c, err := ParseCheckpoint(text)
	if err != nil {
		return fmt.Errorf("add cosignature: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	stored, ok := l.notes[c.Size]
	if !ok {
		return fmt.Errorf("add cosignature: %w: no checkpoint of size %d here", ErrFork, c.Size)
	}
	storedText, have, err := openNote(stored, l.opts.Keys)
	if err != nil {
		return err
	}
	if storedText != text {
		return fmt.Errorf("add cosignature: %w: the cosigned checkpoint of size %d differs from ours", ErrFork, c.Size)
	}
	merged := slices.Clone(have)
	seen := map[string]bool{}
	for _, s := range have {
		seen[s.sig.Name] = true
	}
	added, already := 0, false
	for _, s := range sigs {
		if s.sig.Name == KeyName(l.opts.Nation) {
			continue
		}
		if seen[s.sig.Name] {
			already = already || s.ok
			continue
		}
		if !s.ok {
			return fmt.Errorf("add cosignature to %d: %w: %s: %s", c.Size, ErrBadSignature, s.sig.Name, s.why)
		}
		seen[s.sig.Name] = true
		merged = append(merged, s)
		added++
	}
	if added == 0 {
		if already {
			return nil
		}
		return fmt.Errorf("add cosignature to %d: %w: no partner signature", c.Size, ErrBadSignature)
	}
	slices.SortStableFunc(merged, func(a, b sigResult) int {
		return signerOrder(a.sig.Name, l.opts.Nation) - signerOrder(b.sig.Name, l.opts.Nation)
	})
	out := make([]note.Signature, len(merged))
	for i, s := range merged {
		out[i] = s.sig
	}
	return l.storeNote(c.Size, formatNote(text, out))
}

// signerOrder puts the keeper's signature first, then the partners' in
// canonical order, then anything else.
func signerOrder(name string, keeper nation.Nation) int {
	if name == KeyName(keeper) {
		return 0
	}
	for _, n := range nation.Nations {
		if name == KeyName(n) {
			return int(n)
		}
	}
	return 100
}

// Latest returns the latest checkpoint note with the cosignatures gathered
// so far; or nil if there is none.
func (l *Log) Latest() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.notes) == 0 {
		return nil
	}
	return slices.Clone(l.notes[l.latest])
}

// RootAt returns the RFC 6962 root hash of the first size entries.
func (l *Log) RootAt(size uint64) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tree.rootAt(size)
}

// InclusionProof returns the RFC 9162 inclusion proof of entry index in the
// tree of the given size, for proof.VerifyInclusion.
func (l *Log) InclusionProof(index, size uint64) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tree.inclusion(index, size)
}

// ConsistencyProof returns the RFC 9162 consistency proof from size1 to
// size2, for proof.VerifyConsistency and Witness.Cosign.
func (l *Log) ConsistencyProof(size1, size2 uint64) ([][]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tree.consistency(size1, size2)
}

// Close syncs and closes the files. The Log refuses further use.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		return nil
	}
	err := errors.Join(l.entries.Sync(), l.entries.Close(), l.cps.Close())
	l.entries, l.cps = nil, nil
	if l.err == nil {
		l.err = ErrClosed
	}
	return err
}
