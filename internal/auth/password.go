package auth

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Params are the argon2id parameters of new hashes: RFC 9106 §4's second
// recommended option (64 MiB, t=3) lowered to t=1, p=2 as OWASP's
// password-storage guidance allows for interactive logins on a small
// machine. Stored hashes carry their own parameters, so raising these
// later keeps old hashes verifiable.
var Params = &argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// Password rules: NIST SP 800-63B §3.1.1.2 asks for at least 8 characters
// and allows long passphrases; 15 is its minimum for single-factor use.
const (
	MinPassword = 15
	MaxPassword = 256 // bytes; argon2id itself has no limit, request bodies do
)

// CheckPassword says what is wrong with a new password, or nil.
func CheckPassword(p string) error {
	switch n := utf8.RuneCountInString(p); {
	case n < MinPassword:
		return fmt.Errorf("auth: password: %d characters, want at least %d", n, MinPassword)
	case len(p) > MaxPassword:
		return fmt.Errorf("auth: password: %d bytes, want at most %d", len(p), MaxPassword)
	case !utf8.ValidString(p):
		return fmt.Errorf("auth: password: not valid UTF-8")
	}
	return nil
}

// HashPassword checks p and returns its argon2id PHC string.
func HashPassword(p string) (string, error) {
	if err := CheckPassword(p); err != nil {
		return "", err
	}
	h, err := argon2id.CreateHash(p, Params)
	if err != nil {
		return "", fmt.Errorf("auth: hash: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when a login names no user, so that an
// unknown name costs as much time as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := argon2id.CreateHash("trilink-no-such-user-padding", Params)
	return h
})

// verifyPassword reports whether p matches the PHC string h (or burns the
// same time on the dummy hash when h is empty).
func verifyPassword(p, h string) bool {
	if h == "" {
		_, _ = argon2id.ComparePasswordAndHash(p, dummyHash())
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(p, h)
	return err == nil && ok
}
