package cap_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/cap"
	"github.com/trilink/trilink/internal/warn/warntest"
)

// validateXSD checks documents against the official CAP 1.2 schema with
// xmllint, in one run. It skips the test when xmllint is not installed.
func validateXSD(tb testing.TB, docs map[string][]byte) {
	tb.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		tb.Skip("xmllint not found: install Debian libxml2-utils (apt-get install -y libxml2-utils) to validate against CAP-v1.2.xsd")
	}
	dir := tb.TempDir()
	args := []string{"--noout", "--schema", filepath.Join("testdata", "CAP-v1.2.xsd")}
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fn := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(fn, docs[name], 0o644); err != nil {
			tb.Fatal(err)
		}
		args = append(args, fn)
	}
	out, err := exec.Command(xmllint, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("xmllint: %v\n%s", err, out)
	}
	if got := strings.Count(string(out), " validates"); got != len(docs) {
		tb.Fatalf("xmllint validated %d of %d documents:\n%s", got, len(docs), out)
	}
}

// compose composes every decision, failing the test on an error.
func compose[M warn.Mode](tb testing.TB, ds []warn.Decision[M]) []cap.Message[M] {
	tb.Helper()
	out := make([]cap.Message[M], 0, len(ds))
	for i := range ds {
		m, err := cap.Compose(&ds[i])
		if err != nil {
			tb.Fatalf("Compose(%s): %v", ds[i].Identifier, err)
		}
		out = append(out, m)
	}
	return out
}

// run feeds predictions to an engine of n's default policy and returns its
// decisions.
func run[M warn.Mode](tb testing.TB, n nation.Nation, ps []warn.Prediction) []warn.Decision[M] {
	tb.Helper()
	e, err := warn.NewEngine[M](warn.DefaultPolicy(n), nil)
	if err != nil {
		tb.Fatal(err)
	}
	var out []warn.Decision[M]
	for _, p := range ps {
		ds, err := e.Update(p)
		if err != nil {
			tb.Fatalf("Update: %v", err)
		}
		out = append(out, ds...)
	}
	return out
}

// overflightPredictions is the 2022-10-04-like flight estimated every 10 s
// from a minute after launch, then reported down.
func overflightPredictions() []warn.Prediction {
	f := warntest.Overflight20221004()
	var ps []warn.Prediction
	for t := time.Minute; t <= f.FlightTime; t += 10 * time.Second {
		ps = append(ps, f.Prediction("NK-20221004", t, 50, 20))
	}
	return append(ps, f.Landed("NK-20221004", f.FlightTime+10*time.Second))
}
