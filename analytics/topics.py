"""Topics, feedback type and urgency from the keyword seeds, matched with one Aho-Corasick pass.

Every pattern of topic_keywords.csv, urgency_keywords.csv and feedback_type_cues.csv is matched in a single
`str.extract_many` call (Rust Aho-Corasick over all rows), then exploded and joined back to the seed rows.
Matching rules, so analysts can predict what a keyword does:
- text and keywords are lower-cased, punctuation becomes a space ("?" stays a token), spaces collapse;
- an ASCII keyword matches whole words ("app" does not fire on "happy"); a trailing "*" matches any word
  ending ("refund*" = refund, refunds, refunded);
- a Chinese keyword matches as a substring (Chinese has no spaces between words);
- each keyword counts once per text; a topic is assigned when its keywords' weights sum to >= the
  threshold (1.0 by default), so weight-0.5 keywords need a second cue.
"""

from __future__ import annotations

import polars as pl

_PUNCT = list('.,;:!()[]{}"/\\&*+=<>|~…，。；：！、（）【】《》“”‘’—-_#@%^$')
_MATCH_REPLACE = {
    **{c: " " for c in _PUNCT},
    "?": " ? ",
    "？": " ？ ",
    "’": "'",
    "\n": " ",
    "\r": " ",
    "\t": " ",
}
URGENCY_RANK = {"normal": 0, "high": 1, "urgent": 2}


def match_text(expr: pl.Expr) -> pl.Expr:
    """Text in the form keywords are matched against: lower-case, punctuation as spaces, padded."""
    cleaned = (
        expr.fill_null("")
        .str.to_lowercase()
        .str.replace_many(list(_MATCH_REPLACE), list(_MATCH_REPLACE.values()))
        .str.replace_all(r" {2,}", " ")
    )
    return pl.lit(" ") + cleaned + pl.lit(" ")


def keyword_pattern(expr: pl.Expr) -> pl.Expr:
    """Seed keyword → the literal pattern matched against match_text()."""
    kw = expr.str.to_lowercase().str.strip_chars()
    prefix = kw.str.ends_with("*")
    core = (
        pl.when(prefix)
        .then(kw.str.strip_chars_end("*"))
        .otherwise(kw)
        .str.replace_many(list(_MATCH_REPLACE), list(_MATCH_REPLACE.values()))
        .str.replace_all(r" {2,}", " ")
        .str.strip_chars()
    )
    ascii_only = core.str.contains(r"^[\x00-\x7f]+$")
    return (
        pl.when(ascii_only & prefix)
        .then(pl.lit(" ") + core)
        .when(ascii_only)
        .then(pl.lit(" ") + core + pl.lit(" "))
        .otherwise(core)
    )


def pattern_table(topic_keywords: pl.DataFrame, urgency: pl.DataFrame, cues: pl.DataFrame) -> pl.DataFrame:
    """All seed keywords as one table: pattern, role (topic/urgency/type), target, weight."""
    parts = [
        topic_keywords.select(
            pattern=keyword_pattern(pl.col("keyword")),
            role=pl.lit("topic"),
            target=pl.col("topic_l2"),
            weight=pl.col("weight"),
        ),
        urgency.select(
            pattern=keyword_pattern(pl.col("keyword")),
            role=pl.lit("urgency"),
            target=pl.col("urgency"),
            weight=pl.lit(1.0),
        ),
        cues.select(
            pattern=keyword_pattern(pl.col("cue")),
            role=pl.lit("type"),
            target=pl.col("feedback_type"),
            weight=pl.col("weight"),
        ),
    ]
    table = pl.concat(parts).filter(pl.col("pattern").str.strip_chars() != "")
    # The same keyword listed twice for one target counts once, at its largest weight.
    return table.group_by("pattern", "role", "target").agg(pl.col("weight").max()).sort("role", "target", "pattern")


def match_patterns(mtext: pl.DataFrame, patterns: pl.Series) -> pl.DataFrame:
    """Distinct (row, pattern) matches for rows (row, mtext)."""
    if patterns.len() == 0:
        return pl.DataFrame(schema={"row": pl.UInt32, "pattern": pl.String})
    return (
        mtext.select(
            "row",
            pattern=pl.col("mtext").str.extract_many(pl.lit(patterns).implode(), overlapping=True),
        )
        .explode("pattern", keep_nulls=False, empty_as_null=False)
        .unique(["row", "pattern"], maintain_order=True)
    )


def topic_tags(hits: pl.DataFrame, taxonomy: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Per row with at least one topic: topics (list of {topic_l1, topic_l2}, best first), topic_l1/l2
    (the best), and the default urgency of the best topic."""
    scored = (
        hits.filter(pl.col("role") == "topic")
        .group_by("row", pl.col("target").alias("topic_l2"))
        .agg(score=pl.col("weight").sum())
        .filter(pl.col("score") >= threshold)
        .join(taxonomy.select("topic_l1", "topic_l2", "topic_order", "default_urgency"), on="topic_l2")
        .sort(["row", "score", "topic_order"], descending=[False, True, False])
    )
    return scored.group_by("row", maintain_order=True).agg(
        topics=pl.struct("topic_l1", "topic_l2"),
        topic_l1=pl.col("topic_l1").first(),
        topic_l2=pl.col("topic_l2").first(),
        topic_urgency=pl.col("default_urgency").first(),
    )


def role_scores(hits: pl.DataFrame, role: str) -> pl.DataFrame:
    """row × target weight sums for one role (wide: one column per target)."""
    part = hits.filter(pl.col("role") == role).group_by("row", "target").agg(pl.col("weight").sum())
    if part.height == 0:
        return pl.DataFrame(schema={"row": pl.UInt32})
    return part.pivot("target", index="row", values="weight", sort_columns=True)
