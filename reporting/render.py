"""HTML rendering: the report model → one self-contained HTML file.

plotly.js is inlined once in <head> (only when the page has a chart), each figure is a `<div>` plus a
`Plotly.newPlot` call; styles are inline and use the system font stack: the page fetches nothing when opened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from reporting import charts, stats
from reporting.model import Kpi, Report, build_report

SECTIONS = ("kpis", "trends", "drivers", "topics", "emerging", "anomalies", "sla", "returns")
SIGNED = {"nps": True, "csat": False, "ces": False}


@dataclass
class ReportResult:
    path: Path
    lang: str
    as_of: str | None
    charts: list[str]
    empty_sections: list[str]
    size_bytes: int


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reporting", "templates"),
        autoescape=True,  # every piece of text (feedback, topic names, file paths) is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_number
    env.filters["signed"] = lambda v, d=1: fmt_number(v, d, signed=True)
    return env


def fmt_number(value: float | int | None, decimals: int = 0, signed: bool = False) -> str:
    """'1,234', '+3.4', '–' when missing; a real minus sign; no '−0.0'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if round(value, decimals) == 0:
        value = 0.0
    text = f"{value:{'+' if signed and value != 0 else ''},.{decimals}f}"
    return text.replace("-", "−")


def _raw(value: float | int | None) -> str:
    """Full-precision value for data-value attributes (what tests compare with the marts)."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)


def _figure_html(key: str, fig: go.Figure) -> Markup:
    html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{key}", config=charts.CONFIG)
    return Markup(html)  # Plotly's own markup; every label in it went through its JSON encoder


# ------------------------------------------------------------------------------------------ sections


def kpi_view(kpi: Kpi, report: Report) -> dict:
    t, d = report.labels, kpi.decimals
    cur, prev, change = kpi.current, kpi.previous, kpi.change
    points = "" if kpi.metric == "ces" else " " + t.t("points")
    if change.delta is None:
        sentence, direction = t.t("change_none"), "none"
    elif change.significant:
        up = change.delta > 0
        sentence = t.t(
            "change_sig_up" if up else "change_sig_down", delta=fmt_number(abs(change.delta), d) + points
        )
        direction = "up" if up else "down"
    else:
        sentence = t.t("change_not_sig", delta=fmt_number(change.delta, d, signed=True) + points)
        direction = "flat"
    unit = "%" if kpi.metric == "csat" and cur.value is not None else ""
    previous = None
    if prev.value is not None:
        previous = t.t("previous", value=fmt_number(prev.value, d, SIGNED[kpi.metric]), n=fmt_number(prev.n))
    return {
        "metric": kpi.metric,
        "label": t.t(kpi.metric),
        "help": t.t(f"{kpi.metric}_help"),
        "has_data": kpi.has_data,
        "value": fmt_number(cur.value, d, SIGNED[kpi.metric]) + unit,
        "value_raw": _raw(cur.value),
        "n": fmt_number(cur.n),
        "n_raw": cur.n,
        "ci_low": fmt_number(cur.ci_low, d),
        "ci_high": fmt_number(cur.ci_high, d),
        "ci_low_raw": _raw(cur.ci_low),
        "ci_high_raw": _raw(cur.ci_high),
        "has_ci": cur.ci_low is not None,
        "low_sample": cur.value is not None and cur.low_sample,
        "previous": previous,
        "prev_raw": _raw(prev.value),
        "prev_n_raw": prev.n,
        "delta_raw": _raw(change.delta),
        "significant": "true" if change.significant else "false",
        "direction": direction,
        "sentence": sentence,
    }


def _ordered_topics(frame: pl.DataFrame) -> pl.DataFrame:
    """L1 groups by volume, L2 topics by volume inside their group (the chart's two-level axis); items with
    no topic ('other') last, whatever their volume: there is nothing to act on in them."""
    frame = frame.filter(pl.col("total") > 0)
    rank = frame.group_by("topic_l1").agg(pl.col("total").sum().alias("_l1_total"))
    return (
        frame.join(rank, on="topic_l1")
        .with_columns(_other=pl.col("topic_l1") == "other")
        .sort(
            ["_other", "_l1_total", "topic_l1", "total", "topic_l2"],
            descending=[False, True, False, True, False],
        )
        .drop("_l1_total", "_other")
    )


def _sentiment_rows(frame: pl.DataFrame, labels: list[str], keys: list[str]) -> list[dict]:
    return [
        {
            **r,
            "label": label,
            "key": key,
            "negative_share": 100.0 * r["negative"] / r["total"] if r["total"] else None,
        }
        for r, label, key in zip(frame.iter_rows(named=True), labels, keys, strict=True)
    ]


def _impact_rows(report: Report, limit: int = 12) -> list[dict]:
    frame = (
        report.impact.filter(pl.col("impact") > 0).sort(["impact", "mentions"], descending=True).head(limit)
    )
    return [
        {
            **r,
            "label": report.labels.topic(r["topic_l1"], r["topic_l2"]),
            "key": f"{r['topic_l1']}.{r['topic_l2']}",
            "impact_raw": _raw(r["impact"]),
        }
        for r in frame.iter_rows(named=True)
    ]


def _emerging_rows(report: Report) -> list[dict]:
    t = report.labels
    rows = []
    for r in report.emerging.iter_rows(named=True):
        topic = t.topic(r["topic_l1"], r["topic_l2"]) if r["topic_l1"] else t.code("topics_l2", r["topic_l2"])
        label = (
            f"{r['term']} ({topic})" if r["term"] and (r["topic_l1"] or r["topic_l2"]) else r["term"] or topic
        )
        rows.append({**r, "label": label})
    return rows


SLICE_GROUPS = {"topic": "topics_l2", "topic_l2": "topics_l2", "topic_l1": "topics_l1", "channel": "channels"}


def _anomaly_rows(report: Report) -> list[dict]:
    t = report.labels
    rows = []
    for a in report.anomalies:
        r = a.row
        value = r["slice_value"]
        if r["slice_type"] in SLICE_GROUPS:
            value = t.code(SLICE_GROUPS[r["slice_type"]], value)
        if r["slice_type"] in (None, "all"):
            slice_label = t.code("slice_types", "all")
        else:
            slice_label = f"{t.code('slice_types', r['slice_type'])}: {value}"
        severity = (r["severity"] or "").lower()
        decimals = 1 if r["metric"] in ("nps", "csat", "negative_rate", "return_rate") else 0
        rows.append(
            {
                **r,
                "metric_label": t.code("metrics", r["metric"]),
                "slice_label": slice_label,
                "severity_key": severity,
                "severity_label": t.code("severities", severity),
                "decimals": decimals,
                "samples": [{**s, "channel_label": t.code("channels", s["channel"])} for s in a.samples],
            }
        )
    return rows


def _sla_rows(report: Report) -> list[dict]:
    t = report.labels
    return [
        {
            **r,
            "tier_label": t.code("tiers", r["tier"]),
            "target": t.code("tier_targets", r["tier"]),
            "low_sample": (r["met"] or 0) + (r["breached"] or 0) < stats.MIN_SAMPLE,
            "pct_raw": _raw(r["compliance_pct"]),
        }
        for r in report.sla.iter_rows(named=True)
    ]


def _return_rows(report: Report, max_products: int = 10, reasons_per_product: int = 3) -> list[dict]:
    t, frame = report.labels, report.returns
    if frame.is_empty():
        return []
    totals = (
        frame.group_by("product_id")
        .agg(pl.col("returns").sum().alias("total"), pl.col("product_name").first())
        .sort(["total", "product_id"], descending=[True, False])
        .head(max_products)
    )
    rates = {r["product_id"]: r for r in report.return_rates.iter_rows(named=True)}
    rows = []
    for p in totals.iter_rows(named=True):
        reasons = (
            frame.filter(pl.col("product_id") == p["product_id"])
            .sort(["returns", "reason_code"], descending=[True, False])
            .head(reasons_per_product)
        )
        sold = rates.get(p["product_id"], {}).get("units_sold")
        rows.append(
            {
                **p,
                "label": charts.product_label(p["product_id"], p["product_name"]),
                "units_sold": sold,
                "return_rate": 100.0 * p["total"] / sold if sold else None,
                "reasons": [
                    {
                        "code": r["reason_code"],
                        "label": t.code("return_reasons", r["reason_code"]),
                        "returns": r["returns"],
                        "share": 100.0 * r["returns"] / p["total"] if p["total"] else None,
                    }
                    for r in reasons.iter_rows(named=True)
                ],
            }
        )
    return rows


def key_points(report: Report) -> list[str]:
    """The sentences a lead reads first; only facts the sections below show."""
    t = report.labels
    points = []
    for kpi in report.kpis:
        if kpi.has_data and (kpi.metric == "nps" or kpi.change.significant):
            v = kpi_view(kpi, report)
            points.append(
                t.t("kp_score", metric=v["label"], value=v["value"], n=v["n"], change=v["sentence"])
            )
    impact = _impact_rows(report, limit=1)
    if impact:
        points.append(t.t("kp_top_drag", topic=impact[0]["label"], impact=fmt_number(impact[0]["impact"], 1)))
    if report.anomalies:
        severe = sum(1 for a in report.anomalies if (a.row["severity"] or "").lower() in ("high", "critical"))
        points.append(t.t("kp_anomalies", count=len(report.anomalies), severe=severe))
    elif "analytics.anomalies" in report.tables:
        points.append(t.t("kp_anomalies_none"))
    emerging = _emerging_rows(report)[:3]
    if emerging:
        points.append(t.t("kp_emerging", topics=", ".join(r["label"] for r in emerging)))
    judged = report.sla.filter((pl.col("met") + pl.col("breached")) >= stats.MIN_SAMPLE).sort(
        "compliance_pct"
    )
    if judged.height:
        low = judged.row(0, named=True)
        points.append(
            t.t("kp_sla", tier=t.code("tiers", low["tier"]), pct=fmt_number(low["compliance_pct"], 1) + "%")
        )
    return points


# ---------------------------------------------------------------------------------------------- page


def view(report: Report) -> dict:
    """Everything the template shows: plain values and ready chart markup."""
    t = report.labels
    topics = _ordered_topics(report.topics)
    channels = report.channels.filter(pl.col("total") > 0)
    topic_labels = [t.topic(a, b) for a, b in zip(topics["topic_l1"], topics["topic_l2"], strict=True)]
    channel_labels = [t.code("channels", c) for c in channels["channel"]]
    impact_labels = [
        t.topic(a, b) for a, b in zip(report.impact["topic_l1"], report.impact["topic_l2"], strict=True)
    ]

    figures: dict[str, go.Figure | None] = {
        f"trend_{tr.metric}": charts.trend(tr.metric, tr.periods, tr.grains, t) for tr in report.trends
    }
    figures["impact"] = charts.topic_impact(report.impact, impact_labels, t)
    figures["topics"] = charts.sentiment_bars(
        topics,
        [
            [t.code("topics_l1", v) for v in topics["topic_l1"]],
            [t.code("topics_l2", v) for v in topics["topic_l2"]],
        ],
        t,
    )
    figures["channels"] = charts.sentiment_bars(channels, channel_labels, t)
    figures["sla"] = charts.sla(report.sla, t)
    figures["returns"] = charts.return_reasons(report.returns, t)
    chart_html = {k: _figure_html(k, f) for k, f in figures.items() if f is not None}

    window = report.window
    return {
        "t": t,
        "lang": report.lang,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "window": [d.isoformat() for d in window] if window else None,
        "published_path": str(report.published_path),
        "publication": report.publication,
        "generated": report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "has_any_data": report.has_any_data,
        "kpis": [kpi_view(k, report) for k in report.kpis],
        "kpis_have_data": any(k.has_data for k in report.kpis),
        "key_points": key_points(report),
        "trends": [{"key": f"trend_{m}", "title": t.t(f"trend_{m}")} for m in ("nps", "csat", "ces")],
        "charts": chart_html,
        "plotly_js": Markup(get_plotlyjs()) if chart_html else None,  # the library's own bundle, once
        "impact_rows": _impact_rows(report),
        "topic_rows": _sentiment_rows(
            topics,
            topic_labels,
            [f"{a}.{b}" for a, b in zip(topics["topic_l1"], topics["topic_l2"], strict=True)],
        ),
        "channel_rows": _sentiment_rows(channels, channel_labels, channels["channel"].to_list()),
        "emerging_rows": _emerging_rows(report),
        "emerging_columns": [
            c
            for c in ("recent", "baseline", "growth", "first_seen")
            if report.emerging[c].null_count() < report.emerging.height
        ],
        "emerging_published": "analytics.emerging_topics" in report.tables,
        "anomalies": _anomaly_rows(report),
        "anomalies_published": "analytics.anomalies" in report.tables,
        "sla_rows": _sla_rows(report),
        "return_rows": _return_rows(report),
        "returns_have_rates": not report.return_rates.is_empty(),
        "methods": t.t("methods_text"),
    }


def section_status(v: dict) -> dict[str, bool]:
    """Which sections show data (False: the section shows "not enough data")."""
    c = v["charts"]
    return {
        "kpis": v["kpis_have_data"],
        "trends": any(k.startswith("trend_") for k in c),
        "drivers": "impact" in c,
        "topics": "topics" in c or "channels" in c,
        "emerging": bool(v["emerging_rows"]) or v["emerging_published"],
        "anomalies": bool(v["anomalies"]) or v["anomalies_published"],
        "sla": "sla" in c,
        "returns": "returns" in c,
    }


def render_html(report: Report) -> str:
    return _env().get_template("report.html.j2").render(**view(report))


def write_report(published: Path | str, out: Path | str, lang: str = "en") -> ReportResult:
    """Build the report from the published file and write it to `out` (a temporary file, then a rename, so
    a reader never sees half a page)."""
    report = build_report(published, lang)
    v = view(report)
    html = _env().get_template("report.html.j2").render(**v)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    status = section_status(v)
    return ReportResult(
        out, lang, v["as_of"], sorted(v["charts"]), [k for k in SECTIONS if not status[k]], out.stat().st_size
    )
