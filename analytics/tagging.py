"""`tag()`: every tag of issue #5 for a frame of feedback texts, vectorised in Polars.

Usable outside Dagster:

    import polars as pl
    from analytics.tagging import tag
    tagged = tag(pl.DataFrame({"text": ["Great product but delivery was slow", "加载慢，经常闪退"]}))

Columns added (CONTRACTS.md codes): language (en/zh/other), sentiment_score (Float64 in [-1, 1]),
sentiment_label (negative/neutral/positive), topic_l1/topic_l2 (primary topic; 'other' when none),
topics (all matched topics, best first, List[Struct{topic_l1, topic_l2}]), feedback_type
(complaint/suggestion/praise/question), urgency (urgent/high/normal), keywords (List[str], PII-masked),
taxonomy_version (hash of the seeds and model that produced the row).
"""

from __future__ import annotations

import polars as pl

from analytics.config import TaggingConfig
from analytics.keywords import extract_keywords, zh_vocabulary
from analytics.pii import mask_pii
from analytics.text import detect_language
from analytics.topics import URGENCY_RANK, match_patterns, match_text, pattern_table, role_scores, topic_tags

TAG_COLUMNS = (
    "language",
    "sentiment_score",
    "sentiment_label",
    "topic_l1",
    "topic_l2",
    "topics",
    "feedback_type",
    "urgency",
    "keywords",
    "taxonomy_version",
)
TOPIC_STRUCT = pl.Struct({"topic_l1": pl.String, "topic_l2": pl.String})
# A suggestion or question cue decides the type unless the text is clearly negative: "why is my order
# late AGAIN?" is a complaint that happens to end with a question mark.
CUE_MIN = 1.0
STRONG_QUESTION = 2.0  # e.g. "请问" + "？": a question even when the asker is unhappy
SUGGESTION_MAX_NEGATIVE = -0.6


# Derived lookup tables are cached on the (frozen, immutable) config object itself: a new config (edited
# seeds) gets new tables, and repeated tag() calls with one config do not rebuild them.
def _cached_zh_vocab(config: TaggingConfig) -> pl.Series:
    cache = config.__dict__.setdefault("_zh_vocab", {})
    if "v" not in cache:
        extra = [
            *config.topic_keywords.filter(pl.col("language") == "zh")["keyword"].to_list(),
            *config.rules["zh"].lexicon["term"].to_list(),
        ]
        cache["v"] = zh_vocabulary(extra)
    return cache["v"]


def _cached_patterns(config: TaggingConfig) -> pl.DataFrame:
    cache = config.__dict__.setdefault("_patterns", {})
    if "p" not in cache:
        cache["p"] = pattern_table(config.topic_keywords, config.urgency_keywords, config.type_cues)
    return cache["p"]


def tag(df: pl.DataFrame, text_col: str = "text", config: TaggingConfig | None = None) -> pl.DataFrame:
    """Return `df` with the tag columns appended (existing tag columns are replaced)."""
    cfg = config or TaggingConfig.load()
    texts = df.select(row=pl.int_range(pl.len(), dtype=pl.UInt32), text=pl.col(text_col).cast(pl.String)).with_columns(
        language=detect_language(pl.col("text"))
    )

    # Sentiment: Chinese rows through the Chinese model, everything else through the English one
    # (other Latin-script text and emoji-only text still carry English-like cues and emoji).
    sentiment = pl.concat(
        [
            cfg.models["zh"].score(texts.filter(pl.col("language") == "zh").select("row", "text")),
            cfg.models["en"].score(texts.filter(pl.col("language") != "zh").select("row", "text")),
        ]
    )

    # Keywords and topics are read from PII-masked text so no keyword can leak an email or a number.
    masked = texts.with_columns(text=mask_pii(pl.col("text")))
    mtext = masked.select("row", mtext=match_text(pl.col("text")))
    patterns = _cached_patterns(cfg)
    hits = match_patterns(mtext, patterns["pattern"].unique().sort()).join(
        patterns, on="pattern", maintain_order="left"
    )
    topics = topic_tags(hits, cfg.taxonomy, cfg.topic_threshold)
    types = role_scores(hits, "type")
    urgent_kw = (
        hits.filter(pl.col("role") == "urgency")
        .group_by("row")
        .agg(kw_urgency=pl.col("target").replace_strict(URGENCY_RANK, default=0, return_dtype=pl.Int32).max())
    )
    lexicon_terms = pl.concat([cfg.rules["en"].lexicon["term"], cfg.rules["zh"].lexicon["term"]])
    keywords = extract_keywords(
        masked.join(mtext, on="row"),
        hits.filter(pl.col("role") == "topic").select("row", "pattern", "weight"),
        lexicon_terms,
        _cached_zh_vocab(cfg),
    )

    out = (
        texts.select("row", "language")
        .join(sentiment, on="row", how="left")
        .join(topics, on="row", how="left")
        .join(types, on="row", how="left")
        .join(urgent_kw, on="row", how="left")
        .join(keywords, on="row", how="left")
        .sort("row")
    )
    for col in ("question", "suggestion"):
        if col not in out.columns:
            out = out.with_columns(pl.lit(0.0).alias(col))
    score = pl.col("sentiment_score")
    label = pl.col("sentiment_label")
    feedback_type = (
        pl.when((pl.col("suggestion").fill_null(0) >= CUE_MIN) & (score > SUGGESTION_MAX_NEGATIVE))
        .then(pl.lit("suggestion"))
        .when(
            (pl.col("question").fill_null(0) >= STRONG_QUESTION)
            | ((pl.col("question").fill_null(0) >= CUE_MIN) & (label != "negative"))
        )
        .then(pl.lit("question"))
        .when(label == "negative")
        .then(pl.lit("complaint"))
        .when(label == "positive")
        .then(pl.lit("praise"))
        .when(score < 0)
        .then(pl.lit("complaint"))
        .otherwise(pl.lit("praise"))
    )
    out = out.with_columns(feedback_type=feedback_type)
    # Urgency (REFERENCE §2 tiers): urgency keywords count unless the text is positive ("no outage since
    # the fix, great"), and a complaint inherits its topic's default tier (e.g. billing errors → high).
    topic_rank = pl.col("topic_urgency").replace_strict(URGENCY_RANK, default=0, return_dtype=pl.Int32)
    rank = pl.max_horizontal(
        pl.when(label != "positive").then(pl.col("kw_urgency")).otherwise(0).fill_null(0),
        pl.when(pl.col("feedback_type") == "complaint").then(topic_rank).otherwise(0).fill_null(0),
    )
    names = {v: k for k, v in URGENCY_RANK.items()}
    tags = out.select(
        pl.col("language"),
        pl.col("sentiment_score").fill_null(0.0).cast(pl.Float64),
        pl.col("sentiment_label").fill_null("neutral"),
        pl.col("topic_l1").fill_null("other"),
        pl.col("topic_l2").fill_null("other"),
        pl.col("topics").fill_null(pl.lit([], dtype=pl.List(TOPIC_STRUCT))).cast(pl.List(TOPIC_STRUCT)),
        pl.col("feedback_type"),
        urgency=rank.replace_strict(names, return_dtype=pl.String),
        keywords=pl.col("keywords").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        taxonomy_version=pl.lit(cfg.taxonomy_version),
    )
    return pl.concat([df.drop([c for c in TAG_COLUMNS if c in df.columns]), tags], how="horizontal")
