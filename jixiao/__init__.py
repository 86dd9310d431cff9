"""jixiao, the application, in the order a night runs: `stages` (land, build, check, publish,
report), the `runtime` they use, the `airflow` side that schedules them, and the `cli`.

The parsers and the raw zone are in `ingest/`; the DAGs in `dags/` call `jixiao.airflow.tasks`.
"""
