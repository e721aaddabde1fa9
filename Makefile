# trilink — see README.md.
GO ?= go
PKGS ?= ./...

.PHONY: demo test test-short bench bench-demo build web vet fuzz fuzz-edge clean soak

## demo: run the three nations in one process with the console (http://127.0.0.1:8080/)
demo:
	$(GO) run ./cmd/trilink demo

## test: every test, as CI runs them (well under 10 minutes on 2 cores),
## then a few seconds of fuzzing of every parser of outside input (10,000 inputs
## each: a count, not a duration, since a short -fuzztime duration can fail
## spuriously with "context deadline exceeded")
test:
	$(GO) vet $(PKGS)
	$(GO) test -timeout 9m -count=1 $(PKGS)
	$(MAKE) --no-print-directory fuzz-edge FUZZTIME=10000x

## The packages whose fuzz targets parse outside input: measurements, hotline
## envelopes and receipts, audit entries, CAP, CoT, node configs, scenarios,
## YAML, every HTTP route, the users file, certificates and sensor ids, call
## signalling, audit checkpoints and cosignatures between nodes.
FUZZ_EDGE = ./internal/sensor ./internal/hotline ./internal/hotline/audit ./internal/warn/cap ./internal/cot \
	./internal/app ./internal/sim ./internal/strictyaml ./internal/httpapi ./internal/auth ./internal/pki ./internal/call
fuzz-edge:
	FUZZTIME=$(FUZZTIME) PKGS="$(FUZZ_EDGE)" GO=$(GO) ./scripts/fuzz.sh

## test-short: skip the slower federation tests
test-short:
	$(GO) test -short -count=1 $(PKGS)

## bench: whole-system figures and Go benchmarks (not part of test)
bench: build
	./bin/trilink bench backbone
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

## bench-demo: time from `trilink demo` start to /readyz 200, and its idle RSS
bench-demo: build
	./scripts/bench-demo.sh

## soak: the long resilience runs (60 s partition, slower salvos and floods; see RESILIENCE.md)
soak:
	TRILINK_SOAK=1 $(GO) test -timeout 30m -count=1 -v -run . ./internal/resilience

## fuzz: run every fuzz target for FUZZTIME (default 30s); a finding is kept
## under the package's testdata/fuzz and replayed by go test from then on
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) PKGS="$(PKGS)" GO=$(GO) ./scripts/fuzz.sh

build:
	$(GO) build -o bin/trilink ./cmd/trilink

## web: rebuild the console (web/dist is committed, so go build needs no Node)
web:
	cd web && npm ci && npm run build

vet:
	$(GO) vet $(PKGS)

clean:
	rm -rf bin
