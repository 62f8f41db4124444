# The two commands a newcomer runs: `make run` and `make test`. Both start with `make install`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: install system-deps run test test-fast lint format bench clean

install: system-deps $(STAMP)

# Debian packages the browser tests and the rich-menu image need: Chromium for Playwright to drive,
# and Noto CJK so Japanese is drawn as Japanese, not boxes.
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing Debian packages: chromium fonts-noto-cjk"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel setuptools
	# requirements.lock pins every package we tested with; pyproject.toml keeps the ranges.
	$(PIP) install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: install
	$(VENV)/bin/sasaeai demo

test: install
	$(VENV)/bin/pytest -q -n 2 --dist loadfile -m "not pg_restart"
	# Restarting PostgreSQL would disturb tests running beside it: this one runs alone.
	$(VENV)/bin/pytest -q -m pg_restart

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
