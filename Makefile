# The two commands the README promises: `make demo` and `make test`.
# Everything the project needs is installed from here; uv itself is installed with pip when missing.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.uvtool/bin/uv)
DEMO_UI ?= 1
PYTEST_ARGS ?=

export DAGSTER_DISABLE_TELEMETRY := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install system-deps lint demo test sim clean bench

$(CURDIR)/.uvtool/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.uvtool
	$(CURDIR)/.uvtool/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --locked --compile-bytecode

# Debian packages the end-to-end tests and benchmark B6 (PostgreSQL) use, installed only when missing (CI runs as
# root). Without root they cannot be installed: the browser test and the PostgreSQL tests then skip, and B6 is
# reported as skipped, each saying why.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian chromium for the UI test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium (not root?); the browser test will skip"; }
	@{ command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; } || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
	  || { echo "installing Debian postgresql for the production-profile tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	  || echo "warning: could not install postgresql (not root?); the PostgreSQL tests will skip"; }

demo: install
	$(UV) run isone-platform demo $(if $(filter 0,$(DEMO_UI)),--no-ui,)

# The guardrails (configured in pyproject.toml): lint with import sorting, the format check at 120 columns, pyright
# in basic mode. Any finding fails `make test` before a test runs.
lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run pyright

test: install system-deps lint
	$(UV) run pytest $(PYTEST_ARGS)

# B1-B6: B1-B4 side by side with DuckDB native and gridstatus (installed into benchmarks/.venv-gridstatus), B6 on
# a PostgreSQL server (system-deps); prints the table and writes benchmarks/results/latest.json.
# BENCH_ARGS e.g. "--repeat 5" or "--only B1,B4".
BENCH_ARGS ?=
bench: install system-deps
	$(UV) run python benchmarks/bench.py $(BENCH_ARGS)

sim: install
	$(UV) run isone-sim --host 127.0.0.1 --port 8765

clean:
	rm -rf data .dagster_home dbt_project/target test-artifacts
