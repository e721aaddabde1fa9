package cap_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/trilink/trilink/internal/warn/cap"
)

// FuzzDecode feeds arbitrary bytes to Decode. It must never panic, and a
// document it accepts must encode, and decode and encode again to the same
// bytes (so whatever trilink accepts from a partner it can pass on intact).
func FuzzDecode(f *testing.F) {
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, fn := range golden {
		b, err := os.ReadFile(fn)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if b, err := cap.Encode(base()); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		a, err := cap.Decode(doc)
		if err != nil {
			return
		}
		b, err := cap.Encode(a)
		if err != nil {
			t.Fatalf("decoded alert does not encode: %v", err)
		}
		a2, err := cap.Decode(b)
		if err != nil {
			t.Fatalf("re-encoded alert does not decode: %v\n%s", err, b)
		}
		b2, err := cap.Encode(a2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("encode–decode is not stable: %v\n%s\n%s", err, b, b2)
		}
	})
}
