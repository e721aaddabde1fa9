package hotline_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/hotline/hotlinetest"
	"github.com/trilink/trilink/internal/nation"
)

// The wiring the node does: every accepted message, receipt and escalation
// goes into the nation's audit log by digest, so a changed transcript no
// longer matches the log.
func TestAuditTrail(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	signer, _ := audit.NewSigner(nation.KR, priv)
	verifier, _ := audit.NewVerifier(nation.KR, priv.Public().(ed25519.PublicKey))
	dir := filepath.Join(t.TempDir(), "kr-audit")
	log, err := audit.Open(dir, audit.Options{Nation: nation.KR, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	tr := hotline.NewTracker(w.Dir, hotline.DefaultDeadlines())
	logged := map[[32]byte]bool{}
	add := func(e audit.Entry) {
		t.Helper()
		if _, err := log.Append(e); err != nil {
			t.Fatal(err)
		}
		logged[e.Digest] = true
	}

	env := mustSeal(t, w, "jp-dm", hotline.Message{Room: hotline.RoomDefenceMinisters, Precedence: hotline.Flash, Body: []byte("x")})
	transcript, _ := env.Marshal() // what kr's JetStream stream keeps
	add(audit.Entry{Kind: audit.KindMessage, Time: env.Created, Nation: env.Nation, Ref: env.ID.String(), Digest: env.Digest()})
	tr.Sent(env)
	r := mustReceipt(t, w, "kr-dm", env, hotline.Acknowledged, t0.Add(10*time.Second))
	add(audit.Entry{Kind: audit.KindReceipt, Time: r.Time, Nation: r.Nation, Ref: r.Message.String(), Digest: r.Digest()})
	tr.Receipt(r, r.Time)
	for _, e := range tr.Tick(t0.Add(time.Minute)) {
		detail := []byte(string(e.Member) + " -> " + string(e.Alternate))
		add(audit.Entry{Kind: audit.KindEscalation, Time: e.Deadline, Nation: e.Nation, Ref: e.Message.String(), Digest: sha256.Sum256(detail), Data: detail})
	}
	if log.Size() != 3 {
		t.Fatalf("%d entries, want message, receipt and us-dm's escalation", log.Size())
	}
	if _, err := log.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	log.Close()
	if _, err := audit.Verify(dir, audit.Keys{nation.KR: verifier}); err != nil {
		t.Fatal(err)
	}

	// A transcript whose stored envelope was changed no longer matches.
	changed := roundTrip(t, env)
	changed.Body[0] ^= 0x01
	stored, _ := changed.Marshal()
	if string(stored) == string(transcript) {
		t.Fatal("the change did not change the transcript")
	}
	back, err := hotline.DecodeEnvelope(stored)
	if err != nil {
		t.Fatal(err)
	}
	if logged[back.Digest()] {
		t.Error("the changed envelope's digest is in the log")
	}
	if !logged[env.Digest()] {
		t.Error("the original envelope's digest is not in the log")
	}
	if err := hotline.Verify(back, w.Dir); !errors.Is(err, hotline.ErrBadSignature) {
		t.Errorf("changed transcript: %v, want ErrBadSignature", err)
	}
}
