"""The dbt project is portable: the same `dbt build` (seeds, staging, intermediate, marts and every test) runs on
PostgreSQL with dbt-postgres and gives the marts the DuckDB build gives.

Runs under `make test-postgres` only (scripts/test_postgres.sh starts the server and sets CFM_PG_*). The raw and
enrich tables dbt reads as sources are produced once in DuckDB by the pipeline itself (landing from files and
the sandbox APIs, then tagging), then copied into PostgreSQL with COPY; dbt builds every layer on each
database from there.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("pipeline")]

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT = str(Path(sys.executable).with_name("dbt"))
RECORDS = 3000
SOURCE_SCHEMAS = ("raw", "enrich")

# DuckDB column types as PostgreSQL declares them (what the raw and enrich tables use).
PG_TYPES = {
    "VARCHAR": "text",
    "JSON": "jsonb",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def pg_connect():
    import psycopg2

    return psycopg2.connect(
        host=os.environ["CFM_PG_HOST"],
        port=int(os.environ["CFM_PG_PORT"]),
        user=os.environ.get("CFM_PG_USER", "postgres"),
        password=os.environ.get("CFM_PG_PASSWORD", ""),
        dbname=os.environ.get("CFM_PG_DATABASE", "cfm"),
    )


def land_and_tag(data: Path) -> Path:
    """A DuckDB warehouse holding raw.* and enrich.* for a generated sample, made by the pipeline's assets."""
    from generator import generate
    from orchestration.runner import materialize
    from sandbox import serve

    generate(records=RECORDS, seed=13, out_dir=data)
    server = serve(data / "sandbox", port=0)
    os.environ["CFM_SANDBOX_URL"] = server.url
    try:
        # Everything the demo runs; what matters here is that landing and tagging ran.
        materialize(raise_on_error=False)
    finally:
        server.stop()
    warehouse = data / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        schemas = {s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        assert "raw" in schemas, f"landing must have run: schemas {sorted(schemas)}"
        if "enrich" not in schemas:
            stand_in_tags(con)
    return warehouse


def stand_in_tags(con: duckdb.DuckDBPyConnection) -> None:
    """Neutral enrich tables with the contract's columns, for a tree where the tagging asset is not registered
    (what is tested here is the SQL's portability, not the tags)."""
    con.execute("create schema enrich")
    con.execute(
        """create table enrich.feedback_tags as
           select feedback_id, md5(coalesce(feedback_text, '')) as text_hash, feedback_text as feedback_text_masked,
                  'en' as language, 0.0::double as sentiment_score, 'neutral' as sentiment_label,
                  'other' as topic_l1, 'other' as topic_l2, 'question' as feedback_type, 'normal' as urgency,
                  '' as keywords, feedback_id as canonical_feedback_id, false as is_duplicate,
                  null::double as duplicate_similarity, 'stand-in' as taxonomy_version, now() as tagged_at
           from intermediate.int_feedback__unioned"""
    )
    con.execute(
        """create table enrich.feedback_topics as
           select feedback_id, 'other' as topic_l1, 'other' as topic_l2, true as is_primary,
                  'stand-in' as taxonomy_version
           from intermediate.int_feedback__unioned"""
    )


def copy_sources(warehouse: Path, folder: Path) -> dict[str, int]:
    """raw.* and enrich.* from DuckDB into PostgreSQL (CSV through COPY); rows per table."""
    copied: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck, pg_connect() as pg, pg.cursor() as cur:
        tables = duck.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in ('raw', 'enrich')"
        ).fetchall()
        for schema in SOURCE_SCHEMAS:
            cur.execute(f"drop schema if exists {schema} cascade; create schema {schema}")
        for schema, table in tables:
            columns = duck.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
                "order by column_index",
                [schema, table],
            ).fetchall()
            ddl = ", ".join(f'"{name}" {PG_TYPES.get(kind, "text")}' for name, kind in columns)
            cur.execute(f'create table {schema}."{table}" ({ddl})')
            csv = folder / f"{schema}.{table}.csv"
            duck.execute(f'copy (select * from {schema}."{table}") to \'{csv}\' (header)')
            with csv.open() as handle:
                cur.copy_expert(f'copy {schema}."{table}" from stdin with (format csv, header true)', handle)
            copied[f"{schema}.{table}"] = cur.rowcount
        pg.commit()
    return copied


def dbt_build(target: str, target_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DBT, "build", "--target", target, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
         "--target-path", str(target_path)],
        env=env, capture_output=True, text=True, timeout=1800,
    )


def mart_counts_duckdb(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
        return {t: con.execute(f'select count(*) from marts."{t}"').fetchall()[0][0] for t in tables}


def mart_counts_postgres() -> dict[str, int]:
    with pg_connect() as pg, pg.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = 'marts' "
                    "and table_type = 'BASE TABLE' order by 1")
        tables = [t for (t,) in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f'select count(*) from marts."{table}"')
            counts[table] = cur.fetchone()[0]
        return counts


NUMERIC = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL")


def numeric_columns(warehouse: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'marts' "
            "order by table_name, column_index"
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column, kind in rows:
        if kind.split("(")[0] in NUMERIC:
            columns.setdefault(table, []).append(column)
    return columns


def column_sums(execute, columns: dict[str, list[str]]) -> dict[str, float | None]:
    """'table.column' -> sum of the column as a double, for every numeric mart column."""
    sums: dict[str, float | None] = {}
    for table, names in columns.items():
        casts = ", ".join('sum(cast("' + c + '" as double precision))' for c in names)
        values = execute(f'select {casts} from marts."{table}"')
        sums.update({f"{table}.{c}": v for c, v in zip(names, values, strict=True)})
    return sums


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("postgres") / "data"
    saved = dict(os.environ)
    os.environ.update({
        "CFM_DATA_DIR": str(data),
        "CFM_WAREHOUSE": str(data / "warehouse.duckdb"),
        "CFM_LANDING_DIR": str(data / "landing"),
        "CFM_PUBLISH_DIR": str(data / "published"),
    })
    os.environ.pop("DAGSTER_HOME", None)
    try:
        warehouse = land_and_tag(data)
        copied = copy_sources(warehouse, data.parent)
        env = {**os.environ, "CFM_WAREHOUSE": str(warehouse)}
        duck = dbt_build("duckdb", data.parent / "target_duckdb", env)
        pg = dbt_build("postgres", data.parent / "target_postgres", env)
        yield {"warehouse": warehouse, "copied": copied, "duckdb": duck, "postgres": pg}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_sources_are_loaded_into_postgres(built):
    assert built["copied"]["raw.crm__customers"] > 0
    assert built["copied"]["enrich.feedback_tags"] > 0


def test_the_same_dbt_build_passes_on_postgres_marts_and_tests_included(built):
    result = built["postgres"]
    summary = [line for line in result.stdout.splitlines() if "Done." in line or "ERROR" in line or "FAIL" in line]
    assert result.returncode == 0, "\n".join(summary[-40:]) or result.stdout[-4000:] + result.stderr[-2000:]
    assert "ERROR=0" in result.stdout and "PASS=" in result.stdout


def test_postgres_marts_match_duckdb(built):
    assert built["duckdb"].returncode == 0, built["duckdb"].stdout[-3000:]
    duck, pg = mart_counts_duckdb(built["warehouse"]), mart_counts_postgres()
    assert pg == duck
    assert duck["fct_feedback"] > 0


def test_every_numeric_mart_column_sums_the_same_on_both_databases(built):
    columns = numeric_columns(built["warehouse"])
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        duck = column_sums(lambda sql: con.execute(sql).fetchall()[0], columns)
    with pg_connect() as pg, pg.cursor() as cur:
        def run(sql: str) -> tuple:
            cur.execute(sql)
            return cur.fetchone()

        post = column_sums(run, columns)
    assert len(duck) > 50
    differ = {
        k: (duck[k], post[k])
        for k in duck
        if (duck[k] is None) != (post[k] is None)
        or (duck[k] is not None and not math.isclose(duck[k], post[k], rel_tol=1e-9, abs_tol=1e-6))
    }
    assert differ == {}
