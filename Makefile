# Two commands do all the set-up on a fresh machine with Python 3.11 and make: `make run`, `make test`.
PYTHON ?= python3.11
VENV := .venv
UV_VERSION := 0.13.8
UV := $(VENV)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(VENV)/bin/python
# Compile bytecode at install: the environment here sets PYTHONDONTWRITEBYTECODE, and without .pyc files
# every run recompiles about 1,000 modules (seconds of each run).
export UV_COMPILE_BYTECODE := 1

# Test files run in this many processes (pytest-xdist; a file's tests stay together, so module fixtures
# are built once). Most of the suite waits on Prefect servers and subprocesses: 2 workers on 2 cores took
# the suite from ~674 s to ~399 s. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2

.PHONY: run test bench env clean

# The environment is rebuilt only when the lock file or pyproject.toml changes.
$(VENV)/.synced: pyproject.toml uv.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --inexact --group dev
	touch $@

env: $(VENV)/.synced

run: env
	$(VENV)/bin/tally run --raw raw --warehouse warehouse

test: env
	$(VENV)/bin/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15

$(VENV)/.bench: $(VENV)/.synced
	$(UV) sync --frozen --inexact --group dev --extra bench
	touch $@

# Benchmarks print figures; they are not tests.
bench: $(VENV)/.bench
	$(VENV)/bin/python bench/quantities.py
	$(VENV)/bin/python bench/run_seed.py
	$(VENV)/bin/python bench/corpus.py 10 100
	$(VENV)/bin/python bench/large_file.py --mb 20

clean:
	rm -rf $(VENV) warehouse/.prefect warehouse/builds warehouse/current warehouse/tally.duckdb warehouse/parquet
