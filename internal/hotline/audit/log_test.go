package audit_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
	"golang.org/x/mod/sumdb/note"
)

func TestAppendThousandVerify(t *testing.T) {
	f := newFixture(t)
	f.buildLog(t, 1000, 100)
	rep, err := audit.Verify(f.dir, f.keys, f.witnessed()...)
	if err != nil {
		t.Fatalf("Verify: %v\n%v", err, rep.Problems)
	}
	if rep.Entries != 1000 || rep.Checkpoints != 10 || rep.Cosigned != 1000 || len(rep.Pending) != 0 || rep.Uncovered != 0 ||
		rep.Nation != nation.JP || rep.Origin != "trilink/jp/audit" || !rep.OK() {
		t.Errorf("report = %+v", rep)
	}

	// Reopened, the log serves entries and proofs that check against the
	// cosigned checkpoint.
	l := f.open(t)
	if l.Size() != 1000 {
		t.Fatalf("Size after reopening = %d", l.Size())
	}
	latest := l.Latest()
	n, err := note.Open(latest, note.VerifierList(f.keys[nation.JP], f.keys[nation.KR], f.keys[nation.US]))
	if err != nil || len(n.Sigs) != 3 {
		t.Fatalf("latest checkpoint: %v, %d signatures, want 3", err, len(n.Sigs))
	}
	for i, want := range []string{"trilink-jp", "trilink-kr", "trilink-us"} {
		if n.Sigs[i].Name != want {
			t.Errorf("signature %d by %s, want %s", i, n.Sigs[i].Name, want)
		}
	}
	cp, err := audit.ParseCheckpoint(n.Text)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{0, 1, 421, 511, 512, 998, 999} {
		e, err := l.Entry(i)
		if err != nil || !reflect.DeepEqual(e, entry(int(i))) {
			t.Errorf("Entry(%d) = %+v, %v", i, e, err)
		}
		b, _ := e.MarshalBinary()
		p, err := l.InclusionProof(i, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, cp.Size, audit.LeafHash(b), p, cp.Root); err != nil {
			t.Errorf("inclusion of %d: %v", i, err)
		}
	}
	for _, sizes := range [][2]uint64{{0, 1000}, {100, 1000}, {300, 700}, {999, 1000}, {1000, 1000}} {
		r1, _ := l.RootAt(sizes[0])
		r2, _ := l.RootAt(sizes[1])
		p, err := l.ConsistencyProof(sizes[0], sizes[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, sizes[0], sizes[1], p, r1, r2); err != nil {
			t.Errorf("consistency %v: %v", sizes, err)
		}
	}
	// It goes on where it stopped.
	if i, err := l.Append(entry(1000)); err != nil || i != 1000 {
		t.Fatalf("Append after reopening = %d, %v", i, err)
	}
	f.cosign(t, l)
	l.Close()
	if rep, err := audit.Verify(f.dir, f.keys, f.witnessed()...); err != nil || rep.Cosigned != 1001 {
		t.Errorf("Verify after growth: %v, cosigned %d", err, rep.Cosigned)
	}
}

// A known RFC 6962 vector: the root of the empty tree and of one leaf.
func TestRootVectors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	f := newFixture(t)
	l, err := audit.Open(dir, audit.Options{Nation: nation.JP, Signer: f.signers[nation.JP]})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r0, _ := l.RootAt(0)
	if got, want := b64(r0), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; got != want { // SHA-256("")
		t.Errorf("empty root %s, want %s", got, want)
	}
	e := entry(0)
	b, _ := e.MarshalBinary()
	if _, err := l.Append(e); err != nil {
		t.Fatal(err)
	}
	r1, _ := l.RootAt(1)
	if !bytes.Equal(r1, rfc6962.DefaultHasher.HashLeaf(b)) {
		t.Errorf("one-leaf root is not the leaf hash")
	}
}

func TestFlippedByteNamesTheEntry(t *testing.T) {
	for _, tt := range []struct {
		name   string
		offset func(off int, body []byte) int // byte to flip, given entry 421's record
	}{
		{"entry_ref", func(off int, body []byte) int { return off + 4 + bytes.Index(body, []byte("msg-00421")) + 6 }},
		{"entry_digest", func(off int, body []byte) int { return off + 4 + len(body) - 10 }},
		{"entry_time", func(off int, body []byte) int { return off + 4 + 8 }},
		{"recorded_leaf_hash", func(off int, body []byte) int { return off + 4 + len(body) + 5 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.buildLog(t, 1000, 100)
			path := filepath.Join(f.dir, "entries")
			offs, bodies := records(t, path, 32)
			b, _ := os.ReadFile(path)
			b[tt.offset(offs[421], bodies[421])] ^= 0x01
			os.WriteFile(path, b, 0o600)

			rep, err := audit.Verify(f.dir, f.keys, f.witnessed()...)
			if !errors.Is(err, audit.ErrTampered) {
				t.Fatalf("Verify = %v, want ErrTampered", err)
			}
			if len(rep.Problems) != 1 || rep.Problems[0].Kind != audit.EntryCorrupt || rep.Problems[0].Entry != 421 {
				t.Errorf("problems = %v, want one entry-corrupt at entry 421", rep.Problems)
			}
			if !strings.Contains(err.Error(), "entry 421") {
				t.Errorf("error %q does not name entry 421", err)
			}
			if _, err := audit.Open(f.dir, audit.Options{Nation: nation.JP, Signer: f.signers[nation.JP], Keys: f.keys}); err == nil || !strings.Contains(err.Error(), "entry 421") {
				t.Errorf("Open of the damaged log = %v, want an error naming entry 421", err)
			}
		})
	}
}

// rewrite changes entry i and its recorded leaf hash consistently, as
// someone with write access to the directory could.
func rewrite(t *testing.T, f *fixture, i int) {
	t.Helper()
	path := filepath.Join(f.dir, "entries")
	_, bodies := records(t, path, 32)
	e := entry(i)
	e.Ref = "msg-forged"
	bodies[i], _ = e.MarshalBinary()
	writeRecords(t, path, bodies, audit.LeafHash)
}

func TestRewrittenRunIsBracketed(t *testing.T) {
	f := newFixture(t)
	f.buildLog(t, 1000, 100)
	rewrite(t, f, 450)
	rep, err := audit.Verify(f.dir, f.keys)
	if !errors.Is(err, audit.ErrTampered) {
		t.Fatalf("Verify = %v", err)
	}
	mm := problems(rep, audit.RootMismatch)
	if len(mm) != 6 || mm[0].Checkpoint != 500 || !strings.Contains(mm[0].Detail, "[400, 500)") {
		t.Errorf("root mismatches = %v, want checkpoints 500…1000, the first bracketing [400, 500)", mm)
	}
	if rep.Cosigned != 400 || len(rep.Pending) != 0 {
		// Checkpoints 500… are intact and cosigned, but no longer vouch for these entries.
		t.Errorf("cosigned = %d, pending %v; want 400 and none", rep.Cosigned, rep.Pending)
	}
	if _, err := audit.Open(f.dir, audit.Options{Nation: nation.JP, Signer: f.signers[nation.JP], Keys: f.keys}); !errors.Is(err, audit.ErrTampered) {
		t.Errorf("Open = %v, want ErrTampered", err)
	}
}

// Japan rewrites entry 950 and re-signs checkpoint 1000 with its own key:
// same size, different root. The partners' cosignatures expose it.
func TestForkedCheckpointDetectedByCosigners(t *testing.T) {
	f := newFixture(t)
	f.buildLog(t, 1000, 100)
	rewrite(t, f, 950)
	l := openRaw(t, f) // recompute the forged root with the library itself
	forgedRoot, _ := l.RootAt(1000)
	l.Close()
	forgedText := audit.Checkpoint{Origin: audit.Origin(nation.JP), Size: 1000, Root: forgedRoot}.Text()
	forged, err := note.Sign(&note.Note{Text: forgedText}, f.signers[nation.JP])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, "checkpoints")
	_, notes := records(t, path, 0)
	last := notes[len(notes)-1] // checkpoint 1000 with both cosignatures
	if checkpointSize(t, last) != 1000 {
		t.Fatal("the last checkpoint record is not size 1000")
	}
	_, oldSigs, _ := cutNote(last)
	keepCosigs := append([]byte(forgedText+"\n"), oldSigs...) // the keeper's old line fails too
	keepCosigs = bytes.Replace(keepCosigs, []byte(firstLine(oldSigs)), []byte(firstLine(string(forged[len(forgedText)+1:]))), 1)
	var kept [][]byte
	for _, n := range notes {
		if checkpointSize(t, n) != 1000 {
			kept = append(kept, n)
		}
	}

	t.Run("cosignatures_kept", func(t *testing.T) {
		writeRecords(t, path, append(kept, keepCosigs), nil)
		rep, err := audit.Verify(f.dir, f.keys)
		if !errors.Is(err, audit.ErrTampered) {
			t.Fatalf("Verify = %v", err)
		}
		bad := problems(rep, audit.BadSignature)
		if len(bad) != 2 || bad[0].Checkpoint != 1000 || bad[0].Signer != "trilink-kr" || bad[1].Signer != "trilink-us" {
			t.Errorf("bad signatures = %v, want kr's and us's on checkpoint 1000", bad)
		}
	})
	t.Run("cosignatures_dropped", func(t *testing.T) {
		writeRecords(t, path, append(kept, forged), nil)
		rep, err := audit.Verify(f.dir, f.keys)
		if err != nil {
			t.Fatalf("without the partners' memory the forgery is self-consistent: %v", err)
		}
		if rep.Cosigned != 900 || !reflect.DeepEqual(rep.Pending, []uint64{1000}) {
			t.Errorf("cosigned %d, pending %v; want 900 and [1000]: the forged checkpoint lacks cosignatures", rep.Cosigned, rep.Pending)
		}
		rep, err = audit.Verify(f.dir, f.keys, f.witnessed()...)
		if !errors.Is(err, audit.ErrTampered) {
			t.Fatalf("Verify with the witnesses' checkpoints = %v", err)
		}
		forks := problems(rep, audit.Fork)
		if len(forks) < 2 || forks[0].Checkpoint != 1000 || !strings.Contains(forks[0].Detail, "kr cosigned") || !strings.Contains(forks[0].Detail, "entries in [900, 1000) were rewritten") ||
			!strings.Contains(forks[len(forks)-1].Detail, "us cosigned") {
			t.Errorf("forks = %v, want checkpoint 1000 contradicted by kr and us", forks)
		}
	})
	t.Run("witnesses_refuse", func(t *testing.T) {
		for _, n := range []nation.Nation{nation.KR, nation.US} {
			if _, err := f.witnesses[n].Cosign(forged, nil); !errors.Is(err, audit.ErrFork) {
				t.Errorf("%s cosigns the forged checkpoint: %v, want ErrFork", n, err)
			}
		}
	})
}

func firstLine(s string) string {
	i := strings.IndexByte(s, '\n')
	return s[:i+1]
}

// openRaw opens the log without the load-time checks getting in the way of
// computing roots: a fresh log with the same entries.
func openRaw(t *testing.T, f *fixture) *audit.Log {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "copy")
	l, err := audit.Open(dir, audit.Options{Nation: nation.JP, Signer: f.signers[nation.JP]})
	if err != nil {
		t.Fatal(err)
	}
	_, bodies := records(t, filepath.Join(f.dir, "entries"), 32)
	for _, b := range bodies {
		e, err := audit.ParseEntry(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestFlippedSignatureNamesSigner(t *testing.T) {
	f := newFixture(t)
	f.buildLog(t, 300, 100)
	path := filepath.Join(f.dir, "checkpoints")
	b, _ := os.ReadFile(path)
	i := bytes.LastIndex(b, []byte("— trilink-us ")) + len("— trilink-us ") + 30
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	os.WriteFile(path, b, 0o600)
	rep, err := audit.Verify(f.dir, f.keys)
	if !errors.Is(err, audit.ErrTampered) {
		t.Fatalf("Verify = %v", err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != audit.BadSignature || rep.Problems[0].Signer != "trilink-us" || rep.Problems[0].Checkpoint != 300 {
		t.Errorf("problems = %v, want one: us's signature on checkpoint 300", rep.Problems)
	}
}

func TestTruncatedLog(t *testing.T) {
	f := newFixture(t)
	f.buildLog(t, 200, 100)
	path := filepath.Join(f.dir, "entries")
	offs, _ := records(t, path, 32)
	if err := os.Truncate(path, int64(offs[150])); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(f.dir, f.keys, f.witnessed()...)
	if !errors.Is(err, audit.ErrTampered) {
		t.Fatalf("Verify = %v", err)
	}
	tr := problems(rep, audit.Truncated)
	if len(tr) != 3 || tr[0].Checkpoint != 200 || !strings.Contains(tr[1].Detail, "kr cosigned") || !strings.Contains(tr[2].Detail, "us cosigned") {
		t.Errorf("truncation problems = %v, want checkpoint 200, and kr's and us's witnessed 200", tr)
	}
	if _, err := audit.Open(f.dir, audit.Options{Nation: nation.JP, Signer: f.signers[nation.JP], Keys: f.keys}); !errors.Is(err, audit.ErrTampered) {
		t.Errorf("Open = %v, want ErrTampered", err)
	}
}

func TestTornTailIsCutOff(t *testing.T) {
	f := newFixture(t)
	f.buildLog(t, 100, 50)
	l := f.open(t)
	for i := 100; i < 105; i++ { // uncheckpointed
		if _, err := l.Append(entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	path := filepath.Join(f.dir, "entries")
	b, _ := os.ReadFile(path)
	offs, _ := records(t, path, 32)
	torn := b[:offs[104]+20] // a crash in the middle of writing entry 104
	os.WriteFile(path, torn, 0o600)

	rep, err := audit.Verify(f.dir, f.keys, f.witnessed()...)
	if err != nil {
		t.Fatalf("Verify of a crashed log: %v", err)
	}
	if rep.Entries != 104 || rep.TornTail != 20 || rep.Uncovered != 4 {
		t.Errorf("report = %+v", rep)
	}
	l = f.open(t)
	if l.Size() != 104 {
		t.Fatalf("Size after recovery = %d, want 104", l.Size())
	}
	if i, err := l.Append(entry(104)); err != nil || i != 104 {
		t.Fatalf("Append after recovery = %d, %v", i, err)
	}
	f.cosign(t, l)
	l.Close()
	if rep, err := audit.Verify(f.dir, f.keys, f.witnessed()...); err != nil || rep.TornTail != 0 || rep.Cosigned != 105 {
		t.Errorf("after recovery: %v, %+v", err, rep)
	}
}

func TestAddCosignatureRejects(t *testing.T) {
	f := newFixture(t)
	l := f.open(t)
	for i := range 10 {
		l.Append(entry(i))
	}
	cp, err := l.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := l.Checkpoint()
	if !bytes.Equal(cp, again) {
		t.Error("a second Checkpoint at the same size signed a new one")
	}
	co, err := f.witnesses[nation.KR].Cosign(cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A cosignature by a key nobody trusts, under kr's name.
	evilSigner, _, err := audit.GenerateKey(nation.KR)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := note.Open(cp, note.VerifierList(f.keys[nation.JP]))
	forged, _ := note.Sign(n, evilSigner)
	if err := l.AddCosignature(forged); !errors.Is(err, audit.ErrBadSignature) {
		t.Errorf("AddCosignature with an untrusted kr key = %v, want ErrBadSignature", err)
	}
	// The keeper's own signature alone is no cosignature.
	if err := l.AddCosignature(cp); !errors.Is(err, audit.ErrBadSignature) {
		t.Errorf("AddCosignature of the bare checkpoint = %v, want ErrBadSignature", err)
	}
	l.Append(entry(10))
	if err := l.AddCosignature(co); err != nil {
		t.Errorf("a cosignature of an older checkpoint: %v", err)
	}
	if err := l.AddCosignature(co); err != nil {
		t.Errorf("the same cosignature twice: %v", err)
	}
	other := audit.Checkpoint{Origin: audit.Origin(nation.JP), Size: 10, Root: make([]byte, 32)}
	on, _ := note.Sign(&note.Note{Text: other.Text()}, f.signers[nation.JP], f.signers[nation.KR])
	if err := l.AddCosignature(on); !errors.Is(err, audit.ErrFork) {
		t.Errorf("a cosigned checkpoint with another root = %v, want ErrFork", err)
	}
}

func TestWitness(t *testing.T) {
	f := newFixture(t)
	l := f.open(t)
	kr := f.witnesses[nation.KR]
	for i := range 20 {
		l.Append(entry(i))
	}
	cp20, _ := l.Checkpoint()
	if _, err := kr.Cosign(cp20, nil); err != nil {
		t.Fatal(err)
	}
	for i := 20; i < 30; i++ {
		l.Append(entry(i))
	}
	cp30, _ := l.Checkpoint()
	good, _ := l.ConsistencyProof(20, 30)
	badProof, _ := l.ConsistencyProof(19, 30)
	for _, tt := range []struct {
		name  string
		by    *audit.Witness
		note  []byte
		proof [][]byte
		want  error
	}{
		{"bad_proof", kr, cp30, badProof, audit.ErrFork},
		{"no_proof", kr, cp30, nil, audit.ErrFork},
		{"unsigned", kr, []byte(strings.SplitAfter(string(cp30), "\n\n")[0] + "— trilink-jp AAAA\n"), good, audit.ErrMalformed},
		{"foreign_signature_only", kr, mustSign(t, cp30, f.signers[nation.US]), good, audit.ErrBadSignature},
		{"own_log", f.witnesses[nation.US], mustSign(t, []byte(strings.Replace(string(cp30), "trilink/jp/audit", "trilink/us/audit", 1)), f.signers[nation.US]), nil, audit.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.by.Cosign(tt.note, tt.proof); !errors.Is(err, tt.want) {
				t.Errorf("Cosign = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := kr.Cosign(cp30, good); err != nil {
		t.Fatalf("Cosign with a good proof: %v", err)
	}
	if _, err := kr.Cosign(cp20, nil); !errors.Is(err, audit.ErrFork) {
		t.Errorf("Cosign of an older, smaller checkpoint = %v, want ErrFork (rollback)", err)
	}
	// The witness remembers across restarts.
	dir := filepath.Join(t.TempDir(), "kr-witness")
	w1, _ := audit.NewWitness(nation.KR, f.signers[nation.KR], f.keys, dir)
	if _, err := w1.Cosign(cp30, nil); err != nil {
		t.Fatal(err)
	}
	w2, err := audit.NewWitness(nation.KR, f.signers[nation.KR], f.keys, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w2.Last(nation.JP), w1.Last(nation.JP)) {
		t.Error("the restarted witness forgot its last cosignature")
	}
	if _, err := w2.Cosign(cp20, nil); !errors.Is(err, audit.ErrFork) {
		t.Errorf("the restarted witness cosigned a rollback: %v", err)
	}
}

// mustSign replaces the signatures of a note with one by s.
func mustSign(t *testing.T, msg []byte, s note.Signer) []byte {
	t.Helper()
	text, _, _ := cutNote(msg)
	out, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenRefusesAnotherLog(t *testing.T) {
	f := newFixture(t)
	f.buildLog(t, 3, 3)
	if _, err := audit.Open(f.dir, audit.Options{Nation: nation.KR, Signer: f.signers[nation.KR]}); !errors.Is(err, audit.ErrMalformed) {
		t.Errorf("opening jp's log as kr's = %v", err)
	}
	if _, err := audit.Open(f.dir, audit.Options{Nation: nation.JP, Signer: f.signers[nation.KR]}); !errors.Is(err, audit.ErrMalformed) {
		t.Errorf("opening with kr's signer = %v", err)
	}
}

func TestConcurrentAppend(t *testing.T) {
	f := newFixture(t)
	l := f.open(t)
	const writers, each = 4, 250
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				if _, err := l.Append(entry(w*each + i)); err != nil {
					errs <- err
					return
				}
				if i%100 == 0 {
					if _, err := l.Checkpoint(); err != nil {
						errs <- err
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	f.cosign(t, l)
	l.Close()
	rep, err := audit.Verify(f.dir, f.keys, f.witnessed()...)
	if err != nil || rep.Entries != writers*each || rep.Cosigned != writers*each {
		t.Errorf("Verify = %v, %+v", err, rep)
	}
}
