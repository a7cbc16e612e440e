# The two commands of the README, and the steps they share.
# `make run` installs everything, prepares the SQLite database with the sample digests
# and starts the site; `make test` installs everything and runs the whole test suite.

PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test install browser lint bench bench-import bench-load observatory screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'

# Browser tests drive Debian's chromium (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py import_digest sample_digests
	$(BIN)/python manage.py runserver $(HOST)

# The whole suite on SQLite (the default), then everything but the browser tests
# again on PostgreSQL when a server answers at POSTGRES_URL (CI starts one).
# Tests but the browser's run on one process per CPU (pytest-xdist, each with its
# own test database): they take half the time on two cores. The browser tests run
# alone: they type at a person's pace, and mostly wait while they do.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/digestsite
PARALLEL := --numprocesses=auto --maxprocesses=4

test: install browser
	$(BIN)/python -m pytest $(PARALLEL) --ignore=tests/browser
	$(BIN)/python -m pytest tests/browser
	@if pg_isready -q -d "$(POSTGRES_URL)" 2>/dev/null; then \
	  echo "--- again on PostgreSQL ($(POSTGRES_URL))"; \
	  DATABASE_URL="$(POSTGRES_URL)" $(BIN)/python -m pytest $(PARALLEL) --ignore=tests/browser; \
	else \
	  echo "--- no PostgreSQL at $(POSTGRES_URL): skipped the PostgreSQL pass"; \
	fi

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# The benchmark at 100,000 papers, side by side with Datasette (the `bench` extra);
# see bench/run.py for --papers, --database-url and the rest.
bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py

# Scores the production profile with the MDN HTTP Observatory on loopback (ports 80
# and 443, so as root); see docs/benchmarks.md.
observatory: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/observatory.py

# The README's screenshots of the list page (docs/screenshots/), from the sample digests.
screenshots: install browser
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/screenshots.py

# Import throughput at 100,000 papers beside sqlite-utils (the `bench` extra).
bench-import: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/import_bench.py --papers 100000

# 24 readers over HTTP (gunicorn on loopback) while one 100,000-row file imports.
bench-load: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/import_load.py
