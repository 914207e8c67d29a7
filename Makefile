# Peidai: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-http bench-inbox install system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# the web UI's browser libraries (bpmn-js, chart.js), from npm with the lock file; never committed
NODE_STAMP := webapp/static/node_modules/.package-lock.json
$(NODE_STAMP): webapp/static/package.json webapp/static/package-lock.json
	npm ci --prefix webapp/static --no-audit --no-fund --loglevel=error

# the administrators' process editor (bpmn-js, dmn-js), bundled with esbuild into webapp/static/admin/dist
ADMIN_JS := webapp/static/admin/dist/editor.js
$(ADMIN_JS): webapp/static/admin/package.json webapp/static/admin/package-lock.json $(wildcard webapp/static/admin/src/*)
	npm ci --prefix webapp/static/admin --no-audit --no-fund --loglevel=error
	npm run --prefix webapp/static/admin --silent build

install: $(STAMP) $(NODE_STAMP) $(ADMIN_JS)

system-deps:
	bash scripts/system-deps.sh

## Start the whole system on SQLite with demo data (http://127.0.0.1:$${PEIDAI_PORT:-5000}).
run: install system-deps
	$(BIN)/peidai db upgrade
	$(BIN)/peidai demo --if-empty
	$(BIN)/peidai serve

## Install everything and run the whole test suite.
## Two test processes (pytest-xdist; tests/conftest.py SERIAL_GROUPS keeps the browser and the
## process tests each in one of them); PYTEST_ARGS="-n 0" runs everything in one process.
## A test process that dies ends the run at once (--max-worker-restart 0): with --dist loadgroup a
## replaced worker can leave the run waiting for ever.
test: install system-deps
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --max-worker-restart 0 $(PYTEST_ARGS)

## Benchmarks: never part of `make test`. `make bench` is the engine's; `make bench-http` the web
## server's under load; `make bench-inbox` fills
## the task projection with a million rows (PostgreSQL when it runs) and times the inbox query.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-inbox: install
	$(BIN)/python -m bench.inbox_bench

## The web server (gunicorn) under 1, 4 and 16 clients on SQLite and PostgreSQL: requests/s,
## p50/p95/p99, errors by status, http_overhead_ratio. BENCH_ARGS="--profile" shows where a request's time goes.
bench-http: install
	$(BIN)/python -m bench.http_bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info
