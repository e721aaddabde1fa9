// Package hotline is the core of the trilateral hotline (DESIGN §7): rooms
// and members, signed and end-to-end encrypted messages, receipts,
// precedence deadlines and escalation. It is pure: no NATS, HTTP or storage.
// The transport carries an [Envelope] on shared.<n>.hotline.<room>
// ([Envelope.Subject]) and every nation keeps the ciphertext transcript;
// the audit log is in [github.com/trilink/trilink/internal/hotline/audit].
//
// # Rooms and members
//
// A [Directory] is the trusted roster: [Member] values (by nation and role,
// each with devices and ordered alternates) and [Room] values, standing
// ([StandingRooms]: leaders, foreign-ministers, defence-ministers, ops) or ad
// hoc ([Directory.WithRoom]). Only room members may send; a message is
// readable by the room's members and their alternates.
//
// # Messages
//
// [Seal] draws a random 256-bit content key, encrypts the body and each
// attachment with AES-256-GCM under it (nonce = part index, additional data =
// message id and part index), and seals the key to every entitled device
// with HPKE (RFC 9180, base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// AES-256-GCM; info = message id and device id). The sender's device then
// signs, with Ed25519 (RFC 8032), a canonical binary encoding of every other
// field: a context string naming the object and version, then fixed-order,
// length-prefixed fields (see canon.go). It is deterministic and injective,
// so no JSON canonicalisation is involved; the JSON wire form
// ([DecodeEnvelope]) is only a carrier.
//
// [Verify] checks an envelope with no private key (relays, partner nodes):
// structure and sizes, the signing device and its owner, the signature, room
// membership, and addressing. [Open] does the same and then decrypts for one
// device. [Seen] refuses replayed ids. Private keys stay behind the small
// [Identity] interface ([DeviceKeys] keeps them in memory).
//
// This is not MLS (RFC 9420): there is no forward secrecy or post-compromise
// security beyond per-message keys; a device key that leaks exposes every
// message sealed to it. The envelope is versioned so that a post-quantum KEM
// (hpke.MLKEM768X25519) or MLS can replace the scheme.
//
// # Receipts and escalation
//
// A [Receipt] (delivered, read, acknowledged) is signed by the receiving
// device and names the envelope's [Digest]. A [Tracker] takes sent messages
// and receipts, in any order, and at each [Tracker.Tick] returns the
// [Escalation] values due: a missed acknowledgement deadline ([Deadlines];
// defaults FLASH 1 min, IMMEDIATE 5 min, PRIORITY 30 min, ROUTINE 4 h)
// escalates to the addressee's alternates one by one, and each step is shown
// to the sender. Link tests ([KindLinkTest]) record their round-trip time.
// Offline members are the transport's business (JetStream redelivers); the
// Tracker accepts their late receipts whenever they come.
//
// # Security: what operators see
//
// An operator of a NATS server, a partner's node, or anyone holding the
// transcript sees the metadata in the clear: the room, the sender (member,
// device, nation), the precedence and kind, the creation time, the list of
// recipient devices, the size of the body and of each attachment (to within
// a few bytes), and every receipt (who got, read and acknowledged which
// message when). They cannot read the body, the attachments or their names
// and types without the private key of a recipient device, and they cannot
// alter, forge or re-address a message or receipt without breaking its
// signature. They can delay, drop or replay traffic: replays are refused by
// [Seen], and drops are caught by missing receipts, link tests and the audit
// log.
package hotline
