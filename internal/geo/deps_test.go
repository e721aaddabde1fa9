package geo_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestDeps keeps geo at the bottom of the dependency graph: standard
// library and gonum only (DESIGN.md §3).
func TestDeps(t *testing.T) {
	pkg, err := build.Default.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if strings.Contains(first, ".") && !strings.HasPrefix(imp, "gonum.org/v1/gonum/") {
			t.Errorf("geo imports %s; want the standard library and gonum only", imp)
		}
	}
}
