# Two entry points: `make run` (the nightly pipeline once, on the bundled samples) and `make test`
# (everything, what CI runs); `make test-fast` leaves out the Airflow nights, the Celery path,
# the Superset lane (`make test-bi`), the compose stack under podman (`make test-deploy`) and the
# scanned documents (`make test-scans`).
# Installs are stamped: a second run skips them unless pyproject.toml or uv.lock changed.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SUPERSET_VENV := $(TOOLS)/superset
# Debian bookworm's podman-compose (1.0.3) predates `up --scale`; this one drives Debian's podman 4.3.
PODMAN_COMPOSE_VERSION := 1.6.0
STAMPS := .make
AIRFLOW_HOME ?= $(CURDIR)/.airflow

export AIRFLOW_HOME
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
# The first parse after a change to the dbt project runs `dbt ls` for both Cosmos task groups.
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT := 120
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# sqlfluff's dbt templater compiles the project: it needs a profile, not a built warehouse. It reads
# the templater only from the working directory's config or the one given.
SQLFLUFF := JIXIAO_DBT_WAREHOUSE=:memory: $(VENV)/bin/sqlfluff

.PHONY: run test test-fast test-bi test-deploy test-scans nights-crashes nights-story crashes-deploy-bi story-then-scans install lint docs clean

run: $(AIRFLOW_HOME)/airflow.db
	$(VENV)/bin/jixiao run --quiet

# Everything but the nights on three workers (pytest-xdist) for the two cores, each module on one
# worker so its fixtures are made once: a worker often waits (for another's session warehouse, a
# subprocess, a timeout under test), and a third fills the core it leaves idle (docs/testing.md).
# The fast lane also leaves out the tests that start dbt or Great Expectations in processes of
# their own (marker `processes`) and those that reconcile an edited landed build again, one
# scenario a test (marker `rebuilds`); `make test` runs them with it.
# Then the nights in two pytest processes side by side: the crash
# story, and the Celery path followed by the e2e story. (Not xdist's loadgroup: with pytest 9.2 it
# no longer keeps a group on one worker, pytest-xdist#1386, and a story would be told twice.)
ON_THREE_WORKERS := $(VENV)/bin/pytest -n 3 --dist loadscope
OUTSIDE_THE_LANES := not night and not bi and not containers and not scans
CRASH_NIGHTS := tests/e2e/test_crash_safety.py

test: install
	$(ON_THREE_WORKERS) -m "$(OUTSIDE_THE_LANES)"
	$(MAKE) --no-print-directory -j 2 --output-sync=target crashes-deploy-bi story-then-scans

nights-crashes:
	$(VENV)/bin/pytest -m night $(CRASH_NIGHTS)

# Two lanes side by side, each a sequence: the crash story, the compose stack under podman, then
# the Superset lane; the Celery path and the e2e story, then the scanned documents (the compose
# stack's image build makes the first lane the longer one).
crashes-deploy-bi:
	$(MAKE) --no-print-directory nights-crashes
	$(MAKE) --no-print-directory test-deploy
	$(MAKE) --no-print-directory test-bi

story-then-scans:
	$(MAKE) --no-print-directory nights-story
	$(VENV)/bin/pytest -m scans

# Every test that reads a scanned document with OCR (seconds a page), in one process.
test-scans: install
	$(VENV)/bin/pytest -m scans

# A real Superset (bi/superset/requirements.txt, in .tools/superset) reading the nights' warehouse
# through its REST API, the README's recipe and the dashboard shipped in bi/superset/.
test-bi: install $(STAMPS)/superset
	$(VENV)/bin/pytest -m bi tests/bi

nights-story:
	$(VENV)/bin/pytest -m night --ignore=$(CRASH_NIGHTS)

# The compose stack built offline and run with podman (tests/deploy/test_containers.py); needs
# podman, runc, netavark, aardvark-dns and mmdebstrap from Debian (.ci/run installs them).
test-deploy: install $(STAMPS)/podman-compose
	$(VENV)/bin/pytest -m containers tests/deploy/test_containers.py

test-fast: install
	$(ON_THREE_WORKERS) -m "$(OUTSIDE_THE_LANES) and not processes and not rebuilds"

install: $(STAMPS)/installed

# dbt's documentation site (models, columns with their Chinese labels, lineage graph) for the
# warehouse `make run` built; browse it at http://localhost:8080.
docs: $(STAMPS)/installed
	cd dbt_project && JIXIAO_WAREHOUSE=$(CURDIR)/data/warehouse.duckdb ../$(VENV)/bin/dbt docs generate --profiles-dir .
	cd dbt_project && ../$(VENV)/bin/dbt docs serve --profiles-dir . --port 8080

# The same checks as .pre-commit-config.yaml: ruff, sqlfluff (dbt templater, duckdb dialect), mypy.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(SQLFLUFF) lint --config dbt_project/.sqlfluff dbt_project

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Compiled to bytecode at install: every night and test process imports Airflow, dbt and Great
# Expectations, and where PYTHONDONTWRITEBYTECODE is set (CI, containers) nothing is cached after an
# import: `import airflow` took 5 s instead of 1.5 s.
$(STAMPS)/installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/superset: bi/superset/requirements.txt
	rm -rf $(SUPERSET_VENV)
	$(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/pip install --quiet --disable-pip-version-check -r bi/superset/requirements.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/podman-compose:
	rm -rf $(TOOLS)/podman-compose
	$(PYTHON) -m venv $(TOOLS)/podman-compose
	$(TOOLS)/podman-compose/bin/pip install --quiet --disable-pip-version-check podman-compose==$(PODMAN_COMPOSE_VERSION)
	@mkdir -p $(STAMPS) && touch $@

$(AIRFLOW_HOME)/airflow.db: $(STAMPS)/installed
	@mkdir -p $(AIRFLOW_HOME)
	$(VENV)/bin/airflow db migrate > /dev/null
	@touch $@

clean:
	rm -rf $(VENV) $(TOOLS) $(STAMPS) $(AIRFLOW_HOME) data/warehouse.duckdb dbt_project/target dbt_project/logs
