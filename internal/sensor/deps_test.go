package sensor_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps sensor pure (DESIGN.md §3): nothing it imports, directly
// or not, is NATS, HTTP, SQL, the share package or the trajectory code.
func TestDeps(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed only %q", deps)
	}
	for _, dep := range deps {
		for _, bad := range []string{
			"github.com/nats-io/",
			"net/http",
			"database/sql",
			"github.com/trilink/trilink/internal/share",
			"github.com/trilink/trilink/internal/ballistic",
		} {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("sensor depends on %s", dep)
			}
		}
	}
}
