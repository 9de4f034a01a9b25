"""Topics, feedback type and urgency from the keyword seeds, matched with one Aho-Corasick pass.

Every pattern of topic_keywords.csv, urgency_keywords.csv and feedback_type_cues.csv is matched in a single
`str.extract_many` call (Rust Aho-Corasick over all rows); matched patterns become ids (an Enum cast) and
seed rows are reached by index arrays, so topic scores, type cues and urgency are numpy sums per text.
Matching rules, so analysts can predict what a keyword does:
- text and keywords are lower-cased, punctuation becomes a space ("?" stays a token), spaces collapse;
- an ASCII keyword matches whole words ("app" does not fire on "happy"); a trailing "*" matches any word
  ending ("refund*" = refund, refunds, refunded);
- a Chinese keyword matches as a substring (Chinese has no spaces between words);
- each keyword counts once per text; a topic is assigned when its keywords' weights sum to >= the
  threshold (1.0 by default), so weight-0.5 keywords need a second cue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from analytics.text import first_in_run, index_in_run, list_column

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


def match_texts(texts: pl.Series) -> pl.Series:
    """match_text() of a Series; the space-collapsing regex runs only on the texts that have a double
    space (one literal scan finds them)."""
    cleaned = (
        texts.cast(pl.String)
        .fill_null("")
        .str.to_lowercase()
        .str.replace_many(list(_MATCH_REPLACE), list(_MATCH_REPLACE.values()))
    )
    idx = cleaned.str.contains("  ", literal=True).arg_true()
    if len(idx):
        cleaned = cleaned.scatter(idx, cleaned.gather(idx).str.replace_all(r" {2,}", " "))
    return pl.DataFrame({"t": cleaned}).select(pl.lit(" ") + pl.col("t") + pl.lit(" ")).to_series().rename(texts.name)


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


@dataclass(frozen=True)
class PatternIndex:
    """pattern_table() prepared for matching by ids: the distinct patterns (sorted: the order extract_many
    sees them in), and per pattern id its rows of the table (CSR: table rows starts[i]:starts[i+1] of
    `table`, which is sorted by pattern) with role / target / weight as arrays."""

    patterns: pl.Series
    starts: np.ndarray
    counts: np.ndarray
    table: pl.DataFrame
    role: np.ndarray  # code into ROLES
    weight: np.ndarray
    target: pl.Series

    @classmethod
    def build(cls, table: pl.DataFrame) -> PatternIndex:
        t = table.sort("pattern", maintain_order=True)
        patterns = t["pattern"].unique().sort()
        ids = t["pattern"].cast(pl.Enum(patterns.to_list())).to_physical().to_numpy().astype(np.int64)
        counts = np.bincount(ids, minlength=len(patterns))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        role = t["role"].replace_strict({r: i for i, r in enumerate(ROLES)}, return_dtype=pl.Int8).to_numpy()
        return cls(patterns, starts, counts, t, role, t["weight"].to_numpy().astype(np.float64), t["target"])


ROLES = ("topic", "urgency", "type")


@dataclass(frozen=True)
class Hits:
    """Seed-table rows matched per text, in the order the patterns matched (each pattern once per text):
    row (text index), entry (row of PatternIndex.table)."""

    row: np.ndarray
    entry: np.ndarray


def match_index(mtext: pl.Series, index: PatternIndex) -> Hits:
    """All patterns of `index` in every match_text() text: one Aho-Corasick pass, matches turned into
    pattern ids by an Enum cast, repeats inside a text dropped by comparing (row, id) keys."""
    if len(index.patterns) == 0:
        return Hits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    found = (
        pl.DataFrame({"t": mtext})
        .select(
            row=pl.int_range(pl.len(), dtype=pl.UInt32),
            p=pl.col("t").str.extract_many(pl.lit(index.patterns).implode(), overlapping=True),
        )
        .explode("p", keep_nulls=False, empty_as_null=False)
    )
    row = found["row"].to_numpy().astype(np.int64)
    pid = found["p"].cast(pl.Enum(index.patterns.to_list())).to_physical().to_numpy().astype(np.int64)
    first = first_in_run(row, (row.astype(np.uint64) << np.uint64(32)) | pid.astype(np.uint64))
    row, pid = row[first], pid[first]
    cnt = index.counts[pid]
    hit = np.repeat(np.arange(len(pid)), cnt)
    within = np.arange(len(hit)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return Hits(row[hit], index.starts[pid][hit] + within)


def role_sums(hits: Hits, index: PatternIndex, role: str, target: str, n: int) -> np.ndarray:
    """Per text, the summed weight of its matched seed entries of one role and target."""
    sel = (index.role[hits.entry] == ROLES.index(role)) & (index.target.to_numpy()[hits.entry] == target)
    return np.bincount(hits.row[sel], weights=index.weight[hits.entry[sel]], minlength=n)


def urgency_ranks(hits: Hits, index: PatternIndex, n: int) -> np.ndarray:
    """Per text, the highest URGENCY_RANK of its matched urgency keywords (0 without any)."""
    sel = index.role[hits.entry] == ROLES.index("urgency")
    rank = index.target.replace_strict(URGENCY_RANK, default=0, return_dtype=pl.Int64).fill_null(0).to_numpy()
    out = np.zeros(n, dtype=np.int64)
    np.maximum.at(out, hits.row[sel], rank[hits.entry[sel]])
    return out


def topic_columns(hits: Hits, index: PatternIndex, taxonomy: pl.DataFrame, threshold: float, n: int) -> dict:
    """topics (List[Struct{topic_l1, topic_l2}], best first: score desc, then taxonomy order), topic_l1 /
    topic_l2 of the best topic ('other' when none) and that topic's default urgency rank (0 when none),
    for all n texts. A topic counts when its matched keywords' weights sum to >= threshold; targets that
    are not in the taxonomy are ignored."""
    tax = taxonomy.select("topic_l1", "topic_l2", "topic_order", "default_urgency")
    if tax.height == 0:  # no taxonomy: no topics (one placeholder row keeps the gathers below valid)
        placeholder = {"topic_l1": ["other"], "topic_l2": ["other"], "topic_order": [0], "default_urgency": [None]}
        tax = pl.DataFrame(placeholder, schema=tax.schema)
        hits = Hits(hits.row[:0], hits.entry[:0])
    topic_of = dict(zip(tax["topic_l2"].to_list(), range(tax.height), strict=True))
    code = index.target.replace_strict(topic_of, default=-1, return_dtype=pl.Int64).to_numpy()
    sel = (index.role[hits.entry] == ROLES.index("topic")) & (code[hits.entry] >= 0)
    n_topics = max(tax.height, 1)
    key = hits.row[sel] * n_topics + code[hits.entry[sel]]
    uniq, inv = np.unique(key, return_inverse=True)
    score = np.bincount(inv, weights=index.weight[hits.entry[sel]], minlength=len(uniq))
    ok = score >= threshold
    uniq, score = uniq[ok], score[ok]
    row, topic = uniq // n_topics, uniq % n_topics
    order = np.lexsort((tax["topic_order"].to_numpy()[topic], -score, row))
    row, topic = row[order], topic[order]
    l1, l2 = tax["topic_l1"].gather(topic), tax["topic_l2"].gather(topic)
    structs = pl.DataFrame({"topic_l1": l1, "topic_l2": l2}).to_struct("topics")
    best = np.flatnonzero(index_in_run(row) == 0)
    has = np.zeros(n, dtype=bool)
    has[row[best]] = True
    top = np.zeros(n, dtype=np.int64)
    top[row[best]] = topic[best]
    urgency = (
        tax["default_urgency"].replace_strict(URGENCY_RANK, default=0, return_dtype=pl.Int64).fill_null(0).to_numpy()
    )
    other = pl.lit("other")
    firsts = pl.DataFrame({"has": has, "l1": tax["topic_l1"].gather(top), "l2": tax["topic_l2"].gather(top)})
    firsts = firsts.select(
        topic_l1=pl.when("has").then("l1").otherwise(other), topic_l2=pl.when("has").then("l2").otherwise(other)
    )
    return {
        "topics": list_column("topics", row, structs, n),
        "topic_l1": firsts["topic_l1"],
        "topic_l2": firsts["topic_l2"],
        "topic_urgency": np.where(has, urgency[top], 0),
    }
