# Two commands: `make run` (demo on http://127.0.0.1:5000) and `make test`.
# Both run `make setup` first; it is idempotent and only redoes what changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test lint format browser clean bench

setup: $(VENV)/.installed node_modules/.installed static/vendor/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/
	mkdir -p static/vendor/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css static/vendor/swagger-ui/
	touch $@

# Debian's Chromium for the browser tests (installed only when missing and possible).
browser:
	@bash scripts/ensure-chromium.sh

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving the demo on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo "A worker sends the email beside it; messages land in instance/outbox/"
	@# The worker runs in the background and is stopped (SIGTERM) when the app stops.
	@export SESSION_COOKIE_SECURE=0 PUBLIC_URL=http://$(HOST):$(PORT); \
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup browser lint
	$(BIN)/pytest

# Benchmarks are not tests: they print numbers (see bench/README.md).
bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
