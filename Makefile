# SmartWait — common tasks. `make test` is what CI runs (.ci/run).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GO      ?= go

.PHONY: all build run test test-go fmt vet lint clean

all: build

## build: the binary, in bin/smartwait
build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/smartwait ./cmd/smartwait

## run: start a server on :3001 with ./smartwait.db
run:
	$(GO) run ./cmd/smartwait

## test: everything — gofmt, vet, staticcheck, race tests, fuzzing, integration and e2e suites
test:
	scripts/test.sh

## test-go: only the Go unit tests (no servers needed)
test-go:
	$(GO) test -race ./...

## fmt: gofmt every Go file in place
fmt:
	gofmt -w $$(find . -name '*.go' -not -path './e2e/node_modules/*')

vet:
	$(GO) vet ./...

## lint: staticcheck, at the version pinned in go.mod
lint:
	$(GO) tool staticcheck ./...

clean:
	rm -rf bin
