"""What the Airflow side costs a process that only imports it: the landing DAG's parse and a Celery
worker's preload import `jixiao.airflow.tasks`, and none of dbt, Cosmos's configuration or the
stages comes with it (each task imports its stage as it runs; dbt's manifest is the transform DAG's
to read)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

# Airflow itself loads Cosmos's plugin (`cosmos.plugin`) as it starts; its configuration classes
# and operators are what a DAG file declaring dbt groups imports.
HEAVY = ("dbt", "cosmos.config", "cosmos.operators", "great_expectations", "ingest", "jixiao.stages")

PROGRAM = """
import json, sys
import jixiao.airflow.tasks
heavy = sys.argv[1:]
print(json.dumps(sorted(m for m in heavy if any(n == m or n.startswith(m + ".") for n in sys.modules))))
"""


def test_importing_the_task_bodies_imports_no_dbt_cosmos_configuration_or_stage() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, *HEAVY], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_check_sees_a_heavy_import() -> None:
    program = PROGRAM.replace("import jixiao.airflow.tasks", "import jixiao.airflow.tasks, dbt.version")
    done = subprocess.run(
        [sys.executable, "-c", program, *HEAVY], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["dbt"]
