# Cartwheel — the two commands a new user needs:
#   make run    set up everything and serve the app on http://localhost:8501
#   make test   set up the test tools and run the whole test suite
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
ADDRESS ?= 127.0.0.1
STRIPE_PORT ?= 8420
SCALE ?= small
SCALES ?= small,large,franchise
BROWSER_REPS ?= 20

.PHONY: help run dev test lint format migrate demo clean-db bench bench-data bench-browser

help:
	@echo "make run      create the venv, install, migrate, add the demo gym, serve on :$(PORT)"
	@echo "make test     install the test tools and run every test"
	@echo "make lint     ruff check and format check"
	@echo "make demo     add the demo gym to an empty database (SCALE=small|large|franchise)"
	@echo "make clean-db delete the local SQLite database"
	@echo "make bench    measure services, pages and the server (SCALES=small,large,franchise)"
	@echo "make bench-data  build the benchmark's demo databases once (franchise: ~12 min)"
	@echo "make bench-browser  time clicks in Chromium (SCALE=small, BROWSER_REPS=20)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

migrate: $(VENV)/.runtime-installed
	$(BIN)/python -m data.migrate

demo: migrate
	$(BIN)/python -m data.demo --scale $(SCALE) --if-empty

run: demo
	PORT=$(PORT) ADDRESS=$(ADDRESS) STRIPE_PORT=$(STRIPE_PORT) ./scripts/serve.sh

dev: demo
	PORT=$(PORT) ADDRESS=$(ADDRESS) STRIPE_PORT=$(STRIPE_PORT) ./scripts/serve.sh --server.fileWatcherType auto --server.runOnSave true

# axe-core for the accessibility test (tests/browser/test_accessibility.py). Without node/npm the
# test skips locally and fails in CI (CARTWHEEL_REQUIRE_ALL_TESTS=1).
AXE_DIR := tests/accessibility
$(AXE_DIR)/node_modules/.package-lock.json: $(AXE_DIR)/package-lock.json
	@if command -v npm >/dev/null; then cd $(AXE_DIR) && npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility test will not run"; fi

test: $(VENV)/.dev-installed $(AXE_DIR)/node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-db:
	rm -f data/cartwheel.db data/cartwheel.db-wal data/cartwheel.db-shm

# Benchmarks (docs/performance.md): builds or reuses the demo databases in bench/.cache/, then
# writes bench/results/latest.json, a dated copy and latest.md. `make bench SCALES=small,large`.
# The databases are built on first use; `make bench-data` builds them ahead (separately timed).
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench --scales $(SCALES) --browser-reps $(BROWSER_REPS) $(BENCH_ARGS)

# Only what people wait for (issue 17): clicks timed in Debian's Chromium at one scale (Make
# Payment against localstripe; the cold load also through Caddy when `caddy` is installed),
# then the server on the real clock on SQLite and on PostgreSQL (small demo; --no-postgres
# skips it); writes bench/results/browser-latest.{json,md}.
bench-browser: $(VENV)/.dev-installed
	$(BIN)/python -m bench.browser --scale $(SCALE) --browser-reps $(BROWSER_REPS) $(BENCH_ARGS)

bench-data: $(VENV)/.dev-installed
	$(BIN)/python -m bench.databases --scales $(SCALES)
