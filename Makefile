# `make` publishes dist/ from the spec; `make test` runs every test.
GO  ?= go
BIN := $(CURDIR)/.bin

.PHONY: publish test vet gotest policytest check
publish:
	$(GO) run ./cmd/policygen publish

test: vet gotest policytest check

vet:
	$(GO) vet ./...

gotest:
	$(GO) test ./...

policytest:
	$(GO) run ./cmd/policygen test

check:
	$(GO) run ./cmd/policygen check
