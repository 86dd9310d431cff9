"""jixiao ingest: budget-performance PDFs → typed records → the raw zone (Parquet per document).

Pure parsing and the zone; the application that runs it nightly is `jixiao/`, which this package
never imports (nor Airflow): tests/test_layers.py.
"""

__version__ = "0.1.0"
