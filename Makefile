# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint install chromium compose-check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

## run: set up, migrate the embedded SQLite under var/, load the demo once, serve on :8000
run: install
	$(BIN)/cobro migrate
	$(BIN)/cobro demo-data
	$(BIN)/cobro serve --host 127.0.0.1 --port 8000

## test: set up, lint (ruff, import contracts), validate the compose file, run the whole suite (SQLite and PostgreSQL)
test: install chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MAKE) compose-check
	$(BIN)/pytest -q -p no:cacheprovider

compose-check: install
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

## chromium: the browser the UI tests drive (Debian's package; nothing is downloaded by tests)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
		echo "warning: could not install chromium; browser tests will fail"; }

## bench: every benchmark in benchmarks/ in turn (each writes benchmarks/results/<name>.json)
BENCHMARKS := import_stream import_and_api daily_checks payments booking bots mixed_load negotiation route_quality outbound_plan outbound_send web_weight load_locust
bench: install
	@for b in $(BENCHMARKS); do echo "== $$b"; $(BIN)/python benchmarks/$$b.py || exit 1; done

clean:
	rm -rf var .pytest_cache
