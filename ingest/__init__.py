"""jixiao ingest: budget-performance PDFs → typed records → raw tables."""

__version__ = "0.1.0"
