# matrixgen — see README.md. Every target works offline once modules are cached.
GO ?= go
PKG := ./...
DRIVER_VERSION ?= 1.0.0
BENCHTIME ?= 1s
FUZZTIME ?= 30s

.PHONY: run test fmt-check vet unit schemas bench lint build fuzz clean

## run: print the build matrix for the repo's own kernels.json (no network)
run:
	$(GO) run ./cmd/matrixgen matrix --kernels kernels.json --driver-version $(DRIVER_VERSION)

## test: everything CI runs (gofmt, vet, staticcheck, race tests with fuzz seeds, schema examples)
test: fmt-check lint unit schemas

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKG)

unit:
	$(GO) test -race -count=1 $(PKG)

## schemas: every example validates; every invalid example is refused
schemas: build
	./bin/matrixgen validate schemas/examples/*.json kernels.json
	@for f in schemas/examples/invalid/*.json; do \
		if ./bin/matrixgen validate "$$f" >/dev/null 2>&1; then echo "$$f: accepted but must be invalid"; exit 1; fi; \
	done; echo "schemas/examples/invalid: all refused"

build:
	$(GO) build -o bin/matrixgen ./cmd/matrixgen

## bench: the benchmarks quoted in README.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKG)

## lint: vet plus staticcheck, pinned as a `tool` in go.mod (fetched through the module proxy on first use)
lint: vet
	$(GO) tool staticcheck $(PKG)

## fuzz: run each fuzz target for FUZZTIME (seed corpora already run in `make test`)
fuzz:
	@for pkg in $$($(GO) list $(PKG)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin
