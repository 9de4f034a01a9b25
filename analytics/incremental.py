"""Incremental tagging: only new or changed feedback, or everything after a taxonomy/model change.

A tag row stores (feedback_id, text_hash, taxonomy_version). An item needs (re)tagging when it has no tag
row, its text hash differs (the text was edited) or its tag row was made with another taxonomy version
(a seed or the model changed). text_hash is md5 of the UTF-8 text (null as ''), the same value DuckDB's
md5() gives, so the warehouse can compute it in SQL.
"""

from __future__ import annotations

import hashlib

import polars as pl


def text_hash(texts: pl.Series) -> pl.Series:
    """md5 hex digest per text (null → md5 of '')."""
    # hashlib per value: Polars' own hash is not stable across versions, and this runs once per new item,
    # off the tagging hot path.
    return pl.Series(
        texts.name or "text_hash",
        [hashlib.md5((t or "").encode("utf-8")).hexdigest() for t in texts.cast(pl.String).to_list()],
        dtype=pl.String,
    )


def rows_to_tag(
    current: pl.DataFrame,
    tagged: pl.DataFrame | None,
    taxonomy_version: str,
    id_col: str = "feedback_id",
    text_col: str = "feedback_text",
) -> pl.DataFrame:
    """Rows of `current` (id_col, text_col, ...) that need tagging, with a text_hash column added.

    `tagged` holds what was tagged before: id_col, text_hash, taxonomy_version (None or empty: all rows).
    """
    cur = current.with_columns(text_hash=text_hash(current[text_col]))
    if tagged is None or tagged.height == 0:
        return cur
    done = tagged.select(
        pl.col(id_col).cast(cur.schema[id_col]), pl.col("text_hash"), pl.col("taxonomy_version")
    ).filter(pl.col("taxonomy_version") == taxonomy_version)
    return cur.join(done, on=[id_col, "text_hash"], how="anti", maintain_order="left")
