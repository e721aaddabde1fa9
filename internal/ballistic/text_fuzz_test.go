package ballistic_test

import (
	"testing"

	"github.com/trilink/trilink/internal/ballistic"
)

// FuzzUnmarshalText checks that class and profile names never panic and
// that whatever decodes re-encodes to a name that decodes the same.
func FuzzUnmarshalText(f *testing.F) {
	for _, s := range []string{"", "unknown", "SRBM", "icbm", "ballistic", "pull-up", "PULLUP", "depressed", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c ballistic.Class
		if err := c.UnmarshalText([]byte(s)); err == nil {
			b, err := c.MarshalText()
			if err != nil {
				t.Fatalf("class %q decoded to %v, which does not encode: %v", s, c, err)
			}
			var again ballistic.Class
			if err := again.UnmarshalText(b); err != nil || again != c {
				t.Fatalf("class %q → %v → %q → %v, %v", s, c, b, again, err)
			}
		}
		var p ballistic.Profile
		if err := p.UnmarshalText([]byte(s)); err == nil {
			b, err := p.MarshalText()
			if err != nil {
				t.Fatalf("profile %q decoded to %v, which does not encode: %v", s, p, err)
			}
			var again ballistic.Profile
			if err := again.UnmarshalText(b); err != nil || again != p {
				t.Fatalf("profile %q → %v → %q → %v, %v", s, p, b, again, err)
			}
		}
	})
}
