"""Keywords per feedback item and a vectorised Chinese word segmenter.

Chinese segmentation is forward maximum matching done by Polars' Aho-Corasick (`extract_many` with
leftmost-first semantics over patterns sorted longest first): the dictionary is jieba's frequent words plus
every seed keyword and lexicon term, so domain words ("加载慢", "退款") stay whole. jieba itself runs one
Python call per text (~3k texts/s here), far too slow for the 1M-row budget; this runs in Rust on all rows.

Keywords (at most 5, best first): matched topic keywords (heaviest first, equal weights in text order),
then sentiment-lexicon words, then other content words in text order.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from analytics.text import first_in_run, index_in_run

MAX_KEYWORDS = 5
KEY_SEED = 20240601
JIEBA_MIN_FREQ = 500  # ~9.5k common words of 2-4 characters: enough for keywords, cheap to match

EN_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "can't",
        "cannot",
        "could",
        "couldn't",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "even",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "get",
        "got",
        "had",
        "hadn't",
        "has",
        "hasn't",
        "have",
        "haven't",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "just",
        "let's",
        "like",
        "me",
        "more",
        "most",
        "much",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "really",
        "same",
        "she",
        "should",
        "shouldn't",
        "so",
        "some",
        "still",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "they're",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "was",
        "wasn't",
        "we",
        "we're",
        "were",
        "weren't",
        "what",
        "what's",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "won't",
        "would",
        "wouldn't",
        "yet",
        "you",
        "you're",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "url",
        "user",
        "also",
        "been",
        "being",
        "get",
        "gets",
        "getting",
        "got",
        "make",
        "made",
        "many",
        "thing",
        "things",
        "way",
        "well",
        "lot",
        "lots",
        "would",
        "could",
        "should",
    ]
)
ZH_STOPWORDS = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "她们",
        "它们",
        "这个",
        "那个",
        "这些",
        "那些",
        "一个",
        "一些",
        "一下",
        "一次",
        "一点",
        "没有",
        "什么",
        "怎么",
        "因为",
        "所以",
        "但是",
        "而且",
        "还是",
        "就是",
        "可以",
        "自己",
        "已经",
        "觉得",
        "感觉",
        "真的",
        "非常",
        "这样",
        "那样",
        "时候",
        "现在",
        "知道",
        "然后",
        "如果",
        "虽然",
        "不过",
        "只是",
        "还有",
        "其他",
        "这么",
        "那么",
        "所有",
        "还是",
        "以后",
        "之后",
        "之前",
        "以前",
        "一直",
        "有点",
        "比较",
        "特别",
        "应该",
        "可能",
        "需要",
        "不是",
        "不会",
        "不能",
        "这次",
        "下次",
        "一般",
        "东西",
    ]
)


@lru_cache(maxsize=1)
def _jieba_words() -> tuple[str, ...]:
    """Frequent 2-4 character words from jieba's bundled dictionary (empty if jieba is not installed)."""
    try:
        import jieba
    except ImportError:  # pragma: no cover - jieba is a declared dependency
        return ()
    path = Path(jieba.__file__).resolve().parent / "dict.txt"
    words = pl.read_csv(
        path,
        separator=" ",
        has_header=False,
        new_columns=["w", "f", "p"],
        quote_char=None,
        schema_overrides={"w": pl.String, "f": pl.Int64, "p": pl.String},
    )
    keep = words.filter((pl.col("f") >= JIEBA_MIN_FREQ) & pl.col("w").str.len_chars().is_between(2, 4))
    return tuple(keep["w"].to_list())


def zh_vocabulary(extra: list[str] | tuple[str, ...] = ()) -> pl.Series:
    """Segmentation dictionary, longest first (so leftmost-first matching is maximum matching)."""
    words = pl.Series("w", [*_jieba_words(), *extra], dtype=pl.String).unique()
    words = words.filter(words.str.contains(r"\p{Han}"))
    return (
        pl.DataFrame({"w": words})
        .sort([pl.col("w").str.len_chars(), pl.col("w")], descending=[True, False])
        .get_column("w")
    )


def segment_zh(expr: pl.Expr, vocabulary: pl.Series | None = None) -> pl.Expr:
    """Dictionary words found in Chinese text by forward maximum matching (characters outside the
    dictionary are skipped). Vectorised: one Aho-Corasick pass over the whole column."""
    vocab = vocabulary if vocabulary is not None else zh_vocabulary()
    return expr.fill_null("").str.extract_many(pl.lit(vocab).implode(), leftmost=True)


def keyword_rows(
    texts: pl.DataFrame,
    topic_hits: pl.DataFrame,
    lexicon_terms: pl.Series,
    zh_vocab: pl.Series,
) -> tuple[np.ndarray, pl.Series]:
    """Keywords of texts (row, text, language, mtext) as flat (row ids, words), rows ascending and each
    row's words best first; topic_hits (row, pattern, weight) in the order the patterns matched in each
    text.

    Candidates in order of preference: a row's matched topic keywords (heaviest first; equal weights in
    the order they matched, i.e. where they end in the text), its lexicon words, its other words (both in
    text order). Ordering is one stable argsort on row * 3 + rank (topic hits are put in weight order
    first; words already are in text order), and "each word once per row" compares u64 keys of the words
    (see text.first_in_run), so no string is sorted or compared.
    """
    from_topics = topic_hits.sort("row", "weight", descending=[False, True], maintain_order=True).select(
        "row", kw=pl.col("pattern").str.strip_chars()
    )
    en = (
        texts.filter(pl.col("language") != "zh")
        .select("row", kw=pl.col("mtext").str.split(" "))
        .explode("kw", keep_nulls=False, empty_as_null=False)
        .filter(pl.col("kw").str.len_bytes() >= 3)  # cheap first: most words go here or as stopwords
        .filter(~pl.col("kw").is_in(list(EN_STOPWORDS)))
        .filter(pl.col("kw").str.contains(r"^[a-z][a-z']{2,}$"))
    )
    zh = (
        texts.filter(pl.col("language") == "zh")
        .select("row", kw=segment_zh(pl.col("text"), zh_vocab))
        .explode("kw", keep_nulls=False, empty_as_null=False)
        .filter(~pl.col("kw").is_in(list(ZH_STOPWORDS)))
    )
    cand = pl.concat([from_topics, en, zh]).select(
        "row", "kw", h=pl.col("kw").hash(KEY_SEED), lex=pl.col("kw").is_in(lexicon_terms.implode())
    )
    row = cand["row"].to_numpy().astype(np.int64)
    rank = np.where(cand["lex"].to_numpy(), 1, 2)
    rank[: from_topics.height] = 0
    order = np.argsort(row * 3 + rank, kind="stable")
    row = row[order]
    with np.errstate(over="ignore"):
        pair = cand["h"].to_numpy()[order] * np.uint64(1_000_003) + row.astype(np.uint64)
    keep = order[first_in_run(row, pair)]
    row = cand["row"].to_numpy()[keep]
    # Position inside the row (rows are contiguous after the sort): at most MAX_KEYWORDS per row.
    top = keep[index_in_run(row) < MAX_KEYWORDS]
    return cand["row"].to_numpy()[top], cand["kw"].gather(top)


def extract_keywords(
    texts: pl.DataFrame,
    topic_hits: pl.DataFrame,
    lexicon_terms: pl.Series,
    zh_vocab: pl.Series,
) -> pl.DataFrame:
    """(row, keywords) for the rows of texts (row, text, language, mtext) that have keywords; topic_hits
    (row, pattern, weight) in the order the patterns matched in each text. See keyword_rows()."""
    rows, words = keyword_rows(texts, topic_hits, lexicon_terms, zh_vocab)
    present, counts = np.unique(rows, return_counts=True)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), words.to_arrow())
    return pl.DataFrame({"row": pl.Series(present, dtype=pl.UInt32), "keywords": pl.from_arrow(lists)})
