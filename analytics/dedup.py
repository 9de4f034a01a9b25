"""Near-duplicate feedback: the same customer's same complaint across channels within a window.

Candidate pairs come from an equi-join on (customer, day bucket), so the work grows with each customer's
activity inside the window, not with the square of their history. Similarity is rapidfuzz's normalised
Indel ratio (0..1) over whitespace-normalised, lowercased text, computed for all pairs in one vectorised
call. The canonical item of a group is its earliest member (ties broken by id).
"""

from __future__ import annotations

import polars as pl
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist


def link_near_duplicates(
    df: pl.DataFrame,
    id_col: str,
    customer_col: str,
    time_col: str,
    text_col: str,
    window_days: int = 7,
    threshold: float = 0.85,
) -> pl.DataFrame:
    """Return (id_col, canonical_id, similarity) for every item that duplicates an earlier one.

    Items without a customer or with empty text are never linked.
    """
    items = (
        df.select(
            pl.col(id_col).alias("id"),
            pl.col(customer_col).alias("customer"),
            pl.col(time_col).alias("ts"),
            pl.col(text_col).str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars().alias("text"),
        )
        .filter(pl.col("customer").is_not_null() & (pl.col("text").str.len_chars() > 0))
        .with_columns(pl.col("ts").dt.date().alias("day"))
    )
    empty = pl.DataFrame(
        schema={id_col: df.schema[id_col], "canonical_id": df.schema[id_col], "similarity": pl.Float64}
    )
    if items.height < 2:
        return empty
    # Each later item looks back into the day buckets [day - window, day].
    later = items.with_columns(
        pl.date_ranges(pl.col("day") - pl.duration(days=window_days), pl.col("day")).alias("bucket")
    ).explode("bucket")
    pairs = (
        later.join(items, left_on=["customer", "bucket"], right_on=["customer", "day"], suffix="_earlier")
        .filter(
            (
                (pl.col("ts_earlier") < pl.col("ts"))
                | ((pl.col("ts_earlier") == pl.col("ts")) & (pl.col("id_earlier") < pl.col("id")))
            )
            & (pl.col("ts") - pl.col("ts_earlier") <= pl.duration(days=window_days))
        )
        .select("id", "ts", "text", "id_earlier", "ts_earlier", "text_earlier")
    )
    if pairs.height == 0:
        return empty
    scores = cpdist(pairs["text"].to_list(), pairs["text_earlier"].to_list(), scorer=fuzz.ratio, workers=-1)
    matches = (
        pairs.with_columns(pl.Series("similarity", scores / 100.0, dtype=pl.Float64))
        .filter(pl.col("similarity") >= threshold)
        .sort("id", "ts_earlier", "id_earlier")
        .group_by("id", maintain_order=True)
        .first()
        .select("id", "id_earlier", "similarity")
    )
    # Follow chains (C duplicates B duplicates A) to the earliest member.
    parent = dict(zip(matches["id"].to_list(), matches["id_earlier"].to_list(), strict=True))
    canonical = []
    for item in matches["id"].to_list():
        root = parent[item]
        while root in parent:
            root = parent[root]
        canonical.append(root)
    return matches.select(
        pl.col("id").alias(id_col),
        pl.Series("canonical_id", canonical, dtype=df.schema[id_col]),
        "similarity",
    )
