# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
RECORDS ?= 20000

.PHONY: install manifest demo test dev docs lint bench test-postgres clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# dagster-dbt reads target/manifest.json; parsing needs no warehouse.
manifest: install
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .

demo: manifest
	$(BIN)/cfm demo --records $(RECORDS)

test: manifest
	$(BIN)/pytest -q -n 2 --dist loadgroup

# The benchmark adds dlt, VADER and SnowNLP (extra `bench`) for its side-by-side comparisons.
BENCH_RECORDS ?= 1000000
BENCH_STAMP := $(VENV)/.installed-bench-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: manifest $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run --records $(BENCH_RECORDS)

# The same dbt build on PostgreSQL (installed from the OS packages if missing, started on a local port).
PG_STAMP := $(VENV)/.installed-postgres-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
$(PG_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,postgres]'
	touch $(PG_STAMP)

test-postgres: manifest $(PG_STAMP)
	scripts/test_postgres.sh

dev: manifest
	$(BIN)/dagster dev -w workspace.yaml

docs: manifest
	cd dbt_project && ../$(BIN)/dbt docs generate --profiles-dir .
	@echo "dbt docs written to dbt_project/target/index.html (serve: cd dbt_project && ../$(BIN)/dbt docs serve)"

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf data dbt_project/target dbt_project/logs
