# `make` publishes dist/ from the spec; `make test` runs every test.
GO ?= go

# The real tools the tests run, pinned and built through the Go module proxy.
CONFTEST_VERSION := v0.71.1
OPA_VERSION      := v1.17.1# the OPA that Gatekeeper GATOR_VERSION embeds
GATOR_VERSION    := v3.23.1
TOOLS    := $(CURDIR)/.bin/conftest-$(CONFTEST_VERSION)_opa-$(OPA_VERSION)_gator-$(GATOR_VERSION)
CONFTEST := $(TOOLS)/conftest
OPA      := $(TOOLS)/opa
GATOR    := $(TOOLS)/gator
POLICYGEN := $(GO) run ./cmd/policygen

.PHONY: publish test vet gotest tools versions policytest eval-vs-conftest conftest-verify opa-check bundle-check check bench
publish:
	$(POLICYGEN) publish

test: vet gotest tools versions policytest eval-vs-conftest conftest-verify opa-check bundle-check check

vet:
	$(GO) vet ./...

gotest:
	$(GO) test ./...

tools: $(CONFTEST) $(OPA) $(GATOR)

$(CONFTEST):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/conftest@$(CONFTEST_VERSION)
$(OPA):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)
$(GATOR):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/gatekeeper/v3/cmd/gator@$(GATOR_VERSION)

versions: tools
	@echo "conftest $(CONFTEST_VERSION): $$($(CONFTEST) --version | tr '\n' ' ')"
	@echo "opa $(OPA_VERSION): $$($(OPA) version | head -1)"
	@echo "gator $(GATOR_VERSION): $$($(GATOR) --version 2>&1 | head -1)"

# Every case through the embedded engines and the real conftest and gator.
policytest: tools
	$(POLICYGEN) test --coverage --tools $(TOOLS)

# policygen eval says what conftest says, on a dozen manifests.
eval-vs-conftest: tools
	POLICYGEN_CONFTEST=$(CONFTEST) $(GO) test -tags tools -run Conftest ./cmd/policygen

# What a consumer runs on the published policies.
conftest-verify: tools
	$(CONFTEST) verify --no-color -p dist/conftest

opa-check: tools
	$(OPA) check --strict --capabilities $(OPA_VERSION) dist/conftest
	$(OPA) test dist/conftest

# OPA itself loads the published bundle and finds the 8 violations of the bad DaemonSet.
bundle-check: tools
	$(OPA) inspect dist/bundle.tar.gz
	$(OPA) eval --fail -b dist/bundle.tar.gz -i cmd/policygen/testdata/manifests/01-bad-daemonset.yaml \
		'n := count({v.details.rule | some v in data.main.violation}); n == 8'

check:
	$(POLICYGEN) check

# Benchmarks, not part of `make test` (about ten minutes on two cores): one
# review in every engine and in the Go reference model, an audit batch of
# 10,000 objects, pods of 1, 10 and 50 containers. The raw results, in
# benchstat's format, go to BENCH_OUT; compare two runs with
#   go run golang.org/x/perf/cmd/benchstat OLD NEW
BENCH_OUT   ?= .bench/bench.txt
BENCH_COUNT ?= 6# the fewest runs for benchstat's 95% confidence intervals
BENCH       := $(GO) test -run '^$$' -benchmem -count $(BENCH_COUNT) ./internal/harness
bench: SHELL := /bin/bash
bench: .SHELLFLAGS := -o pipefail -c# a failing run fails make, despite tee
bench:
	@mkdir -p $(dir $(BENCH_OUT))
	$(BENCH) -bench '^Benchmark(Review|Containers)$$' -benchtime 0.5s | tee $(BENCH_OUT)
	$(BENCH) -bench '^BenchmarkAudit$$' -benchtime 1x | tee -a $(BENCH_OUT)
	$(GO) run ./internal/benchtable $(BENCH_OUT)
