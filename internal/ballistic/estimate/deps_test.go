package estimate_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Estimate imports no NATS, HTTP or SQL (DESIGN §3).
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"nats-io", "net/http", "database/sql", "internal/share", "internal/sim"} {
			if strings.Contains(dep, banned) {
				t.Errorf("estimate depends on %s", dep)
			}
		}
	}
}
