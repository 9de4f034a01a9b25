"""The demo's closing summary: rows per data layer, run history apart, and the KPI window from the marts."""

from __future__ import annotations

import duckdb

from orchestration.summary import render, summarize


def test_summary_counts_data_layers_and_keeps_the_run_log_apart(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw; create schema audit; create schema marts")
        con.execute("create table raw.a as select range as id from range(3)")
        con.execute("create table raw.quarantine as select 1 as line")
        con.execute("create table audit.publications as select range as v from range(5)")
        con.execute(
            """create table marts.mart_nps_daily as select date '2026-10-01' + range::int as period_start,
               'all' as dimension, 10 as responses, 6 as promoters, 2 as detractors from range(40)"""
        )
        con.execute(
            """create table marts.mart_csat_daily as select date '2026-10-01' + range::int as period_start,
               'all' as dimension, 8 as responses, 6 as satisfied from range(40)"""
        )
    text = render(summarize(path))
    assert "raw                     3 rows in 1 table\n" in text
    assert "quarantined             1 rows" in text
    assert "Run history (audit): 5 rows" in text and "  audit" not in text
    assert "NPS     +40.0  (n=300)" in text and "CSAT    75.0%  (n=240" in text
