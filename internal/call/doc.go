// Package call is the hotline's voice and video: a selective forwarding unit
// (SFU) per nation, built on pion/webrtc, that members' browsers connect to,
// and trunks that link the nations' SFUs (DESIGN §7, research/alerting-hotline.md
// "Voice and video").
//
// Media never flows between browsers of different nations. A browser sends
// its microphone (and camera) to its own nation's SFU over DTLS-SRTP; the SFU
// forwards each stream to the other local participants of the same room's
// call and, over a trunk — a pion PeerConnection per ordered pair of nations,
// offered by the sending nation — to the partner nations whose members are in
// the room. Each nation therefore decides what leaves it ([Config].Exports),
// and a member's network address is seen only by their own nation's node.
//
// Signalling between a browser and its SFU is one HTTP offer/answer per join
// (non-trickle ICE: both sides gather before answering). The browser offers
// a fixed set of receive slots (up to [MaxSlots] audio and video sections, the
// first of each kind also carrying its own microphone or camera), so members
// joining later need no renegotiation: the SFU assigns each new remote stream
// to a free slot and rewrites sequence numbers and timestamps so the slot
// stays one continuous RTP stream (RFC 3550 §8.2 does not apply: the slot's
// SSRC is the SFU's own).
//
// Signalling between SFUs rides on the backbone: offers and answers for the
// trunks on shared.<from>.call.trunk.<to>, and each nation's call roster
// (who is in which room's call, who is speaking, who is muted) on
// shared.<n>.call.roster. Both are released subjects that the border accounts
// already export to partners (internal/share).
//
// Who is speaking comes from the RFC 6464 audio-level header extension that
// browsers put on their microphone's packets. Sessions whose ICE never
// completes within [Config].ConnectTimeout, or whose connection fails or
// closes, are reaped, so a failed call leaves no media session behind.
//
// Calls are announced in the hotline room: [Config].OnEvent reports call
// start, join, leave and end so that the node can post them as signed,
// audited hotline messages.
//
// Two nations may start a call in the same room at once. A new call's start
// is held for [StartSettle] so that the partners' rosters can show a call
// started at the same moment; the earlier of the two (by start time, then by
// id) wins and only its start is posted. When rosters take longer than that
// (a partition, a loaded backbone) both starts are posted, and once the
// rosters cross the later call merges into the earlier: its starter posts its
// end with Reason "merged" and [Event].Merged naming the earlier call, and
// each of its members a join to the earlier call.
package call
