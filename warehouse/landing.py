"""Lossless, idempotent landing of source records into `raw.<source>__<entity>`.

Every landed row keeps the whole source record as JSON (`_payload`) beside VARCHAR copies of the columns
staging needs, plus load metadata. Rows are keyed by the source's primary key and the payload hash:
- a record whose (key, hash) already landed adds nothing (replays and re-dropped files are free);
- a known key with a new hash adds a row (the raw layer keeps history; staging keeps the latest);
- a record failing validation goes to `raw.quarantine` with the field and reason, never silently dropped.
Rows, quarantine and the source cursor commit in one transaction, so a crash between pages resumes cleanly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from connectors.files import iter_export_file
from warehouse.privacy import drop_forgotten

# How a declared column type is checked: the value must survive this DuckDB cast (staging uses the same casts).
_TYPE_CASTS = {
    "int": "bigint",
    "float": "double",
    "timestamp": "timestamptz",
    "date": "date",
    "bool": "boolean",
}

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    source varchar, entity varchar, record_id varchar, file varchar, line bigint,
    field varchar, reason varchar, payload varchar, _loaded_at timestamptz
)"""

CURSORS_DDL = """
create table if not exists raw._cursors (
    source varchar, entity varchar, cursor varchar, updated_at timestamptz, primary key (source, entity)
)"""


@dataclass(frozen=True)
class LandingSpec:
    """What one raw table holds: its primary key, the columns staging reads and how each is checked."""

    source: str
    entity: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    types: Mapping[str, str] = field(default_factory=dict)  # column -> int | float | timestamp | date | bool
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # numeric column -> [lo, hi]
    allowed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # column -> accepted values

    @property
    def table(self) -> str:
        return f"raw.{self.source}__{self.entity}"

    def __post_init__(self) -> None:
        missing = [c for c in (*self.key, *self.required, *self.types, *self.ranges) if c not in self.columns]
        if missing:
            raise ValueError(f"{self.source}.{self.entity}: columns {missing} are checked but not declared")
        unknown = {t for t in self.types.values() if t not in _TYPE_CASTS}
        if unknown:
            raise ValueError(f"{self.source}.{self.entity}: unknown column types {sorted(unknown)}")


@dataclass
class LandResult:
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: LandResult) -> LandResult:
        for name in ("fetched", "inserted", "updated", "unchanged", "quarantined"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count
        return self

    def as_metadata(self) -> dict[str, Any]:
        return asdict(self)


# What json.dumps(sort_keys=True, ensure_ascii=False, default=str) builds on every call, built once.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return _CANONICAL.encode(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical_json(record: Any) -> str:
    """The record as `_payload` holds it; its md5 is the record's version (`_record_hash`), so the format
    must not change."""
    return _CANONICAL.encode(record)


def records_frame(
    spec: LandingSpec, records: Iterable[Mapping[str, Any]], payloads: list[str] | None = None
) -> pl.DataFrame:
    """A landing frame from API records: `_payload` (canonical JSON of `records`, unless the caller already
    encoded the untouched originals as `payloads`) plus the declared columns as text.

    Top-level fields only: nested values are extracted by the connector before landing or by staging from
    `_payload`.
    """
    rows = list(records)
    data: dict[str, list[str | None]] = {c: [_text(r.get(c)) for r in rows] for c in spec.columns}
    data["_payload"] = payloads if payloads is not None else [canonical_json(r) for r in rows]
    return pl.DataFrame(data, schema={name: pl.Utf8 for name in data})


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: LandingSpec) -> None:
    con.execute("create schema if not exists raw")
    con.execute(QUARANTINE_DDL)
    con.execute(CURSORS_DDL)
    columns = ", ".join(f'"{c}" varchar' for c in spec.columns)
    con.execute(
        f"""create table if not exists {spec.table} (
            {columns}, _payload json, _source varchar, _loaded_at timestamptz, _cursor varchar,
            _file varchar, _line bigint, _record_hash varchar)"""
    )
    # A column added to the spec later is added to the table instead of breaking the load.
    existing = {r[0] for r in con.execute(f"describe {spec.table}").fetchall()}
    for col in spec.columns:
        if col not in existing:
            con.execute(f'alter table {spec.table} add column "{col}" varchar')


def read_cursor(con: duckdb.DuckDBPyConnection, spec: LandingSpec) -> str | None:
    ensure_tables(con, spec)
    row = con.execute(
        "select cursor from raw._cursors where source = ? and entity = ?", [spec.source, spec.entity]
    ).fetchone()
    return row[0] if row else None


def _problem_expression(spec: LandingSpec) -> str:
    """SQL naming the first failed check of a row (field and reason), or null when the row is valid."""
    checks: list[tuple[str, str, str]] = []
    for col in spec.required:
        checks.append((f"nullif(trim(\"{col}\"), '') is null", col, f"'required field {col} is missing'"))
    for col, kind in spec.types.items():
        cast = _TYPE_CASTS[kind]
        checks.append(
            (
                f"nullif(trim(\"{col}\"), '') is not null and try_cast(trim(\"{col}\") as {cast}) is null",
                col,
                f"'{col} is not a valid {kind}: ' || left(\"{col}\", 60)",
            )
        )
    for col, (lo, hi) in spec.ranges.items():
        checks.append(
            (
                f"try_cast(trim(\"{col}\") as double) not between {lo} and {hi}",
                col,
                f"'{col} out of range [{lo}, {hi}]: ' || \"{col}\"",
            )
        )
    for col, values in spec.allowed.items():
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        checks.append(
            (
                f"\"{col}\" is not null and \"{col}\" not in ({listed})",
                col,
                f"'{col} has unknown value: ' || left(\"{col}\", 60)",
            )
        )
    if not checks:
        return "null::varchar", "null::varchar"
    field_sql = "case " + " ".join(f"when {cond} then '{col}'" for cond, col, _ in checks) + " end"
    reason_sql = "case " + " ".join(f"when {cond} then {reason}" for cond, _, reason in checks) + " end"
    return field_sql, reason_sql


def land_frame(
    con: duckdb.DuckDBPyConnection,
    spec: LandingSpec,
    frame: pl.DataFrame,
    *,
    cursor: str | None = None,
    file: str | None = None,
    extra_quarantine: pl.DataFrame | None = None,
    commit_cursor: bool = True,
) -> LandResult:
    """Land one batch (a page or a file) and its cursor in a single transaction.

    `frame` holds the declared columns (text) and `_payload`, optionally `_line`. `extra_quarantine` carries
    rows the reader could not even parse (columns line, reason, payload).
    """
    ensure_tables(con, spec)
    frame = frame.with_columns(
        [pl.lit(None, pl.Utf8).alias(c) for c in spec.columns if c not in frame.columns]
    )
    if "_line" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias("_line"))
    batch = frame.select([*spec.columns, "_payload", pl.col("_line").cast(pl.Int64)]).to_arrow()  # noqa: F841
    field_sql, reason_sql = _problem_expression(spec)
    key_sql = " || '|' || ".join(f"coalesce(\"{k}\", '')" for k in spec.key)
    cols = ", ".join(f'"{c}"' for c in spec.columns)
    result = LandResult(fetched=frame.height)

    con.execute("begin transaction")
    try:
        con.execute(
            f"""create or replace temp table _landing as
                select *, {field_sql} as _problem_field, {reason_sql} as _problem,
                       md5(_payload) as _record_hash, {key_sql} as _key
                from batch"""
        )
        # A customer erased by `cfm forget` is not brought back by a replayed file or a re-pulled record.
        drop_forgotten(con, spec.columns, "_landing")
        # Quarantine is idempotent too: the same bad line of the same file is recorded once.
        con.execute(
            f"""create or replace temp table _bad as
                select {key_sql} as record_id, _line as line, _problem_field as field, _problem as reason,
                       _payload as payload from _landing where _problem is not null"""
        )
        if extra_quarantine is not None and extra_quarantine.height:
            bad = extra_quarantine.select("line", "reason", "payload").to_arrow()  # noqa: F841
            con.execute("insert into _bad select null, line, null, reason, payload from bad")
        result.fetched += extra_quarantine.height if extra_quarantine is not None else 0
        result.quarantined = con.execute("select count(*) from _bad").fetchone()[0]
        con.execute(
            """insert into raw.quarantine
               select ?, ?, b.record_id, ?, b.line, b.field, b.reason, b.payload, now() from _bad b
               where not exists (
                   select 1 from raw.quarantine q
                   where q.source = ? and q.entity = ? and q.file is not distinct from ?
                     and q.line is not distinct from b.line and q.payload = b.payload)""",
            [spec.source, spec.entity, file, spec.source, spec.entity, file],
        )
        existing_key_sql = " || '|' || ".join(f"coalesce(t.\"{k}\", '')" for k in spec.key)
        counts = con.execute(
            f"""create or replace temp table _new as
                select l.* from (
                    select * from _landing where _problem is null
                    qualify row_number() over (partition by _key, _record_hash order by _line nulls last) = 1
                ) l
                where not exists (
                    select 1 from {spec.table} t
                    where {existing_key_sql} = l._key and t._record_hash = l._record_hash);
                select
                    count(*) filter (where not exists (
                        select 1 from {spec.table} t where {existing_key_sql} = n._key)),
                    count(*)
                from _new n"""
        ).fetchone()
        result.inserted, new_rows = counts[0], counts[1]
        result.updated = new_rows - result.inserted
        result.unchanged = result.fetched - result.quarantined - new_rows
        con.execute(
            f"""insert into {spec.table} ({cols}, _payload, _source, _loaded_at, _cursor, _file, _line, _record_hash)
                select {cols}, _payload, ?, now(), ?, ?, _line, _record_hash from _new""",
            [spec.source, cursor, file],
        )
        if commit_cursor and cursor is not None:
            con.execute(
                "insert or replace into raw._cursors values (?, ?, ?, now())",
                [spec.source, spec.entity, cursor],
            )
        reasons = con.execute("select split_part(reason, ':', 1), count(*) from _bad group by 1").fetchall()
        result.reasons = dict(reasons)
        con.execute("drop table _landing; drop table _new; drop table _bad")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return result


def land_records(
    con: duckdb.DuckDBPyConnection,
    spec: LandingSpec,
    records: Iterable[Mapping[str, Any]],
    *,
    cursor: str | None = None,
    file: str | None = None,
) -> LandResult:
    """Land one page of API records (dicts) with the cursor reached after it."""
    return land_frame(con, spec, records_frame(spec, records), cursor=cursor, file=file)


FILES_DDL = """
create table if not exists raw._landed_files (
    source varchar, entity varchar, file varchar, sha256 varchar, rows bigint, quarantined bigint,
    loaded_at timestamptz
)"""


def land_export_file(con: duckdb.DuckDBPyConnection, spec: LandingSpec, path: Path) -> LandResult | None:
    """Land one dropped CSV/JSONL export file; None when this exact content was landed before."""
    con.execute(FILES_DDL)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    seen = con.execute(
        "select 1 from raw._landed_files where source = ? and entity = ? and sha256 = ?",
        [spec.source, spec.entity, digest],
    ).fetchone()
    if seen:
        return None
    total = LandResult()
    for batch in iter_export_file(path):
        frame = batch.frame()
        source_columns = [c for c in frame.columns if c != "_line"]
        if source_columns:
            # The payload keeps every column of the file, including ones staging does not know yet.
            frame = frame.with_columns(pl.struct(source_columns).struct.json_encode().alias("_payload"))
        else:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias("_payload"))
        errors = pl.DataFrame(
            {
                "line": [e.line for e in batch.errors],
                "reason": [e.reason for e in batch.errors],
                "payload": [e.raw for e in batch.errors],
            },
            schema={"line": pl.Int64, "reason": pl.Utf8, "payload": pl.Utf8},
        )
        total.add(land_frame(con, spec, frame, file=path.name, extra_quarantine=errors))
    con.execute(
        "insert into raw._landed_files values (?, ?, ?, ?, ?, ?, now())",
        [spec.source, spec.entity, path.name, digest, total.fetched, total.quarantined],
    )
    return total
