package audit_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
	"golang.org/x/mod/sumdb/note"
)

var t0 = time.Date(2026, 3, 1, 22, 22, 0, 0, time.UTC)

// fixture is jp's log witnessed by kr and us, with deterministic keys.
type fixture struct {
	dir       string
	keys      audit.Keys
	signers   map[nation.Nation]note.Signer
	witnesses map[nation.Nation]*audit.Witness
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{dir: filepath.Join(tb.TempDir(), "jp-audit"), keys: audit.Keys{}, signers: map[nation.Nation]note.Signer{},
		witnesses: map[nation.Nation]*audit.Witness{}}
	for _, n := range nation.Nations {
		seed := sha256.Sum256([]byte("audit test key " + n.String()))
		priv := ed25519.NewKeyFromSeed(seed[:])
		s, err := audit.NewSigner(n, priv)
		if err != nil {
			tb.Fatal(err)
		}
		v, err := audit.NewVerifier(n, priv.Public().(ed25519.PublicKey))
		if err != nil {
			tb.Fatal(err)
		}
		f.signers[n], f.keys[n] = s, v
	}
	for _, n := range []nation.Nation{nation.KR, nation.US} {
		w, err := audit.NewWitness(n, f.signers[n], f.keys, filepath.Join(tb.TempDir(), n.String()+"-witness"))
		if err != nil {
			tb.Fatal(err)
		}
		f.witnesses[n] = w
	}
	return f
}

func (f *fixture) open(tb testing.TB) *audit.Log {
	tb.Helper()
	l, err := audit.Open(f.dir, audit.Options{Nation: nation.JP, Signer: f.signers[nation.JP], Keys: f.keys})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

func entry(i int) audit.Entry {
	return audit.Entry{Kind: audit.KindMessage, Time: t0.Add(time.Duration(i) * time.Second), Nation: nation.Nations[i%3],
		Ref: fmt.Sprintf("msg-%05d", i), Digest: sha256.Sum256([]byte{byte(i), byte(i >> 8)})}
}

// checkpointSize parses the size out of a checkpoint note.
func checkpointSize(tb testing.TB, n []byte) uint64 {
	tb.Helper()
	text, _, ok := cutNote(n)
	if !ok {
		tb.Fatalf("not a note: %q", n)
	}
	c, err := audit.ParseCheckpoint(text)
	if err != nil {
		tb.Fatal(err)
	}
	return c.Size
}

func cutNote(n []byte) (text, sigs string, ok bool) {
	s := string(n)
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '\n' && s[i+1] == '\n' {
			return s[:i+1], s[i+2:], true
		}
	}
	return "", "", false
}

// cosign has each partner witness cosign l's newest checkpoint, as the
// transport would carry it, and hands the cosignatures back to l.
func (f *fixture) cosign(tb testing.TB, l *audit.Log) {
	tb.Helper()
	cp, err := l.Checkpoint()
	if err != nil {
		tb.Fatal(err)
	}
	size := checkpointSize(tb, cp)
	for _, n := range []nation.Nation{nation.KR, nation.US} {
		w := f.witnesses[n]
		var from uint64
		if last := w.Last(nation.JP); last != nil {
			from = checkpointSize(tb, last)
		}
		p, err := l.ConsistencyProof(from, size)
		if err != nil {
			tb.Fatal(err)
		}
		co, err := w.Cosign(cp, p)
		if err != nil {
			tb.Fatalf("%s cosigns %d: %v", n, size, err)
		}
		if err := l.AddCosignature(co); err != nil {
			tb.Fatalf("AddCosignature from %s: %v", n, err)
		}
	}
}

// buildLog appends n entries to a new log, checkpointing and cosigning
// every `every` entries, and closes it.
func (f *fixture) buildLog(tb testing.TB, n, every int) {
	tb.Helper()
	l := f.open(tb)
	for i := range n {
		idx, err := l.Append(entry(i))
		if err != nil || idx != uint64(i) {
			tb.Fatalf("Append %d = %d, %v", i, idx, err)
		}
		if (i+1)%every == 0 {
			f.cosign(tb, l)
		}
	}
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
}

func (f *fixture) witnessed() [][]byte {
	return [][]byte{f.witnesses[nation.KR].Last(nation.JP), f.witnesses[nation.US].Last(nation.JP)}
}

// records splits a file of framed records (u32 length ‖ body ‖ trailer).
func records(tb testing.TB, path string, trailer int) (offsets []int, bodies [][]byte) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	for off := 0; off < len(b); {
		n := int(binary.BigEndian.Uint32(b[off:]))
		offsets = append(offsets, off)
		bodies = append(bodies, b[off+4:off+4+n])
		off += 4 + n + trailer
	}
	return offsets, bodies
}

func writeRecords(tb testing.TB, path string, bodies [][]byte, trailer func(body []byte) []byte) {
	tb.Helper()
	var out []byte
	for _, b := range bodies {
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
		if trailer != nil {
			out = append(out, trailer(b)...)
		}
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// problems returns the report's problems of kind k.
func problems(r *audit.Report, k audit.ProblemKind) []audit.Problem {
	var out []audit.Problem
	for _, p := range r.Problems {
		if p.Kind == k {
			out = append(out, p)
		}
	}
	return out
}
