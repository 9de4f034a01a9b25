"""A small fct_feedback-like frame with exactly known anomalies: topics, channels, products, weekday mix.

Independent of the sample-data generator, so the detector's tests pin its behaviour on data whose every
property is stated here: Poisson volumes per topic and day, fixed shares, a fixed NPS mix.
- spike / level_shift on negative_feedback: extra negative items in the slice, `magnitude - 1` times its
  usual negative count, on each day of the anomaly;
- nps_drop: that share of the slice's survey answers (magnitude / 100 * 1.3) become detractors (0-4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

TOPICS = {  # topic_l2 -> (topic_l1, items per day, negative share)
    "delivery": ("service", 14.0, 0.55),
    "refund_returns": ("service", 8.0, 0.5),
    "staff_attitude": ("service", 5.0, 0.45),
    "login": ("product", 9.0, 0.5),
    "performance": ("product", 10.0, 0.45),
    "ui": ("product", 7.0, 0.3),
    "features": ("product", 6.0, 0.1),
    "too_expensive": ("price", 5.0, 0.5),
    "promotions": ("price", 1.0, 0.2),
    "other": ("other", 6.0, 0.2),
}
CHANNELS = {"zendesk": 0.35, "typeform": 0.25, "qualtrics": 0.1, "reddit": 0.1, "appstore": 0.15, "shopify": 0.05}
FAMILY = {"zendesk": "ticket", "typeform": "survey", "qualtrics": "survey", "reddit": "social",
          "appstore": "social", "shopify": "return"}
WEEKDAY = np.array([1.0, 1.05, 1.0, 1.0, 0.95, 0.7, 0.65])
NPS_P = np.array([0.03, 0.015, 0.02, 0.025, 0.03, 0.045, 0.065, 0.11, 0.18, 0.19, 0.29])
PRODUCTS = [f"P{i:04d}" for i in range(1, 21)]
END = date(2026, 10, 31)


@dataclass(frozen=True)
class Injection:
    kind: str  # spike | level_shift | nps_drop
    metric: str
    slice_type: str  # topic | channel | all
    slice_value: str
    start: date
    days: int
    magnitude: float

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def truth(self) -> dict:
        return {"kind": self.kind, "metric": self.metric, "slice_type": self.slice_type,
                "slice_value": self.slice_value, "start_date": self.start.isoformat(),
                "end_date": self.end.isoformat(), "magnitude": self.magnitude}


def make_feedback(days: int = 120, end: date = END, seed: int = 1, injections=(), scale: float = 1.0
                  ) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=days - 1)
    day_index = np.arange(days)
    dates = np.array([start + timedelta(days=int(i)) for i in day_index])
    weekday = WEEKDAY[[d.weekday() for d in dates]]
    parts = []
    for topic, (l1, rate, negative) in TOPICS.items():
        counts = rng.poisson(rate * scale * weekday)
        parts.append(_items(rng, np.repeat(dates, counts), topic, l1, negative))
        for inj in injections:
            if inj.kind in ("spike", "level_shift") and inj.slice_type == "topic" and inj.slice_value == topic:
                on = np.array([inj.start <= d <= inj.end for d in dates])
                extra = rng.poisson(rate * scale * weekday * negative * (inj.magnitude - 1) * on)
                parts.append(_items(rng, np.repeat(dates, extra), topic, l1, 1.0))
    df = pl.concat(parts, how="vertical")
    df = df.with_row_index("i").with_columns(
        pl.format("fb:{}", pl.col("i")).alias("feedback_id"),
        pl.Series("product_id", rng.choice(PRODUCTS, size=df.height)),
    ).drop("i")
    for inj in injections:
        if inj.kind == "nps_drop":
            hit = (pl.col("created_date") >= inj.start) & (pl.col("created_date") <= inj.end) & _match(inj)
            mask = df.select(hit & pl.col("nps_score").is_not_null()).to_series().to_numpy()
            flip = mask & (rng.random(df.height) < inj.magnitude / 100.0 * 1.3)
            low = pl.Series(rng.integers(0, 5, df.height), dtype=pl.Int64)
            df = df.with_columns(
                pl.when(pl.Series(flip)).then(low).otherwise(pl.col("nps_score")).alias("nps_score")
            )
    return df.sort("created_date", "feedback_id")


def _match(inj: Injection) -> pl.Expr:
    column = {"topic": "topic_l2", "channel": "channel", "product": "product_id", "topic_l1": "topic_l1"}
    return pl.lit(True) if inj.slice_type == "all" else pl.col(column[inj.slice_type]) == inj.slice_value


def _items(rng: np.random.Generator, days: np.ndarray, topic: str, l1: str, negative_share: float) -> pl.DataFrame:
    n = len(days)
    negative = rng.random(n) < negative_share
    positive = ~negative & (rng.random(n) < 0.5)
    sentiment = np.where(negative, "negative", np.where(positive, "positive", "neutral"))
    ftype = np.where(negative & (rng.random(n) < 0.8), "complaint",
                     np.where(positive, "praise", np.where(rng.random(n) < 0.5, "suggestion", "question")))
    channel = rng.choice(list(CHANNELS), size=n, p=list(CHANNELS.values()))
    survey = np.isin(channel, ["typeform", "qualtrics"])
    nps = rng.choice(11, size=n, p=NPS_P)
    csat = np.clip(np.round(nps / 2.2).astype(int), 1, 5)
    return pl.DataFrame({
        "created_date": pl.Series(days.tolist(), dtype=pl.Date),
        "channel": channel,
        "channel_family": [FAMILY[c] for c in channel],
        "topic_l1": [l1] * n,
        "topic_l2": [topic] * n,
        "sentiment_label": sentiment,
        "feedback_type": ftype,
        "nps_score": pl.Series(np.where(survey, nps, -1), dtype=pl.Int64).replace(-1, None),
        "csat_score": pl.Series(np.where(channel == "zendesk", csat, -1), dtype=pl.Int64).replace(-1, None),
    })
