# unionmine — `make` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RAW    ?= data/raw
OUT    ?= data/processed

.DEFAULT_GOAL := help
.PHONY: help install dev run test bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## create .venv and install the package

dev: $(VENV)/.dev-installed ## install the package with the dev extras (tests, notebooks)

run: install ## run the whole pipeline on data/raw into data/processed
	$(BIN)/unionmine run $(RAW) --out $(OUT)

test: dev ## install the dev extras and run the tests (and the notebooks)
	$(BIN)/python -m pytest -q

bench: install ## print repair accuracy, throughput and interval coverage figures (benchmarks/)
	$(BIN)/python benchmarks/repair.py
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/ci_coverage.py

clean: ## remove generated outputs (keeps .venv)
	rm -rf $(OUT)/* .pytest_cache
	@touch $(OUT)/.gitkeep
