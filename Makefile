# switchover: every target bootstraps its own virtual environment from the lock file.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help venv demo test lint typecheck pytest fmt lock docs bench bench-tools clean

help:
	@echo "make demo   - run the offline migration demo against the simulator"
	@echo "make test   - lint, type check and the whole test suite"
	@echo "make fmt    - format the code"
	@echo "make lock   - re-resolve requirements.lock"
	@echo "make docs   - regenerate docs/cli.md from the CLI's own help"

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . \
	  || $(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m switchover.demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term --cov-fail-under=85 $(PYTEST_ARGS)

test: lint typecheck pytest

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

docs: $(STAMP)
	$(BIN)/python -m switchover.cli.docgen > docs/cli.md

lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install -q -e . -r requirements-dev.in
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^switchover' > requirements.lock
	rm -rf .lockenv

bench: $(STAMP) bench-tools
	@echo "Each benchmark runs on its own; see bench/README.md for the list and commands."

bench-tools:
	@command -v rg >/dev/null && command -v nginx >/dev/null && command -v wrk >/dev/null \
	  || (apt-get update -qq && apt-get install -y -qq ripgrep nginx wrk)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage htmlcov build dist
