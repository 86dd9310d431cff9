"""Where the transform's dbt tasks run dbt: in the night's dbt server, or in the task's process.

- Under `jixiao run` (one process for the whole night, `jixiao.airflow.nightly`), the night names
  its dbt server (`jixiao.runtime.dbt_server`) before the DAGs are parsed: Cosmos runs each
  invocation as the command `jixiao-dbt` (`InvocationMode.SUBPROCESS`), which hands it to the server.
  Airflow's process holds neither dbt nor DuckDB's buffers.
- Elsewhere (a Celery task process forked from a worker that imported dbt, `celery_config`), dbt
  runs in the task's process (`InvocationMode.DBT_RUNNER`): no second process, no imports.

Either way dbt keeps the build open through an invocation (JIXIAO_DBT_KEEP_OPEN,
dbt_project/profiles.yml) instead of opening it again for every node, and closes it at the
invocation's end: the server itself, or Cosmos's callback `close` in the task's process, which
outlives the invocation (dbt-duckdb would close it only at the process's exit, and the build would
stay locked for the checkpoints' worker, the publication and BI readers).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jixiao.runtime import dbt_server
from jixiao.runtime.settings import Settings

KEEP_OPEN_ENV = "JIXIAO_DBT_KEEP_OPEN"
# The profile and target of dbt_project/profiles.yml the transform's builds run with.
PROFILE, TARGET = "jixiao", "warehouse"
# The transform's folder in Cosmos' cache: dbt's partial-parse file of its builds.
PARTIAL_PARSE_CACHE = "jixiao_transform"


def build_env(settings: Settings) -> dict[str, str]:
    """What the transform's dbt builds add to their environment: dbt builds the new warehouse, never
    the served one, and keeps the file open for a whole invocation (closed at its end: `close`)."""
    return {"JIXIAO_DBT_WAREHOUSE": str(settings.state.transform_warehouse), KEEP_OPEN_ENV: "True"}


def partial_parse_cache() -> Path:
    """The transform's folder in Cosmos' cache (`[cosmos] cache_dir`: `jixiao run` sets it in the
    state folder unless configured otherwise), the builds' `cache_dir`."""
    from cosmos import settings as cosmos_settings

    return Path(cosmos_settings.cache_dir) / PARTIAL_PARSE_CACHE


def partial_parse_file() -> Path:
    """dbt's partial-parse file of the transform's builds, where Cosmos keeps it in their folder."""
    # Cosmos' settings first, as before: its project module imported first imports Airflow in the
    # middle of Airflow's own start (policy plugins) and fails.
    folder = partial_parse_cache()
    from cosmos.dbt.project import get_partial_parse_path

    return Path(get_partial_parse_path(folder))


def served() -> bool:
    """Whether this process's night has a dbt server (set before the DAGs are parsed)."""
    return bool(os.environ.get(dbt_server.SERVER_ENV))


def invocation_args() -> dict[str, Any]:
    """The dbt operators' arguments that run dbt where this module's docstring says, and close the
    build after each invocation in the task's process (the server closes it itself)."""
    # Imported here: Cosmos imported before Airflow imports itself again through Airflow's plugins,
    # and `close` is called where no DAG is parsed.
    from cosmos import InvocationMode

    if served():
        return {
            "invocation_mode": InvocationMode.SUBPROCESS,
            "dbt_executable_path": str(dbt_server.launcher()),
        }
    return {"invocation_mode": InvocationMode.DBT_RUNNER, "callback": f"{__name__}.close"}


def close(_project_dir: str | None = None, **_context: Any) -> None:
    """Close the DuckDB database dbt-duckdb holds in this process, if any (a Cosmos callback: called
    with the invocation's project copy and the task's context, after dbt succeeded or failed)."""
    dbt_server.close_duckdb()
