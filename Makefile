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

dev: manifest
	$(BIN)/dagster dev -w workspace.yaml

docs: manifest
	cd dbt_project && ../$(BIN)/dbt docs generate --profiles-dir .
	@echo "dbt docs written to dbt_project/target/index.html (serve: cd dbt_project && ../$(BIN)/dbt docs serve)"

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf data dbt_project/target dbt_project/logs
