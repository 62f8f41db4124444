# The two commands a newcomer runs: `make run` and `make test`. Both start with `make install`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

AXE := node_modules/axe-core/axe.min.js

.PHONY: install system-deps run test test-fast cover lint format bench clean

install: system-deps $(STAMP) $(AXE)

# Debian packages the browser tests and the rich-menu image need: Chromium for Playwright to drive,
# Noto CJK so Japanese is drawn as Japanese, not boxes, and npm to fetch the pinned axe-core.
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! command -v npm >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  PKGS="chromium fonts-noto-cjk"; command -v npm >/dev/null || PKGS="$$PKGS nodejs npm"; \
	  echo "installing Debian packages: $$PKGS"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$PKGS >/dev/null; \
	fi

# axe-core, the accessibility rules the browser tests run on every page (version pinned in package-lock.json).
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel setuptools
	# requirements.lock pins every package we tested with; pyproject.toml keeps the ranges.
	$(PIP) install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: install
	$(VENV)/bin/sasaeai demo

# The suite with coverage over bot/ (what CI runs after lint); the total is the last line printed.
# Restarting PostgreSQL would disturb tests running beside it, and a time bound is only fair on a CPU not
# shared with browser tests: those run alone, after.
test: install
	$(VENV)/bin/coverage erase
	$(VENV)/bin/pytest -q -n 2 --dist loadfile -m "not pg_restart and not alone" --cov --cov-report=
	$(VENV)/bin/pytest -q -m "pg_restart or alone" --cov --cov-append --cov-report=
	$(VENV)/bin/coverage report
	@echo "coverage over bot/: $$($(VENV)/bin/coverage report --format=total)% (keep README.md's figure in step)"

cover: test

test-fast: install
	$(VENV)/bin/pytest -q -x

lint: install
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix bot tests bench
	$(VENV)/bin/ruff format bot tests bench

# Every benchmark, both databases, written into docs/benchmarks.md (about 20 minutes; PostgreSQL at SASAEAI_TEST_PG).
bench: install
	$(PY) bench/run.py all

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .coverage
