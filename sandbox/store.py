"""The sandbox's data: canonical records (CONTRACTS.md columns) held in memory, changed only through here.

Loaded from DIR/sandbox/*.parquet (what `cfm generate` writes) or from `samples.sample_tables()`. Each record
gets `_seq`, its arrival order: exports that return "what was recorded since the last export" (Qualtrics
continuation tokens) count on it. `append`, `more` and `update` let tests and the demo change the data
between two runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl

from sandbox import samples

TABLES = ("survey_responses", "social_posts", "tickets", "returns", "customers")
KEYS = {
    "survey_responses": "response_id",
    "social_posts": "post_id",
    "tickets": "ticket_id",
    "returns": "return_id",
    "customers": "customer_id",
}
TIME_COLUMN = {
    "survey_responses": "submitted_at",
    "social_posts": "created_at",
    "tickets": "updated_at",
    "returns": "requested_at",
}


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str) and value and value[:4].isdigit() and "T" in value:
        try:
            return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class View:
    """Rows of one table in ascending key order, with their keys (for bisect) and each row's position by its id
    (as text, the way vendors print ids)."""

    rows: list[dict]
    keys: list[tuple]
    position: dict[Any, int]


def _clean(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if hasattr(value, "to_list"):
            value = value.to_list()
        out[key] = _utc(value)
    return out


class Store:
    def __init__(self, tables: dict[str, list[dict]]) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, list[dict]] = {name: [] for name in TABLES}
        self._seq = 0
        self._version = 0  # bumped by every change; views built at an older version are rebuilt
        self._views: dict[tuple, tuple[int, View]] = {}
        for name, rows in tables.items():
            self.append(name, rows)

    @classmethod
    def from_dir(cls, data_dir: str | Path | None) -> Store:
        """DIR/sandbox/*.parquet when present, else the bundled samples."""
        folder = Path(data_dir) / "sandbox" if data_dir else None
        if folder is not None and not folder.exists() and Path(data_dir).name == "sandbox":
            folder = Path(data_dir)
        if folder is None or not any(folder.glob("*.parquet")):
            return cls(samples.sample_tables())
        tables = {}
        for name in TABLES:
            path = folder / f"{name}.parquet"
            if path.exists():
                tables[name] = pl.read_parquet(path).to_dicts()
        return cls(tables)

    # -- reads
    def rows(self, table: str, **equals: Any) -> list[dict]:
        with self.lock:
            return [r for r in self.tables[table] if all(r.get(k) == v for k, v in equals.items())]

    def view(self, table: str, key: Callable[[dict], tuple], id_column: str, **equals: Any) -> View:
        """`rows(table, **equals)` sorted by `key`, kept until the store changes: a vendor's page is then a
        bisect and a slice instead of a sort of the whole table per request (which made large runs quadratic).
        One view per (table, key function, filter)."""
        cache_key = (table, key, tuple(sorted(equals.items())))
        with self.lock:
            hit = self._views.get(cache_key)
            if hit is None or hit[0] != self._version:
                rows = sorted(self.rows(table, **equals), key=key)
                view = View(rows, [key(r) for r in rows], {str(r[id_column]): i for i, r in enumerate(rows)})
                hit = self._views[cache_key] = (self._version, view)
            return hit[1]

    def customer(self, customer_id: str | None) -> dict:
        with self.lock:
            for row in self.tables["customers"]:
                if row.get("customer_id") == customer_id:
                    return row
        return {}

    # -- changes
    def append(self, table: str, records: list[dict]) -> int:
        if table not in self.tables:
            raise KeyError(f"unknown sandbox table {table!r}; expected one of {TABLES}")
        with self.lock:
            self._version += 1
            for record in records:
                row = _clean(record)
                self._seq += 1
                row["_seq"] = self._seq
                if table == "returns":
                    row.setdefault("_updated_at", row.get("requested_at"))
                self.tables[table].append(row)
        return len(records)

    def more(self, table: str, n: int, **fixed: Any) -> list[dict]:
        """n new canonical records dated after everything held, appended and returned."""
        with self.lock:
            existing = self.tables[table]
            column = TIME_COLUMN[table]
            times = [r[column] for r in existing if isinstance(r.get(column), datetime)]
            start = (max(times) if times else samples.START) + timedelta(minutes=1)
            new = samples.MAKERS[table](n, seed=1, offset=self._seq + 100_000, start=start)
            for row in new:
                row.update(fixed)
            self.append(table, new)
            return new

    def update(self, table: str, key: Any, **changes: Any) -> dict:
        """Change a record in place; its update time moves past every other, as a real edit would."""
        with self.lock:
            self._version += 1
            key_col = KEYS[table]
            for row in self.tables[table]:
                if row.get(key_col) == key:
                    row.update({k: _utc(v) for k, v in changes.items()})
                    stamp = self._next_time(table)
                    if table == "tickets":
                        row["updated_at"] = stamp
                    elif table == "returns":
                        row["_updated_at"] = stamp
                    return row
        raise KeyError(f"{table}: no record {key!r}")

    def _next_time(self, table: str) -> datetime:
        column = "_updated_at" if table == "returns" else TIME_COLUMN[table]
        times = [r[column] for r in self.tables[table] if isinstance(r.get(column), datetime)]
        latest = max(times) if times else samples.START
        return max(latest + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))


def iso(value: Any, offset_hours: int = 0) -> str | None:
    """ISO-8601 text as a vendor sends it: `Z` for UTC, or a fixed offset such as Apple's -07:00."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if offset_hours:
            local = value.astimezone(timezone(timedelta(hours=offset_hours)))
            return local.isoformat(timespec="seconds")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else 0.0
