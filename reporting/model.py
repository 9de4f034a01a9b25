"""The report model: what each section shows, built from the published file (no HTML here).

`build_report(published_path, lang)` reads every section through `reporting.data`, computes the headline
statistics with `reporting.stats`, and returns a `Report` that `reporting.render` turns into HTML. A section
whose frame is empty (or too thin to chart) is rendered as "not enough data".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from reporting import data, stats
from reporting.i18n import Labels

METRICS = ("nps", "csat", "ces")
DECIMALS = {"nps": 1, "csat": 1, "ces": 2}  # as the report prints each score
MIN_TREND_PERIODS = 2  # a trend needs two periods with answers to be a line
SAMPLES_PER_ANOMALY = 3


def estimate(metric: str, row: dict) -> stats.Estimate:
    """The score of `metric` from one row of summed counts (see data.COUNTS)."""
    n = int(row.get("n") or 0)
    if metric == "nps":
        return stats.nps(int(row["promoters"] or 0), int(row["passives"] or 0), int(row["detractors"] or 0))
    if metric == "csat":
        return stats.top_box(int(row["satisfied"] or 0), n)
    return stats.mean(n, float(row["score_sum"] or 0.0), float(row["score_sum_sq"] or 0.0))


def _clipped(metric: str, value: float | None, side: int) -> float | None:
    if value is None:
        return None
    low, high = stats.SCALES[metric]
    return min(high, value) if side > 0 else max(low, value)


@dataclass
class Kpi:
    metric: str
    current: stats.Estimate
    previous: stats.Estimate
    change: stats.Change

    @property
    def decimals(self) -> int:
        return DECIMALS[self.metric]

    @property
    def has_data(self) -> bool:
        return self.current.value is not None


@dataclass
class Trend:
    """Per grain ('week', 'day'): period, n, value, ci_low, ci_high, low_sample, partial (a week still
    filling up); periods with answers only."""

    metric: str
    periods: dict[str, pl.DataFrame]

    @property
    def grains(self) -> list[str]:
        return [g for g, df in self.periods.items() if df.height >= MIN_TREND_PERIODS]

    @property
    def has_data(self) -> bool:
        return bool(self.grains)


@dataclass
class Anomaly:
    row: dict
    samples: list[dict]


@dataclass
class Report:
    lang: str
    labels: Labels
    published_path: Path
    generated_at: datetime
    as_of: date | None
    tables: set[str] = field(default_factory=set)  # schema.table names the publication holds
    publication: dict | None = None  # version and published_at of the publication
    kpis: list[Kpi] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)
    topics: pl.DataFrame = field(default_factory=lambda: data.empty(data.TOPIC_SENTIMENT))
    channels: pl.DataFrame = field(default_factory=lambda: data.empty(data.CHANNEL_SENTIMENT))
    impact: pl.DataFrame = field(default_factory=lambda: data.empty(data.TOPIC_IMPACT))
    emerging: pl.DataFrame = field(default_factory=lambda: data.empty(data.EMERGING))
    anomalies: list[Anomaly] = field(default_factory=list)
    sla: pl.DataFrame = field(default_factory=lambda: data.empty(data.SLA))
    returns: pl.DataFrame = field(default_factory=lambda: data.empty(data.RETURNS))
    return_rates: pl.DataFrame = field(default_factory=lambda: data.empty(data.RETURN_RATES))

    @property
    def window(self) -> tuple[date, date, date, date] | None:
        """(start, end, previous start, previous end) of the headline windows, all inclusive."""
        if self.as_of is None:
            return None
        start, end = data.window(self.as_of)
        prev_start, prev_end = data.window(start - timedelta(days=1))
        return start, end, prev_start, prev_end

    @property
    def has_any_data(self) -> bool:
        return (
            self.as_of is not None
            or any(not df.is_empty() for df in (self.impact, self.emerging, self.sla, self.returns))
            or bool(self.anomalies)
        )


def build_report(published_path: Path | str, lang: str = "en", now: datetime | None = None) -> Report:
    labels = Labels(lang)
    with data.Published(published_path) as db:
        as_of = data.latest_date(db)
        report = Report(
            lang=lang,
            labels=labels,
            published_path=Path(published_path),
            generated_at=now or datetime.now(UTC),
            as_of=as_of,
            tables=set(db.tables),
            publication=data.publication_info(db),
        )
        if as_of is not None:
            start, end, _, prev_end = report.window
            report.kpis = [headline(db, m, end, prev_end) for m in METRICS]
            report.trends = [trend(db, m, as_of) for m in METRICS]
            report.topics = data.topic_sentiment(db, start, end)
            report.channels = data.channel_sentiment(db, start, end)
            report.impact = data.topic_nps_impact(db, start, end)
            report.sla = data.sla_compliance(db, start, end)
            report.returns = data.return_reasons(db, start, end)
            report.return_rates = data.return_rates(db, start, end)
        report.emerging = data.emerging_topics(db)
        report.anomalies = anomalies(db)
    return report


def headline(db: data.Published, metric: str, end: date, prev_end: date) -> Kpi:
    """The metric over the 30 days ending at `end` against the 30 days before, from the daily counts."""
    now, before = data.score_window(db, metric, end), data.score_window(db, metric, prev_end)
    current, previous = estimate(metric, now), estimate(metric, before)
    satisfied = (now["satisfied"], before["satisfied"]) if metric == "csat" else None
    return Kpi(metric, current, previous, stats.change(metric, current, previous, satisfied))


def trend(db: data.Published, metric: str, as_of: date) -> Trend:
    starts = {
        "week": as_of - timedelta(weeks=data.WEEKLY_TREND_WEEKS),
        "day": as_of - timedelta(days=data.DAILY_TREND_DAYS - 1),
    }
    periods = {}
    for grain, start in starts.items():
        df = with_scores(metric, data.score_periods(db, metric, grain, start, as_of).filter(pl.col("n") > 0))
        # The week holding the last day of data is still filling up: its point says so on hover.
        last_day = pl.col("period") + timedelta(days=6 if grain == "week" else 0)
        periods[grain] = df.with_columns(partial=last_day > as_of)
    return Trend(metric, periods)


def with_scores(metric: str, df: pl.DataFrame) -> pl.DataFrame:
    """Fill value/ci_low/ci_high the mart did not publish from the period's counts; add low_sample."""
    rows = []
    for row in df.iter_rows(named=True):
        est = estimate(metric, row)
        rows.append(
            {
                "period": row["period"],
                "n": row["n"],
                "value": row["value"] if row["value"] is not None else est.value,
                # The marts' intervals are not clipped; a band past the scale's end only distorts the axis.
                "ci_low": _clipped(metric, row["ci_low"] if row["ci_low"] is not None else est.ci_low, -1),
                "ci_high": _clipped(metric, row["ci_high"] if row["ci_high"] is not None else est.ci_high, 1),
                "low_sample": row["n"] < stats.MIN_SAMPLE,
            }
        )
    schema = {"period": pl.Date, "n": pl.Int64, **data.SCORE, "low_sample": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def anomalies(db: data.Published) -> list[Anomaly]:
    frame = data.open_anomalies(db)
    wanted = [i for ids in frame["sample_feedback_ids"].to_list() for i in (ids or [])[:SAMPLES_PER_ANOMALY]]
    samples = {r["feedback_id"]: r for r in data.feedback_samples(db, wanted).iter_rows(named=True)}
    result = []
    for row in frame.iter_rows(named=True):
        shown = [samples[i] for i in (row["sample_feedback_ids"] or [])[:SAMPLES_PER_ANOMALY] if i in samples]
        texts = mask_pii([s["feedback_text"] or "" for s in shown])
        result.append(Anomaly(row, [{**s, "feedback_text": t} for s, t in zip(shown, texts, strict=True)]))
    return result


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")


def mask_pii(texts: list[str]) -> list[str]:
    """Mask personal data in sample feedback (already masked in the marts; this is defence in depth)."""
    try:
        from analytics.pii import mask_pii as analytics_mask
    except ImportError:
        analytics_mask = None
    if analytics_mask is not None and texts:
        masked = pl.DataFrame({"text": texts}).select(analytics_mask(pl.col("text")).alias("text"))
        texts = masked["text"].to_list()
    return [_PHONE.sub("[phone]", _EMAIL.sub("[email]", t)) for t in texts]
