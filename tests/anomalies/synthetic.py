"""A small fct_feedback-like frame with known anomalies: topics, channels, products, weekday seasonality.

Independent of the sample-data generator, so the detector's tests pin its behaviour on data whose every
property is stated here (Poisson volumes, fixed shares, NPS mix) and whose anomalies are exact.
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
    "promotions": ("price", 2.0, 0.2),
    "other": ("other", 6.0, 0.2),
}
CHANNELS = {"zendesk": 0.35, "typeform": 0.25, "qualtrics": 0.1, "reddit": 0.1, "appstore": 0.15, "shopify": 0.05}
SURVEY_CHANNELS = ("typeform", "qualtrics")
WEEKDAY = np.array([1.0, 1.05, 1.0, 1.0, 0.95, 0.7, 0.65])
NPS_P = np.array([0.03, 0.015, 0.02, 0.025, 0.03, 0.045, 0.065, 0.11, 0.18, 0.19, 0.29])
PRODUCTS = [f"P{i:04d}" for i in range(1, 21)]


@dataclass(frozen=True)
class Injection:
    kind: str  # spike | level_shift | nps_drop
    metric: str
    slice_type: str
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


def make_feedback(
    days: int = 120,
    end: date = date(2026, 10, 31),
    seed: int = 1,
    injections: list[Injection] | tuple = (),
    scale: float = 1.0,
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=days - 1)
    frames = []
    topic_names = list(TOPICS)
    chan_names = list(CHANNELS)
    chan_p = np.array(list(CHANNELS.values()))
    for i in range(days):
        day = start + timedelta(days=i)
        wf = WEEKDAY[day.weekday()]
        for topic in topic_names:
            l1, rate, neg = TOPICS[topic]
            mult = 1.0
            neg_share = neg
            for inj in injections:
                if inj.slice_type == "topic" and inj.slice_value == topic and inj.start <= day <= inj.end:
                    if inj.metric == "negative_feedback" and inj.kind in ("spike", "level_shift"):
                        # extra negative items: the topic's negative count times the magnitude
                        extra = rng.poisson(rate * scale * wf * neg * (inj.magnitude - 1))
                        frames.append(_items(rng, day, topic, l1, extra, 1.0, chan_names, chan_p))
            n = rng.poisson(rate * scale * wf * mult)
            frames.append(_items(rng, day, topic, l1, n, neg_share, chan_names, chan_p))
    df = pl.concat([f for f in frames if f.height], how="vertical")
    df = df.with_row_index("i").with_columns(
        pl.format("fb:{}", pl.col("i")).alias("feedback_id"),
        pl.Series("product_id", rng.choice(PRODUCTS, size=df.height)),
    ).drop("i")
    for inj in injections:
        if inj.kind == "nps_drop":
            hit = (
                (pl.col("created_date") >= inj.start) & (pl.col("created_date") <= inj.end)
                & _slice_match(inj) & pl.col("nps_score").is_not_null()
            )
            mask = df.select(hit).to_series().to_numpy()
            # a share of the answers becomes a low detractor score: NPS drops by about `magnitude` points
            flip = mask & (rng.random(df.height) < inj.magnitude / 100.0 * 1.3)
            low = pl.Series(rng.integers(0, 5, df.height), dtype=pl.Int64)
            df = df.with_columns(
                pl.when(pl.Series(flip)).then(low).otherwise(pl.col("nps_score")).alias("nps_score")
            )
    return df


def _slice_match(inj: Injection) -> pl.Expr:
    column = {"topic": "topic_l2", "channel": "channel", "product": "product_id", "topic_l1": "topic_l1"}
    if inj.slice_type == "all":
        return pl.lit(True)
    return pl.col(column[inj.slice_type]) == inj.slice_value


def _items(rng, day, topic, l1, n, neg_share, chan_names, chan_p) -> pl.DataFrame:
    if n == 0:
        return pl.DataFrame()
    negative = rng.random(n) < neg_share
    positive = ~negative & (rng.random(n) < 0.5)
    sentiment = np.where(negative, "negative", np.where(positive, "positive", "neutral"))
    ftype = np.where(negative & (rng.random(n) < 0.8), "complaint",
                     np.where(positive, "praise", np.where(rng.random(n) < 0.5, "suggestion", "question")))
    channel = rng.choice(chan_names, size=n, p=chan_p)
    survey = np.isin(channel, SURVEY_CHANNELS)
    nps = rng.choice(11, size=n, p=NPS_P)
    csat = np.clip(np.round(nps / 2.2).astype(int), 1, 5)
    return pl.DataFrame({
        "created_date": [day] * n,
        "channel": channel,
        "topic_l1": [l1] * n,
        "topic_l2": [topic] * n,
        "sentiment_label": sentiment,
        "feedback_type": ftype,
        "nps_score": pl.Series(np.where(survey, nps, -1)).replace(-1, None).cast(pl.Int64),
        "csat_score": pl.Series(np.where(channel == "zendesk", csat, -1)).replace(-1, None).cast(pl.Int64),
    })
