"""The report in headless Chromium with the network off: no console errors, every chart drawn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reporting import write_report
from tests.report.browser import Browser

CHARTS = ["trend_nps", "trend_csat", "trend_ces", "impact", "topics", "channels", "sla", "returns"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as b:
        yield b


def test_report_renders_offline_without_console_errors(
    browser: Browser, demo_publication: Path, tmp_path: Path
):
    html = tmp_path / "report.html"
    result = write_report(demo_publication, html, "en")

    page = browser.open(html, tmp_path / "report.png")

    severe = [entry for entry in page.console if entry.get("level") == "SEVERE"]
    assert severe == [], severe
    assert page.chart_ids == CHARTS
    assert sorted(page.chart_ids) == result.charts
    assert page.rendered_ids == page.chart_ids  # every container holds a drawn Plotly SVG
    assert page.screenshot.exists() and page.screenshot.stat().st_size > 50_000


def test_empty_report_renders_offline(browser: Browser, empty_publication: Path, tmp_path: Path):
    html = tmp_path / "empty.html"
    write_report(empty_publication, html, "en")

    page = browser.open(html, tmp_path / "empty.png")

    assert [e for e in page.console if e.get("level") == "SEVERE"] == []
    assert page.chart_ids == [] and page.screenshot.exists()
