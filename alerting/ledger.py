"""The durable record of every alert decision: `audit.alerts_sent`, one row per anomaly event.

An anomaly_id in the ledger is never sent again (reruns and backfills recompute the same ids), except a
`failed` delivery, which later runs retry until `max_attempts`. Status values:
- sent        delivered to the webhook
- logged      no webhook configured: written to the alerts file and the log
- failed      delivery failed after its retries; retried by the next run
- gave_up     failed `max_attempts` times; not retried any more
- suppressed  within the cooldown of an earlier alert on the same metric and slice; never sent
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb

TABLE = "audit.alerts_sent"
DDL = f"""
create table if not exists {TABLE} (
    anomaly_id varchar primary key,
    metric varchar,
    slice_type varchar,
    slice_value varchar,
    first_detected date,
    status varchar not null,
    channel varchar,
    attempts integer not null,
    http_status integer,
    error varchar,
    suppressed_by varchar,
    run_id varchar,
    first_attempt_at timestamptz,
    sent_at timestamptz,
    updated_at timestamptz not null
)"""
HANDLED = ("sent", "logged", "suppressed", "gave_up")


@dataclass
class LedgerRow:
    anomaly_id: str
    metric: str
    slice_type: str
    slice_value: str
    first_detected: date | None
    status: str
    channel: str | None = None
    attempts: int = 0
    http_status: int | None = None
    error: str | None = None
    suppressed_by: str | None = None
    run_id: str | None = None
    first_attempt_at: datetime | None = None
    sent_at: datetime | None = None


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists audit")
    con.execute(DDL)


def load(con: duckdb.DuckDBPyConnection) -> dict[str, LedgerRow]:
    ensure(con)
    cols = [f.name for f in LedgerRow.__dataclass_fields__.values()]
    rows = con.execute(f"select {', '.join(cols)} from {TABLE}").fetchall()
    return {r[0]: LedgerRow(*r) for r in rows}


def record(con: duckdb.DuckDBPyConnection, row: LedgerRow) -> None:
    """Insert or replace one decision (its own statement: a crash later loses nothing already recorded)."""
    now = datetime.now(UTC)
    cols = [f.name for f in LedgerRow.__dataclass_fields__.values()]
    values = [getattr(row, c) for c in cols]
    con.execute(
        f"insert or replace into {TABLE} ({', '.join(cols)}, updated_at) "
        f"values ({', '.join('?' for _ in cols)}, ?)",
        [*values, now],
    )


def from_anomaly(a: Mapping[str, Any], status: str, **fields: Any) -> LedgerRow:
    return LedgerRow(
        anomaly_id=str(a["anomaly_id"]),
        metric=str(a["metric"]),
        slice_type=str(a["slice_type"]),
        slice_value=str(a["slice_value"]),
        first_detected=a.get("first_detected"),
        status=status,
        **fields,
    )
