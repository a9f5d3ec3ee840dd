# Two commands on a fresh machine: `make demo` and `make test`.
# Each bootstraps .venv idempotently (re-installs only when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT ?= out/demo

.PHONY: install demo test test-fast lint fmt bench clean

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/staffing demo --out $(OUT)

lint: install
	$(VENV)/bin/ruff check staffing api tests benchmarks scripts
	$(VENV)/bin/mypy staffing api

# CI: lint + every test (slow ones too)
test: lint
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

# dev loop: lint + the tests not marked slow (no full-week solves, notebooks, wheel builds)
test-fast: lint
	$(VENV)/bin/pytest -q -n 2 --dist loadfile -m "not slow"

fmt: install
	$(VENV)/bin/ruff format staffing api tests benchmarks scripts
	$(VENV)/bin/ruff check --fix staffing api tests benchmarks scripts

bench: install
	$(PY) -m pip install -q -e '.[dev,bench]'
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
