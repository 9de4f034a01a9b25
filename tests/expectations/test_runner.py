"""The runner validates warehouse tables with GX and names what failed: expectation, counts, sample rows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from expectations.data_docs import render
from expectations.runner import validate_table
from expectations.suites import Rule, Suite, load_suite, parse_rule, raw_suite
from orchestration.assets.landing import TICKET_FILES
from tests.expectations.marts import INJECTIONS, build_marts, inject, rebuild_daily
from warehouse.landing import ensure_tables


@pytest.fixture
def con(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as c:
        build_marts(c)
        yield c


def audit(con) -> list[tuple]:
    return con.execute(
        """select suite, table_name, run_id, partition, success, evaluated, failed_expectations, unexpected_count,
                  row_count, blocking from audit.validation_results order by validated_at"""
    ).fetchall()


@pytest.mark.parametrize("table", ["marts.fct_feedback", "marts.mart_feedback_daily"])
def test_clean_marts_pass_and_the_result_is_recorded(con, tmp_path, table):
    validation = validate_table(con, load_suite(table), run_id="run-1", publish_dir=tmp_path / "pub")

    assert validation.success, validation.failures_markdown()
    assert validation.evaluated > 10
    [row] = audit(con)
    assert row[1:] == (table, "run-1", "*", True, validation.evaluated, 0, 0, validation.row_count, True)
    assert row[0] == f"expectations/suites/{table.replace('.', '/')}.yml"
    # GX Data Docs under the publish folder: the result is stored at once, rendered once per batch.
    assert render(tmp_path / "pub", [validation.stored]) == tmp_path / "pub" / "data_docs" / "index.html"
    assert Path(validation.data_docs).exists() and Path(validation.data_docs).suffix == ".html"
    assert table in (tmp_path / "pub" / "data_docs" / "index.html").read_text()


@pytest.mark.parametrize("name", sorted(INJECTIONS))
def test_a_bad_load_fails_naming_the_expectation_and_the_rows(con, name):
    row, expectation = inject(con, name)

    validation = validate_table(con, load_suite("marts.fct_feedback"), run_id="run-1")

    assert not validation.success
    failure = next(f for f in validation.failures if f.expectation == expectation)
    assert failure.unexpected_count >= 1
    assert any(row in (s.get("feedback_id"), s.get("native_id")) for s in failure.samples), failure.samples
    assert row in validation.failures_markdown() and expectation in validation.failures_markdown()
    details = json.loads(con.execute("select details from audit.validation_results").fetchall()[0][0])
    assert details["failures"][0]["expectation"] == validation.failures[0].expectation


def test_daily_series_gap_and_out_of_range_csat_are_caught(con):
    con.execute("delete from marts.mart_feedback_daily where feedback_date = date '2026-10-15'")
    con.execute(
        "update marts.mart_feedback_daily set csat_pct = 140 where feedback_date = date '2026-10-20' "
        "and channel = 'typeform'"
    )

    validation = validate_table(con, load_suite("marts.mart_feedback_daily"), run_id="r")

    failed = {f.rule: f for f in validation.failures}
    assert set(failed) == {"no_gaps(feedback_date, channel)", "between(csat_pct)"}
    gap = failed["no_gaps(feedback_date, channel)"]
    assert gap.samples[0]["feedback_date__days_since_previous"] == 2
    assert gap.samples[0]["feedback_date"].startswith("2026-10-16")
    assert failed["between(csat_pct)"].samples[0]["csat_pct"] == 140


def test_chunked_validation_finds_duplicates_across_the_whole_table(con):
    """Buckets are hash(key) % n: a duplicated key lands in one bucket, so nothing is missed."""
    con.execute(
        "insert into marts.fct_feedback select * from marts.fct_feedback where feedback_id in "
        "('zendesk:0', 'reddit:298')"
    )
    suite = Suite(
        name="t",
        table="marts.fct_feedback",
        key=("feedback_id",),
        chunk_rows=40,
        rules=(parse_rule({"unique": ["feedback_id"]}), parse_rule({"not_null": ["feedback_id"]})),
    )

    validation = validate_table(con, suite, run_id="r", record=False)

    assert validation.chunks == 8
    [failure] = validation.failures
    assert failure.unexpected_count == 4 and failure.element_count == 302
    assert {s["feedback_id"] for s in failure.samples} == {"zendesk:0", "reddit:298"}


def test_row_count_outside_the_band_of_the_previous_run_fails_unless_accepted(con):
    build_marts(con, items=1000)
    suite = load_suite("marts.fct_feedback")
    assert validate_table(con, suite, run_id="run-1").success  # 1000 rows: the baseline

    con.execute("delete from marts.fct_feedback where cast(native_id as integer) >= 20")  # 20 rows left
    dropped = validate_table(con, suite, run_id="run-2")
    accepted = validate_table(con, suite, run_id="run-3", accept_changes=True)

    [failure] = dropped.failures
    assert failure.rule == "row_count()" and failure.observed == 20
    assert failure.expected["min_value"] == 300  # floor(1000 * 0.5) - 200 slack
    assert accepted.success and "not enforced" in accepted.notes[0]


def test_default_suite_fails_an_empty_table_whose_upstream_has_rows_and_an_all_null_key(con):
    con.execute("create table marts.dim_new as select cast(null as varchar) as thing_id, 1 as n")
    con.execute("create table marts.dim_empty (thing_id varchar)")
    upstream = ["marts.fct_feedback"]

    all_null = validate_table(
        con, load_suite("marts.dim_new", columns=["thing_id", "n"], upstream=upstream), run_id="r"
    )
    empty = validate_table(con, load_suite("marts.dim_empty", columns=["thing_id"], upstream=upstream), run_id="r")
    empty_upstream = load_suite("marts.dim_empty", columns=["thing_id"], upstream=["marts.no_rows_here"])

    assert [f.rule for f in all_null.failures] == ["not_all_null(thing_id)"]
    assert [f.rule for f in empty.failures] == ["row_count()"]
    assert validate_table(con, empty_upstream, run_id="r").success


def test_a_missing_column_or_table_is_a_named_failure(con):
    con.execute("alter table marts.fct_feedback drop column sentiment_score")
    suite = load_suite("marts.fct_feedback")

    validation = validate_table(con, suite, run_id="r")
    gone = validate_table(con, Suite(name="x", table="marts.nope", rules=(Rule("row_count"),)), run_id="r")

    messages = {f.message for f in validation.failures}
    assert messages == {"columns missing: sentiment_score", "column sentiment_score is missing"}
    assert gone.failures[0].message == "table marts.nope does not exist"


def test_accepted_values_from_a_seed_that_is_not_loaded_fail_that_rule_only(con):
    con.execute("drop table seeds.channels; drop table seeds.taxonomy")

    validation = validate_table(con, load_suite("marts.fct_feedback"), run_id="r")

    # channels has no other source of values; the taxonomy falls back to the codes its suite lists
    [failure] = validation.failures
    assert failure.rule == "in_set(channel)" and failure.message.endswith("table seeds.channels does not exist")


def test_raw_suite_warns_about_rows_that_bypassed_landing(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_tables(con, TICKET_FILES)
        rows = [  # ticket_id, created_at, requester_id, satisfaction_score, channel, subject, hash
            ("1", "2026-10-01T10:00:00+08:00", "C1", "5", "email", "slow app", "h1"),
            ("1", "2026-10-01T10:00:00+08:00", "C1", "5", "email", "slow app", "h1"),  # duplicate version
            ("", "2026-10-01T10:00:00Z", "C2", "4", "web", "hi", "h2"),  # blank key
            ("3", "2099-01-01T00:00:00Z", "C3", "9", "pigeon", "late", "h3"),  # future, out of range, channel
        ]
        con.executemany(
            """insert into raw.ticket_files__tickets (ticket_id, created_at, requester_id, satisfaction_score,
               channel, subject, _record_hash, _payload, _loaded_at) values (?, ?, ?, ?, ?, ?, ?, '{}', now())""",
            rows,
        )

        validation = validate_table(con, raw_suite(TICKET_FILES), run_id="r", blocking=False)

    failed = {f.rule: f for f in validation.failures}
    assert set(failed) == {
        "unique(ticket_id, _record_hash)",
        "not_blank(ticket_id)",
        "not_in_future(created_at)",
        "between(satisfaction_score)",
        "in_set(channel)",
    }
    assert failed["between(satisfaction_score)"].samples == [{"satisfaction_score__double": 9.0, "ticket_id": "3"}]
    assert failed["in_set(channel)"].samples[0]["channel__normalized"] == "pigeon"
    assert not validation.blocking


def test_raw_validation_checks_only_rows_landed_since_the_last_clean_one(tmp_path):
    def land(con, rows, loaded_at):
        con.executemany(
            """insert into raw.ticket_files__tickets (ticket_id, created_at, requester_id, satisfaction_score,
               channel, subject, _record_hash, _payload, _loaded_at) values (?, ?, ?, ?, ?, ?, ?, '{}', ?)""",
            [(*r, loaded_at) for r in rows],
        )

    def check(con, run_id):
        return validate_table(con, raw_suite(TICKET_FILES), run_id=run_id, blocking=False,
                              new_rows_by="_loaded_at")

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_tables(con, TICKET_FILES)
        land(con, [("1", "2026-10-01T10:00:00Z", "C1", "5", "email", "ok", "h1"),
                   ("2", "2026-10-01T11:00:00Z", "C2", "4", "email", "fine", "h2")], "2026-10-01T12:00:00Z")
        first = check(con, "r1")
        land(con, [("3", "2026-10-02T10:00:00Z", "C3", "9", "web", "bad score", "h3"),
                   ("1", "2026-10-01T10:00:00Z", "C1", "5", "email", "ok", "h1")],  # lands row 1 again
             "2026-10-02T12:00:00Z")
        land(con, [("4", "2026-10-02T10:00:00Z", "C4", "4", "web", "no load time", "h4")], None)
        second = check(con, "r2")
        third = check(con, "r3")
        con.execute("delete from raw.ticket_files__tickets where _loaded_at > '2026-10-02' or _loaded_at is null")
        fourth = check(con, "r4")
        partitions = [r[0] for r in con.execute(
            "select partition from audit.validation_results order by validated_at").fetchall()]

    assert first.row_count == 2 and first.success  # the first check reads the whole table
    # The second checks the new rows only (and a row without a load time, which skipped landing), and a new
    # row that repeats an old one is caught: uniqueness still compares with the whole table.
    assert second.row_count == 3
    failed = {f.rule: f for f in second.failures}
    assert set(failed) == {
        "unique(ticket_id, _record_hash)", "between(satisfaction_score)", "not_null(_loaded_at)",
    }
    assert failed["unique(ticket_id, _record_hash)"].unexpected_count == 1
    # Nothing landed since, but the warning stays until its rows are dealt with; then nothing is left to check.
    assert third.row_count == 3 and not third.success
    assert fourth.row_count == 0 and fourth.success
    assert partitions == ["*"] + ["_loaded_at > 2026-10-01T12:00:00+00:00"] * 3


def test_rebuilt_daily_mart_from_a_valid_fact_passes(con):
    con.execute("delete from marts.fct_feedback where channel = 'reddit'")
    rebuild_daily(con)

    assert validate_table(con, load_suite("marts.mart_feedback_daily"), run_id="r", record=False).success
