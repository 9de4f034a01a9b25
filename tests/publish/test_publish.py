"""Write-audit-publish: only validated tables reach the serving copy, swapped whole; a failure changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

from expectations.suites import load_publish_config
from orchestration.checks import GateFailed, ensure_gates_passed
from orchestration.settings import get_settings
from tests.expectations.marts import build_marts, inject
from warehouse import connect
from warehouse.publish import (
    DB_FILE,
    MANIFEST_FILE,
    PublicationRefused,
    discover_tables,
    publish,
    read_manifest,
)

UPSTREAM = {"marts.fct_feedback": [], "marts.mart_feedback_daily": ["marts.fct_feedback"]}


@pytest.fixture
def warehouse(cfm_env: Path, no_data_docs) -> Path:
    with connect() as con:
        build_marts(con)
    return get_settings().warehouse


def gate_and_publish(run_id: str, accept_changes: bool = False):
    settings = get_settings()
    with connect() as con:
        ensure_gates_passed(con, UPSTREAM, run_id=run_id)
        return publish(con, list(UPSTREAM), settings.publish_dir, run_id=run_id, accept_changes=accept_changes)


def fingerprint(publish_dir: Path) -> dict[str, str]:
    """sha256 of everything a reader opens: the DuckDB file, the manifest, the current Parquet files."""
    files = [
        publish_dir / DB_FILE,
        publish_dir / MANIFEST_FILE,
        *sorted((publish_dir / "parquet" / "current").rglob("*.parquet")),
    ]
    return {str(p.relative_to(publish_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_publication_is_a_read_only_duckdb_file_and_parquet_per_table(warehouse):
    publication = gate_and_publish("run-1")
    publish_dir = get_settings().publish_dir

    with duckdb.connect(str(publish_dir / DB_FILE), read_only=True) as reader:
        assert reader.sql("select count(*) from marts.fct_feedback").fetchall() == [(300,)]
        assert reader.sql("select table_name, row_count from main._publication order by 1").fetchall() == [
            ("marts.fct_feedback", 300),
            ("marts.mart_feedback_daily", publication.tables["marts.mart_feedback_daily"]["rows"]),
        ]
        with pytest.raises(duckdb.Error, match="read-only"):
            reader.execute("delete from marts.fct_feedback")
    current = publish_dir / "parquet" / "current"
    assert current.is_symlink() and os.readlink(current) == publication.version
    assert duckdb.sql(f"select count(*) from '{current}/marts/fct_feedback.parquet'").fetchall() == [(300,)]
    manifest = read_manifest(publish_dir)
    assert manifest["version"] == publication.version
    assert {c["name"]: c["type"] for c in manifest["tables"]["marts.fct_feedback"]["columns"]}[
        "created_at"
    ] == "TIMESTAMP"
    with connect() as con:
        assert con.sql("select status, table_count, row_count from audit.publications").fetchall() == [
            ("published", 2, publication.row_count)
        ]
    assert not list(publish_dir.glob(".staging-*"))  # nothing left behind


def test_failed_gate_leaves_the_publication_byte_identical_and_a_clean_rerun_publishes(warehouse):
    first = gate_and_publish("run-0")
    publish_dir = get_settings().publish_dir
    before = fingerprint(publish_dir)

    for run, bad_load in enumerate(["out_of_range_score", "duplicate_id", "null_key", "future_timestamp"], 1):
        with connect() as con:
            build_marts(con)
            row, expectation = inject(con, bad_load)

        with pytest.raises(GateFailed) as failed:
            gate_and_publish(f"run-{run}")

        [reason] = failed.value.reasons()
        assert reason.startswith("marts.fct_feedback:") and expectation in reason, bad_load
        with connect() as con:
            details = con.sql(
                "select details from audit.validation_results where run_id = ? and table_name = 'marts.fct_feedback'",
                params=[f"run-{run}"],
            ).fetchall()[0][0]
            kept = con.sql("select count(*) from marts.fct_feedback").fetchall()[0][0]
        assert row in json.dumps(json.loads(details)["failures"]), bad_load  # the offending row is named
        assert kept >= 300, bad_load  # nothing is deleted to make the gate pass
        assert fingerprint(publish_dir) == before, bad_load
        assert read_manifest(publish_dir)["version"] == first.version

    with connect() as con:
        build_marts(con)  # the load is fixed upstream
    again = gate_and_publish("run-clean")
    assert again.version != first.version and read_manifest(publish_dir)["version"] == again.version
    assert fingerprint(publish_dir) != before


def test_a_dropped_or_retyped_column_is_refused_unless_accepted(warehouse):
    gate_and_publish("run-1")
    publish_dir = get_settings().publish_dir
    before = fingerprint(publish_dir)
    with connect() as con:
        con.execute("alter table marts.mart_feedback_daily alter csat_pct type varchar")
        con.execute("alter table marts.mart_feedback_daily drop column csat_satisfied")

    with pytest.raises(PublicationRefused) as refused, connect() as con:
        publish(con, list(UPSTREAM), publish_dir, run_id="run-2")

    assert sorted(refused.value.reasons) == [
        "marts.mart_feedback_daily.csat_pct: type changed from DOUBLE to VARCHAR",
        "marts.mart_feedback_daily.csat_satisfied: column removed (was BIGINT)",
    ]
    assert fingerprint(publish_dir) == before
    with connect() as con:
        accepted = publish(con, list(UPSTREAM), publish_dir, run_id="run-3", accept_changes=True)
        statuses = con.sql("select status from audit.publications order by published_at").fetchall()
    assert any(n.startswith("accepted: marts.mart_feedback_daily.csat_pct") for n in accepted.notes)
    assert statuses == [("published",), ("refused",), ("published",)]


def test_a_new_mart_is_gated_by_the_default_suite_and_published_without_code(warehouse):
    with connect() as con:
        con.execute(
            "create table marts.mart_new_kpi as select created_date, count(*) as n from marts.fct_feedback group by 1"
        )
        tables = discover_tables(con, load_publish_config().schemas)
        upstream = {**UPSTREAM, "marts.mart_new_kpi": ["marts.fct_feedback"]}
        statuses = ensure_gates_passed(con, upstream, run_id="run-1")
        publication = publish(con, tables, get_settings().publish_dir, run_id="run-1")

    assert "marts.mart_new_kpi" in tables and statuses["marts.mart_new_kpi"].success
    assert publication.tables["marts.mart_new_kpi"]["rows"] == 30


def test_old_parquet_versions_are_pruned_but_the_current_one_stays(warehouse):
    with connect() as con:
        versions = [
            publish(con, list(UPSTREAM), get_settings().publish_dir, run_id=f"run-{i}").version for i in range(5)
        ]

    kept = sorted(p.name for p in (get_settings().publish_dir / "parquet").iterdir() if not p.is_symlink())
    assert kept == versions[-3:]
