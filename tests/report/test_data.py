"""The report's data layer tolerates a publication without some tables or columns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from reporting import data, write_report
from tests.report.conftest import Page
from tests.report.publication import create_publication

WINDOW = (date(2026, 3, 2), date(2026, 3, 31))


def _altered(path: Path, *statements: str) -> Path:
    create_publication(path, days=70, per_day=40)
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
    return path


def test_missing_marts_fall_back_to_the_facts_or_empty(tmp_path: Path):
    path = _altered(
        tmp_path / "feedback.duckdb",
        "drop table marts.mart_topics_daily",
        "drop table marts.mart_nps_daily",
        "alter table marts.mart_tickets_daily drop column sla_met",
        "drop table analytics.anomalies",
    )
    with data.Published(path) as db:
        topics = data.topic_sentiment(db, *WINDOW)
        facts = db.scalar(
            "select count(*) from marts.fct_feedback where created_date between ? and ?", WINDOW
        )
        assert topics["total"].sum() == facts  # counted on fct_feedback instead
        nps = data.score_periods(db, "nps", "day", *WINDOW)
        assert nps.height > 20 and nps["value"].is_null().all()  # counts from the facts, scored later
        assert data.sla_compliance(db, *WINDOW).is_empty()
        assert data.open_anomalies(db).is_empty()

    out = tmp_path / "report.html"
    result = write_report(path, out)
    page = Page(out.read_text(encoding="utf-8"))
    assert "sla" in result.empty_sections and "anomalies" in result.empty_sections
    assert page.one("data-empty", "sla") and page.one("data-empty", "anomalies")
    assert page.metric("nps_30d")["data-value"]  # the headline still comes from the facts
    assert "trend_nps" in result.charts


def test_anomaly_ids_as_a_list_column(tmp_path: Path):
    path = _altered(
        tmp_path / "feedback.duckdb",
        "alter table analytics.anomalies alter sample_feedback_ids type varchar[] "
        "using string_split(sample_feedback_ids, '; ')",
    )
    with data.Published(path) as db:
        frame = data.open_anomalies(db)
    assert frame["sample_feedback_ids"].to_list()[0] and frame.height == 2


def test_latest_date_and_publication_info(demo_publication: Path, empty_publication: Path):
    with data.Published(demo_publication) as db:
        assert data.latest_date(db) == date(2026, 3, 31)
        assert data.publication_info(db) is None
    with data.Published(empty_publication) as db:
        assert data.latest_date(db) is None and db.tables == []


def test_text_from_the_data_is_escaped_in_tables_and_charts(tmp_path: Path):
    name = "</script><b>Trail runner</b>"
    path = _altered(tmp_path / "feedback.duckdb", f"update marts.dim_product set product_name = '{name}'")
    out = tmp_path / "report.html"
    write_report(path, out)
    html = out.read_text(encoding="utf-8")
    assert name not in html
    assert "&lt;/script&gt;&lt;b&gt;Trail runner&lt;/b&gt;" in html  # the table cell
    assert "\\u003c\\u002fscript\\u003e" in html  # the chart's JSON
