// Package layers holds one test: the dependency rules of DESIGN §3, checked
// over the whole module in one place.
package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/trilink/trilink/"

// Physics, estimation, sensors and warning logic import no NATS, HTTP or
// SQL, and nothing of the layers above them; geo imports only the standard
// library and gonum.
func TestDependencyRules(t *testing.T) {
	banned := []string{"github.com/nats-io/", "net/http", "database/sql", "modernc.org/sqlite",
		module + "internal/share", module + "internal/app", module + "internal/httpapi"}
	for _, tt := range []struct {
		pkg     string
		onlyStd bool // and gonum
		alsoBan []string
	}{
		{pkg: "internal/geo", onlyStd: true},
		{pkg: "internal/nation", onlyStd: true},
		{pkg: "internal/ballistic", alsoBan: []string{module + "internal/sensor", module + "internal/fusion"}},
		{pkg: "internal/ballistic/estimate", alsoBan: []string{module + "internal/fusion", module + "internal/sim"}},
		{pkg: "internal/sensor", alsoBan: []string{module + "internal/ballistic"}},
		{pkg: "internal/fusion", alsoBan: []string{module + "internal/sim", module + "internal/warn"}},
		{pkg: "internal/warn"},
		{pkg: "internal/warn/cap"},
		{pkg: "internal/hotline"},
		{pkg: "internal/hotline/audit"},
	} {
		t.Run(strings.ReplaceAll(tt.pkg, "/", "_"), func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", module+tt.pkg).Output()
			if err != nil {
				t.Skipf("go list: %v", err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, b := range append(banned, tt.alsoBan...) {
					if strings.HasPrefix(dep, b) {
						t.Errorf("%s depends on %s", tt.pkg, dep)
					}
				}
				first, _, _ := strings.Cut(dep, "/")
				if tt.onlyStd && strings.Contains(first, ".") && !strings.HasPrefix(dep, "gonum.org/v1/gonum/") && !strings.HasPrefix(dep, module+tt.pkg) && !strings.HasPrefix(dep, module+"internal/nation") {
					t.Errorf("%s depends on %s; want the standard library and gonum only", tt.pkg, dep)
				}
			}
		})
	}
}
