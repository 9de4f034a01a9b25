"""Near-duplicate linking: the same customer's same complaint sent through several channels.

Two items are linked when they have the same customer, were created within `window_days` of each other
and their normalised texts have a similarity >= `threshold` (rapidfuzz `ratio`, the normalised Indel
similarity, / 100; REFERENCE §3 uses 85%). Each linked group points at its earliest item (ties: smallest
id), so counts are not inflated by the copies.

Scaling: candidate pairs come from a join blocked by customer and filtered by the time window (both in
Polars), then a length bound prunes pairs that cannot reach the threshold, and rapidfuzz scores the
remaining pairs element-wise in C++ (`process.cpdist`). No all-pairs comparison, no Python loop per pair.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl


def _normalise(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null("").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def link_near_duplicates(
    df: pl.DataFrame,
    id_col: str,
    customer_col: str,
    time_col: str,
    text_col: str,
    window_days: float = 7,
    threshold: float = 0.85,
) -> pl.DataFrame:
    """One row per duplicate item: id_col, canonical_id, similarity (in time order).

    canonical_id is the earliest item of the item's duplicate group; similarity is the score to the earlier
    item it was linked to. Items absent from the result are canonical (their own canonical id). Items
    without a customer, time or text are never linked.
    """
    from rapidfuzz import fuzz, process

    items = (
        df.select(
            id=pl.col(id_col).cast(pl.String),
            customer=pl.col(customer_col).cast(pl.String),
            ts=pl.col(time_col),
            text=_normalise(pl.col(text_col).cast(pl.String)),
        )
        .with_columns(n=pl.col("text").str.len_chars().cast(pl.Int64))
        .sort("ts", "id", nulls_last=True)
        .with_row_index("order")
    )
    linkable = items.filter(pl.col("customer").is_not_null(), pl.col("ts").is_not_null(), pl.col("n") > 0)
    window = timedelta(days=window_days)
    # Length bound: Indel similarity <= 1 - |l1 - l2| / (l1 + l2), so pairs failing it are skipped.
    max_len_gap = 1.0 - threshold
    pairs = (
        linkable.lazy()
        .join(linkable.lazy(), on="customer", suffix="_b")
        .filter(
            pl.col("order") < pl.col("order_b"),
            (pl.col("ts_b") - pl.col("ts")) <= window,
            (pl.col("n") - pl.col("n_b")).abs() <= max_len_gap * (pl.col("n") + pl.col("n_b")),
        )
        .select("order", "order_b", "text", "text_b")
        .collect()
    )
    if pairs.height:
        scores = process.cpdist(
            pairs["text"].to_list(), pairs["text_b"].to_list(), scorer=fuzz.ratio, workers=-1, dtype=np.float32
        )
        pairs = pairs.with_columns(sim=pl.Series(np.asarray(scores, dtype=np.float64) / 100.0))
        links = pairs.filter(pl.col("sim") >= threshold - 1e-9)
    else:
        links = pl.DataFrame(schema={"order": pl.UInt32, "order_b": pl.UInt32, "sim": pl.Float64})
    # Each later item points at its earliest linked predecessor; following the pointers (a few rounds of
    # pointer jumping, each a join) gives the group's first item even for chains A~B~C where A !~ C.
    parent = (
        links.sort("order")
        .group_by("order_b", maintain_order=True)
        .agg(parent=pl.col("order").first(), sim=pl.col("sim").first())
        .rename({"order_b": "order"})
    )
    root = parent.select("order", root="parent")
    for _ in range(64):
        nxt = root.join(root.rename({"order": "root", "root": "root2"}), on="root", how="left").select(
            "order", root=pl.coalesce("root2", "root")
        )
        if nxt.sort("order").equals(root.sort("order")):
            break
        root = nxt
    out = (
        root.join(parent.select("order", "sim"), on="order", how="left")
        .join(items.select("order", "id"), on="order", how="left")
        .join(items.select(root="order", canonical_id="id"), on="root", how="left")
        .sort("order")
        .select(pl.col("id").alias(id_col), "canonical_id", similarity="sim")
    )
    dtype = df.schema[id_col]
    return out.with_columns(pl.col(id_col).cast(dtype), pl.col("canonical_id").cast(dtype))
