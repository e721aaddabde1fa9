// Package audit keeps a nation's tamper-evident log of hotline messages,
// receipts, escalations and alerts (DESIGN §7), so that no nation can show
// its partners a different history.
//
// # The log
//
// Each [Entry] is encoded canonically ([Entry.MarshalBinary]) and becomes a
// leaf of an RFC 6962 / RFC 9162 Merkle tree: leaf hash SHA-256(0x00 ‖
// entry), interior hash SHA-256(0x01 ‖ left ‖ right), computed with
// github.com/transparency-dev/merkle (compact ranges for the tree, package
// proof for inclusion and consistency proofs). A [Log] appends entries to a
// directory ([Open], [Log.Append]) and signs checkpoints ([Log.Checkpoint]):
// C2SP tlog-checkpoint bodies (origin, size, base64 root) in C2SP signed
// notes (golang.org/x/mod/sumdb/note), signed by the keeping nation's
// Ed25519 key named [KeyName].
//
// # Cosigning
//
// Each nation runs a [Witness] for its partners' logs. [Witness.Cosign]
// adds the witness's note signature to a checkpoint only after checking it
// against the last checkpoint it cosigned for that log (same size: same
// root; larger: a valid consistency proof; smaller: refused), and remembers
// the new one. The keeper collects the cosignatures with
// [Log.AddCosignature]. A keeper that rewrites its history must re-sign its
// checkpoints: the partners' cosignatures then fail, and the partners'
// remembered checkpoints ([Witness.Last]) disagree with the rewritten
// entries; [Verify] reports both.
//
// # Verification
//
// [Verify] reads a log directory without changing it and returns a
// [Report] whose [Problem] values name the entry index, checkpoint size and
// signer concerned: a changed entry, a changed or removed run of entries, a
// bad or missing signature, inconsistent or forked checkpoints. This is
// what `trilink audit verify` runs.
//
// Storage and crash safety are described in files.go. Roots and proofs are
// served from memory: a Log holds 64 bytes per entry (all perfect-subtree
// hashes) plus 8 for its file offset.
package audit
