# matrixgen — see README.md. Every target works offline once modules are cached.
GO ?= go
PKG := ./...
DRIVER_VERSION ?= 1.0.0
BENCHTIME ?= 1s
FUZZTIME ?= 30s
# Go minimizes each new interesting input for up to 60s by default, and counts none of those
# execs until it is done: one find early in a short run stalls the whole run at 0 execs/s.
FUZZMINIMIZETIME ?= 2s

.PHONY: run demo test fmt-check vet unit schemas bench bench-matrix-ab lint actionlint build fuzz clean release-snapshot

## run: print the build matrix for the repo's own kernels.json (no network)
run:
	$(GO) run ./cmd/matrixgen matrix --kernels kernels.json --driver-version $(DRIVER_VERSION)

## demo: the whole loop offline on the fixtures and fakes (crawl, resolve, matrix, diff, PR bot,
## serve + request-build --wait), printing each step; no network, no token (not part of `make test`)
demo: build
	$(GO) run ./internal/demo/cmd/demo -matrixgen bin/matrixgen

## test: everything CI runs (gofmt, vet, staticcheck, actionlint, race tests with fuzz seeds, schema examples)
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

# -buildvcs=auto: a GOFLAGS of -buildvcs=false (common on CI images) would leave --version
# without the commit; a flag on the command line wins over GOFLAGS.
build:
	$(GO) build -buildvcs=auto -o bin/matrixgen ./cmd/matrixgen

## bench: the benchmarks quoted in README.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKG)

## bench-matrix-ab: `matrix` for 100,000 kernels x 2 driver versions, this tree against BASE
## (default ce6ca1d, before the consistency rule and the plan) on one generated input: RUNS
## alternating runs each (default 5) under /usr/bin/time, then the medians of wall time, CPU
## (user+sys) and max RSS (each run in AB_DIR/runs). Builds BASE from `git archive` in AB_DIR;
## offline once modules are cached.
BASE ?= ce6ca1d
RUNS ?= 5
AB_DIR ?= /tmp/matrixgen-ab
bench-matrix-ab:
	@set -e; rm -rf $(AB_DIR); mkdir -p $(AB_DIR)/src; \
	git archive $(BASE) | tar -x -C $(AB_DIR)/src; \
	(cd $(AB_DIR)/src && $(GO) build -o ../base ./cmd/matrixgen); \
	$(GO) build -o $(AB_DIR)/head ./cmd/matrixgen; \
	awk 'BEGIN { printf "{\n  \"x86_64\": [\n"; \
		for (i = 0; i < 100000; i++) printf "    {\"target\": \"ubuntu\", \"kernelrelease\": \"6.8.0-%06d-generic\", \"distroversion\": \"24.04\"}%s\n", i, (i < 99999 ? "," : ""); \
		printf "  ]\n}\n" }' > $(AB_DIR)/k100000.json; \
	for i in $$(seq $(RUNS)); do for b in base head; do \
		/usr/bin/time -o $(AB_DIR)/t -f "$$b %e %U %S %M" $(AB_DIR)/$$b matrix --kernels $(AB_DIR)/k100000.json \
			--driver-version 1 --driver-version 2 >/dev/null 2>$(AB_DIR)/err || { cat $(AB_DIR)/err; exit 1; }; \
		cat $(AB_DIR)/t; done; done | tee $(AB_DIR)/runs | \
	awk 'function med(s,  a, n, i, j, t) { n = split(s, a, " "); \
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } \
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 } \
		{ w[$$1] = w[$$1] " " $$2; c[$$1] = c[$$1] " " ($$3 + $$4); m[$$1] = m[$$1] " " $$5 } \
		END { printf "median of $(RUNS): base $(BASE): %.2f s wall, %.2f s CPU, %.1f MiB max RSS; head: %.2f s wall, %.2f s CPU, %.1f MiB max RSS (head/base: %.2f, %.2f, %.2f)\n", \
			med(w["base"]), med(c["base"]), med(m["base"]) / 1024, med(w["head"]), med(c["head"]), med(m["head"]) / 1024, \
			med(w["head"]) / med(w["base"]), med(c["head"]) / med(c["base"]), med(m["head"]) / med(m["base"]) }'

## lint: vet, staticcheck and actionlint, pinned as `tool`s in go.mod (fetched through the module proxy on first use)
lint: vet actionlint
	$(GO) tool staticcheck $(PKG)

## actionlint: every workflow in .github/workflows, and action.yml through the workflow that uses it
actionlint:
	$(GO) tool actionlint

# FUZZRATE_AWK reads `go test -fuzz` output and prints "TARGET: N execs in T (R/s)" from the
# last progress line. go test's own "(N/sec)" is the rate since the line before only, so R
# here is all execs over all elapsed time (baseline coverage included).
FUZZRATE_AWK = /^fuzz: elapsed: .*, execs: / { el = $$3; sub(/,$$/, "", el); execs = $$5; found = 1 } \
	END { \
		if (!found) { printf "%s: no progress line (fuzzing never started)\n", t; exit 1 } \
		secs = 0; \
		if (match(el, /[0-9]+h/)) secs += 3600 * substr(el, RSTART, RLENGTH - 1); \
		if (match(el, /[0-9]+m/)) secs += 60 * substr(el, RSTART, RLENGTH - 1); \
		if (match(el, /[0-9.]+s/)) secs += substr(el, RSTART, RLENGTH - 1); \
		printf "%s: %d execs in %s (%.0f/s)\n", t, execs, el, (secs > 0 ? execs / secs : 0) \
	}

## fuzz: run each fuzz target for FUZZTIME, minimizing finds for at most FUZZMINIMIZETIME
## (seed corpora already run in `make test`), and
## print its rate, "target: N execs in T (R/s)", from go test's last progress line
fuzz:
	@summary=""; failed=0; \
	for pkg in $$($(GO) list $(PKG)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			log=$$(mktemp); \
			if $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg >$$log 2>&1; then \
				line=$$(awk -v t="$$f" '$(FUZZRATE_AWK)' $$log); \
			else \
				cat $$log; failed=1; line="$$f: FAILED (output above; the input is saved in the package's testdata/fuzz)"; \
			fi; \
			rm -f $$log; echo "$$line"; summary="$$summary$$line\n"; \
		done; \
	done; \
	printf "== fuzz rates\n$$summary"; exit $$failed

## release-snapshot: the files a v* tag releases, built offline into dist/ (not part of `make test`):
## static binaries (CGO off, -trimpath, -s -w) for RELEASE_PLATFORMS, a CycloneDX SBOM of each
## (from the build information in the binary) and SHA256SUMS. .github/workflows/release.yml runs
## this target, then attests the binaries and creates the GitHub release.
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 linux/riscv64
release-snapshot:
	rm -rf dist
	mkdir -p dist
	@set -e; for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; bin=dist/matrixgen-$$os-$$arch; \
		echo "== $$bin"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=auto -ldflags "-s -w" -o $$bin ./cmd/matrixgen; \
		$(GO) run ./internal/sbom/sbomgen $$bin > $$bin.cdx.json; \
	done
	cd dist && sha256sum matrixgen-* > SHA256SUMS
	cat dist/SHA256SUMS

clean:
	rm -rf bin dist
