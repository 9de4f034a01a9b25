"""Sentiment: a linear model over n-gram, negation and lexicon features, scored as Polars joins.

Per language the model is two logistic regressions over the same features:
- polarity (positive vs negative), trained on every labelled positive/negative row of that language;
- subjectivity (polar vs neutral), trained on the rows that have a neutral class (English tweets).
sentiment_score = P(polar) * (2 * P(positive | polar) - 1): it lies in [-1, 1] and has the sign of the
polarity model. A text is neutral when |score| < the neutral band stored with the model. Chinese has no
neutral training data, so P(polar) = 1 there and neutral means "weak or no evidence".

Features (MODEL.md says why each is there):
- "u" unigram, or "n" when the token is inside a negation scope (up to 3 tokens after a negator, same
  clause): "not good" fires n:good, which learns a negative weight;
- "b" bigrams inside a clause (Chinese: adjacent characters, i.e. character bigrams);
- "x" lex_pos / lex_neg: sums of general-purpose lexicon valences (seeds sentiment_lexicon_*.csv), flipped
  by negators and scaled by intensifiers/diminishers (sentiment_lexicon_modifiers.csv). They carry
  sentiment words the training data never saw, which keeps the model useful on other domains.
Every value is multiplied by the contrast weight of its token (text.token_frame) and the row's features by
1/sqrt(token count), so long and short texts get comparable scores.

Inference never builds feature strings: tokens are hashed once, n-gram keys are combined hashes, and the
model is two joins plus a group-by. Training (analytics.training) uses the same token frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from analytics import text as tx

NEG_WINDOW = 3  # tokens after a negator that it flips; VADER uses the same window
W_PRE = 0.5  # weight of the clause before "but" / inside "although" (chosen out of fold, MODEL.md)
W_POST = 1.5  # weight of the clause after "but"
LEX_FEATURES = ("lex_pos", "lex_neg")
PREFIX_LEN = 5
FEATURE_KINDS: dict[str, bool] = {}
_U64 = pl.UInt64


@dataclass(frozen=True)
class LanguageRules:
    """Lexicon and modifier words for one language (from the sentiment_lexicon_* seeds)."""

    language: str
    lexicon: pl.DataFrame  # term (str), valence (f64, -4..4)
    negators: tuple[str, ...]
    negator_exceptions: tuple[str, ...] = ()
    modifiers: dict[str, float] = field(default_factory=dict)  # intensifier/diminisher → factor
    negation_factor: float = -0.74  # VADER's value: "not good" is weaker than "bad"

    @property
    def token_lang(self) -> str:
        return "zh" if self.language == "zh" else "en"

    @cached_property
    def lexicon_keys(self) -> pl.DataFrame:
        """key, n, valence of lexicon terms (n = tokens in the term)."""
        keys = tx.term_keys(self.lexicon["term"], self.token_lang)
        return (
            keys.join(self.lexicon.select("term", "valence"), on="term", how="left")
            .group_by("key", "n")
            .agg(pl.col("valence").mean())
            .sort("key")
        )

    @cached_property
    def negator_keys(self) -> pl.Series:
        return tx.term_keys(pl.Series(list(self.negators), dtype=pl.String), self.token_lang)["key"]

    @cached_property
    def exception_keys(self) -> pl.Series:
        return tx.term_keys(pl.Series(list(self.negator_exceptions), dtype=pl.String), self.token_lang)["key"]

    @cached_property
    def modifier_keys(self) -> dict[int, float]:
        terms = pl.Series(list(self.modifiers), dtype=pl.String)
        keys = tx.term_keys(terms, self.token_lang)
        return dict(zip(keys["key"].to_list(), [self.modifiers[t] for t in keys["term"]], strict=True))


def sentiment_tokens(texts: pl.DataFrame, rules: LanguageRules) -> pl.DataFrame:
    """Token frame with negation, modifier and n-gram keys for texts (row 0..n-1, text).

    Columns: row, tok, h, w, content (a feature-bearing token), negated, factor, b (bigram key or null),
    nxt (next token), and for Chinese g3/g4 (tri/four-gram keys, lexicon lookups only).
    """
    toks = tx.token_frame(texts, rules.token_lang, W_PRE, W_POST)
    h = pl.col("h")
    clause = pl.col("clause")

    def same(k: int) -> pl.Expr:
        return (clause.shift(-k) == clause).fill_null(False)

    is_neg = h.is_in(rules.negator_keys.implode())
    b = pl.when(same(1) & ~pl.col("boundary")).then(tx.combine(h, h.shift(-1)))
    tok = pl.col("tok")
    toks = toks.with_columns(b=b, nxt=pl.when(same(1) & ~pl.col("boundary")).then(tok.shift(-1)))
    if rules.language == "zh":
        toks = toks.with_columns(nxt2=pl.when(pl.col("nxt").is_not_null() & same(2)).then(tok.shift(-1) + tok.shift(-2)))
    else:
        toks = toks.with_columns(pre=pl.when(tok.str.len_chars() > PREFIX_LEN).then(tok.str.slice(0, PREFIX_LEN)))
    if rules.language == "zh":
        g3 = pl.when(same(2)).then(tx.combine(pl.col("b"), h.shift(-2)))
        toks = toks.with_columns(g3=g3).with_columns(
            g4=pl.when(same(3)).then(tx.combine(pl.col("g3"), h.shift(-3)))
        )
        if len(rules.negator_exceptions):
            # Chinese negators are single characters; "非常" (very), "不仅" (not only) are not negations.
            exc = rules.exception_keys.implode()
            is_neg = is_neg & ~pl.col("b").is_in(exc).fill_null(False) & ~pl.col("g3").is_in(exc).fill_null(
                False
            )
    # Two-character negators (毫无, 并非) are matched on the bigram that starts at the token.
    is_neg = is_neg | pl.col("b").is_in(rules.negator_keys.implode()).fill_null(False)
    toks = toks.with_columns(is_neg=is_neg)
    negated = pl.lit(False)
    for k in range(1, NEG_WINDOW + 1):
        negated = negated | (pl.col("is_neg").shift(k) & (clause.shift(k) == clause)).fill_null(False)
    mods = rules.modifier_keys
    prev1 = pl.when(clause.shift(1) == clause).then(h.shift(1))
    prev2 = pl.when(clause.shift(2) == clause).then(tx.combine(h.shift(2), h.shift(1)))
    factor = (
        prev1.replace_strict(mods, default=None, return_dtype=pl.Float64)
        .fill_null(prev2.replace_strict(mods, default=None, return_dtype=pl.Float64))
        .fill_null(1.0)
    )
    return toks.with_columns(
        negated=negated & ~pl.col("is_neg"),
        factor=factor,
        content=~pl.col("sentinel"),
    ).drop("is_neg", "sentinel", "clause", "boundary")


def lexicon_values(toks: pl.DataFrame, rules: LanguageRules) -> pl.DataFrame:
    """Lexicon hits (row, val): valence x negation flip x modifier x contrast weight, per matching n-gram
    that starts at a token (English: unigrams; Chinese: 1- to 4-character terms)."""
    lex = rules.lexicon_keys
    flip = pl.when(pl.col("negated")).then(rules.negation_factor).otherwise(1.0)
    cols = {1: "h", 2: "b", 3: "g3", 4: "g4"}
    parts = []
    for n, col in cols.items():
        if col not in toks.columns:
            continue
        table = lex.filter(pl.col("n") == n).select(pl.col("key").alias(col), "valence")
        if table.height == 0:
            continue
        parts.append(
            toks.select("row", col, "w", "negated", "factor").join(table, on=col, how="inner").select(
                "row", val=pl.col("valence") * flip * pl.col("factor") * pl.col("w")
            )
        )
    if not parts:
        return pl.DataFrame(schema={"row": pl.UInt32, "val": pl.Float64})
    return pl.concat(parts)


def row_scale(toks: pl.DataFrame) -> pl.DataFrame:
    """row, scale = 1/sqrt(number of content tokens)."""
    return (
        toks.filter(pl.col("content"))
        .group_by("row")
        .agg(scale=1.0 / pl.len().cast(pl.Float64).sqrt())
    )


@dataclass(frozen=True)
class SentimentModel:
    """Both linear models of one language. `weights` has kind (u/n/b/x), t1, t2, pol, subj."""

    language: str
    rules: LanguageRules
    weights: pl.DataFrame
    pol_intercept: float
    subj_intercept: float | None  # None: no neutral training data, P(polar) = 1
    neutral_band: float

    @cached_property
    def _tables(self) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, tuple[float, float]]]:
        lang = self.rules.token_lang
        w = self.weights
        t1 = tx.term_keys(w["t1"].fill_null(""), lang)["key"]
        pair = (w["t1"].fill_null("") + ("" if lang == "zh" else " ") + w["t2"].fill_null(""))
        t12 = tx.term_keys(pair, lang)["key"]
        w = w.with_columns(k1=t1, k12=t12)
        uni = (
            w.filter(pl.col("kind") == "u")
            .select(h=pl.col("k1"), pol_u=pl.col("pol"), subj_u=pl.col("subj"))
            .join(
                w.filter(pl.col("kind") == "n").select(h=pl.col("k1"), pol_n=pl.col("pol"), subj_n=pl.col("subj")),
                on="h",
                how="full",
                coalesce=True,
            )
            .with_columns(pl.col("pol_u", "subj_u", "pol_n", "subj_n").fill_null(0.0))
        )
        bi = w.filter(pl.col("kind") == "b").select(b=pl.col("k12"), pol_b=pl.col("pol"), subj_b=pl.col("subj"))
        x = {
            r["t1"]: (r["pol"], r["subj"]) for r in w.filter(pl.col("kind") == "x").iter_rows(named=True)
        }
        return uni, bi, x

    def score(self, texts: pl.DataFrame) -> pl.DataFrame:
        """(row, sentiment_score, sentiment_label) for texts (row 0..n-1 UInt32, text)."""
        uni, bi, x = self._tables
        toks = sentiment_tokens(texts, self.rules)
        content = toks.filter(pl.col("content"))
        neg = pl.col("negated")
        w = pl.col("w")
        contrib = (
            content.select("row", "h", "b", "w", "negated")
            .join(uni, on="h", how="left")
            .join(bi, on="b", how="left")
            .select(
                "row",
                pol=w * (pl.when(neg).then(pl.col("pol_n")).otherwise(pl.col("pol_u")).fill_null(0.0)
                         + pl.col("pol_b").fill_null(0.0)),
                subj=w * (pl.when(neg).then(pl.col("subj_n")).otherwise(pl.col("subj_u")).fill_null(0.0)
                          + pl.col("subj_b").fill_null(0.0)),
            )
        )
        lex = lexicon_values(toks, self.rules)
        lp_pol, lp_subj = x.get("lex_pos", (0.0, 0.0))
        ln_pol, ln_subj = x.get("lex_neg", (0.0, 0.0))
        v = pl.col("val")
        lex_contrib = lex.select(
            "row",
            pol=pl.when(v > 0).then(v * lp_pol).otherwise(-v * ln_pol),
            subj=pl.when(v > 0).then(v * lp_subj).otherwise(-v * ln_subj),
        )
        z = (
            pl.concat([contrib, lex_contrib])
            .group_by("row")
            .agg(pl.col("pol").sum(), pl.col("subj").sum())
            .join(row_scale(toks), on="row", how="left")
        )
        out = (
            texts.select("row")
            .join(z, on="row", how="left", maintain_order="left")
            .with_columns(pl.col("pol", "subj").fill_null(0.0), pl.col("scale").fill_null(1.0))
        )
        p_pos = _sigmoid(pl.col("pol") * pl.col("scale") + self.pol_intercept)
        if self.subj_intercept is None:
            p_polar: pl.Expr = pl.lit(1.0)
        else:
            p_polar = _sigmoid(pl.col("subj") * pl.col("scale") + self.subj_intercept)
        score = (p_polar * (2.0 * p_pos - 1.0)).clip(-1.0, 1.0)
        return out.select("row", sentiment_score=score).with_columns(
            sentiment_label=label_expr(pl.col("sentiment_score"), self.neutral_band)
        )


def _sigmoid(z: pl.Expr) -> pl.Expr:
    return 1.0 / (1.0 + (-z).exp())


def label_expr(score: pl.Expr, band: float) -> pl.Expr:
    """negative / neutral / positive from a score and the neutral band."""
    return (
        pl.when(score <= -band)
        .then(pl.lit("negative"))
        .when(score >= band)
        .then(pl.lit("positive"))
        .otherwise(pl.lit("neutral"))
    )


def training_features(texts: pl.DataFrame, rules: LanguageRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Long feature table (row, fid, val) and feature names (fid, kind, t1, t2) for training.

    `fid` is a string id ("kind\\tt1\\tt2") so vocabularies sort stably; values are summed per (row, fid)
    and scaled exactly as SentimentModel.score does, so a weight learned here is a weight applied there.
    """
    toks = sentiment_tokens(texts, rules)
    content = toks.filter(pl.col("content"))
    uni = content.select(
        "row",
        "w",
        kind=pl.when(pl.col("negated")).then(pl.lit("n")).otherwise(pl.lit("u")),
        t1="tok",
        t2=pl.lit(None, dtype=pl.String),
    )
    bi = content.filter(pl.col("nxt").is_not_null()).select(
        "row", "w", kind=pl.lit("b"), t1="tok", t2="nxt"
    )
    extra = []
    if "nxt2" in toks.columns:
        extra.append(content.filter(pl.col("nxt2").is_not_null()).select("row", "w", kind=pl.lit("t"), t1="tok", t2="nxt2"))
    if "pre" in toks.columns and FEATURE_KINDS.get("p", True):
        extra.append(content.filter(pl.col("pre").is_not_null()).select("row", "w", kind=pl.lit("p"), t1="pre", t2=pl.lit(None, dtype=pl.String)))
    lex = lexicon_values(toks, rules).select(
        "row",
        w=pl.col("val").abs(),
        kind=pl.lit("x"),
        t1=pl.when(pl.col("val") > 0).then(pl.lit("lex_pos")).otherwise(pl.lit("lex_neg")),
        t2=pl.lit(None, dtype=pl.String),
    )
    allf = pl.concat([uni, bi, *extra, lex]).with_columns(
        fid=pl.concat_str([pl.col("kind"), pl.col("t1"), pl.col("t2").fill_null("")], separator="\t")
    )
    names = allf.select("fid", "kind", "t1", "t2").unique("fid").sort("fid")
    long = (
        allf.group_by("row", "fid")
        .agg(val=pl.col("w").sum())
        .join(row_scale(toks), on="row", how="left")
        .select("row", "fid", val=pl.col("val") * pl.col("scale").fill_null(1.0))
        .sort("row", "fid")
    )
    return long, names
