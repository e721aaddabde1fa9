// Package takproto is the generated Go code for the TAK protocol version 1
// payload (takmessage.proto): TakMessage, TakControl, CotEvent and Detail
// with its typed elements.
//
// The .proto file was written from the public description of the protocol
// (ATAK-CIV commoncommo, protobuf/protocol.txt, and the field comments of
// its .proto files), with the published field numbers. Regenerate with
// go generate (needs protoc and protoc-gen-go v1.36.12 on PATH).
package takproto

//go:generate protoc --go_out=. --go_opt=paths=source_relative takmessage.proto
