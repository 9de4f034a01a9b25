"""Operating a real pipeline run (conftest `pipeline_run`, shared by the tests in file order):

- `cfm backfill` rebuilds exactly the facts of its days, in one run, and doubles nothing;
- `cfm forget`: afterwards no table of the warehouse and no file of the published copy holds the customer's
  id, email, phone or handle, and landing again (files re-dropped, APIs pulled from scratch) does not bring
  them back. The scan is deliberately naive (ILIKE on every column cast to text of every table, substring
  search in every published file) so that it does not share the erasure code's idea of a match.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.pipeline, pytest.mark.xdist_group("pipeline")]


def _count_rows(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str], needles: list[str]) -> int:
    """Rows of `relation` in which any column, cast to text, contains any needle (case-insensitive)."""
    row_text = " || chr(10) || ".join(f"coalesce(cast(\"{c}\" as varchar), '')" for c in columns)
    where = " or ".join(f"({row_text}) ilike ?" for _ in needles)
    return con.execute(f"select count(*) from {relation} where {where}", [f"%{n}%" for n in needles]).fetchall()[0][0]


def scan_database(path: Path, needles: list[str]) -> dict[str, int]:
    """'schema.table' -> rows holding any needle, over every table of a DuckDB file."""
    hits: dict[str, int] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and not internal order by column_index"
        ).fetchall():
            columns.setdefault((schema, table), []).append(column)
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
        for schema, table in tables:
            count = _count_rows(con, f'"{schema}"."{table}"', columns[(schema, table)], needles)
            if count:
                hits[f"{schema}.{table}"] = count
    return hits


def scan_published(folder: Path, needles: list[str]) -> dict[str, int]:
    """Published file -> rows (DuckDB, Parquet) or occurrences (any other file) holding any needle."""
    hits: dict[str, int] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".duckdb":
            found = sum(scan_database(path, needles).values())
        elif path.suffix == ".parquet":
            with duckdb.connect() as con:
                con.execute(f"create view f as select * from read_parquet('{path}')")
                found = _count_rows(con, "f", [r[0] for r in con.execute("describe f").fetchall()], needles)
        else:
            text = path.read_bytes().decode("utf-8", errors="replace").lower()
            found = sum(text.count(n.lower()) for n in needles)
        if found:
            hits[str(path.relative_to(folder))] = found
    return hits


def test_backfill_rebuilds_exactly_its_window_in_one_run(pipeline_run: Path):
    from datetime import UTC, datetime, timedelta

    from orchestration.assets.dbt import dbt_partitioned_models
    from orchestration.runner import materialize

    warehouse = pipeline_run / "warehouse.duckdb"
    last = datetime.now(UTC).date() - timedelta(days=4)
    first = last - timedelta(days=6)
    window = "created_date between ? and ?"
    with duckdb.connect(str(warehouse)) as con:
        total = con.execute("select count(*), count(distinct feedback_id) from marts.fct_feedback").fetchall()[0]
        inside = con.execute(f"select count(*) from marts.fct_feedback where {window}", [first, last]).fetchall()
        assert total[0] == total[1] and inside[0][0] > 0
        # Damage one day inside the window and one outside: only the first is the backfill's to repair.
        con.execute("delete from marts.fct_feedback where created_date = ?", [first])
        con.execute("update marts.fct_feedback set keywords = 'damaged' where created_date = ?",
                    [first - timedelta(days=1)])

    # The incremental facts over the range: what `cfm backfill` runs inside its one run of daily_refresh.
    facts = [k.to_user_string() for a in dbt_partitioned_models for k in a.keys]
    result = materialize(facts, partition_range=(first.isoformat(), last.isoformat()), raise_on_error=False)

    assert result.success
    dbt_steps = {e.step_key for e in result.get_step_success_events() if e.step_key.startswith("dbt")}
    assert len(dbt_steps) == 1  # one dbt invocation for the whole range
    partitions = {e.partition for e in result.get_asset_materialization_events()}
    assert partitions == {(first + timedelta(days=d)).isoformat() for d in range(7)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.execute("select count(*), count(distinct feedback_id) from marts.fct_feedback").fetchall()[0]
        damaged = con.execute("select count(*) from marts.fct_feedback where keywords = 'damaged'")
        assert after == total  # the deleted day is back, nothing doubled
        assert damaged.fetchall()[0][0] > 0  # the day before the window was not rebuilt


def heaviest_customer(warehouse: Path) -> dict[str, str]:
    """The customer with the most landed rows, and their identifiers from the CRM export."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        customer_id = con.execute(
            """select customer_id, count(*) from (
                   select requester_id as customer_id from raw.ticket_files__tickets
                   union all select customer_id from raw.returns_files__returns
                   union all select respondent_id from raw.survey_files__responses
               ) group by 1 order by 2 desc, 1 limit 1"""
        ).fetchall()[0][0]
        email, phone, handle = con.execute(
            "select email, phone, handle from raw.crm__customers where customer_id = ?", [customer_id]
        ).fetchall()[0]
    return {"customer_id": customer_id, "email": email, "phone": phone, "handle": handle}


def test_forget_leaves_no_trace_and_landing_does_not_bring_the_customer_back(pipeline_run: Path):
    from orchestration.privacy import forget_customer
    from orchestration.runner import materialize

    warehouse, published = pipeline_run / "warehouse.duckdb", pipeline_run / "published"
    subject = heaviest_customer(warehouse)
    needles = list(subject.values())
    before = scan_database(warehouse, needles)
    assert len(before) >= 4, before  # the customer is really spread over the layers
    published_before = scan_published(published, needles)
    assert published_before, "the customer is in the published copy before the request"

    result = forget_customer(subject["customer_id"])

    assert scan_database(warehouse, needles) == {}
    assert scan_published(published, needles) == {}
    assert set(result.tables) >= set(before) - {"audit.privacy_requests"}
    assert set(result.files) >= set(published_before)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (logged,) = con.execute("select count(*) from audit.privacy_requests").fetchall()[0]
    assert logged == 1

    # Land everything again: the same files re-dropped under new names, the APIs pulled from scratch.
    for path in (pipeline_run / "landing").rglob("*.*"):
        path.rename(path.with_name("again_" + path.name))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from raw._cursors")
    landed = materialize("group:surveys or group:social or group:tickets or group:returns or group:reference",
                         raise_on_error=False)
    assert landed.get_asset_materialization_events()
    assert scan_database(warehouse, needles) == {}
