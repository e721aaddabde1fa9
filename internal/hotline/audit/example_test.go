package audit_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
	"golang.org/x/mod/sumdb/note"
)

func Example() {
	tmp, _ := os.MkdirTemp("", "audit-example")
	defer os.RemoveAll(tmp)

	// Each nation's audit key (in production: from its PKI, kept secret).
	keys, signers := audit.Keys{}, map[nation.Nation]note.Signer{}
	for _, n := range nation.Nations {
		seed := sha256.Sum256([]byte("example " + n.String()))
		priv := ed25519.NewKeyFromSeed(seed[:])
		signers[n], _ = audit.NewSigner(n, priv)
		keys[n], _ = audit.NewVerifier(n, priv.Public().(ed25519.PublicKey))
	}

	// Japan logs a hotline message and a receipt, and signs a checkpoint.
	dir := filepath.Join(tmp, "jp")
	log, err := audit.Open(dir, audit.Options{Nation: nation.JP, Signer: signers[nation.JP], Keys: keys})
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 3, 1, 22, 25, 0, 0, time.UTC)
	log.Append(audit.Entry{Kind: audit.KindMessage, Time: at, Nation: nation.JP, Ref: "6c1e…", Digest: sha256.Sum256([]byte("envelope"))})
	log.Append(audit.Entry{Kind: audit.KindReceipt, Time: at.Add(20 * time.Second), Nation: nation.KR, Ref: "6c1e…", Digest: sha256.Sum256([]byte("receipt"))})
	cp, _ := log.Checkpoint()

	// Korea and the United States witness it: first sight, no proof needed.
	for _, n := range []nation.Nation{nation.KR, nation.US} {
		w, _ := audit.NewWitness(n, signers[n], keys, filepath.Join(tmp, n.String()+"-witness"))
		cosigned, err := w.Cosign(cp, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		log.AddCosignature(cosigned)
	}
	log.Close()

	rep, err := audit.Verify(dir, keys)
	fmt.Printf("%s: %d entries, cosigned up to %d by all three, problems: %d, err: %v\n", rep.Origin, rep.Entries, rep.Cosigned, len(rep.Problems), err)
	// Output:
	// trilink/jp/audit: 2 entries, cosigned up to 2 by all three, problems: 0, err: <nil>
}
