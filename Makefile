# Traveler screening service. `make help` lists every target.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GEN_OUT ?= screening_service/_generated
PROTO := proto/screening/v1/screening.proto

.PHONY: help all run test lint typecheck proto proto-check bench clean

help: ## List every target with what it does
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "needs Python 3.11+ (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

all: lint typecheck proto-check test ## What CI runs: lint, typecheck, stale-proto check, tests

run: $(STAMP) ## Start the service on the bundled rule pack (gRPC 127.0.0.1:50051, metrics :9464)
	$(BIN)/screening serve --lookout lookout/sample.csv

test: $(STAMP) ## Run the whole test suite with coverage (servers included), the slowest 15, the floors
	rm -f .coverage .coverage.*
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/pytest --durations=15 --cov --cov-report=term
	$(BIN)/python tests/coverage_floor.py $(CURDIR)/.coverage

lint: $(STAMP) ## ruff over the package, tests and benchmarks; import-linter layer contracts
	$(BIN)/ruff check screening_service tests benchmarks
	$(BIN)/ruff format --check screening_service tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP) ## mypy --strict over the package, tests and benchmarks
	$(BIN)/mypy

proto: $(STAMP) ## Regenerate Python code from proto/ into screening_service/_generated
	mkdir -p $(GEN_OUT)
	$(BIN)/python -m grpc_tools.protoc -Iproto \
	  -I"$$($(BIN)/python -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')" \
	  -I"$$($(BIN)/python -c 'import google.rpc, os; print(os.path.dirname(os.path.dirname(google.rpc.__path__[0])))')" \
	  --python_out=$(GEN_OUT) --grpc_python_out=$(GEN_OUT) \
	  --plugin=protoc-gen-mypy=$(BIN)/protoc-gen-mypy --plugin=protoc-gen-mypy_grpc=$(BIN)/protoc-gen-mypy_grpc \
	  --mypy_out=$(GEN_OUT) --mypy_grpc_out=$(GEN_OUT) $(PROTO)
	sed -i 's/^from screening\.v1 import/from screening_service._generated.screening.v1 import/' \
	  $(GEN_OUT)/screening/v1/screening_pb2_grpc.py $(GEN_OUT)/screening/v1/screening_pb2_grpc.pyi
	for d in $(GEN_OUT) $(GEN_OUT)/screening $(GEN_OUT)/screening/v1; do touch $$d/__init__.py; done

proto-check: $(STAMP) ## Fail when the generated code is stale against proto/
	@tmp=$$(mktemp -d); $(MAKE) --no-print-directory -s proto GEN_OUT=$$tmp >/dev/null && \
	  diff -r -x __pycache__ $$tmp screening_service/_generated && echo "generated code is up to date" || \
	  { echo "generated code is stale: run 'make proto'"; rm -rf $$tmp; exit 1; }; rm -rf $$tmp

bench: $(STAMP) ## Run the benchmarks (prints a table, writes benchmarks/results/*.json)
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.bench_messages
	$(BIN)/python -m benchmarks.bench_lookout_quality
	$(BIN)/python -m benchmarks.bench_history
	$(BIN)/python -m benchmarks.bench_history_overhead $(if $(findstring --quick,$(BENCH_ARGS)),--quick)
	$(BIN)/python -m benchmarks.bench_synth
	$(BIN)/python -m benchmarks.bench_replay $(if $(findstring --quick,$(BENCH_ARGS)),--quick)

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .coverage .coverage.*
