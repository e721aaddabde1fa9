# trilink — see README.md.
GO ?= go
PKGS ?= ./...

.PHONY: demo test test-short bench bench-demo build web vet fuzz clean soak

## demo: run the three nations in one process with the console (http://127.0.0.1:8080/)
demo:
	$(GO) run ./cmd/trilink demo

## test: every test, as CI runs them (well under 10 minutes on 2 cores)
test:
	$(GO) vet $(PKGS)
	$(GO) test -timeout 9m -count=1 $(PKGS)

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

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

build:
	$(GO) build -o bin/trilink ./cmd/trilink

## web: rebuild the console (web/dist is committed, so go build needs no Node)
web:
	cd web && npm ci && npm run build

vet:
	$(GO) vet $(PKGS)

clean:
	rm -rf bin
