"""Sentiment: a linear model over n-gram, negation and lexicon features, scored as Polars joins.

Per language the model is two linear classifiers over the same features:
- polarity (positive vs negative), trained on every labelled positive/negative row of that language;
- subjectivity (polar vs neutral), trained on the rows that have a neutral class (English tweets).
sentiment_score = P(polar) * (2 * P(positive | polar) - 1): it lies in [-1, 1] and has the sign of the
polarity model. A text is neutral when |score| < the neutral band stored with the model. Chinese has no
neutral training data, so P(polar) = 1 there and neutral means "weak or no evidence".

Features (MODEL.md says why each is there):
- "u" unigram, or "n" when the token is inside a negation scope (up to 3 tokens after a negator, same
  clause): "not good" fires n:good, which learns a negative weight;
- "b" bigrams inside a clause (Chinese: character bigrams), "t" character trigrams (Chinese only), "p" the
  first 5 letters of longer English words (a free stemmer: "disappointing" ~ "disappointed");
- "x" lex_pos / lex_neg: sums of general-purpose lexicon valences (seeds sentiment_lexicon_*.csv), flipped
  by negators and scaled by intensifiers/diminishers (sentiment_lexicon_modifiers.csv). They carry
  sentiment words the training data never saw, which keeps the model useful on other domains.
Each occurrence counts its token's contrast weight (text.token_frame); a row's feature sum is divided by
sqrt(token count) so long and short texts get comparable scores.

Inference never builds feature strings: tokens are hashed once, n-gram keys are combined hashes, and the
model is a few hash joins plus one group-by, all in one lazy Polars query. Training uses the same token
frame (plus the token strings) so a weight learned there is the weight applied here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from analytics import text as tx

NEG_WINDOW = 3  # tokens after a negator that it flips; VADER uses the same window
W_PRE = 0.5  # weight of the clause before "but" / inside "although" (chosen out of fold, MODEL.md)
W_POST = 1.5  # weight of the clause after "but"
PREFIX_LEN = 5
_PREFIX_SALT = 0x5BD1E9955BD1E995  # keeps prefix keys apart from unigram keys of the same string
NEG_SALT = 0xC2B2AE3D27D4EB4F  # n-grams that start inside a negation scope get their own keys
_U64 = pl.UInt64
_EMPTY_KEYS = pl.Series("key", [], dtype=_U64)


@dataclass(frozen=True)
class LanguageRules:
    """Lexicon and modifier words for one language (from the sentiment_lexicon_* seeds)."""

    language: str
    lexicon: pl.DataFrame  # term (str), valence (f64, -4..4)
    negators: tuple[str, ...]
    negator_exceptions: tuple[str, ...] = ()
    modifiers: dict[str, float] = field(default_factory=dict)  # intensifier/diminisher → factor
    contrast_but: tuple[str, ...] = ()
    contrast_although: tuple[str, ...] = ()
    negation_factor: float = -0.74  # VADER's value: "not good" is weaker than "bad"

    @property
    def token_lang(self) -> str:
        return "zh" if self.language == "zh" else "en"

    @property
    def max_ngram(self) -> int:
        return 3 if self.token_lang == "zh" else 2

    def keys(self, terms: tuple[str, ...] | list[str]) -> pl.Series:
        if not terms:
            return _EMPTY_KEYS
        return tx.term_keys(pl.Series(list(terms), dtype=pl.String), self.token_lang)["key"]

    @cached_property
    def lexicon_tables(self) -> dict[int, pl.DataFrame]:
        """n → (key, valence) for lexicon terms of n tokens (n ≤ 4)."""
        keys = tx.term_keys(self.lexicon["term"], self.token_lang)
        lex = (
            keys.join(self.lexicon.select("term", "valence"), on="term", how="left")
            .group_by("key", "n")
            .agg(pl.col("valence").mean())
            .sort("key")
        )
        return {n: lex.filter(pl.col("n") == n).select("key", "valence") for n in (1, 2, 3, 4)}

    @cached_property
    def key_sets(self) -> dict[str, pl.Series]:
        return {
            "neg": self.keys(self.negators),
            "exc": self.keys(self.negator_exceptions),
            "but": self.keys(self.contrast_but),
            "alt": self.keys(self.contrast_although),
        }

    @cached_property
    def modifier_keys(self) -> dict[int, float]:
        terms = list(self.modifiers)
        if not terms:
            return {}
        keys = tx.term_keys(pl.Series(terms, dtype=pl.String), self.token_lang)
        return dict(zip(keys["key"].to_list(), [self.modifiers[t] for t in keys["term"]], strict=True))


def sentiment_tokens(texts: pl.DataFrame, rules: LanguageRules, strings: bool = False) -> pl.LazyFrame:
    """Lazy token frame with negation, modifier and n-gram keys for texts (row, text).

    Columns: row, h, w, negated, factor, b (bigram key, same clause), g3/g4 (Chinese tri/four-gram keys),
    pk (English prefix key); with strings=True also tok, nxt, nxt2 (zh) and pre (en) for training.
    """
    ks = rules.key_sets
    lf = tx.token_frame(texts, rules.token_lang, ks["but"], ks["alt"], W_PRE, W_POST)
    h = pl.col("h")
    tok = pl.col("tok")
    clause = pl.col("clause")

    def same(k: int) -> pl.Expr:
        return (clause.shift(-k) == clause).fill_null(False)

    nb = ~pl.col("boundary")
    cols = {"b": pl.when(same(1) & nb).then(pl.col("b2"))}
    if rules.token_lang == "zh":
        cols["g3"] = pl.when(same(2) & nb).then(tx.combine(pl.col("b2"), h.shift(-2)))
    else:
        long_word = tok.str.len_chars() > PREFIX_LEN
        cols["pk"] = pl.when(long_word).then(
            tok.str.slice(0, PREFIX_LEN).hash(tx.HASH_SEED).xor(pl.lit(_PREFIX_SALT, dtype=_U64))
        )
        if strings:
            cols["pre"] = pl.when(long_word).then(tok.str.slice(0, PREFIX_LEN))
    if strings:
        cols["nxt"] = pl.when(same(1) & nb).then(tok.shift(-1))
        if rules.token_lang == "zh":
            cols["nxt2"] = pl.when(same(2) & nb).then(tok.shift(-1) + tok.shift(-2))
    lf = lf.with_columns(**cols)
    if rules.token_lang == "zh":
        lf = lf.with_columns(g4=pl.when(same(3)).then(tx.combine(pl.col("g3"), h.shift(-3))))

    neg = ks["neg"].implode()
    is_neg = h.is_in(neg) | pl.col("b").is_in(neg).fill_null(False)
    if len(ks["exc"]):
        # Chinese negators are single characters; "非常" (very), "不仅" (not only) are not negations.
        exc = ks["exc"].implode()
        is_neg = is_neg & ~pl.col("b").is_in(exc).fill_null(False) & ~pl.col("g3").is_in(exc).fill_null(False)
    lf = lf.with_columns(is_neg=is_neg)
    negated = pl.lit(False)
    for k in range(1, NEG_WINDOW + 1):
        negated = negated | (pl.col("is_neg").shift(k) & (clause.shift(k) == clause)).fill_null(False)
    mods = rules.modifier_keys
    # Modifier tokens ("very", "非常") act only through `factor` on the next lexicon word, like negators act
    # only through the flip: their own n-gram weights would say what "extremely" meant in training tweets.
    mod_keys = pl.Series(list(mods), dtype=_U64).implode()
    b2 = pl.col("b2")
    lf = lf.with_columns(
        is_mod=h.is_in(mod_keys) | b2.is_in(mod_keys).fill_null(False) | b2.shift(1).is_in(mod_keys).fill_null(False)
    )
    # One is_in per distinct factor value (a handful) is ~30x cheaper than a dict lookup per token.
    factor: pl.Expr = pl.lit(1.0)
    prev1 = pl.when(clause.shift(1) == clause).then(h.shift(1))
    prev2 = pl.when(clause.shift(2) == clause).then(pl.col("b2").shift(2))
    for value in sorted(set(mods.values()), reverse=True):
        keys = pl.Series([k for k, v in mods.items() if v == value], dtype=_U64).implode()
        hit = prev1.is_in(keys).fill_null(False) | prev2.is_in(keys).fill_null(False)
        factor = pl.when(hit).then(value).otherwise(factor)
    lf = lf.with_columns(negated=negated & ~pl.col("is_neg"), factor=factor)
    # Negation rules (MODEL.md): a negator emits no n-gram feature of its own (its meaning is the flip it
    # applies); a negated lexicon word emits no unigram feature, so "not bad" is decided by the flipped
    # lexicon valence rather than by what "not" or "bad" meant in the training tweets; n-grams that start
    # inside a negation scope are separate features ("有问题" in "没有问题" is not "有问题").
    lex = rules.lexicon_tables
    lex_start = pl.lit(False)
    for n, col in _NGRAM_COL.items():
        if lex[n].height and col in lf.collect_schema().names():
            lex_start = lex_start | pl.col(col).is_in(lex[n]["key"].implode()).fill_null(False)
    neg_key = pl.lit(NEG_SALT, dtype=_U64)
    is_neg_tok = pl.col("is_neg") | pl.col("is_mod")
    lf = lf.with_columns(
        uw=~is_neg_tok & ~(pl.col("negated") & lex_start),  # negators and modifiers: no own features
        bk=pl.when(is_neg_tok).then(None).when(pl.col("negated")).then(pl.col("b").xor(neg_key)).otherwise(pl.col("b")),
    )
    if rules.token_lang == "zh":
        lf = lf.with_columns(
            gk=pl.when(is_neg_tok)
            .then(None)
            .when(pl.col("negated"))
            .then(pl.col("g3").xor(neg_key))
            .otherwise(pl.col("g3"))
        )
    else:
        lf = lf.with_columns(pk=pl.when(is_neg_tok | pl.col("negated")).then(None).otherwise(pl.col("pk")))
    # Length normalisation counts the tokens that can carry a feature: "very good" is not diluted by "very".
    lf = lf.with_columns(counts=(~is_neg_tok).cast(pl.UInt32))
    keep = ["row", "h", "w", "negated", "factor", "uw", "counts", "b", "bk"]
    keep += ["g3", "g4", "gk"] if rules.token_lang == "zh" else ["pk"]
    if strings:
        keep += ["tok", "nxt"] + (["nxt2"] if rules.token_lang == "zh" else ["pre"])
    return lf.select(keep)


_NGRAM_COL = {1: "h", 2: "b", 3: "g3", 4: "g4"}


def _valence_sum(lf: pl.LazyFrame, tables: dict[int, pl.DataFrame], rules: LanguageRules) -> pl.LazyFrame:
    """Add lexval: the lexicon valence of every n-gram starting at the token, times the negation flip,
    the modifier factor and the contrast weight."""
    total = pl.lit(0.0)
    for n, table in tables.items():
        col = _NGRAM_COL[n]
        if table.height == 0 or col not in lf.collect_schema().names():
            continue
        name = f"_v{n}"
        lf = lf.join(table.lazy().select(pl.col("key").alias(col), pl.col("valence").alias(name)), on=col, how="left")
        total = total + pl.col(name).fill_null(0.0)
    flip = pl.when(pl.col("negated")).then(rules.negation_factor).otherwise(1.0)
    return lf.with_columns(lexval=total * flip * pl.col("factor") * pl.col("w"))


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


@dataclass(frozen=True)
class SentimentModel:
    """Both linear models of one language. `weights` has kind (u/n/b/t/p/x), t1, t2, pol, subj."""

    language: str
    rules: LanguageRules
    weights: pl.DataFrame
    pol_intercept: float
    subj_intercept: float | None  # None: no neutral training data, P(polar) = 1
    neutral_band: float
    link: str = "logistic"  # how a margin becomes P(positive): logistic sigmoid

    @cached_property
    def _tables(self) -> tuple[dict[str, pl.DataFrame], dict[str, tuple[float, float]]]:
        """Join tables keyed like the token frame's columns (h, bk, gk, pk, and raw n-gram keys for
        multi-token lexicon terms), with the lexicon valences merged into the unigram table."""
        lang = self.rules.token_lang
        w = self.weights
        t1, t2 = w["t1"].fill_null(""), w["t2"].fill_null("")
        text = t1 + t2 if lang == "zh" else (t1 + " " + t2).str.strip_chars(" ")
        kind = pl.col("kind")
        w = w.with_columns(key=tx.term_keys(text, lang)["key"]).with_columns(
            key=pl.when(kind.is_in(["nb", "nt"]))
            .then(pl.col("key").xor(pl.lit(NEG_SALT, dtype=_U64)))
            .when(kind == "p")
            .then(pl.col("key").xor(pl.lit(_PREFIX_SALT, dtype=_U64)))
            .otherwise(pl.col("key"))
        )
        lex = self.rules.lexicon_tables

        def weights_of(kinds: list[str], suffix: str) -> pl.DataFrame:
            return w.filter(kind.is_in(kinds)).select(
                "key", pl.col("pol").alias(f"pol_{suffix}"), pl.col("subj").alias(f"subj_{suffix}")
            )

        uni = weights_of(["u"], "u").join(weights_of(["n"], "n"), on="key", how="full", coalesce=True)
        if lex[1].height:
            uni = uni.join(lex[1].rename({"valence": "_v1"}), on="key", how="full", coalesce=True)
        uni = uni.with_columns(pl.col("pol_u", "subj_u", "pol_n", "subj_n").fill_null(0.0))
        tables = {"h": uni, "bk": weights_of(["b", "nb"], "b")}
        if lang == "zh":
            tables["gk"] = weights_of(["t", "nt"], "t")
        else:
            tables["pk"] = weights_of(["p"], "p")
        for n in (2, 3, 4):
            if lex[n].height:
                tables[_NGRAM_COL[n]] = lex[n].rename({"valence": f"_v{n}"})
        x = {r["t1"]: (r["pol"], r["subj"]) for r in w.filter(kind == "x").iter_rows(named=True)}
        return tables, x

    def score_lazy(self, texts: pl.DataFrame) -> pl.LazyFrame:
        """Lazy (row, sentiment_score, sentiment_label) for texts (row UInt32, text)."""
        tables, x = self._tables
        lf = sentiment_tokens(texts, self.rules)
        for col, table in tables.items():
            lf = lf.join(table.lazy().rename({"key": col}), on=col, how="left", maintain_order="left")
        names = lf.collect_schema().names()
        neg = pl.col("negated")

        def weight(model: str) -> pl.Expr:
            uni = pl.when(neg).then(pl.col(f"{model}_n")).otherwise(pl.col(f"{model}_u"))
            total = pl.when(pl.col("uw")).then(uni).otherwise(0.0).fill_null(0.0)
            for suffix in ("b", "t", "p"):
                if f"{model}_{suffix}" in names:
                    total = total + pl.col(f"{model}_{suffix}").fill_null(0.0)
            return total * pl.col("w")

        valence = pl.lit(0.0)
        for n in (1, 2, 3, 4):
            if f"_v{n}" in names:
                valence = valence + pl.col(f"_v{n}").fill_null(0.0)
        flip = pl.when(neg).then(self.rules.negation_factor).otherwise(1.0)
        lexval = valence * flip * pl.col("factor") * pl.col("w")
        lp_pol, lp_subj = x.get("lex_pos", (0.0, 0.0))
        ln_pol, ln_subj = x.get("lex_neg", (0.0, 0.0))
        lex_pos = lexval.clip(lower_bound=0.0)
        lex_neg = (-lexval).clip(lower_bound=0.0)
        agg = (
            lf.with_columns(pl.col("row").set_sorted())
            .group_by("row")
            .agg(
                pol=(weight("pol") + lex_pos * lp_pol + lex_neg * ln_pol).sum(),
                subj=(weight("subj") + lex_pos * lp_subj + lex_neg * ln_subj).sum(),
                n=pl.col("counts").sum(),
            )
        )
        scale = 1.0 / pl.col("n").cast(pl.Float64).clip(lower_bound=1.0).sqrt()
        out = texts.lazy().select("row").join(agg, on="row", how="left", maintain_order="left")
        p_pos = _sigmoid(pl.col("pol") * scale + self.pol_intercept)
        if self.subj_intercept is None:
            p_polar: pl.Expr = pl.lit(1.0)
        else:
            p_polar = _sigmoid(pl.col("subj") * scale + self.subj_intercept)
        # A text with no tokens (empty, only whitespace) has no evidence at all: score 0, neutral.
        score = pl.when(pl.col("n").is_null()).then(0.0).otherwise((p_polar * (2.0 * p_pos - 1.0)).clip(-1.0, 1.0))
        return out.select("row", sentiment_score=score).with_columns(
            sentiment_label=label_expr(pl.col("sentiment_score"), self.neutral_band)
        )

    def score(self, texts: pl.DataFrame) -> pl.DataFrame:
        """(row, sentiment_score, sentiment_label) for texts (row UInt32, text)."""
        return self.score_lazy(texts).collect()


def training_features(texts: pl.DataFrame, rules: LanguageRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Long feature table (row, fid, val) and feature names (fid, kind, t1, t2) for training.

    `fid` is a string id ("kind\\tt1\\tt2") so vocabularies sort stably; values are summed per (row, fid)
    and divided by sqrt(token count) exactly as SentimentModel.score does.
    """
    toks = _valence_sum(sentiment_tokens(texts, rules, strings=True), rules.lexicon_tables, rules).collect()
    none = pl.lit(None, dtype=pl.String)
    neg = pl.col("negated")
    parts = [
        toks.filter(pl.col("uw")).select(
            "row", "w", kind=pl.when(neg).then(pl.lit("n")).otherwise(pl.lit("u")), t1="tok", t2=none
        ),
        toks.filter(pl.col("bk").is_not_null()).select(
            "row", "w", kind=pl.when(neg).then(pl.lit("nb")).otherwise(pl.lit("b")), t1="tok", t2="nxt"
        ),
    ]
    if "gk" in toks.columns:
        parts.append(
            toks.filter(pl.col("gk").is_not_null()).select(
                "row", "w", kind=pl.when(neg).then(pl.lit("nt")).otherwise(pl.lit("t")), t1="tok", t2="nxt2"
            )
        )
    if "pk" in toks.columns:
        parts.append(toks.filter(pl.col("pk").is_not_null()).select("row", "w", kind=pl.lit("p"), t1="pre", t2=none))
    lv = pl.col("lexval")
    parts.append(
        toks.filter(lv != 0).select(
            "row",
            w=lv.abs(),
            kind=pl.lit("x"),
            t1=pl.when(lv > 0).then(pl.lit("lex_pos")).otherwise(pl.lit("lex_neg")),
            t2=none,
        )
    )
    allf = pl.concat(parts).with_columns(
        fid=pl.concat_str([pl.col("kind"), pl.col("t1"), pl.col("t2").fill_null("")], separator="\t")
    )
    names = allf.select("fid", "kind", "t1", "t2").unique("fid").sort("fid")
    n_tok = toks.group_by("row").agg(scale=1.0 / pl.col("counts").sum().cast(pl.Float64).clip(lower_bound=1.0).sqrt())
    # Sorting by value inside each (row, feature) fixes the summation order: the sums, and so the trained
    # weights, are bit-identical however the parallel engine ordered the rows.
    long = (
        allf.sort("row", "fid", "w")
        .group_by("row", "fid", maintain_order=True)
        .agg(val=pl.col("w").sum())
        .join(n_tok, on="row", how="left")
        .select("row", "fid", val=pl.col("val") * pl.col("scale"))
        .sort("row", "fid")
    )
    return long, names
