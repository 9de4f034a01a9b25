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

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from analytics.config import TaggingConfig
from analytics.keywords import keyword_rows, zh_vocabulary
from analytics.pii import mask_pii
from analytics.text import LANGUAGES, language_code_array, list_column
from analytics.topics import (
    ROLES,
    URGENCY_RANK,
    PatternIndex,
    match_index,
    match_texts,
    pattern_table,
    role_sums,
    topic_columns,
    urgency_ranks,
)

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


def _cached_index(config: TaggingConfig) -> PatternIndex:
    cache = config.__dict__.setdefault("_pattern_index", {})
    if "i" not in cache:
        cache["i"] = PatternIndex.build(_cached_patterns(config))
    return cache["i"]


def _cached_lexicon(config: TaggingConfig) -> pl.Series:
    cache = config.__dict__.setdefault("_lexicon_terms", {})
    if "t" not in cache:
        cache["t"] = pl.concat([config.rules["en"].lexicon["term"], config.rules["zh"].lexicon["term"]])
    return cache["t"]


PARALLEL_MIN_TEXTS = 4_000  # from this many texts the frame is tagged in TAG_THREADS parts side by side
TAG_THREADS = max(1, min(4, os.cpu_count() or 1))
_EXECUTOR: list[ThreadPoolExecutor] = []


def _executor() -> ThreadPoolExecutor:
    if not _EXECUTOR:
        _EXECUTOR.append(ThreadPoolExecutor(max_workers=TAG_THREADS, thread_name_prefix="tag"))
    return _EXECUTOR[0]


# Set to a dict to collect per-component CPU seconds of tag() (benchmarks, MODEL.md figures).
TIMINGS: dict[str, float] | None = None


class _Laps:
    def __init__(self) -> None:
        self.last = time.process_time()

    def __call__(self, name: str) -> None:
        now = time.process_time()
        if TIMINGS is not None:
            TIMINGS[name] = TIMINGS.get(name, 0.0) + now - self.last
        self.last = now


def _sentiment(cfg: TaggingConfig, text: pl.Series, lang: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Score and label code (0 negative, 1 neutral, 2 positive) of every text: Chinese rows through the
    Chinese model, everything else through the English one (other Latin-script text and emoji-only text
    still carry English-like cues and emoji)."""
    score = np.zeros(len(text))
    label = np.ones(len(text), dtype=np.uint8)
    for model, idx in ((cfg.models["zh"], np.flatnonzero(lang == 1)), (cfg.models["en"], np.flatnonzero(lang != 1))):
        if idx.size == 0:
            continue
        s = model.score_array(text.gather(idx))
        score[idx] = s
        # label_expr(): negative at <= -band, positive at >= band.
        label[idx] = np.where(s <= -model.neutral_band, 0, np.where(s >= model.neutral_band, 2, 1))
    return score, label


def tag(df: pl.DataFrame, text_col: str = "text", config: TaggingConfig | None = None) -> pl.DataFrame:
    """Return `df` with the tag columns appended (existing tag columns are replaced)."""
    cfg = config or TaggingConfig.load()
    # Every tag of a row depends on that row alone, and the work is Polars and numpy, which release the
    # GIL: parts of a large frame are tagged on their own threads, so every core works through every
    # step instead of only through the steps that happen to be multi-threaded. (Sequential when TIMINGS
    # is set, so each component's CPU time can be read apart.)
    if df.height >= PARALLEL_MIN_TEXTS and TAG_THREADS > 1 and TIMINGS is None:
        size = -(-df.height // TAG_THREADS)
        parts = _executor().map(lambda start: _tag(df.slice(start, size), text_col, cfg), range(0, df.height, size))
        return pl.concat(list(parts))
    return _tag(df, text_col, cfg)


def _tag(df: pl.DataFrame, text_col: str, cfg: TaggingConfig) -> pl.DataFrame:
    lap = _Laps()
    n = df.height
    text = df.get_column(text_col).cast(pl.String).rename("text")
    lang = language_code_array(text)
    lap("language")
    score, label_code = _sentiment(cfg, text, lang)
    lap("sentiment")

    # Keywords and topics are read from PII-masked text so no keyword can leak an email or a number.
    masked = mask_pii(text)
    lap("pii")
    mtext = match_texts(masked)
    index = _cached_index(cfg)
    hits = match_index(mtext, index)
    lap("match")
    topics = topic_columns(hits, index, cfg.taxonomy, cfg.topic_threshold, n)
    question = role_sums(hits, index, "type", "question", n)
    suggestion = role_sums(hits, index, "type", "suggestion", n)
    kw_urgency = urgency_ranks(hits, index, n)
    lap("topics")
    is_topic = index.role[hits.entry] == ROLES.index("topic")
    entries = hits.entry[is_topic]
    topic_hits = pl.DataFrame(
        {
            "row": pl.Series(hits.row[is_topic], dtype=pl.UInt32),
            "pattern": index.table["pattern"].gather(entries),
            "weight": index.weight[entries],
        }
    )
    language = pl.Series("language", LANGUAGES, dtype=pl.String).gather(lang)
    kw_texts = pl.DataFrame(
        {"row": pl.Series(np.arange(n), dtype=pl.UInt32), "text": masked, "language": language, "mtext": mtext}
    )
    kw_rows, kw_words = keyword_rows(kw_texts, topic_hits, _cached_lexicon(cfg), _cached_zh_vocab(cfg))
    keywords = list_column("keywords", kw_rows, kw_words, n)
    lap("keywords")

    out = pl.DataFrame(
        {
            "language": language,
            "sentiment_score": score,
            "label": label_code,
            "question": question,
            "suggestion": suggestion,
            "kw_urgency": kw_urgency,
            "topic_urgency": topics["topic_urgency"],
        }
    )
    score_ = pl.col("sentiment_score")
    negative, positive = pl.col("label") == 0, pl.col("label") == 2
    feedback_type = (
        pl.when((pl.col("suggestion") >= CUE_MIN) & (score_ > SUGGESTION_MAX_NEGATIVE))
        .then(pl.lit("suggestion"))
        .when((pl.col("question") >= STRONG_QUESTION) | ((pl.col("question") >= CUE_MIN) & ~negative))
        .then(pl.lit("question"))
        .when(negative)
        .then(pl.lit("complaint"))
        .when(positive)
        .then(pl.lit("praise"))
        .when(score_ < 0)
        .then(pl.lit("complaint"))
        .otherwise(pl.lit("praise"))
    )
    # Urgency (REFERENCE §2 tiers): urgency keywords count unless the text is positive ("no outage since
    # the fix, great"), and a complaint inherits its topic's default tier (e.g. billing errors → high).
    rank = pl.max_horizontal(
        pl.when(~positive).then(pl.col("kw_urgency")).otherwise(0),
        pl.when(pl.col("feedback_type") == "complaint").then(pl.col("topic_urgency")).otherwise(0),
    )
    names = {v: k for k, v in URGENCY_RANK.items()}
    tags = out.with_columns(feedback_type=feedback_type).select(
        "language",
        "sentiment_score",
        sentiment_label=pl.col("label").replace_strict({0: "negative", 1: "neutral", 2: "positive"}),
        topic_l1=topics["topic_l1"],
        topic_l2=topics["topic_l2"],
        topics=topics["topics"].cast(pl.List(TOPIC_STRUCT)),
        feedback_type="feedback_type",
        urgency=rank.replace_strict(names, return_dtype=pl.String),
        keywords=keywords,
        taxonomy_version=pl.lit(cfg.taxonomy_version),
    )
    lap("assemble")
    return pl.concat([df.drop([c for c in TAG_COLUMNS if c in df.columns]), tags], how="horizontal")
