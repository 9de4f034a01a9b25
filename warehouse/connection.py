"""Connections to the warehouse file the pipeline writes (single writer: one process at a time)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.settings import get_settings


def connect(path: Path | str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (CFM_WAREHOUSE unless `path` is given), creating its folder and the raw schema."""
    target = Path(path) if path is not None else get_settings().warehouse
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target), read_only=read_only)
    # SET, not a connect-time config: another connection to the same file in this process may hold other options.
    con.execute(f"set memory_limit = '{get_settings().duckdb_memory_limit}'")
    if not read_only:
        con.execute("create schema if not exists raw")
    return con
