# dossier — see README.md. `make run` and `make test` are the two commands.
GO       ?= go
CACHE    ?= $(HOME)/.cache/dossier
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO    := $(CACHE)/minio-$(MINIO_VERSION)/minio
BIN      := bin/dossier
# What the binary says it is (/metrics: dossier_build_info).
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -X main.version=$(VERSION) -X main.revision=$(REVISION)
export DOSSIER_MINIO_BIN := $(MINIO)

.PHONY: run build test test-deps bench bench-scale lint fuzz clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/dossier

# The Debian packages the running product uses (fonts, pdftotext, Tesseract;
# curl and jq for the README's first steps): as root it installs what is
# missing, anyone else gets the command to run. An empty data dir gets the
# demo data set first (see README: dossier demo); serve prints how to log in.
run: build
	bash scripts/install-test-deps.sh run
	$(BIN) demo --if-empty
	$(BIN) serve

# MinIO is built from the Go module proxy, pinned, and cached outside git.
$(MINIO):
	@echo "installing MinIO server $(MINIO_VERSION) into $(dir $(MINIO)) (a few minutes, once)"
	mkdir -p $(dir $(MINIO))
	GOBIN=$(abspath $(dir $(MINIO))) GOFLAGS=-mod=mod $(GO) install github.com/minio/minio@$(MINIO_VERSION)

# Debian packages and the OpenAPI linter (the script), and the modules of the
# client the contract test generates with ogen (archive/http/testdata/ogenclient).
test-deps: $(MINIO)
	bash scripts/install-test-deps.sh
	cd archive/http/testdata/ogenclient && GOWORK=off $(GO) mod download

test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 45m ./...

bench: test-deps
	$(GO) run ./cmd/dossier-bench

# The page times on 100,000 cases (make bench uses 20,000): seeding takes minutes.
bench-scale: test-deps
	$(GO) run ./cmd/dossier-bench -only pages -pages-cases 100000

lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

# Short runs of every fuzz target (go test -fuzz takes one target at a time).
fuzz:
	bash scripts/fuzz.sh 15s

clean:
	rm -rf bin
