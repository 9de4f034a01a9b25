"""DuckDB access for the pipeline: connections, lossless landing, publication."""

from warehouse.connection import connect

__all__ = ["connect"]
