"""Trend outputs from the daily slice series (analytics.anomalies.build_daily_series): pure Polars.

- `rolling_kpis`: per day and slice, 7- and 28-day sums and KPIs (volume, negative and complaint shares,
  NPS with n, CSAT top-2-box with n, return rate per unit sold).
- `period_changes`: week over week and month over month (4-week windows, the same weekday mix on both sides)
  per metric and slice, with a significance test fitting each metric: counts by the exact Poisson rate test,
  shares by the two-proportion z-test, NPS by the adjusted-Wald test (REFERENCE §1).
- `emerging_topics`: topics whose share of all feedback in the last week rose significantly against their
  own history (the 8 weeks before it).

`is_significant` marks a single comparison at `alpha`; with hundreds of slices some will be flagged by
chance, which is why alerts come from analytics.anomalies, not from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from analytics import stats

# Sums kept per day and slice, from the series' metrics: (metric, series column) -> name.
SUM_COLUMNS = {
    ("negative_feedback", "den"): "feedback",
    ("negative_feedback", "num"): "negative",
    ("complaints", "num"): "complaints",
    ("nps", "num"): "promoters",
    ("nps", "num2"): "detractors",
    ("nps", "den"): "nps_answers",
    ("csat", "num"): "csat_satisfied",
    ("csat", "den"): "csat_answers",
    ("return_rate", "num"): "returns",
    ("return_rate", "den"): "units_sold",
}
SUMS = list(dict.fromkeys(SUM_COLUMNS.values()))
KEYS = ["slice_type", "slice_value"]

KPIS = ("negative_share_pct", "complaint_share_pct", "nps", "nps_margin", "csat_pct", "return_rate_pct")


def trends_daily_schema(windows: tuple[int, ...] = (7, 28)) -> dict[str, pl.DataType]:
    return {
        "date": pl.Date, "slice_type": pl.String, "slice_value": pl.String,
        **{f"{c}_{k}d": pl.Float64 for k in windows for c in SUMS},
        **{f"{kpi}_{k}d": pl.Float64 for k in windows for kpi in KPIS},
    }


TRENDS_DAILY_SCHEMA = trends_daily_schema()
CHANGES_SCHEMA: dict[str, pl.DataType] = {
    "as_of_date": pl.Date, "period": pl.String, "window_days": pl.Int64, "metric": pl.String,
    "slice_type": pl.String, "slice_value": pl.String, "current_value": pl.Float64,
    "previous_value": pl.Float64, "change_abs": pl.Float64, "change_pct": pl.Float64, "current_n": pl.Float64,
    "previous_n": pl.Float64, "test": pl.String, "z": pl.Float64, "p_value": pl.Float64,
    "is_significant": pl.Boolean,
}
EMERGING_SCHEMA: dict[str, pl.DataType] = {
    "as_of_date": pl.Date, "topic_l1": pl.String, "topic_l2": pl.String, "recent_days": pl.Int64,
    "history_days": pl.Int64, "recent_count": pl.Float64, "recent_share_pct": pl.Float64,
    "history_count": pl.Float64, "history_share_pct": pl.Float64, "share_ratio": pl.Float64, "z": pl.Float64,
    "p_value": pl.Float64, "is_emerging": pl.Boolean,
}


def daily_sums(series: pl.DataFrame) -> pl.DataFrame:
    """One row per day and slice with the raw daily sums (SUMS), zeros where a metric has no series."""
    parts = []
    for (metric, column), name in SUM_COLUMNS.items():
        parts.append(
            series.filter(pl.col("metric") == metric).select("date", *KEYS, pl.col(column).alias(name))
        )
    frame: pl.DataFrame | None = None
    for part in parts:
        frame = part if frame is None else frame.join(part, on=["date", *KEYS], how="full", coalesce=True)
    if frame is None:
        return pl.DataFrame(schema={"date": pl.Date, "slice_type": pl.String, "slice_value": pl.String,
                                    **{c: pl.Float64 for c in SUMS}})
    return frame.with_columns(pl.col(c).fill_null(0.0) for c in SUMS).sort(*KEYS, "date")


def rolling_kpis(series: pl.DataFrame, windows: tuple[int, ...] = (7, 28)) -> pl.DataFrame:
    """Per day and slice: rolling sums over each window (days ending that day) and the KPIs on them."""
    sums = daily_sums(series)
    exprs = []
    for k in windows:
        for c in SUMS:
            exprs.append(pl.col(c).rolling_sum(window_size=k, min_samples=1).over(KEYS).alias(f"{c}_{k}d"))
    out = sums.with_columns(exprs)
    kpis = []
    for k in windows:
        s = {c: pl.col(f"{c}_{k}d") for c in SUMS}
        feedback, answers, csat_n, units = s["feedback"], s["nps_answers"], s["csat_answers"], s["units_sold"]
        kpis += [
            _ratio(s["negative"], feedback, 100.0).alias(f"negative_share_pct_{k}d"),
            _ratio(s["complaints"], feedback, 100.0).alias(f"complaint_share_pct_{k}d"),
            _ratio(s["promoters"] - s["detractors"], answers, 100.0).alias(f"nps_{k}d"),
            pl.when(answers > 0).then(
                1.96 * 100.0 * (
                    ((s["promoters"] + 0.75) / (answers + 3) + (s["detractors"] + 0.75) / (answers + 3)
                     - ((s["promoters"] - s["detractors"]) / (answers + 3)) ** 2) / (answers + 3)
                ).sqrt()
            ).alias(f"nps_margin_{k}d"),
            _ratio(s["csat_satisfied"], csat_n, 100.0).alias(f"csat_pct_{k}d"),
            _ratio(s["returns"], units, 100.0).alias(f"return_rate_pct_{k}d"),
        ]
    schema = trends_daily_schema(tuple(windows))
    return out.with_columns(kpis).select(list(schema)).cast(schema)  # type: ignore[arg-type]


def _ratio(num: pl.Expr, den: pl.Expr, scale: float = 1.0) -> pl.Expr:
    return pl.when(den > 0).then(scale * num / den).otherwise(None)


def as_of_dates(last: date, every_days: int = 7, count: int = 13) -> list[date]:
    """The last day and every `every_days` before it (`count` dates, newest first)."""
    return [last - timedelta(days=every_days * i) for i in range(count)]


def period_changes(
    series: pl.DataFrame,
    *,
    periods: Mapping[str, int] | None = None,
    as_of: list[date] | None = None,
    alpha: float = 0.05,
    min_n: float = 30,
    min_count: float = 10,
) -> pl.DataFrame:
    """Week-over-week and month-over-month changes per metric and slice, with a significance test each."""
    periods = dict(periods or {"wow": 7, "mom": 28})
    sums = daily_sums(series)
    if sums.height == 0:
        return pl.DataFrame(schema=CHANGES_SCHEMA)
    first, last = sums["date"].min(), sums["date"].max()
    as_of = as_of or as_of_dates(last)
    frames = []
    for period, days in periods.items():
        rolled = sums.with_columns(
            pl.col(c).rolling_sum(window_size=days, min_samples=days).over(KEYS) for c in SUMS
        )
        for day in as_of:
            if day - timedelta(days=2 * days - 1) < first:
                continue  # the previous window would start before the data
            cur = rolled.filter(pl.col("date") == day)
            prev = rolled.filter(pl.col("date") == day - timedelta(days=days)).drop("date")
            pair = cur.join(prev, on=KEYS, suffix="_prev")
            if pair.height:
                frames.append(_changes(pair, day, period, days, alpha, min_n, min_count))
    if not frames:
        return pl.DataFrame(schema=CHANGES_SCHEMA)
    return pl.concat(frames).select(list(CHANGES_SCHEMA)).cast(CHANGES_SCHEMA)  # type: ignore[arg-type]


def _changes(pair: pl.DataFrame, day: date, period: str, days: int, alpha: float, min_n: float,
             min_count: float) -> pl.DataFrame:
    col = {c: pair[c].to_numpy().astype(float) for c in SUMS}
    prev = {c: pair[f"{c}_prev"].to_numpy().astype(float) for c in SUMS}
    rows: list[dict[str, Any]] = []
    base = {"as_of_date": day, "period": period, "window_days": days,
            "slice_type": pair["slice_type"], "slice_value": pair["slice_value"]}

    def add(metric: str, cur_v, prev_v, cur_n, prev_n, test: str, z, p, enough) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            change = cur_v - prev_v
            pct = np.where(prev_v != 0, 100.0 * change / np.abs(prev_v), np.nan)
        rows.append(pl.DataFrame({
            **base, "metric": metric, "current_value": cur_v, "previous_value": prev_v, "change_abs": change,
            "change_pct": pct, "current_n": cur_n, "previous_n": prev_n, "test": test, "z": z, "p_value": p,
            "is_significant": (np.asarray(p) < alpha) & enough,
        }, nan_to_null=True))

    for metric, key in (("feedback_count", "feedback"), ("negative_feedback", "negative"),
                        ("complaints", "complaints")):
        t = stats.poisson_rate_test(col[key], 1.0, prev[key], 1.0)
        add(metric, col[key], prev[key], col[key], prev[key], "poisson_rate", t.z, t.p_value,
            (col[key] + prev[key]) >= min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_c = np.where(col["feedback"] > 0, 100 * col["negative"] / col["feedback"], np.nan)
        share_p = np.where(prev["feedback"] > 0, 100 * prev["negative"] / prev["feedback"], np.nan)
    t = stats.two_proportion_test(col["negative"], col["feedback"], prev["negative"], prev["feedback"])
    add("negative_share_pct", share_c, share_p, col["feedback"], prev["feedback"], "two_proportion_z", t.z,
        t.p_value, (col["feedback"] >= min_n) & (prev["feedback"] >= min_n))
    t = stats.nps_wald_test(col["promoters"], col["detractors"], col["nps_answers"], prev["promoters"],
                            prev["detractors"], prev["nps_answers"])
    add("nps", stats.nps(col["promoters"], col["detractors"], col["nps_answers"]),
        stats.nps(prev["promoters"], prev["detractors"], prev["nps_answers"]), col["nps_answers"],
        prev["nps_answers"], "nps_wald", t.z, t.p_value,
        (col["nps_answers"] >= min_n) & (prev["nps_answers"] >= min_n))
    with np.errstate(divide="ignore", invalid="ignore"):
        csat_c = np.where(col["csat_answers"] > 0, 100 * col["csat_satisfied"] / col["csat_answers"], np.nan)
        csat_p = np.where(prev["csat_answers"] > 0, 100 * prev["csat_satisfied"] / prev["csat_answers"], np.nan)
        ret_c = np.where(col["units_sold"] > 0, 100 * col["returns"] / col["units_sold"], np.nan)
        ret_p = np.where(prev["units_sold"] > 0, 100 * prev["returns"] / prev["units_sold"], np.nan)
    t = stats.two_proportion_test(col["csat_satisfied"], col["csat_answers"], prev["csat_satisfied"],
                                  prev["csat_answers"])
    add("csat_pct", csat_c, csat_p, col["csat_answers"], prev["csat_answers"], "two_proportion_z", t.z,
        t.p_value, (col["csat_answers"] >= min_n) & (prev["csat_answers"] >= min_n))
    has_units = (col["units_sold"] > 0) & (prev["units_sold"] > 0)
    t = stats.poisson_rate_test(col["returns"], np.maximum(col["units_sold"], 1e-9), prev["returns"],
                                np.maximum(prev["units_sold"], 1e-9))
    add("return_rate_pct", ret_c, ret_p, col["units_sold"], prev["units_sold"], "poisson_rate", t.z,
        t.p_value, has_units & ((col["returns"] + prev["returns"]) >= min_count))
    out = pl.concat(rows, how="vertical_relaxed")
    # A metric with no data on either side (CSAT in a social channel) is no change at all.
    return out.filter(pl.col("current_n").fill_null(0) + pl.col("previous_n").fill_null(0) > 0)


def emerging_topics(
    series: pl.DataFrame,
    *,
    as_of: list[date] | None = None,
    recent_days: int = 7,
    history_days: int = 56,
    max_p_value: float = 0.001,
    min_ratio: float = 1.5,
    min_count: float = 10,
    topic_l1: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Per topic and as-of day: its share of all feedback in the last `recent_days` against the
    `history_days` before them; emerging when the share rose significantly (one-sided two-proportion test),
    by at least `min_ratio`, on at least `min_count` items."""
    sums = daily_sums(series)
    topics = sums.filter(pl.col("slice_type") == "topic").select("date", "slice_value", "feedback")
    total = sums.filter(pl.col("slice_type") == "all").select("date", pl.col("feedback").alias("total"))
    if topics.height == 0 or total.height == 0:
        return pl.DataFrame(schema=EMERGING_SCHEMA)
    first, last = total["date"].min(), total["date"].max()
    frames = []
    for day in as_of or as_of_dates(last):
        recent_lo = day - timedelta(days=recent_days - 1)
        hist_lo = recent_lo - timedelta(days=history_days)
        if hist_lo < first:
            continue

        def window(frame: pl.DataFrame, lo: date, hi: date, column: str) -> pl.DataFrame:
            return frame.filter(pl.col("date").is_between(lo, hi))

        rec = window(topics, recent_lo, day, "feedback").group_by("slice_value").agg(pl.col("feedback").sum())
        his = window(topics, hist_lo, recent_lo - timedelta(days=1), "feedback").group_by("slice_value").agg(
            pl.col("feedback").sum().alias("history"))
        n_rec = float(window(total, recent_lo, day, "total")["total"].sum())
        n_his = float(window(total, hist_lo, recent_lo - timedelta(days=1), "total")["total"].sum())
        both = rec.join(his, on="slice_value", how="full", coalesce=True).fill_null(0.0)
        x1 = both["feedback"].to_numpy().astype(float)
        x0 = both["history"].to_numpy().astype(float)
        t = stats.two_proportion_test(x1, n_rec, x0, n_his, alternative="greater")
        with np.errstate(divide="ignore", invalid="ignore"):
            s1 = np.where(n_rec > 0, 100 * x1 / n_rec, np.nan)
            s0 = np.where(n_his > 0, 100 * x0 / n_his, np.nan)
            ratio = np.where(s0 > 0, s1 / s0, np.nan)  # a topic new this week has no ratio
        p = np.asarray(t.p_value, dtype=float)
        rising = np.where(np.isnan(ratio), x0 == 0, ratio >= min_ratio)
        frames.append(pl.DataFrame({
            "as_of_date": day,
            "topic_l1": [(topic_l1 or {}).get(v, "other") for v in both["slice_value"]],
            "topic_l2": both["slice_value"], "recent_days": recent_days, "history_days": history_days,
            "recent_count": x1, "recent_share_pct": s1, "history_count": x0, "history_share_pct": s0,
            "share_ratio": ratio, "z": t.z, "p_value": p,
            "is_emerging": (p <= max_p_value) & rising & (x1 >= min_count),
        }, nan_to_null=True))
    if not frames:
        return pl.DataFrame(schema=EMERGING_SCHEMA)
    out = pl.concat(frames, how="vertical_relaxed").select(list(EMERGING_SCHEMA))
    out = out.cast(EMERGING_SCHEMA)  # type: ignore[arg-type]
    return out.sort("as_of_date", "p_value", descending=[True, False])


def topic_parents(feedback: pl.DataFrame) -> dict[str, str]:
    """topic_l2 -> topic_l1 as the feedback frame pairs them."""
    if not {"topic_l1", "topic_l2"} <= set(feedback.columns):
        return {}
    pairs = feedback.select("topic_l2", "topic_l1").drop_nulls().unique(subset="topic_l2")
    return dict(zip(pairs["topic_l2"].to_list(), pairs["topic_l1"].to_list(), strict=True))


def build_trends(feedback: pl.DataFrame, series: pl.DataFrame, config: Mapping[str, Any] | None = None
                 ) -> dict[str, pl.DataFrame]:
    """The three trend tables from one series frame and the trends section of the rules config."""
    cfg = dict(config or {})
    last = series["date"].max() if series.height else None
    as_of = as_of_dates(last, int(cfg.get("as_of_every_days", 7)), int(cfg.get("as_of_count", 13))) if last else []
    emerging = dict(cfg.get("emerging") or {})
    return {
        "trends_daily": rolling_kpis(series, tuple(cfg.get("rolling_days", (7, 28)))),
        "trend_changes": period_changes(
            series, periods=cfg.get("periods"), as_of=as_of, alpha=float(cfg.get("alpha", 0.05)),
            min_n=float(cfg.get("min_n", 30)),
        ),
        "emerging_topics": emerging_topics(
            series, as_of=as_of, recent_days=int(emerging.get("recent_days", 7)),
            history_days=int(emerging.get("history_days", 56)),
            max_p_value=float(emerging.get("max_p_value", 0.001)),
            min_ratio=float(emerging.get("min_ratio", 1.5)), min_count=float(emerging.get("min_count", 10)),
            topic_l1=topic_parents(feedback),
        ),
    }
