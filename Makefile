# `make` publishes dist/ from the spec; `make test` runs every test;
# `make fuzz` is a long campaign, kept out of `make test`.
GO ?= go

# The real tools the tests run, pinned and built through the Go module proxy.
CONFTEST_VERSION := v0.71.1
OPA_VERSION      := v1.17.1# the OPA that Gatekeeper GATOR_VERSION embeds
GATOR_VERSION    := v3.23.1
KUSTOMIZE_VERSION := v5.7.1
STATICCHECK_VERSION := v0.8.2
TOOLS    := $(CURDIR)/.bin/conftest-$(CONFTEST_VERSION)_opa-$(OPA_VERSION)_gator-$(GATOR_VERSION)
CONFTEST := $(TOOLS)/conftest
OPA      := $(TOOLS)/opa
GATOR    := $(TOOLS)/gator
KUSTOMIZE := $(CURDIR)/.bin/kustomize-$(KUSTOMIZE_VERSION)/kustomize
STATICCHECK := $(CURDIR)/.bin/staticcheck-$(STATICCHECK_VERSION)/staticcheck
POLICYGEN := $(GO) run ./cmd/policygen

.PHONY: publish test test-steps vet lint gotest tools versions policytest dist-tools conftest-verify opa-check gator-verify check fuzz bench
publish:
	$(POLICYGEN) publish

# The steps of `make test` run one per core (they share no outputs); each
# step's output is printed whole when it ends.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test:
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target test-steps
test-steps: vet lint gotest versions policytest dist-tools conftest-verify opa-check gator-verify check

vet:
	$(GO) vet ./...

lint: $(STATICCHECK)
	$(STATICCHECK) ./...

gotest:
	$(GO) test -timeout 12m ./...

tools: $(CONFTEST) $(OPA) $(GATOR) $(KUSTOMIZE)

$(CONFTEST):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/conftest@$(CONFTEST_VERSION)
$(OPA):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)
$(GATOR):
	GOBIN=$(TOOLS) $(GO) install github.com/open-policy-agent/gatekeeper/v3/cmd/gator@$(GATOR_VERSION)
$(KUSTOMIZE):
	GOBIN=$(dir $(KUSTOMIZE)) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
$(STATICCHECK):
	GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

versions: tools
	@echo "conftest $(CONFTEST_VERSION): $$($(CONFTEST) --version | tr '\n' ' ')"
	@echo "opa $(OPA_VERSION): $$($(OPA) version | head -1)"
	@echo "gator $(GATOR_VERSION): $$($(GATOR) --version 2>&1 | head -1)"
	@echo "kustomize $(KUSTOMIZE_VERSION): $$($(KUSTOMIZE) version)"

# Every case through the embedded engines and the real conftest and gator.
policytest: tools
	$(POLICYGEN) test --coverage --tools $(TOOLS)

# The real tools over the committed dist/, as a user runs them, every count
# taken from the spec: eval says what conftest says; OPA loads the bundle;
# kustomize builds each bundle, a template before its constraint; gator
# judges with the templates and the sample constraints; conftest, eval and
# gator (over kustomize build dist/gatekeeper/all) give every case object,
# in its namespace and in kube-system, and every real-world manifest the
# same verdict under the default constraints, gator the recorded ones;
# a signed dist/ pushed to a registry on 127.0.0.1 is pulled by conftest,
# OPA (an OCI bundle service with the verification key) and gator --image,
# each finding one violation of each rule in the bad DaemonSet;
# gator's policy commands (update, search, a dry-run install of every
# bundle) over dist/catalog.yaml, as a file and over HTTP on 127.0.0.1.
dist-tools: tools
	POLICYGEN_TOOLS=$(TOOLS) POLICYGEN_CONFTEST=$(CONFTEST) POLICYGEN_KUSTOMIZE=$(KUSTOMIZE) \
		$(GO) test -count=1 -timeout 10m -tags tools -run 'Conftest|WithOPA|Kustomize|Gator|Registry' ./cmd/policygen

# What a consumer runs on the published policies.
conftest-verify: tools
	$(CONFTEST) verify --no-color -p dist/conftest -p dist/conftest-tests

# The suites beside the published templates, as a consumer runs them, one
# suite per job; those beside the templates with CEL assert the CEL contract
# and run with Gatekeeper's K8sNativeValidation driver.
GATOR_SUITES := $(wildcard dist/gatekeeper/*/suite.yaml)
GATOR_CEL_SUITES := $(wildcard dist/gatekeeper-cel/*/suite.yaml)
gator-verify: $(GATOR_SUITES:%=gator-verify/%) $(GATOR_CEL_SUITES:%=gator-verify-cel/%)
gator-verify/%: tools
	$(GATOR) verify $*
gator-verify-cel/%: tools
	$(GATOR) verify --enable-k8s-native-validation $*

opa-check: tools
	$(OPA) check --strict --capabilities $(OPA_VERSION) dist/conftest dist/conftest-tests
	$(OPA) test dist/conftest dist/conftest-tests

check:
	$(POLICYGEN) check

# The long campaign: the differential test scaled up to FUZZ_OBJECTS generated
# objects or FUZZ_SECONDS, whichever comes first, from FUZZ_SEED; then the
# native fuzz target for FUZZ_TIME. (`make test` runs FuzzEngines over its
# seed corpus only.) Inputs the fuzzer finds interesting stay in Go's fuzz
# cache ($$(go env GOCACHE)/fuzz); copy those worth keeping, and any failing
# one, to internal/harness/testdata/fuzz/FuzzEngines.
FUZZ_SEED    ?= $(shell date +%s)
FUZZ_OBJECTS ?= 1000000
FUZZ_SECONDS ?= 600
FUZZ_TIME    ?= 10m

fuzz:
	@echo "differential: seed $(FUZZ_SEED), up to $(FUZZ_OBJECTS) objects or $(FUZZ_SECONDS)s"
	POLICYGEN_DIFF_SEED=$(FUZZ_SEED) POLICYGEN_DIFF_OBJECTS=$(FUZZ_OBJECTS) POLICYGEN_DIFF_SECONDS=$(FUZZ_SECONDS) \
		$(GO) test -count=1 -timeout 0 -v -run '^TestDifferential$$' ./internal/harness
	@echo "FuzzEngines: $$(ls internal/harness/testdata/fuzz/FuzzEngines | wc -l) kept inputs, for $(FUZZ_TIME)"
	$(GO) test -run '^$$' -fuzz '^FuzzEngines$$' -fuzztime $(FUZZ_TIME) -fuzzminimizetime 10s ./internal/harness

# Benchmarks, not part of `make test` (about fifteen minutes on two cores):
# one review in every engine (the Rego ones and the CEL ones: Gatekeeper's
# K8sNativeValidation driver, the API server's validator over dist/vap and
# over the policies Gatekeeper generates) and in the Go reference model, an
# audit batch of 10,000 objects (1,000 for the CEL engines), pods of 1, 10
# and 50 containers; then the cost of the
# rules beside eight trivial templates (the framework's floor), a minimal
# hostProcess template and the guard alone, through the framework client and
# through `gator bench` (skipped, saying why, when gator is not built or has
# no bench command), on a plain pod, a HostProcess pod and 1 to 200
# containers, with the ratios against their targets; then policygen eval
# on a generated 50 MB manifest of 87,000 DaemonSets (written to a temporary
# directory at run time), its objects per second and peak memory. The raw
# results, in benchstat's format, go to BENCH_OUT; compare two runs with
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
	$(BENCH) -bench '^BenchmarkCost$$' -benchtime 0.2s | tee -a $(BENCH_OUT)
	$(BENCH) -bench '^BenchmarkCostPair$$' -benchtime 400x | tee -a $(BENCH_OUT)
	@if [ -x $(GATOR) ]; then \
		POLICYGEN_GATOR=$(GATOR) $(GO) test -run '^$$' -count 1 -bench '^BenchmarkGatorCost$$' -benchtime 1x ./internal/harness | tee -a $(BENCH_OUT); \
	else echo "gator bench skipped: $(GATOR) is not built (make tools)"; fi
	$(GO) test -run '^$$' -count 1 -bench '^BenchmarkRun50MB$$' -benchtime 1x ./internal/eval | tee -a $(BENCH_OUT)
	$(GO) run ./internal/benchtable $(BENCH_OUT)

# End to end: etcd, kube-apiserver and Gatekeeper built from the module proxy
# into .bin/ (once per version), then the tests in e2e/ against a real API
# server and the Gatekeeper webhook on 127.0.0.1 (among them the pinned gator
# installing each bundle of dist/catalog.yaml). Not part of `make test`.
# etcd and kube-apiserver build in wrapper modules of their own under
# e2e/build, which pin their versions, so k8s.io/kubernetes never enters
# go.mod; Gatekeeper is the release the harness embeds (as gator is).
E2E_ETCD_VERSION       := $(shell $(GO) -C e2e/build/etcd list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
E2E_KUBE_VERSION       := $(shell $(GO) -C e2e/build/kube-apiserver list -m -f '{{.Version}}' k8s.io/kubernetes)
E2E_GATEKEEPER_VERSION := $(GATOR_VERSION)
E2E_ETCD       := $(CURDIR)/.bin/etcd-$(E2E_ETCD_VERSION)/etcd
E2E_APISERVER  := $(CURDIR)/.bin/kube-apiserver-$(E2E_KUBE_VERSION)/kube-apiserver
E2E_GATEKEEPER := $(CURDIR)/.bin/gatekeeper-$(E2E_GATEKEEPER_VERSION)/gatekeeper
E2E_KUBE_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(E2E_KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=$(word 2,$(subst ., ,$(E2E_KUBE_VERSION:v%=x.%))) \
	-X k8s.io/component-base/version.gitMinor=$(word 3,$(subst ., ,$(E2E_KUBE_VERSION:v%=x.%)))

.PHONY: e2e-tools e2e e2e-bench
e2e-tools: $(E2E_ETCD) $(E2E_APISERVER) $(E2E_GATEKEEPER) $(KUSTOMIZE) $(GATOR)
	@echo "etcd $(E2E_ETCD_VERSION): $$($(E2E_ETCD) --version | head -1)"
	@echo "kube-apiserver $(E2E_KUBE_VERSION): $$($(E2E_APISERVER) --version)"
	@echo "gatekeeper $(E2E_GATEKEEPER_VERSION): $$($(GO) version -m $(E2E_GATEKEEPER) | awk '$$1 == "mod" {print $$2, $$3}')"

$(E2E_ETCD):
	$(GO) -C e2e/build/etcd build -trimpath -o $@ .
$(E2E_APISERVER):
	$(GO) -C e2e/build/kube-apiserver build -trimpath -ldflags '$(E2E_KUBE_LDFLAGS)' -o $@ k8s.io/kubernetes/cmd/kube-apiserver
$(E2E_GATEKEEPER):
	GOBIN=$(dir $@) $(GO) install github.com/open-policy-agent/gatekeeper/v3@$(E2E_GATEKEEPER_VERSION)

e2e: e2e-tools
	POLICYGEN_E2E_ETCD=$(E2E_ETCD) POLICYGEN_E2E_APISERVER=$(E2E_APISERVER) \
	POLICYGEN_E2E_GATEKEEPER=$(E2E_GATEKEEPER) POLICYGEN_E2E_GATEKEEPER_VERSION=$(E2E_GATEKEEPER_VERSION) \
	POLICYGEN_KUSTOMIZE=$(KUSTOMIZE) POLICYGEN_E2E_GATOR=$(GATOR) \
		$(GO) test -tags e2e -count=1 -timeout 40m -v ./e2e/...

# The cost of an admission (p50/p99 of a dry-run create of a HostProcess
# DaemonSet: the API server with no policy, the webhook with no constraints
# and with all eight, dist/vap/all alone; concurrency 1 and 8; against the
# webhook's 3 s timeout): a measurement, not part of `make e2e`.
E2E_LATENCY_REQUESTS ?= 1000
e2e-bench: e2e-tools
	POLICYGEN_E2E_ETCD=$(E2E_ETCD) POLICYGEN_E2E_APISERVER=$(E2E_APISERVER) \
	POLICYGEN_E2E_GATEKEEPER=$(E2E_GATEKEEPER) POLICYGEN_E2E_GATEKEEPER_VERSION=$(E2E_GATEKEEPER_VERSION) \
	POLICYGEN_KUSTOMIZE=$(KUSTOMIZE) POLICYGEN_E2E_LATENCY=$(E2E_LATENCY_REQUESTS) \
		$(GO) test -tags e2e -count=1 -timeout 30m -v -run '^TestLatency$$' ./e2e/...
