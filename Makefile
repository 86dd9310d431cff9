# Two entry points: `make run` (the nightly pipeline once, on the bundled samples) and `make test`.
# Installs are stamped: a second run skips them unless pyproject.toml or uv.lock changed.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMPS := .make
AIRFLOW_HOME ?= $(CURDIR)/.airflow

export AIRFLOW_HOME
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test install lint docs clean

run: $(AIRFLOW_HOME)/airflow.db
	$(VENV)/bin/jixiao run --quiet

test: install
	$(VENV)/bin/pytest

install: $(STAMPS)/installed

# dbt's documentation site (models, columns with their Chinese labels, lineage graph) for the
# warehouse `make run` built; browse it at http://localhost:8080.
docs: $(STAMPS)/installed
	cd dbt_project && JIXIAO_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb ../$(VENV)/bin/dbt docs generate --profiles-dir .
	cd dbt_project && ../$(VENV)/bin/dbt docs serve --profiles-dir . --port 8080

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMPS)/installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@mkdir -p $(STAMPS) && touch $@

$(AIRFLOW_HOME)/airflow.db: $(STAMPS)/installed
	@mkdir -p $(AIRFLOW_HOME)
	$(VENV)/bin/airflow db migrate > /dev/null
	@touch $@

clean:
	rm -rf $(VENV) $(TOOLS) $(STAMPS) $(AIRFLOW_HOME) data/warehouse.duckdb dbt_project/target dbt_project/logs
