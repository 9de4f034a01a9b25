"""Sentiment: a linear model over n-gram, negation and lexicon features, scored as a Polars join.

Per language the model is two logistic regressions over the same features:
- polarity  (positive vs negative), trained on every labelled positive/negative row of that language;
- subjectivity (polar vs neutral), trained on the rows that have a neutral class (English tweets).
sentiment_score = P(polar) * (2 * P(positive | polar) - 1), which lies in [-1, 1] and has the sign of the
polarity model. A text is neutral when |score| < the neutral band stored with the model.

Features (see MODEL.md for why each is there):
- "u:<tok>" unigram, or "n:<tok>" when the token is inside a negation scope (up to 3 tokens after a
  negator, same clause);
- "b:<tok1> <tok2>" bigrams inside a clause (Chinese: adjacent characters, i.e. character bigrams);
- "x:lex_pos" / "x:lex_neg": the sum of general-purpose lexicon valences (seeds sentiment_lexicon_*.csv),
  flipped by negators and scaled by intensifiers/diminishers (sentiment_lexicon_modifiers.csv). They carry
  sentiment words the training data never saw, which is what keeps the model useful on other domains.
Every feature value is multiplied by the contrast weight of its segment (text.contrast_segments) and divided
by sqrt(token count) so long and short texts get comparable scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analytics import text as tx

NEG_WINDOW = 3  # tokens after a negator that it flips; VADER uses the same window for English
# Contrast weights (before "but" / inside "although", after "but" / main clause); chosen out of fold, MODEL.md.
W_PRE = 0.5
W_POST = 1.5


@dataclass(frozen=True)
class LanguageRules:
    """Lexicon and modifier words for one language (from the sentiment_lexicon_* seeds)."""

    language: str
    lexicon: pl.DataFrame  # term (str), valence (f64, -4..4)
    negators: tuple[str, ...]
    negator_exceptions: tuple[str, ...]
    modifiers: dict[str, float]  # intensifier / diminisher → factor applied to the next lexicon word
    negation_factor: float = -0.74

    @property
    def joiner(self) -> str:
        # Chinese bigrams are written without a space so "不错" matches the lexicon term directly.
        return "" if self.language == "zh" else " "


@dataclass(frozen=True)
class SentimentModel:
    """Weights of both linear models for one language, keyed by feature string."""

    language: str
    weights: pl.DataFrame  # feat (str), pol (f64), subj (f64)
    pol_intercept: float
    subj_intercept: float | None  # None: no neutral training data, P(polar) = 1
    neutral_band: float


def token_table(norm: pl.DataFrame, rules: LanguageRules) -> pl.DataFrame:
    """Tokens of normalised texts (columns row, norm) with negation and modifier flags."""
    segs = tx.contrast_segments(norm, rules.language, W_PRE, W_POST)
    toks = tx.tokenise(segs)
    tok = pl.col("tok")
    clause = pl.col("clause")
    is_neg = tok.is_in(list(rules.negators))
    if rules.negator_exceptions:
        # Chinese negators are single characters; "非常" (very) or "不仅" (not only) are not negations.
        nxt = tok + tok.shift(-1).fill_null("")
        nxt2 = nxt + tok.shift(-2).fill_null("")
        exc = list(rules.negator_exceptions)
        is_neg = is_neg & ~nxt.is_in(exc) & ~nxt2.is_in(exc)
    toks = toks.with_columns(is_neg=is_neg)
    negated = pl.lit(False)
    for k in range(1, NEG_WINDOW + 1):
        negated = negated | (pl.col("is_neg").shift(k).fill_null(False) & (clause.shift(k) == clause))
    prev1 = pl.when(clause.shift(1) == clause).then(tok.shift(1))
    prev2 = pl.when(clause.shift(2) == clause).then(tok.shift(2) + rules.joiner + tok.shift(1))
    mods = rules.modifiers
    factor = (
        prev1.replace_strict(mods, default=None, return_dtype=pl.Float64)
        .fill_null(prev2.replace_strict(mods, default=None, return_dtype=pl.Float64))
        .fill_null(1.0)
    )
    return toks.with_columns(negated=negated & ~pl.col("is_neg"), factor=factor)


def feature_table(norm: pl.DataFrame, rules: LanguageRules) -> pl.DataFrame:
    """Long feature table (row, feat, val) for normalised texts (row, norm), summed per (row, feat)."""
    toks = token_table(norm, rules)
    tok = pl.col("tok")
    same_next = pl.col("clause").shift(-1) == pl.col("clause")
    content = toks.filter(~pl.col("boundary"))
    uni = content.select(
        "row", "w", feat=pl.when(pl.col("negated")).then(pl.lit("n:") + tok).otherwise(pl.lit("u:") + tok)
    )
    bi = toks.select(
        "row",
        "w",
        feat=pl.when(same_next & ~pl.col("boundary")).then(pl.lit("b:") + tok + rules.joiner + tok.shift(-1)),
    ).drop_nulls("feat")
    lex = _lexicon_hits(toks, rules)
    lex_feats = lex.select(
        "row",
        w=pl.col("val").abs(),
        feat=pl.when(pl.col("val") > 0).then(pl.lit("x:lex_pos")).otherwise(pl.lit("x:lex_neg")),
    )
    n_tok = content.group_by("row").agg(scale=1.0 / pl.len().cast(pl.Float64).sqrt())
    return (
        pl.concat([uni, bi, lex_feats])
        .group_by("row", "feat")
        .agg(val=pl.col("w").sum())
        .join(n_tok, on="row", how="left")
        .select("row", "feat", val=pl.col("val") * pl.col("scale").fill_null(1.0))
    )


def _lexicon_hits(toks: pl.DataFrame, rules: LanguageRules) -> pl.DataFrame:
    """Lexicon matches (row, val) with negation, modifier and contrast weights applied.

    English terms are single tokens; Chinese terms are matched as character uni-, bi- and tri-grams.
    """
    tok = pl.col("tok")
    flip = pl.when(pl.col("negated")).then(rules.negation_factor).otherwise(1.0)
    grams = [toks.select("row", "w", "negated", "factor", term=tok)]
    if rules.language == "zh":
        for n in (2, 3):
            gram = tok
            same = pl.lit(True)
            for k in range(1, n):
                gram = gram + tok.shift(-k)
                same = same & (pl.col("clause").shift(-k) == pl.col("clause"))
            grams.append(
                toks.select("row", "w", "negated", "factor", term=pl.when(same).then(gram)).drop_nulls("term")
            )
    hits = pl.concat(grams).join(rules.lexicon, on="term", how="inner")
    return hits.select("row", val=pl.col("valence") * flip * pl.col("factor") * pl.col("w"))


def score_features(feats: pl.DataFrame, model: SentimentModel, n_rows: int) -> pl.DataFrame:
    """Scores (row, sentiment_score) for rows 0..n_rows-1 from a feature table and a model."""
    z = (
        feats.join(model.weights, on="feat", how="inner")
        .group_by("row")
        .agg(pol=(pl.col("val") * pl.col("pol")).sum(), subj=(pl.col("val") * pl.col("subj")).sum())
    )
    rows = pl.DataFrame({"row": pl.arange(0, n_rows, dtype=pl.UInt32, eager=True)})
    out = rows.join(z, on="row", how="left").with_columns(pl.col("pol", "subj").fill_null(0.0))
    p_pos = 1.0 / (1.0 + (-(pl.col("pol") + model.pol_intercept)).exp())
    if model.subj_intercept is None:
        p_polar = pl.lit(1.0)
    else:
        p_polar = 1.0 / (1.0 + (-(pl.col("subj") + model.subj_intercept)).exp())
    return out.select("row", sentiment_score=(p_polar * (2.0 * p_pos - 1.0)).clip(-1.0, 1.0))


def label_expr(score: pl.Expr, band: pl.Expr | float) -> pl.Expr:
    """negative / neutral / positive from a score and the neutral band."""
    return (
        pl.when(score <= -band)
        .then(pl.lit("negative"))
        .when(score >= band)
        .then(pl.lit("positive"))
        .otherwise(pl.lit("neutral"))
    )
