"""The Celery configuration of the production workers: Airflow's default, plus what the workers
import once at start.

Each Airflow task runs in a process forked from a Celery worker. Without this, every dbt task of a
night imports dbt anew in its own process (≈ 3 s of each ≈ 5 s task on this machine); imported
here, before the worker forks, it is already in every task's process. Airflow reads it through
`AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=jixiao.airflow.celery_config.CELERY_CONFIG`.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

# Celery imports these in the worker's main process, before it starts its pool.
PRELOADED = ("dbt.cli.main", "cosmos.operators.local", "jixiao.airflow.tasks")

CELERY_CONFIG: dict[str, Any] = {**DEFAULT_CELERY_CONFIG, "imports": PRELOADED}
