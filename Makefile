# One entry point: `make run`, `make test`, `make lint`, `make bench`, `make image`, `make lock`
# (and `make mutation`). Each target creates .venv and installs exactly what uv.lock pins
# (runtime and test) when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FHIR_SERVER := tests/support/fhir_server
NODE_INSTALLED := $(FHIR_SERVER)/node_modules/.installed
CHROMIUM := /usr/bin/chromium

# uv at the version pyproject.toml requires, installed from PyPI into .uv/ when missing.
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"$$/\1/p' pyproject.toml)
UV_DIR := .uv
UV := $(UV_DIR)/bin/uv
UV_READY := $(UV_DIR)/.uv-$(UV_VERSION)
export UV_PYTHON_DOWNLOADS := never

# The image's base: the official slim Python, or on machines that reach no container registry
# the one ../shared/tools/container-base builds from Debian packages (when Docker answers).
CONTAINER_BASE := ../shared/tools/container-base
BASE_IMAGE ?= $(shell [ -f $(CONTAINER_BASE) ] && docker info >/dev/null 2>&1 \
	&& bash $(CONTAINER_BASE) 2>/dev/null || echo python:3.11-slim)
IMAGE ?= spinal-cds

.PHONY: run test lint bench setup lock image mutation

setup: $(INSTALLED)

$(UV_READY):
	test -x $(UV_DIR)/bin/python || $(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	touch $@

# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set (as on our CI machines) every
# process would compile spaCy and the engine again (a population worker's text reader: 3.2 -> 1.45 s).
$(INSTALLED): pyproject.toml uv.lock | $(UV_READY)
	$(UV) sync --locked --compile-bytecode --extra test --python $(PYTHON)
	touch $@

# Re-resolve uv.lock from pyproject.toml, keeping every pin that still fits. After a merge
# that conflicted in uv.lock, it starts again from our side of the lock.
lock: | $(UV_READY)
	if grep -q '^<<<<<<<' uv.lock 2>/dev/null; then git checkout --ours -- uv.lock; fi
	$(UV) lock

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
	BASE_IMAGE=$(BASE_IMAGE) $(BIN)/pytest

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

image:
	docker build --network host --build-arg BASE_IMAGE=$(BASE_IMAGE) -t $(IMAGE) .
