#!/usr/bin/env bash
# Run every fuzz target (go test -fuzz) for FUZZTIME each: `make fuzz` runs
# them for 30 s, `make test` for a few seconds. A failure leaves the input
# under the package's testdata/fuzz, where `go test` replays it from then on.
set -euo pipefail
FUZZTIME=${FUZZTIME:-30s}
GO=${GO:-go}
PKGS=${PKGS:-./...}
n=0
start=$(date +%s)
for pkg in $($GO list -f '{{if .XTestGoFiles}}{{.ImportPath}}{{else if .TestGoFiles}}{{.ImportPath}}{{end}}' $PKGS); do
  for f in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "== $pkg $f ($FUZZTIME)"
    $GO test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1; }
    n=$((n+1))
  done
done
rm -f /tmp/fuzz.$$.log
echo "fuzzed $n targets for $FUZZTIME each in $(( $(date +%s) - start )) s"
