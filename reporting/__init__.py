"""The one-page HTML report: headline scores, trends, drivers, anomalies, SLA and returns, read from the
published DuckDB file only (`reporting.data`), rendered with Jinja2 and Plotly (`reporting.render`)."""

from reporting.data import PUBLISHED_FILE_NAME
from reporting.model import Report, build_report
from reporting.render import ReportResult, render_html, write_report

# What the Dagster asset writes beside the published file, per language (`cfm report` defaults to these too).
REPORT_FILES = {"en": "report.html", "zh": "report.zh.html"}

__all__ = [
    "PUBLISHED_FILE_NAME",
    "REPORT_FILES",
    "Report",
    "ReportResult",
    "build_report",
    "render_html",
    "write_report",
]
