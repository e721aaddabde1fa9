// Package calltest is a Go WebRTC client of the call SFU, standing in for a
// browser in tests and in `trilink bench calls`: it offers a microphone
// slot and receive slots like the console does, sends Opus-sized RTP
// packets stamped with their send time, and counts what it receives.
package calltest
