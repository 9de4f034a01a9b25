"""Anomaly specs: parsing, and injection that changes the slice on exactly the requested days."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from generator import AnomalySpec, generate, parse_anomaly

RECORDS = 5000
END = date(2026, 10, 31)
TIME = {
    "survey_responses": "submitted_at",
    "social_posts": "created_at",
    "tickets": "created_at",
    "returns": "requested_at",
}
KEY = {
    "survey_responses": ("survey", "response_id"),
    "social_posts": ("social", "post_id"),
    "tickets": ("ticket", "ticket_id"),
    "returns": ("return", "return_id"),
}


def test_parse_anomaly_full_and_defaults():
    spec = parse_anomaly("spike:negative_feedback:topic=delivery:2026-10-01:1:4")
    assert spec == AnomalySpec("spike", "negative_feedback", "topic", "delivery", date(2026, 10, 1), 1, 4.0)
    shift = parse_anomaly("level_shift:complaints:channel=zendesk:2026-10-10")
    assert shift.days is None and shift.magnitude == 4.0
    assert shift.effective_days(22) == 22  # a level shift runs to the end of the window
    assert parse_anomaly("spike:complaints:product=P0001:2026-10-10").effective_days(22) == 1
    drop = parse_anomaly("nps_drop:nps:product=P0007:2026-10-03:end:2.5")
    assert drop.days is None and drop.magnitude == 2.5


@pytest.mark.parametrize(
    "text",
    [
        "spike:negative_feedback:topic:2026-10-01",  # no '='
        "bump:negative_feedback:topic=delivery:2026-10-01",  # unknown kind
        "spike:nps:topic=delivery:2026-10-01",  # spike goes with negative_feedback/complaints
        "nps_drop:complaints:topic=delivery:2026-10-01",
        "spike:negative_feedback:region=EU:2026-10-01",
        "spike:negative_feedback:topic=delivery:2026-13-01",
        "spike:negative_feedback:topic=delivery:2026-10-01:0",
        "spike:negative_feedback:topic=delivery:2026-10-01:1:0.5",
        "spike:negative_feedback",
    ],
)
def test_parse_anomaly_rejects_bad_specs(text: str):
    with pytest.raises(ValueError):
        parse_anomaly(text)


@pytest.mark.parametrize(
    "text",
    [
        "spike:negative_feedback:topic=delivery:2025-01-01",  # outside the window
        "spike:negative_feedback:topic=teleport:2026-10-01",
        "spike:negative_feedback:channel=fax:2026-10-01",
        "spike:negative_feedback:product=P9999:2026-10-01",
        "nps_drop:nps:channel=zendesk:2026-10-01",  # NPS comes from surveys only
    ],
)
def test_generate_rejects_specs_that_do_not_fit_the_data(tmp_path: Path, text: str):
    with pytest.raises(ValueError):
        generate(300, seed=1, out_dir=tmp_path, anomalies=[parse_anomaly(text)], end_date=END)


def _items(out: Path) -> pl.DataFrame:
    """Truth rows with day, channel (family), system and product of each item, plus NPS for surveys."""
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    parts = []
    for name, ts in TIME.items():
        prefix, id_col = KEY[name]
        t = pl.read_parquet(out / "sandbox" / f"{name}.parquet")
        system = (
            "survey_tool"
            if name == "survey_responses"
            else "platform"
            if name == "social_posts"
            else "system"
        )
        parts.append(
            t.select(
                pl.concat_str([pl.lit(prefix + ":"), pl.col(id_col).cast(pl.String)]).alias("feedback_key"),
                pl.lit(prefix).alias("channel"),
                pl.col(system).alias("system"),
                pl.col(ts).dt.date().alias("day"),
                "product_id",
                (pl.col("nps") if name == "survey_responses" else pl.lit(None, pl.Int8)).alias("nps"),
            )
        )
    return pl.concat(parts).join(truth, on="feedback_key", how="left")


def _daily(items: pl.DataFrame, condition: pl.Expr) -> dict[date, int]:
    return dict(items.filter(condition).group_by("day").len().iter_rows())


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    out = tmp_path_factory.mktemp("baseline")
    generate(RECORDS, seed=9, out_dir=out, end_date=END)
    return _items(out)


def _with(tmp_path_factory: pytest.TempPathFactory, *specs: str) -> tuple[pl.DataFrame, list[dict]]:
    out = tmp_path_factory.mktemp("anomaly")
    summary = generate(
        RECORDS, seed=9, out_dir=out, anomalies=[parse_anomaly(s) for s in specs], end_date=END
    )
    applied = json.loads((out / "truth" / "anomalies.json").read_text())
    assert applied == summary.anomalies
    return _items(out), applied


def _changed_days(before: dict[date, int], after: dict[date, int]) -> dict[date, tuple[int, int]]:
    return {
        d: (before.get(d, 0), after.get(d, 0))
        for d in before.keys() | after.keys()
        if before.get(d, 0) != after.get(d, 0)
    }


def test_spike_on_a_topic_changes_exactly_that_day(baseline, tmp_path_factory):
    items, applied = _with(tmp_path_factory, "spike:negative_feedback:topic=delivery:2026-10-01:1:4")
    assert applied == [
        {
            "kind": "spike",
            "metric": "negative_feedback",
            "slice_type": "topic",
            "slice_value": "delivery",
            "start_date": "2026-10-01",
            "end_date": "2026-10-01",
            "magnitude": 4.0,
            "rows_added": applied[0]["rows_added"],
        }
    ]
    neg = (pl.col("topic_l2") == "delivery") & (pl.col("sentiment") == "negative")
    before, after = _daily(baseline, neg), _daily(items, neg)
    changed = _changed_days(before, after)
    assert set(changed) == {date(2026, 10, 1)}
    old, new = changed[date(2026, 10, 1)]
    mean = sum(before.values()) / 90
    assert new >= 3.5 * max(old, mean) * 0.9
    # the rest of the data set is untouched: same number of items on every other day
    assert _changed_days(_daily(baseline, pl.lit(True)), _daily(items, pl.lit(True))).keys() == {
        date(2026, 10, 1)
    }


def test_level_shift_on_a_channel_runs_to_the_end(baseline, tmp_path_factory):
    items, applied = _with(tmp_path_factory, "level_shift:complaints:channel=zendesk:2026-10-20")
    assert applied[0]["end_date"] == "2026-10-31"
    neg = (
        (pl.col("system") == "zendesk")
        & (pl.col("feedback_type") == "complaint")
        & (pl.col("sentiment") == "negative")
    )
    before, after = _daily(baseline, neg), _daily(items, neg)
    changed = _changed_days(before, after)
    shifted = {date(2026, 10, d) for d in range(20, 32)}
    assert set(changed) == shifted
    old = sum(before[d] for d in shifted)
    new = sum(after[d] for d in shifted)
    assert 3.0 <= new / old <= 6.0


def test_spike_on_a_product(baseline, tmp_path_factory):
    product = baseline.group_by("product_id").len().sort("len", descending=True)["product_id"][0]
    items, _ = _with(tmp_path_factory, f"spike:negative_feedback:product={product}:2026-09-10:2:5")
    neg = (pl.col("product_id") == product) & (pl.col("sentiment") == "negative")
    changed = _changed_days(_daily(baseline, neg), _daily(items, neg))
    assert set(changed) == {date(2026, 9, 10), date(2026, 9, 11)}
    assert all(new > old for old, new in changed.values())


def test_nps_drop_lowers_the_slice_nps_on_those_days(baseline, tmp_path_factory):
    items, applied = _with(tmp_path_factory, "nps_drop:nps:channel=survey:2026-09-20:3:3")
    assert applied[0]["end_date"] == "2026-09-22"
    days = {date(2026, 9, d) for d in (20, 21, 22)}

    def nps(frame: pl.DataFrame) -> float:
        a = frame.filter(
            pl.col("channel") == "survey", pl.col("nps").is_not_null(), pl.col("day").is_in(days)
        )
        return 100 * ((a["nps"] >= 9).sum() - (a["nps"] <= 6).sum()) / a.height

    drop = nps(baseline) - nps(items)
    assert 20 <= drop <= 45  # about magnitude * 10 = 30 points
    answered = pl.col("channel") == "survey"
    assert set(_changed_days(_daily(baseline, answered), _daily(items, answered))) == days


def test_anomaly_injection_keeps_baseline_rows(baseline, tmp_path_factory):
    items, _ = _with(tmp_path_factory, "spike:negative_feedback:channel=return:2026-08-20:1:4")
    base_texts = Counter(baseline.drop_nulls("text")["text"].to_list())
    new_texts = Counter(items.drop_nulls("text")["text"].to_list())
    assert new_texts.total() > base_texts.total()
    assert not base_texts - new_texts  # every baseline text is still there
