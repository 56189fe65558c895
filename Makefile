# One entry point: `make run`, `make test`, `make lint`, `make bench` (and `make mutation`).
# Each target creates .venv and installs the project with its test extras when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FHIR_SERVER := tests/support/fhir_server
NODE_INSTALLED := $(FHIR_SERVER)/node_modules/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench setup mutation

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(NODE_INSTALLED): $(FHIR_SERVER)/package-lock.json
	npm ci --prefix $(FHIR_SERVER) --no-audit --no-fund --loglevel=error
	touch $@

# On loopback, open mode: the demo FHIR server is the one server fetched from, and the CDS Hooks
# sandbox the one web page let in.
run: $(INSTALLED)
	CDS_DEMO=$${CDS_DEMO:-true} \
	CDS_ALLOWED_FHIR_SERVERS=$${CDS_ALLOWED_FHIR_SERVERS:-http://127.0.0.1:8000,http://localhost:8000} \
	CDS_CORS_ORIGINS=$${CDS_CORS_ORIGINS:-https://sandbox.cds-hooks.org} \
	$(BIN)/cds serve

test: $(INSTALLED) $(NODE_INSTALLED) | $(CHROMIUM)
	$(BIN)/pytest

# Browser tests drive Debian's chromium through Playwright (no browser download).
$(CHROMIUM):
	@if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium; \
	else \
		echo "$(CHROMIUM) missing and not root: browser tests skip (fail under CI)"; \
	fi

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

bench: $(INSTALLED)
	$(BIN)/python -m bench

# Mutation testing of the engine and the clinical readers ([tool.mutmut] in pyproject.toml),
# with the fast tests only; not part of `make test` (it takes tens of minutes). Starts afresh
# each time; AREA=engine or AREA=facts scopes a run to one area.
MUTANTS := $(if $(filter engine,$(AREA)),'cds.engine.*',$(if $(filter facts,$(AREA)),'cds.facts.*'))
mutation: $(INSTALLED)
	rm -rf mutants
	nice -n 15 $(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python -m tests.support.mutation_score
