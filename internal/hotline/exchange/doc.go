// Package exchange carries the hotline over the trilateral backbone: each
// nation's node runs one Exchange, which releases its own members' signed,
// end-to-end encrypted envelopes and receipts on shared.<n>.hotline.<room>
// and shared.<n>.hotline.<room>.receipt (DESIGN §4), receives all three
// nations' traffic from its PICTURE stream (fast path and durable path merged
// by share.Receiver), verifies every item against the Directory, keeps the
// ciphertext transcript, tracks receipts and acknowledgement deadlines
// (hotline.Tracker), and hands each device what concerns it.
//
// An Exchange holds no private key and never sees content. What it accepts
// from its own members it acknowledges only after JetStream has stored it,
// so an accepted message is never lost; partners' items that fail
// verification are dropped, logged and counted (Stats.Rejected), never
// passed on. The transcript is rebuilt from the stream when the node
// restarts.
package exchange
