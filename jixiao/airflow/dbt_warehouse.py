"""dbt's DuckDB connection in the night's dbt tasks: kept open through one dbt invocation, closed at
its end.

dbt-duckdb closes the database when no thread holds a connection unless `keep_open` is set, and dbt
gives a thread's connection back after every node: each node opened the build again. With
`keep_open`, dbt-duckdb closes it only when the process exits, and Cosmos runs dbt inside the task's
process, which outlives the invocation (the whole night, under `jixiao run`): the build would stay
locked for the checkpoints' worker, the publication and BI readers. So the night's dbt tasks set
JIXIAO_DBT_KEEP_OPEN (dbt_project/profiles.yml) and Cosmos calls `close` after each invocation,
whether dbt succeeded or failed.
"""

from __future__ import annotations

from typing import Any

KEEP_OPEN_ENV = "JIXIAO_DBT_KEEP_OPEN"


def close(_project_dir: str | None = None, **_context: Any) -> None:
    """Close the DuckDB database dbt-duckdb holds in this process, if any (a Cosmos callback: called
    with the invocation's project copy and the task's context)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    # dbt-duckdb keeps one environment per process, on the class, and drops it only at exit.
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()
