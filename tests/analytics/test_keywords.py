"""extract_keywords(): order of preference, one entry per word, at most MAX_KEYWORDS, batch invariance."""

from __future__ import annotations

import polars as pl

from analytics.keywords import MAX_KEYWORDS, extract_keywords, zh_vocabulary


def _texts(rows: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": pl.Series(range(len(rows)), dtype=pl.UInt32),
            "text": [t for t, _ in rows],
            "language": [lang for _, lang in rows],
            "mtext": [" " + t.lower() + " " for t, _ in rows],
        }
    )


def test_topic_keywords_heaviest_first_then_text_order_then_lexicon_then_others() -> None:
    texts = _texts([("screen broken again battery awful charger slow", "en")])
    # Topic hits in the order they matched in the text; "slow" weighs more, the others tie.
    hits = pl.DataFrame(
        {
            "row": pl.Series([0, 0, 0, 0], dtype=pl.UInt32),
            "pattern": [" screen ", " battery ", " charger ", " slow "],
            "weight": [1.0, 1.0, 1.0, 2.0],
        }
    )
    out = extract_keywords(texts, hits, pl.Series(["awful"]), zh_vocabulary())
    assert out["keywords"].to_list() == [["slow", "screen", "battery", "charger", "awful"]]


def test_each_word_once_and_at_most_max_keywords_in_any_batch() -> None:
    long_text = "refund " * 12 + "crash crash screen battery charger cable remote"
    rows = [(long_text, "en"), ("nothing else here today", "en"), ("refund refund", "en")]
    lexicon = pl.Series(["crash"])
    hits = pl.DataFrame(schema={"row": pl.UInt32, "pattern": pl.String, "weight": pl.Float64})
    alone = [extract_keywords(_texts([r]), hits, lexicon, zh_vocabulary()) for r in rows]
    batch = extract_keywords(_texts(rows * 50), hits, lexicon, zh_vocabulary())
    first = batch["keywords"].to_list()
    assert first[0] == ["crash", "refund", "screen", "battery", "charger"]
    assert first[1] == ["nothing", "else", "today"]  # "here" is a stopword
    assert first[2] == ["refund"]
    assert all(len(k) <= MAX_KEYWORDS and len(set(k)) == len(k) for k in first)
    # Row order and batch size change nothing.
    assert first == [a["keywords"].to_list()[0] for a in alone] * 50
