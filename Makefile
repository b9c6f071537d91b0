# The two commands a newcomer needs: `make site` and `make test`.
# Both create the virtualenv when it is missing and (re)install the project
# when pyproject.toml changed, so they work on a fresh machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: site test test-fast lint bytecode install install-test serve check example example-crcn bench schemas clean

site: $(STAMP)
	$(BIN)/portfolio build . -d site
	@echo "Site du dossier exemple dans site/ : « make serve » puis http://127.0.0.1:8000 (rapport : /portfolio/report/)"

example: $(STAMP)
	$(BIN)/portfolio build sample_dnc/echec-qcm -d site-echec-qcm

example-crcn: $(STAMP)
	$(BIN)/portfolio build sample_dnc/crcn -d site-crcn

check: $(STAMP)
	$(BIN)/portfolio check .

serve: $(STAMP)
	$(BIN)/portfolio serve .

# The gates (ruff, then mypy, as configured in pyproject.toml) run first: make stops at the first failure.
lint: $(TSTAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Compiled bytecode for every `portfolio` subprocess the tests and benchmarks start: where
# PYTHONDONTWRITEBYTECODE is set, each start would otherwise compile the project's modules
# from source again (~50 ms CPU for `check`, ~200 ms for `build`), as no installed wheel does.
bytecode: $(TSTAMP)
	$(BIN)/python -m compileall -q -j 0 portfolio_builder tests benchmarks

# --dist loadgroup: the modules marked xdist_group (those whose module fixtures build a site,
# a cohort or a PDF) run whole in one worker, so those are built once, not once per worker;
# every other test is spread one by one (the 500-example fuzz tests of CI among them).
test: lint bytecode
	$(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# The gates and the core unit tests only: the quick loop while editing.
test-fast: lint bytecode
	$(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS) tests/core

bench: bytecode
	$(BIN)/python benchmarks/check_speed.py
	$(BIN)/python benchmarks/build_speed.py
	$(BIN)/python benchmarks/cohort_speed.py
	$(BIN)/python benchmarks/reload_speed.py
	$(BIN)/python benchmarks/jury_speed.py
	$(BIN)/python benchmarks/hanging_cohort.py
	$(BIN)/python benchmarks/pdf_speed.py
	$(BIN)/python benchmarks/engine_speed.py
	$(BIN)/python benchmarks/offline_search.py

# schema/dossier.schema.json from core/settings.py, the language enums from the catalog, then the fast
# validators of `portfolio check` generated from schema/ (the tests check they are all current).
schemas: $(TSTAMP)
	$(BIN)/python -m portfolio_builder.core.schemas

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $@

install: $(STAMP)
install-test: $(TSTAMP)

clean:
	rm -rf site site-echec-qcm site-crcn .pytest_cache .hypothesis build dist *.egg-info
