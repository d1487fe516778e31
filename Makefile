# Two commands for a fresh machine with Python 3.11+:  make serve  |  make test
# Each sets up .venv on first use and re-installs only when pyproject.toml changes. `make test` first runs
# `make deps`: the system packages the tests need (Chromium, PostgreSQL, nginx), installed when missing and the
# machine allows it (root or password-less sudo), otherwise what to install and which tests are skipped is printed.
# `make deps DRY_RUN=1` only says what it would do. Serving needs no system package, so `make serve` skips it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
PORT ?= 8866
HOST ?= 127.0.0.1

.PHONY: serve test deps lab check bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "her2lesson needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test]'
	@touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/her2lesson serve --host $(HOST) --port $(PORT)

# Runs every time but costs a few file lookups once all is present; apt-get runs at most once per package (the
# stamp $(VENV)/.system-deps records its attempts: see tools/system_deps.py). Under CI=true a package it cannot
# install fails here, before the tests, since CI must never skip them.
deps:
	@$(PYTHON) -S tools/system_deps.py --stamp $(VENV)/.system-deps $(if $(filter-out 0,$(DRY_RUN)),--dry-run)

test: deps $(VENV)/.installed-test
	$(BIN)/python -m pytest

check: $(VENV)/.installed
	$(BIN)/her2lesson check

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) test-output .pytest_cache
