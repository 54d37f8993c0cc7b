# Two commands for a fresh machine: `make run` and `make test`. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_MEMBERS ?= 2000
PYTEST_ARGS ?=

.PHONY: run install test check lint typecheck bench clean fuzz security
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

## Coverage-guided fuzzing (atheris) of every importer, FUZZ_SECONDS each; crashing inputs
## land in tests/fuzz_corpus/<target>/ and are replayed by the test suite from then on.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= detect linkedin vcard google outlook sharewell_csv
fuzz: install
	@status=0; for target in $(FUZZ_TARGETS); do \
	  printf '%-14s ' "$$target"; \
	  $(PY) tests/fuzz/fuzz_importers.py --target $$target --seconds $(FUZZ_SECONDS) \
	    > .fuzz-$$target.log 2>&1 || { status=1; echo "CRASH (see .fuzz-$$target.log)"; }; \
	  grep -h '^Done' .fuzz-$$target.log || true; \
	done; exit $$status

## Static security checks: bandit (high severity) and the project's own semgrep rules.
SEMGREP_VENV ?= .venv-semgrep
$(SEMGREP_VENV)/.installed: .semgrep/requirements.txt
	$(PYTHON) -m venv $(SEMGREP_VENV)
	$(SEMGREP_VENV)/bin/pip install -q -r .semgrep/requirements.txt
	touch $@

security: install $(SEMGREP_VENV)/.installed
	$(VENV)/bin/bandit -q -r src -lll
	$(SEMGREP_VENV)/bin/semgrep scan --config .semgrep --metrics=off --disable-version-check \
	  --quiet --json .semgrep/examples | $(PY) .semgrep/check_examples.py
	$(SEMGREP_VENV)/bin/semgrep scan --config .semgrep --error --metrics=off --disable-version-check \
	  --quiet src

## Run every benchmark at SCALE (2k, 10k or 100k) and write bench/README.md.
bench: install
	$(VENV)/bin/python bench/run_all.py --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(SEMGREP_VENV) .pytest_cache .mypy_cache .ruff_cache .fuzz-*.log
