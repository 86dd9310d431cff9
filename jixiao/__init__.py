"""jixiao, the application: landing, reconciliation, publication, the report and the CLI.

The parsers and the raw zone are in `ingest/`; the DAGs in `dags/` call `jixiao.airflow.tasks`.
"""
