"""The Airflow side: the task bodies the DAGs call, the in-process night, the Celery workers'
settings, dbt's manifest for Cosmos. Importing it runs nothing."""
