"""Write-audit-publish, the publish half: copy validated tables to the serving copy BI tools read.

The serving copy lives in CFM_PUBLISH_DIR and is replaced whole, never edited in place:

    feedback.duckdb                  every published table (same schema.table names as the warehouse) plus
                                     main._publication; BI tools open it read-only
    parquet/current -> <version>     symlink to the newest Parquet folder, one file per table:
    parquet/<version>/marts/fct_feedback.parquet
    manifest.json                    version, tables, row counts, columns and types, schema hashes

A publication is built beside the current one (a new DuckDB file and a new Parquet folder), flushed to disk,
then swapped in with `os.replace` (a rename: readers see the old file or the new one, never a mix). A reader
holding the old file open keeps reading it (it is unlinked, not overwritten), so nobody waits for a lock.
Anything that goes wrong before the swap leaves the previous publication untouched, byte for byte.

Published tables keep their columns and types between releases: a table or column that disappears or changes
type refuses the publication unless changes are accepted (CFM_PUBLISH_ACCEPT_CHANGES=1). New tables and new
columns are fine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

DB_FILE = "feedback.duckdb"
MANIFEST_FILE = "manifest.json"
PARQUET_DIR = "parquet"
CURRENT_LINK = "current"
# Parquet folders kept besides the current one, so a reader that resolved `current` a moment ago can finish.
KEEP_PREVIOUS_VERSIONS = 2

PUBLICATIONS_DDL = """
create schema if not exists audit;
create table if not exists audit.publications (
    version varchar,
    run_id varchar,
    status varchar,
    published_at timestamptz,
    table_count integer,
    row_count bigint,
    schema_hash varchar,
    tables json,
    reasons json
)"""


class PublicationRefused(Exception):
    """The publication was not made; the previous one is still serving."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__("publication refused: " + "; ".join(self.reasons))


@dataclass(frozen=True)
class TableSchema:
    table: str
    columns: tuple[tuple[str, str], ...]

    @property
    def schema_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.columns).encode()).hexdigest()[:16]


@dataclass
class Publication:
    version: str
    run_id: str
    published_at: str
    publish_dir: Path
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    schema_hash: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def duckdb_path(self) -> Path:
        return self.publish_dir / DB_FILE

    @property
    def parquet_dir(self) -> Path:
        return self.publish_dir / PARQUET_DIR / self.version

    @property
    def row_count(self) -> int:
        return sum(t["rows"] for t in self.tables.values())

    def manifest(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "run_id": self.run_id,
            "published_at": self.published_at,
            "duckdb": DB_FILE,
            "parquet": f"{PARQUET_DIR}/{self.version}",
            "schema_hash": self.schema_hash,
            "tables": self.tables,
        }


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _table_sql(table: str, database: str | None = None) -> str:
    schema, name = table.split(".", 1)
    return ".".join(_q(p) for p in ((database,) if database else ()) + (schema, name))


def discover_tables(con: duckdb.DuckDBPyConnection, schemas: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Every base table of the given warehouse schemas (`schema.table`), minus `exclude`."""
    wanted, skip = list(schemas), set(exclude)
    if not wanted:
        return []
    rows = con.execute(
        """select table_schema || '.' || table_name from information_schema.tables
           where table_catalog = current_database() and table_type = 'BASE TABLE'
             and table_schema in (select unnest(?)) order by 1""",
        [wanted],
    ).fetchall()
    return [r[0] for r in rows if r[0] not in skip]


def table_schemas(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> dict[str, TableSchema]:
    """Columns and types of the tables that exist (missing ones are left out)."""
    rows = con.execute(
        """select table_schema || '.' || table_name, column_name, data_type
           from information_schema.columns
           where table_catalog = current_database()
             and table_schema || '.' || table_name in (select unnest(?))
           order by 1, ordinal_position""",
        [list(tables)],
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return {t: TableSchema(t, tuple(columns[t])) for t in tables if t in columns}


def read_manifest(publish_dir: Path) -> dict[str, Any] | None:
    path = Path(publish_dir) / MANIFEST_FILE
    return json.loads(path.read_text()) if path.exists() else None


def schema_changes(previous: dict[str, Any] | None, schemas: dict[str, TableSchema]) -> list[str]:
    """Breaking changes against the previous publication: tables or columns gone, column types changed."""
    if not previous:
        return []
    changes = []
    for table, info in sorted(previous.get("tables", {}).items()):
        if table not in schemas:
            changes.append(f"{table}: table no longer published")
            continue
        now = dict(schemas[table].columns)
        for column in info.get("columns", []):
            name, old_type = column["name"], column["type"]
            if name not in now:
                changes.append(f"{table}.{name}: column removed (was {old_type})")
            elif now[name] != old_type:
                changes.append(f"{table}.{name}: type changed from {old_type} to {now[name]}")
    return changes


def record_publication(
    con: duckdb.DuckDBPyConnection,
    *,
    version: str,
    run_id: str,
    status: str,
    tables: dict[str, Any],
    schema_hash: str = "",
    reasons: Sequence[str] = (),
) -> None:
    con.execute(PUBLICATIONS_DDL)
    con.execute(
        "insert into audit.publications values (?, ?, ?, now(), ?, ?, ?, ?, ?)",
        [
            version,
            run_id,
            status,
            len(tables),
            sum(int(t.get("rows", 0)) for t in tables.values()),
            schema_hash,
            json.dumps(tables, default=str),
            json.dumps(list(reasons)),
        ],
    )


def new_version(now: dt.datetime | None = None) -> str:
    """Sortable, unique: UTC time to the microsecond plus a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        _fsync(path)
    _fsync(root)


def publish(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    publish_dir: Path,
    *,
    run_id: str,
    accept_changes: bool = False,
) -> Publication:
    """Copy `tables` from the warehouse into a new serving copy and swap it in; raise PublicationRefused
    (previous publication untouched) when there is nothing to publish or a published schema would break."""
    publish_dir = Path(publish_dir)
    version = new_version()
    schemas = table_schemas(con, tables)
    publication = Publication(
        version=version,
        run_id=run_id,
        publish_dir=publish_dir,
        published_at=dt.datetime.now(dt.UTC).isoformat(),
    )
    publication.notes += [f"{t}: not in the warehouse yet, not published" for t in tables if t not in schemas]
    reasons = [] if schemas else ["no table to publish"]
    changes = schema_changes(read_manifest(publish_dir), schemas)
    if changes and accept_changes:
        publication.notes += [f"accepted: {c}" for c in changes]
    else:
        reasons += changes
    if reasons:
        record_publication(con, version=version, run_id=run_id, status="refused", tables={}, reasons=reasons)
        raise PublicationRefused(reasons)

    publish_dir.mkdir(parents=True, exist_ok=True)
    (publish_dir / PARQUET_DIR).mkdir(exist_ok=True)
    staging = publish_dir / f".staging-{version}"
    staging.mkdir()
    alias = f"publication_{uuid.uuid4().hex[:8]}"
    attached = False
    try:
        con.execute(f"attach {_literal(staging / DB_FILE)} as {alias}")
        attached = True
        for schema in sorted({t.split(".", 1)[0] for t in schemas}):
            con.execute(f"create schema {alias}.{_q(schema)}")
        for table, table_schema in schemas.items():
            con.execute(f"create table {_table_sql(table, alias)} as select * from {_table_sql(table)}")
            rows = con.execute(f"select count(*) from {_table_sql(table, alias)}").fetchall()[0][0]
            schema, name = table.split(".", 1)
            parquet = Path(PARQUET_DIR) / version / schema / f"{name}.parquet"
            (staging / PARQUET_DIR / schema).mkdir(parents=True, exist_ok=True)
            # From the copy just made, so the DuckDB file and the Parquet files hold the same snapshot.
            con.execute(
                f"copy (select * from {_table_sql(table, alias)}) "
                f"to {_literal(staging / PARQUET_DIR / schema / (name + '.parquet'))} "
                "(format parquet, compression zstd)"
            )
            publication.tables[table] = {
                "rows": rows,
                "columns": [{"name": c, "type": t} for c, t in table_schema.columns],
                "schema_hash": table_schema.schema_hash,
                "parquet": str(parquet),
            }
        publication.schema_hash = hashlib.sha256(
            json.dumps({t: i["schema_hash"] for t, i in sorted(publication.tables.items())}).encode()
        ).hexdigest()[:16]
        con.execute(
            f"""create table {alias}.main._publication as
                select ?::varchar as version, ?::varchar as run_id, ?::timestamptz as published_at,
                       t.table_name, t.row_count, t.schema_hash
                from (select unnest(?) as table_name, unnest(?) as row_count, unnest(?) as schema_hash) t""",
            [
                version,
                run_id,
                publication.published_at,
                list(publication.tables),
                [i["rows"] for i in publication.tables.values()],
                [i["schema_hash"] for i in publication.tables.values()],
            ],
        )
        con.execute(f"checkpoint {alias}")
        con.execute(f"detach {alias}")
        attached = False
        (staging / MANIFEST_FILE).write_text(json.dumps(publication.manifest(), indent=2))
        shutil.copy2(staging / MANIFEST_FILE, staging / PARQUET_DIR / "_manifest.json")
        _fsync_tree(staging)
        _swap(staging, publish_dir, version)
    except BaseException:
        if attached:
            con.execute(f"detach {alias}")
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    _prune_versions(publish_dir, version)
    record_publication(
        con,
        version=version,
        run_id=run_id,
        status="published",
        tables=publication.tables,
        schema_hash=publication.schema_hash,
        reasons=publication.notes,
    )
    return publication


def _swap(staging: Path, publish_dir: Path, version: str) -> None:
    """Each step is one rename: the Parquet folder moves in, then the DuckDB file, the `current` link and
    the manifest are replaced. A reader opening any of them gets the old or the new one, whole."""
    parquet_root = publish_dir / PARQUET_DIR
    os.rename(staging / PARQUET_DIR, parquet_root / version)
    os.replace(staging / DB_FILE, publish_dir / DB_FILE)
    link = parquet_root / f".{CURRENT_LINK}-{version}"
    os.symlink(version, link)
    os.replace(link, parquet_root / CURRENT_LINK)
    os.replace(staging / MANIFEST_FILE, publish_dir / MANIFEST_FILE)
    _fsync(parquet_root)
    _fsync(publish_dir)


def _prune_versions(publish_dir: Path, current: str) -> None:
    parquet_root = publish_dir / PARQUET_DIR
    versions = sorted(
        (p for p in parquet_root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    old = [p for p in versions if p.name != current][: -KEEP_PREVIOUS_VERSIONS or None]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
