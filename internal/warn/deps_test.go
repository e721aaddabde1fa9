package warn_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestDeps keeps warn and cap pure: no NATS, no HTTP, no SQL (DESIGN.md
// §3); the lead wires them.
func TestDeps(t *testing.T) {
	for _, dir := range []string{".", "cap", "geodata"} {
		pkg, err := build.Default.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if imp == "net/http" || strings.HasPrefix(imp, "github.com/nats-io/") || imp == "database/sql" {
				t.Errorf("%s imports %s", pkg.ImportPath, imp)
			}
		}
	}
}
