"""The dbt project is portable: the same `dbt build` (seeds, staging, intermediate, marts and every test) runs on
PostgreSQL with dbt-postgres and gives the marts the DuckDB build gives.

Runs under `make test-postgres` only (scripts/test_postgres.sh starts the server and sets CFM_PG_*). The raw and
enrich tables dbt reads as sources come from the session's pipeline run in DuckDB (conftest `pipeline_run`:
landing from files and the sandbox APIs, then tagging), copied into PostgreSQL with COPY; dbt builds every
layer on each database from there.
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
def built(pipeline_run: Path, tmp_path_factory: pytest.TempPathFactory):
    """The pipeline's raw and enrich tables copied into PostgreSQL; dbt built on both databases."""
    folder = tmp_path_factory.mktemp("postgres")
    warehouse = pipeline_run / "warehouse.duckdb"
    copied = copy_sources(warehouse, folder)
    env = {**os.environ, "CFM_WAREHOUSE": str(warehouse)}
    duck = dbt_build("duckdb", folder / "target_duckdb", env)
    pg = dbt_build("postgres", folder / "target_postgres", env)
    return {"warehouse": warehouse, "copied": copied, "duckdb": duck, "postgres": pg}


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
