package auth_test

import (
	"testing"

	"github.com/trilink/trilink/internal/auth"
)

// BenchmarkLogin is one password sign-in: an argon2id verification
// (64 MiB, t=1, p=2) and a new session. It bounds how many sign-ins a
// node can check per second per core, and is what the rate limits protect.
func BenchmarkLogin(b *testing.B) {
	s := newService(b, auth.Config{LoginRate: 1e9, LoginBurst: 1 << 30})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Login("jp-ops", goodPassword, loopback); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSession is the check every signed-in request makes.
func BenchmarkSession(b *testing.B) {
	s := newService(b, auth.Config{})
	tok, _, err := s.Login("jp-ops", goodPassword, loopback)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Session(tok); err != nil {
			b.Fatal(err)
		}
	}
}
