"""The report shows the marts' numbers, degrades to "not enough data", speaks Chinese, is self-contained."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from scipy.stats import t as student_t

from reporting import write_report
from reporting.i18n import Labels
from tests.report.conftest import Page, shown
from tests.report.publication import PII_TEXT

AS_OF = date(2026, 3, 31)
NOW = (AS_OF - timedelta(days=29), AS_OF)
BEFORE = (AS_OF - timedelta(days=59), AS_OF - timedelta(days=30))
SECTIONS = ("kpis", "trends", "drivers", "topics", "emerging", "anomalies", "sla", "returns")


@pytest.fixture(scope="module")
def page_en(demo_publication: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Page, str]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    write_report(demo_publication, out, "en")
    html = out.read_text(encoding="utf-8")
    return Page(html), html


def _sums(con, table: str, columns: str, window: tuple[date, date]) -> tuple:
    return con.execute(
        f"select {columns} from marts.{table} where dimension = 'all' and period_start between ? and ?",
        list(window),
    ).fetchone()


def _close(element: dict, expected: float, tol: float = 1e-9) -> None:
    assert math.isclose(float(element["data-value"]), expected, rel_tol=tol, abs_tol=tol), (element, expected)


def test_headline_nps_equals_the_daily_marts(page_en, demo_publication):
    page, _ = page_en
    with duckdb.connect(str(demo_publication), read_only=True) as con:
        cols = "sum(responses), sum(promoters), sum(detractors)"
        n, p, d = _sums(con, "mart_nps_daily", cols, NOW)
        n0, p0, d0 = _sums(con, "mart_nps_daily", cols, BEFORE)
        facts = con.execute(
            "select count(nps_score) from marts.fct_feedback where created_date between ? and ?", list(NOW)
        ).fetchone()[0]
    assert n == facts > 30

    def nps(p, d, n):
        value = 100 * (p - d) / n
        pa, da = (p + 0.75) / (n + 3), (d + 0.75) / (n + 3)
        var = 1e4 * (pa + da - (pa - da) ** 2) / (n + 3)
        return value, var

    value, var = nps(p, d, n)
    before, var0 = nps(p0, d0, n0)
    kpi = page.metric("nps_30d")
    _close(kpi, value)
    assert kpi["text"].strip() == shown(value, 1, signed=True)
    assert int(page.metric("nps_30d_n")["data-value"]) == n
    _close(page.metric("nps_30d_ci_low"), value - 1.96 * math.sqrt(var))
    _close(page.metric("nps_30d_ci_high"), value + 1.96 * math.sqrt(var))
    _close(page.metric("nps_prev_30d"), before)
    change = page.metric("nps_change")
    _close(change, value - before)
    significant = abs(value - before) > 1.96 * math.sqrt(var + var0)
    assert significant  # the demo publication drops NPS in the last 30 days
    assert change["data-significant"] == "true"
    assert "significant change" in change["text"]


def test_headline_csat_and_ces_equal_the_marts(page_en, demo_publication):
    page, _ = page_en
    with duckdb.connect(str(demo_publication), read_only=True) as con:
        n, x = _sums(con, "mart_csat_daily", "sum(responses), sum(satisfied)", NOW)
        n0, x0 = _sums(con, "mart_csat_daily", "sum(responses), sum(satisfied)", BEFORE)
        ces_n, ces_mean, ces_sd = con.execute(
            "select count(ces_score), avg(ces_score), stddev_samp(ces_score) from marts.fct_feedback "
            "where created_date between ? and ?",
            list(NOW),
        ).fetchone()
    csat = 100 * x / n
    _close(page.metric("csat_30d"), csat)
    assert page.metric("csat_30d")["text"].strip() == shown(csat, 1) + "%"
    assert int(page.metric("csat_30d_n")["data-value"]) == n
    # Wilson interval, as the marts' macro wilson_bound.
    z, q = 1.96, x / n
    centre, half = q + z * z / (2 * n), z * math.sqrt(q * (1 - q) / n + z * z / (4 * n * n))
    _close(page.metric("csat_30d_ci_low"), 100 * (centre - half) / (1 + z * z / n))
    _close(page.metric("csat_30d_ci_high"), 100 * (centre + half) / (1 + z * z / n))
    pooled = (x + x0) / (n + n0)
    significant = abs(x / n - x0 / n0) > 1.96 * math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n0))
    assert page.metric("csat_change")["data-significant"] == str(significant).lower()
    _close(page.metric("csat_change"), csat - 100 * x0 / n0)

    # CES pooled from the daily marts' mean and SD equals the facts' mean over the window.
    _close(page.metric("ces_30d"), ces_mean, tol=1e-9)
    assert int(page.metric("ces_30d_n")["data-value"]) == ces_n
    half = student_t.ppf(0.975, ces_n - 1) * ces_sd / math.sqrt(ces_n)
    _close(page.metric("ces_30d_ci_low"), ces_mean - half, tol=1e-9)
    assert page.metric("ces_30d")["text"].strip() == shown(ces_mean, 2)


def test_tables_equal_the_marts(page_en, demo_publication):
    page, _ = page_en
    with duckdb.connect(str(demo_publication), read_only=True) as con:
        impact = con.execute(
            """select topic_l1 || '.' || topic_l2,
                      100.0 * (sum(promoters) - sum(detractors) + sum(topic_detractor_comments))
                          / (sum(responses) - sum(topic_detractor_comments))
                      - 100.0 * (sum(promoters) - sum(detractors)) / sum(responses)
               from marts.mart_topic_nps_impact_daily where dimension = 'all' and period_start between ? and ?
               group by 1""",
            list(NOW),
        ).fetchall()
        sla = con.execute(
            """select dimension_value, 100.0 * sum(sla_met) / (sum(sla_met) + sum(sla_breached))
               from marts.mart_tickets_daily where period_start between ? and ? group by 1""",
            list(NOW),
        ).fetchall()
        topics = con.execute(
            """select topic_l1 || '.' || topic_l2, sum(feedback_count), sum(negative_count)
               from marts.mart_topics_daily
               where dimension = 'all' and period_start between ? and ? group by 1""",
            list(NOW),
        ).fetchall()
    shown_impact = {row["data-topic"]: row for row in page.find("data-topic")}
    expected = {k: v for k, v in impact if v > 0}
    assert shown_impact and set(shown_impact) <= set(expected)
    for key, row in shown_impact.items():
        cell = next(e for e in page.find("data-metric", "impact") if e in _children(page, row))
        _close(cell, expected[key])
    # The biggest drag is listed first.
    assert next(iter(shown_impact)) == max(expected, key=expected.get)

    for tier, pct in sla:
        row = page.one("data-tier", tier)
        cell = next(e for e in page.find("data-metric", "compliance_pct") if e in _children(page, row))
        _close(cell, pct)
        assert shown(pct, 1) + "%" in cell["text"]

    table = [e for e in page.find("data-key") if "." in e["data-key"]]
    totals = {k: (t, neg) for k, t, neg in topics}
    assert {e["data-key"] for e in table} == set(totals)
    for row in table:
        cells = _children(page, row)
        assert (
            int(next(c for c in cells if c.get("data-metric") == "total")["data-value"])
            == totals[row["data-key"]][0]
        )
        assert (
            int(next(c for c in cells if c.get("data-metric") == "negative")["data-value"])
            == totals[row["data-key"]][1]
        )


def test_returns_count_only_returned_units_in_the_window(page_en):
    page, _ = page_en
    returns = {e["data-product"]: e for e in page.find("data-product")}
    # P0001: 25 + 9 + 3 (the declined 40 not counted); P0003: 11 (the January 50 outside the window).
    assert list(returns) == ["P0001", "P0002", "P0003", "P0009"]
    totals = [int(c["data-value"]) for c in page.find("data-metric", "returns")]
    assert totals == [37, 20, 11, 2]
    assert "Trail runner (P0001)" in returns["P0001"]["text"]
    assert "Size too small 25 (68%)" in returns["P0001"]["text"]


def test_anomalies_open_only_with_masked_escaped_samples(page_en):
    page, html = page_en
    shown_ids = [e["data-anomaly"] for e in page.find("data-anomaly")]
    assert shown_ids == ["a1", "a2"]  # a3 is closed
    quotes = page.find("data-feedback-id")
    assert len(quotes) == 3
    for quote in quotes:
        assert "jane.doe@example.com" not in quote["text"] and "555 0100" not in quote["text"]
        assert "<script>alert(1)</script>" in quote["text"]  # shown as text ...
    assert "<script>alert(1)</script>" not in html  # ... because it is escaped in the markup
    assert PII_TEXT not in html


def test_emerging_topics_latest_snapshot(page_en):
    page, _ = page_en
    rows = page.find("data-metric", "growth")
    assert [float(r["data-value"]) for r in rows] == [6.8, 3.5]


def test_every_section_has_content_and_charts(page_en):
    page, html = page_en
    assert not page.find("data-empty")
    charts = [e["data-chart"] for e in page.find("data-chart")]
    assert charts == [
        "trend_nps",
        "trend_csat",
        "trend_ces",
        "impact",
        "topics",
        "channels",
        "sla",
        "returns",
    ]
    for section in SECTIONS:
        assert f'id="{section}"' in html


def test_self_contained_with_plotly_inlined_once(page_en):
    _, html = page_en
    assert html.count("* plotly.js v") == 1
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+rel=.?stylesheet", html)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "@font-face" not in style and "@import" not in style and "url(" not in style
    assert "cdn.plot.ly" not in html.replace(_plotly_bundle(), "")


def test_empty_publication_says_not_enough_data(empty_publication, tmp_path):
    out = tmp_path / "empty.html"
    result = write_report(empty_publication, out, "en")
    page = Page(out.read_text(encoding="utf-8"))
    assert result.as_of is None and result.charts == []
    assert set(result.empty_sections) == set(SECTIONS)
    assert not page.find("data-chart")
    assert "* plotly.js v" not in out.read_text(encoding="utf-8")
    empty = {e["data-empty"] for e in page.find("data-empty")}
    assert {
        "report",
        "kpis",
        "trend_nps",
        "impact",
        "topics",
        "emerging",
        "anomalies",
        "sla",
        "returns",
    } <= empty
    assert "Not enough data" in page.text


def test_thin_publication_renders_flags_and_gaps(thin_publication, tmp_path):
    out = tmp_path / "thin.html"
    result = write_report(thin_publication, out, "en")
    page = Page(out.read_text(encoding="utf-8"))
    assert result.as_of is not None
    assert {"trends", "drivers", "sla", "returns", "anomalies"} <= set(result.empty_sections)
    for metric in ("trend_nps", "trend_csat", "trend_ces"):
        assert page.one("data-empty", metric)
    for kpi in page.find("data-kpi"):
        value = [e for e in page.find("data-metric", f"{kpi['data-kpi']}_30d")]
        # Each score is either shown with its n < 30 flag or replaced by "not enough data".
        assert value and "n < 30" in kpi["text"] or page.find("data-empty", f"{kpi['data-kpi']}_30d")


def test_chinese_report_uses_chinese_labels(demo_publication, tmp_path):
    out = tmp_path / "report.zh.html"
    write_report(demo_publication, out, "zh")
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    zh, en = Labels("zh"), Labels("en")
    assert '<html lang="zh-CN">' in html
    for key in ("title", "kpis", "trends", "drivers", "topics", "emerging", "anomalies", "sla", "returns"):
        assert zh.t(key) in page.text
        assert en.t(key) not in page.text
    assert "物流配送" in page.text  # topic label
    assert "较前 30 天" in page.metric("nps_change")["text"]
    # Chart labels too (inside the figure JSON, JSON-escaped).
    assert "\\u8d1f\\u9762" in html or "负面" in html


def test_i18n_catalogues_have_the_same_keys():
    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict):
                out |= keys(v, prefix + k + ".")
        return out

    en, zh = Labels("en")._catalog, Labels("zh")._catalog
    assert keys(en) == keys(zh)
    assert len(en["methods_text"]) == len(zh["methods_text"])


def test_missing_publication_raises_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no published file"):
        write_report(tmp_path / "nothing.duckdb", tmp_path / "r.html")


def _children(page: Page, row: dict) -> list[dict]:
    """Elements parsed after `row` and before the next element of the same kind (the row's cells)."""
    i = page.elements.index(row)
    out = []
    for element in page.elements[i + 1 :]:
        if element["tag"] == row["tag"]:
            break
        out.append(element)
    return out


def _plotly_bundle() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()
