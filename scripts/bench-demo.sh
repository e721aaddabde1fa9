#!/usr/bin/env bash
# Time from `trilink demo` start to /readyz 200, and its idle RSS 10 s later.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x bin/trilink ] || go build -o bin/trilink ./cmd/trilink
d=$(mktemp -d)
start=$(date +%s.%N)
./bin/trilink demo --http 127.0.0.1:18181 --data "$d" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 3000); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:18181/readyz || true)" = 200 ] && break
  kill -0 $pid 2>/dev/null || { echo "demo exited" >&2; exit 1; }
  sleep 0.01
done
end=$(date +%s.%N)
echo "ready_ms $(echo "($end - $start)*1000" | bc)"
sleep 10
grep VmRSS /proc/$pid/status
kill $pid; wait $pid 2>/dev/null || true; rm -rf "$d"
