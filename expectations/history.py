"""Validation history in the warehouse: `audit.validation_results`, one row per suite run on a table.

The publish step reads it back (did every published table pass in this run?) and the row-count band
compares with the last successful validation of the same table in an earlier run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.validation_results (
    suite varchar,
    table_name varchar,
    run_id varchar,
    partition varchar,
    success boolean,
    evaluated integer,
    failed_expectations integer,
    unexpected_count bigint,
    row_count bigint,
    blocking boolean,
    details json,
    validated_at timestamptz
)"""


def ensure_audit(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)


@dataclass(frozen=True)
class AuditRow:
    suite: str
    table_name: str
    run_id: str
    partition: str
    success: bool
    evaluated: int
    failed_expectations: int
    unexpected_count: int
    row_count: int
    blocking: bool
    details: dict[str, Any]


def record(con: duckdb.DuckDBPyConnection, rows: Iterable[AuditRow]) -> None:
    ensure_audit(con)
    for r in rows:
        con.execute(
            "insert into audit.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [
                r.suite,
                r.table_name,
                r.run_id,
                r.partition,
                r.success,
                r.evaluated,
                r.failed_expectations,
                r.unexpected_count,
                r.row_count,
                r.blocking,
                json.dumps(r.details, default=str),
            ],
        )


def _has_audit(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            """select 1 from information_schema.tables where table_catalog = current_database()
               and table_schema = 'audit' and table_name = 'validation_results'"""
        ).fetchall()
    )


def previous_row_count(con: duckdb.DuckDBPyConnection, table: str, run_id: str) -> int | None:
    """Rows of `table` at its last successful validation in an earlier run (None before the first)."""
    if not _has_audit(con):
        return None
    rows = con.execute(
        """select row_count from audit.validation_results
           where table_name = ? and run_id <> ? and success and partition = '*'
           order by validated_at desc limit 1""",
        [table, run_id],
    ).fetchall()  # fetchall: DuckDB 2 keeps a half-read result open and refuses the next query
    return int(rows[0][0]) if rows else None


def validated_through(con: duckdb.DuckDBPyConnection, table: str, column: str) -> dt.datetime | None:
    """The newest `column` value checked by the last validation of `table` by that column that passed (None:
    none did). Rows after it are checked again until they pass: a warning stays until its rows are dealt with."""
    if not _has_audit(con):
        return None
    rows = con.execute(
        """select details->>'watermark' from audit.validation_results
           where table_name = ? and details->>'watermark_column' = ? and success
           order by validated_at desc limit 1""",
        [table, column],
    ).fetchall()
    return dt.datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None


@dataclass(frozen=True)
class GateStatus:
    table_name: str
    success: bool
    failed_expectations: int
    details: dict[str, Any]


def run_results(con: duckdb.DuckDBPyConnection, run_id: str, tables: Sequence[str]) -> dict[str, GateStatus]:
    """The latest blocking validation of each table in this run (tables not validated are absent)."""
    if not tables or not _has_audit(con):
        return {}
    rows = con.execute(
        """select table_name, success, failed_expectations, details from audit.validation_results
           where run_id = ? and blocking and table_name in (select unnest(?))
           qualify row_number() over (partition by table_name order by validated_at desc) = 1""",
        [run_id, list(tables)],
    ).fetchall()
    return {t: GateStatus(t, bool(ok), int(n or 0), json.loads(d) if d else {}) for t, ok, n, d in rows}
