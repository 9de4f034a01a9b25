"""Trend outputs on hand-made series: rolling sums and KPIs, week-over-week tests, emerging topics."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from analytics import anomalies as an
from analytics import trends
from orchestration.settings import REPO_ROOT
from tests.anomalies.synthetic import make_feedback

START = date(2026, 9, 1)


def feedback(rows: list[tuple[int, str, str, int | None]]) -> pl.DataFrame:
    """(day offset, topic, sentiment, nps) -> a fct_feedback-like frame."""
    return pl.DataFrame(
        {
            "feedback_id": [f"f{i}" for i in range(len(rows))],
            "created_date": [START + timedelta(days=d) for d, *_ in rows],
            "channel": ["typeform"] * len(rows),
            "channel_family": ["survey"] * len(rows),
            "product_id": ["P0001"] * len(rows),
            "topic_l1": ["service"] * len(rows),
            "topic_l2": [t for _, t, _, _ in rows],
            "sentiment_label": [s for _, _, s, _ in rows],
            "feedback_type": ["complaint" if s == "negative" else "praise" for _, _, s, _ in rows],
            "nps_score": pl.Series([n for *_, n in rows], dtype=pl.Int64),
            "csat_score": pl.Series([None] * len(rows), dtype=pl.Int64),
        }
    )


@pytest.fixture(scope="module")
def rules() -> an.Rules:
    return an.load_rules(REPO_ROOT / "config" / "anomaly_rules.yml")


def test_rolling_sums_and_kpis_by_hand(rules):
    # day 0: 2 items (1 negative, promoter 10 + detractor 3); day 1: none; day 2: 1 negative, nps 9
    frame = feedback([(0, "delivery", "negative", 3), (0, "delivery", "positive", 10), (2, "delivery", "negative", 9)])
    daily = trends.rolling_kpis(an.build_daily_series(frame, rules))
    row = daily.filter((pl.col("slice_type") == "topic") & (pl.col("date") == START + timedelta(days=2))).row(
        0, named=True)
    assert (row["feedback_7d"], row["negative_7d"], row["complaints_7d"]) == (3, 2, 2)
    assert row["negative_share_pct_7d"] == pytest.approx(200 / 3)
    assert (row["promoters_7d"], row["detractors_7d"], row["nps_answers_7d"]) == (2, 1, 3)
    assert row["nps_7d"] == pytest.approx(100 / 3)
    assert row["csat_pct_7d"] is None  # no CSAT answers: no score rather than 0
    assert daily.filter(pl.col("slice_type") == "all").height == 3  # every day, including the empty one


def test_week_over_week_counts_use_the_poisson_test(rules):
    rows = [(d, "delivery", "negative", None) for d in range(7) for _ in range(2)]  # 14 in week 1
    rows += [(d, "delivery", "negative", None) for d in range(7, 14) for _ in range(6)]  # 42 in week 2
    series = an.build_daily_series(feedback(rows), rules)
    changes = trends.period_changes(series, periods={"wow": 7}, as_of=[START + timedelta(days=13)])
    row = changes.filter((pl.col("metric") == "negative_feedback") & (pl.col("slice_type") == "topic")).row(
        0, named=True)
    assert (row["current_value"], row["previous_value"], row["change_pct"]) == (42, 14, 200)
    assert row["test"] == "poisson_rate" and row["is_significant"]
    # the share of negative items did not move (all negative both weeks)
    share = changes.filter((pl.col("metric") == "negative_share_pct") & (pl.col("slice_type") == "topic"))
    assert share["change_abs"][0] == 0 and not share["is_significant"][0]


def test_trend_tables_on_synthetic_data(rules):
    frame = make_feedback(seed=1, days=120)
    series = an.build_daily_series(frame, rules)
    tables = trends.build_trends(frame, series, rules.trends)
    assert set(tables) == {"trends_daily", "trend_changes", "emerging_topics"}
    changes = tables["trend_changes"]
    assert set(changes["period"].unique()) == {"wow", "mom"}
    assert set(changes["test"].unique()) == {"poisson_rate", "two_proportion_z", "nps_wald"}
    nps = changes.filter((pl.col("metric") == "nps") & (pl.col("slice_type") == "all"))
    assert nps.height and nps["current_n"].min() >= 30
    # clean data: at 5% a few single comparisons come out significant, but no topic emerges
    assert tables["emerging_topics"].filter(pl.col("is_emerging")).height == 0
    assert tables["emerging_topics"]["topic_l1"].null_count() == 0


def test_an_emerging_topic_is_flagged(rules):
    frame = make_feedback(seed=2, days=90)
    last = frame["created_date"].max()
    burst = pl.DataFrame({
        "created_date": [last - timedelta(days=i % 5) for i in range(40)],
        "channel": "zendesk", "channel_family": "ticket", "topic_l1": "product", "topic_l2": "compatibility",
        "sentiment_label": "negative", "feedback_type": "complaint",
        "nps_score": pl.Series([None] * 40, dtype=pl.Int64), "csat_score": pl.Series([None] * 40, dtype=pl.Int64),
        "feedback_id": [f"new{i}" for i in range(40)], "product_id": "P0001",
    }).select(frame.columns)
    series = an.build_daily_series(pl.concat([frame, burst]), rules)
    emerging = trends.emerging_topics(series, as_of=[last])
    assert emerging.filter(pl.col("is_emerging"))["topic_l2"].to_list() == ["compatibility"]
