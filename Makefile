# Two commands for a fresh machine: `make run` and `make test`. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_MEMBERS ?= 2000
PYTEST_ARGS ?=

.PHONY: run install test check lint typecheck bench clean
SCALE ?= 2k
BENCH_ARGS ?=

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Install, migrate the embedded database, load a demo network when it is empty, serve.
run: install
	$(VENV)/bin/sharewell serve --host $(HOST) --port $(PORT) --demo-if-empty $(DEMO_MEMBERS)

## Install and run every test (both database legs when SHAREWELL_TEST_POSTGRES_URL is set).
test: install
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

## Lint and type-check.
check: install
	$(VENV)/bin/ruff check --output-format concise src tests $(wildcard bench)
	$(VENV)/bin/mypy src/sharewell

lint: check

## Run every benchmark at SCALE (2k, 10k or 100k) and write bench/README.md.
bench: install
	$(VENV)/bin/python bench/run_all.py --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
