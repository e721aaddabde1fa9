// Package cot is trilink's Cursor-on-Target gateway: a TAK streaming
// endpoint that shows ATAK, WinTAK and iTAK users a nation's missile
// picture (research/tak.md).
//
// # Events
//
// [Event] models a CoT 2.0 event (MITRE Event-PUBLIC.xsd): type, uid, how,
// time/start/stale, point and detail. The detail children that TAK protocol
// v1 has messages for (contact, __group, precisionlocation, status, takv,
// track) are typed fields; the others are kept as XML. [Encode] writes the
// XML form, [Decode] reads it strictly (size and depth limits, required
// attributes and patterns, no DOCTYPE); [ToProto] and [FromProto] convert
// to and from the v1 protobuf CotEvent (package takproto, generated from
// takmessage.proto), so that an event read either way is the same Event.
//
// # Protocol
//
// TAK protocol v0 is a stream of XML events, each preceded by an XML
// declaration and split at "</event>" ([XMLReader]); v1 frames each
// protobuf TakMessage as 0xbf, a varint length and the payload
// ([FrameReader], [AppendFrameHeader]; mesh datagrams: [ParseMesh]). A
// connection starts in v0; the server offers v1 (t-x-takp-v with
// TakProtocolSupport version 1), the client may ask for it (t-x-takp-q with
// one TakRequest), and after the server's t-x-takp-r with status true both
// sides speak v1 (ATAK-CIV protocol.txt, "Streaming Connection Protocol
// Negotiation").
//
// # Server
//
// [Server] serves plain TCP ([Server.Serve], port 8087, for loopback) and
// TLS with client certificates ([Server.ServeTLS], port 8089).
// [Server.Update] gives it the current [Picture]; it renders each event as
// a missile track (a-h-A-W-M-S-S, or a-u-A-W-M before the class is known;
// how m-f, stale after Options.TrackStale), a launch point (b-d-l), a
// predicted impact point (b-m-p-s-m) and the 95 % impact ellipse (u-d-c-e,
// semi-axes in metres and the bearing of the major axis), each warning area
// as polygon drawings (u-d-f) and each alert text as a GeoChat message
// (b-t-f to All Chat Rooms). Only items whose content changed are sent;
// items are re-sent before they go stale; an item that leaves the picture
// (a closed event, the track of an impacted event, an area no longer
// alerted) is withdrawn with t-x-d-d. A client that connects gets the whole
// current picture first.
//
// Each client has its own queue of updates, written in one batch per
// wake-up; when a client falls behind, the updates waiting for it are
// merged so that a newer state of an item replaces one still waiting (a
// slow client sees only the latest state of each item and never holds up
// the others), and a client too slow to take a batch within
// Options.WriteTimeout is disconnected. Messages are encoded once for all
// clients, in each protocol when first needed. Clients cannot
// change the picture: the server reads what they send, answers pings
// (t-x-c-t) and protocol requests, and ignores the rest; a malformed or
// oversized message is rejected alone and the connection stays up.
// [Server.Stats] counts clients, messages sent, dropped and superseded, and
// client messages received and rejected.
//
// Package cottest is a TAK client written from the protocol description,
// for tests; package cotbench measures delivery latency with many clients.
package cot
