"""Sentiment: a linear model over n-gram, negation and lexicon features, scored over whole token arrays.

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
Each occurrence counts its token's contrast weight; a row's feature sum is divided by sqrt(token count)
so long and short texts get comparable scores.

How it runs: the texts are tokenised once (text.tokenize) into flat arrays of u64 token keys; n-gram keys
are combined hashes of neighbouring keys; every rule (negation scope, modifiers, contrast, clause
boundaries) is a shift, cumulative sum or comparison over those arrays; one hash-table lookup per n-gram
order (text.KeyTable) returns rule flags, lexicon valence and model weights together; np.bincount sums the
per-token contributions per text. There is no per-text Python loop and no feature string is built at
inference. Training (`training_features`) runs the same pass and only adds the token strings, so a weight
learned there is the weight applied here.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl

from analytics import text as tx

NEG_WINDOW = 3  # tokens after a negator that it flips; VADER uses the same window
# Contrast weights per language: (clause before "but" / inside "although", clause after "but"), chosen
# out of fold (MODEL.md). Chinese reviews often end on a minor complaint after 不过/只是 while the verdict
# stays with the first clause, so the Chinese weights are milder.
CONTRAST: dict[str, tuple[float, float]] = {"en": (0.5, 1.5), "zh": (0.75, 1.25)}
PREFIX_LEN = tx.PREFIX_LEN
BATCH_TEXTS = 20_000  # texts per scoring pass: bounds memory (tens of flat arrays per token), stays in cache
MIN_PARALLEL = 4_000  # from this many texts, batches are scored on SCORING_THREADS threads
SCORING_THREADS = min(2, os.cpu_count() or 1)
_POOL: list[ThreadPoolExecutor] = []


def _pool() -> ThreadPoolExecutor:
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=SCORING_THREADS, thread_name_prefix="sentiment"))
    return _POOL[0]


# Rule words that keep n-gram features of their own, per language (part of the feature definition: change
# it and retrain). English negators and modifiers act only through the flip / factor they apply; Chinese
# ones also keep their character n-grams, because 不/没/太/很 are fused into words (不错, 没用, 太慢, 很好)
# whose meaning the character n-grams learn directly (+0.4 / +0.5 macro-F1 out of fold, MODEL.md).
OWN_FEATURES: dict[str, tuple[str, ...]] = {"en": (), "zh": ("modifier", "negator")}

# Rule flags stored with every n-gram key (bit field).
BOUNDARY, NEG, EXC, BUT, ALT, LEX, QUAD, MOD = 1, 2, 4, 8, 16, 32, 64, 128


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
        """Longest n-gram the rules look at: Chinese lexicon words run to 4 characters."""
        return 4 if self.token_lang == "zh" else 2

    @cached_property
    def rule_tables(self) -> dict[int, pl.DataFrame]:
        """n → (key, flags, mod, val): rule flags, modifier factor and mean lexicon valence of every
        n-token term of the seeds (boundary punctuation, negators, exceptions, contrast words, modifiers,
        lexicon). QUAD marks trigrams that begin a 4-character lexicon term, so 4-grams are looked up only
        there."""
        parts = [
            (list(tx.BOUNDARY_TOKENS), BOUNDARY, 0.0, None),
            (list(self.negators), NEG, 0.0, None),
            (list(self.negator_exceptions), EXC, 0.0, None),
            (list(self.contrast_but), BUT, 0.0, None),
            (list(self.contrast_although), ALT, 0.0, None),
            (list(self.modifiers), MOD, None, None),
            (self.lexicon["term"].to_list(), LEX, 0.0, self.lexicon["valence"].to_list()),
        ]
        frames = []
        for terms, flag, mod, val in parts:
            if not terms:
                continue
            keys = tx.term_keys(pl.Series(terms, dtype=pl.String), self.token_lang)
            frames.append(
                keys.select(
                    "n",
                    "key",
                    "term",
                    flags=pl.lit(flag, dtype=pl.UInt8),
                    mod=pl.Series([self.modifiers[t] for t in terms]) if mod is None else pl.lit(mod),
                    val=pl.Series(val, dtype=pl.Float64) if val is not None else pl.lit(0.0),
                    lex=pl.lit(flag == LEX),
                )
            )
        allt = pl.concat(frames).filter(pl.col("n") >= 1, pl.col("n") <= self.max_ngram, pl.col("key") != 0)
        out = {}
        for n in range(1, self.max_ngram + 1):
            t = (
                allt.filter(pl.col("n") == n)
                .group_by("key")
                .agg(
                    term=pl.col("term").min(),
                    flags=pl.col("flags").cast(pl.UInt32).unique().sum().cast(pl.UInt8),
                    mod=pl.col("mod").max(),
                    val=pl.col("val").filter(pl.col("lex")).mean().fill_null(0.0),
                )
                .sort("key")
            )
            out[n] = t
        if self.max_ngram >= 4 and out[4].height:
            # The first three characters of every 4-character lexicon term, flagged QUAD at n = 3.
            terms = self.lexicon["term"].filter(self.lexicon["term"].str.len_chars() == 4).str.slice(0, 3)
            quad = tx.term_keys(terms, self.token_lang).select("key", flags=pl.lit(QUAD, dtype=pl.UInt8)).unique()
            out[3] = (
                out[3]
                .join(quad, on="key", how="full", coalesce=True, suffix="_q")
                .select(
                    "key",
                    "term",
                    flags=(pl.col("flags").fill_null(0) | pl.col("flags_q").fill_null(0)).cast(pl.UInt8),
                    mod=pl.col("mod").fill_null(0.0),
                    val=pl.col("val").fill_null(0.0),
                )
                .sort("key")
            )
        return out

    @cached_property
    def rule_key_tables(self) -> dict[int, tx.KeyTable]:
        """rule_tables as KeyTables (training uses these; a model merges its weights in)."""
        return {n: _key_table(t) for n, t in self.rule_tables.items()}


def _key_table(df: pl.DataFrame) -> tx.KeyTable:
    cols = [c for c in df.columns if c not in ("key", "term")]
    return tx.KeyTable(df["key"].to_numpy(), {c: df[c].to_numpy() for c in cols})


@dataclass
class TokenPass:
    """The rules applied to one batch of tokens, mostly as sparse index arrays (negators, modifiers,
    lexicon words and contrast clauses are a small share of all tokens).

    su/sb/sg: slot of every token's unigram / bigram / trigram key in the language's tables (an empty
    slot where there is no such n-gram); bmask/gmask: the bigram/trigram starting at the token lies inside
    one clause and the token is no clause boundary. Index arrays (into the token arrays): negated_idx
    (inside a negation scope: unigram, bigram and trigram features use their negated variant), blocked_idx
    (negators and modifiers without features of their own, OWN_FEATURES), uncounted_idx (negators and
    modifiers: not counted for length normalisation), lexoff_idx
    (negated lexicon words: no unigram feature), lex_idx/lexval (signed lexicon valence with flip, modifier
    factor and contrast weight applied), prefix_idx/sp (English prefix feature and its slot),
    contrast_idx/contrast_w (tokens whose contrast weight is not 1).
    """

    tokens: tx.Tokens
    su: np.ndarray
    sb: np.ndarray
    sg: np.ndarray | None
    bmask: np.ndarray
    gmask: np.ndarray | None
    negated_idx: np.ndarray
    blocked_idx: np.ndarray
    uncounted_idx: np.ndarray
    lexoff_idx: np.ndarray
    lex_idx: np.ndarray
    lexval: np.ndarray
    prefix_idx: np.ndarray | None
    sp: np.ndarray | None
    contrast_idx: np.ndarray
    contrast_w: np.ndarray
    row_starts: np.ndarray  # index of every text's first token (texts with tokens only)

    def dense(self) -> dict[str, np.ndarray]:
        """Per-token arrays for training: uon/bon/ton/pon (the token emits its unigram/bigram/trigram/
        prefix feature), negated, w (contrast weight), lexval, counts."""
        n = len(self.tokens.h)
        blocked = np.zeros(n, dtype=bool)
        blocked[self.blocked_idx] = True
        uon = ~blocked
        uon[self.lexoff_idx] = False
        counts = np.ones(n, dtype=bool)
        counts[self.uncounted_idx] = False
        out = {"uon": uon, "bon": ~blocked & self.bmask, "counts": counts}
        if self.gmask is not None:
            out["ton"] = ~blocked & self.gmask
        if self.prefix_idx is not None:
            pon = np.zeros(n, dtype=bool)
            pon[self.prefix_idx] = True
            out["pon"] = pon
        negated = np.zeros(n, dtype=bool)
        negated[self.negated_idx] = True
        w = np.ones(n)
        w[self.contrast_idx] = self.contrast_w
        lexval = np.zeros(n)
        lexval[self.lex_idx] = self.lexval
        return {**out, "negated": negated, "w": w, "lexval": lexval}


_EMPTY_IDX = np.zeros(0, dtype=np.intp)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, e) for every (s, e), without a loop."""
    lens = ends - starts
    total = int(lens.sum())
    if total == 0:
        return _EMPTY_IDX
    offsets = np.repeat(starts - (np.cumsum(lens) - lens), lens)
    return np.arange(total, dtype=np.intp) + offsets


def token_pass(
    tokens: tx.Tokens,
    rules: LanguageRules,
    tables: dict[int, tx.KeyTable],
    prefix_table: tx.KeyTable | None = None,
) -> TokenPass:
    """Negation, modifier, contrast and lexicon rules over the token arrays, and the table slot of every
    n-gram. `tables` are keyed by n (1..rules.max_ngram) and have at least columns flags, mod, val.

    Dense work (over every token) is limited to the key lookups, clause ids and masks; every rule is
    evaluated only at the tokens that carry a flag, found once with flatnonzero.
    """
    pos, h = tokens.pos, tokens.h
    n = len(h)
    zh = rules.token_lang == "zh"
    u64 = np.uint64
    first = np.ones(n, dtype=bool)
    first[1:] = pos[1:] != pos[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = first[1:]
    uni, bi = tables[1], tables[2]
    su = uni.find(h)
    fu = uni["flags"][su]
    b2 = np.zeros(n, dtype=u64)
    b2[:-1] = tx.combine(h[:-1], h[1:])
    b2[last] = 0
    sb = bi.find(b2)
    fb = bi["flags"][sb]
    boundary = (fu & BOUNDARY) != 0
    anyf = fu | fb
    sg = fg = gmask = g3 = None
    # Clause starts: punctuation boundaries, row starts and "although"-type connectives.
    alt_u = np.flatnonzero((anyf & ALT) != 0)
    starts = boundary | first
    starts[alt_u] = True
    clause = np.cumsum(starts, dtype=np.int32)
    bmask = np.zeros(n, dtype=bool)
    bmask[:-1] = ~starts[1:]
    bmask &= ~boundary
    if zh:
        tri = tables[3]
        gmask = np.zeros(n, dtype=bool)
        gmask[:-2] = bmask[:-2] & ~starts[2:]
        g3 = np.zeros(n, dtype=u64)
        g3[:-2] = tx.combine(b2[:-2], h[2:])
        g3[~gmask] = 0
        sg = tri.find(g3)
        fg = tri["flags"][sg]
        anyf = anyf | fg
    cand = np.flatnonzero(anyf & np.uint8(0xFF ^ BOUNDARY))
    fcu, fcb = fu[cand], fb[cand]
    bm = bmask[cand]
    fcb_in = np.where(bm, fcb, np.uint8(0))  # bigram flags that count only inside a clause
    fcg = fg[cand] if fg is not None else np.zeros(len(cand), dtype=np.uint8)
    is_neg = (((fcu | fcb_in) & NEG) != 0) & (((fcb_in | fcg) & EXC) == 0)
    neg_src = cand[is_neg]
    negated = np.zeros(n, dtype=bool)
    for k in range(1, NEG_WINDOW + 1):
        j = neg_src + k
        ok = j < n
        j, src = j[ok], neg_src[ok]
        negated[j[clause[j] == clause[src]]] = True
    negated[neg_src] = False
    negated_idx = np.flatnonzero(negated)
    # Modifiers ("very", "非常", "a bit") act only through a factor on the next lexicon word, like negators
    # act only through the flip: their own n-gram weights would say what "extremely" meant in training.
    mod_u = uni["mod"][su[cand]]
    mod_b = bi["mod"][sb[cand]]
    mod_idx = cand[(mod_u != 0) | (mod_b != 0)]
    second = cand[mod_b != 0] + 1
    second = second[second < n]
    second = second[~first[second]]
    # Lexicon words (n-grams of 1-4 tokens starting at a token).
    lex_c = ((fcu | fcb_in | fcg) & LEX) != 0
    val_c = uni["val"][su[cand]] + np.where(bm, bi["val"][sb[cand]], 0.0)
    if zh:
        val_c = val_c + tri["val"][sg[cand]]
        if 4 in tables:
            # 4-character lexicon terms: looked up only where a trigram begins one.
            q = cand[((fcg & QUAD) != 0)]
            q = q[q + 3 < n]
            q_ok = q[clause[q + 3] == clause[q]]
            if q_ok.size:
                s4 = tables[4].find(tx.combine(g3[q_ok], h[q_ok + 3]))
                at = np.searchsorted(cand, q_ok)
                val_c[at] += tables[4]["val"][s4]
                lex_c[at] |= (tables[4]["flags"][s4] & LEX) != 0
    lex_idx = cand[lex_c]
    val = val_c[lex_c]
    # Modifier factor of each lexicon word: a one-token modifier just before it, or a two-token one.
    j1 = lex_idx - 1
    ok1 = (j1 >= 0) & (clause[np.maximum(j1, 0)] == clause[lex_idx])
    f1 = np.where(ok1, uni["mod"][su[np.maximum(j1, 0)]], 0.0)
    j2 = lex_idx - 2
    ok2 = (j2 >= 0) & (clause[np.maximum(j2, 0)] == clause[lex_idx])
    f2 = np.where(ok2, bi["mod"][sb[np.maximum(j2, 0)]], 0.0)
    factor = np.where(f2 != 0, f2, np.where(f1 != 0, f1, 1.0))
    is_lex = np.zeros(n, dtype=bool)
    is_lex[lex_idx] = True
    flips_lex = np.zeros(len(neg_src), dtype=bool)
    for k in range(1, NEG_WINDOW + 1):
        j = np.minimum(neg_src + k, n - 1)
        flips_lex |= (neg_src + k < n) & is_lex[j] & (clause[j] == clause[neg_src])
    if not zh:
        # A lexicon word acting as the negator or modifier of another lexicon word has no valence of its
        # own (VADER's rule): "no complaints" is the flipped "complaints" and not also "no" (-1.2), "super
        # slow" an intensified "slow" and not also "super" (+2.9). Alone ("No.", "super!") they keep it.
        # Not in Chinese, where a lexicon word starting at a modifier is the fused phrase itself (太慢, 很好).
        acting = np.zeros(n, dtype=bool)
        acting[neg_src[flips_lex]] = True
        acting[j1[f1 != 0]] = True
        acting[j2[f2 != 0]] = True
        acting[j2[f2 != 0] + 1] = True
        keep = ~acting[lex_idx]
        lex_idx, val, factor = lex_idx[keep], val[keep], factor[keep]
    # Which negators and modifiers keep n-gram features of their own (OWN_FEATURES). A negator that flips
    # a lexicon word never does: "没有问题" / "not bad" are decided by the flipped valence, not by what
    # "没有" meant in the training reviews. Negators and modifiers never count for length normalisation,
    # so "very good" is not diluted by "very". (Index sets are built as masks: no sort or hash needed.)
    own = OWN_FEATURES.get(rules.token_lang, ())
    mods = np.concatenate([mod_idx, second])
    blocked = np.zeros(n, dtype=bool)
    if "modifier" not in own:
        blocked[mods] = True
    blocked[neg_src[flips_lex] if "negator" in own else neg_src] = True
    blocked_idx = np.flatnonzero(blocked)
    uncounted = np.zeros(n, dtype=bool)
    uncounted[neg_src] = True
    uncounted[mods] = True
    uncounted_idx = np.flatnonzero(uncounted)
    # Contrast weights, computed only over the rows that contain a connective.
    but_idx = cand[((fcu | fcb) & BUT) != 0]
    contrast_idx, contrast_w = _contrast(
        pos, first, last, starts, clause, but_idx, alt_u, CONTRAST.get(rules.token_lang, (0.5, 1.5))
    )
    w_lex = np.ones(len(lex_idx))
    if contrast_idx.size and lex_idx.size:
        at = np.searchsorted(contrast_idx, lex_idx)
        at_ok = at < len(contrast_idx)
        hit = np.zeros(len(lex_idx), dtype=bool)
        hit[at_ok] = contrast_idx[at[at_ok]] == lex_idx[at_ok]
        w_lex[hit] = contrast_w[at[hit]]
    neg_lex = negated[lex_idx]
    lexval = val * np.where(neg_lex, rules.negation_factor, 1.0) * factor * w_lex
    # Negation rules (MODEL.md): a negated lexicon word emits no unigram feature, so "not bad" is decided
    # by the flipped lexicon valence rather than by what "not" or "bad" meant in the training tweets;
    # n-grams that start inside a negation scope are separate features ("有问题" in "没有问题").
    lexoff_idx = lex_idx[neg_lex]
    prefix_idx = sp = None
    if rules.token_lang == "en":
        if tokens.pk is not None:  # training: the prefix feature of every long word
            pi = np.flatnonzero(tokens.pk != 0)
            prefix_idx = pi[~blocked[pi] & ~negated[pi]]
        elif prefix_table is not None and tokens.tok is not None:
            # Scoring: prefix weights of known words sit in the unigram table; only words the table does
            # not know need their prefix string.
            unseen = np.flatnonzero(~uni["known"][su])
            unseen = unseen[~blocked[unseen] & ~negated[unseen]]
            pk = tx.prefix_keys(tokens.tok.gather(unseen))
            prefix_idx = unseen[pk != 0]
            sp = prefix_table.find(pk[pk != 0])
    return TokenPass(
        tokens=tokens,
        su=su,
        sb=sb,
        sg=sg,
        bmask=bmask,
        gmask=gmask,
        negated_idx=negated_idx,
        blocked_idx=blocked_idx,
        uncounted_idx=uncounted_idx,
        lexoff_idx=lexoff_idx,
        lex_idx=lex_idx,
        lexval=lexval,
        prefix_idx=prefix_idx,
        sp=sp,
        contrast_idx=contrast_idx,
        contrast_w=contrast_w,
        row_starts=np.flatnonzero(first),
    )


def _contrast(
    pos: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    starts: np.ndarray,
    clause: np.ndarray,
    but_idx: np.ndarray,
    alt_idx: np.ndarray,
    weights: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Contrast: with a "but"-type connective, tokens before the last one get w_pre and tokens after it
    w_post (weights = (w_pre, w_post)); the clause opened by an "although"-type connective gets w_pre;
    other texts keep weight 1.

    Returns the tokens whose weight is not 1 and their weights. Only rows with a connective are looked
    at. R = number of "but" tokens from here to the end of those rows; its value just past a row's last
    token (tail) and at the row's first token (head) give "buts after me in my row" with no per-row loop.
    """
    marks = np.concatenate([but_idx, alt_idx])
    if marks.size == 0:
        return _EMPTY_IDX, np.zeros(0)
    rows = np.unique(pos[marks])
    idx = _ranges(np.searchsorted(pos, rows, "left"), np.searchsorted(pos, rows, "right"))
    n_all = len(pos)
    is_but = np.zeros(n_all, dtype=bool)
    is_but[but_idx] = True
    is_alt = np.zeros(n_all, dtype=bool)
    is_alt[alt_idx] = True
    ib = is_but[idx].astype(np.int64)
    f, la = first[idx], last[idx]
    r_after = np.cumsum(ib[::-1])[::-1]
    rowid = np.cumsum(f) - 1
    tail = (r_after - ib)[np.flatnonzero(la)][rowid]
    head = r_after[np.flatnonzero(f)][rowid]
    st = starts[idx]
    cl = np.cumsum(st) - 1  # clause number inside the subset (rows start clauses, so ids stay aligned)
    in_alt = is_alt[idx][np.flatnonzero(st)][cl]
    after = r_after - ib - tail
    w_pre, w_post = weights
    w = np.where(in_alt, w_pre, np.where(head > tail, np.where(after > 0, w_pre, w_post), 1.0))
    keep = w != 1.0
    return idx[keep], w[keep]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


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
    """Both linear models of one language. `weights` has kind (u/n/b/nb/t/nt/p/x), t1, t2, pol, subj."""

    language: str
    rules: LanguageRules
    weights: pl.DataFrame
    pol_intercept: float
    subj_intercept: float | None  # None: no neutral training data, P(polar) = 1
    neutral_band: float
    link: str = "logistic"  # how a margin becomes P(positive): logistic sigmoid

    @cached_property
    def _tables(self) -> tuple[dict[int, tx.KeyTable], tx.KeyTable | None, dict[int, np.ndarray], dict]:
        """One KeyTable per n-gram order holding the rule columns (flags, mod, val) and the model weights;
        the prefix table; per order the weight matrix scoring indexes (rows: plain feature by slot,
        negated feature by slot, a zero row; columns: polarity, subjectivity); the lexicon feature weights.

        English prefix weights of every word the unigram table knows are folded into its plain row (a
        prefix fires exactly when the plain unigram does and the word is long), so scoring computes prefix
        strings only for words the model has never seen.
        """
        lang = self.rules.token_lang
        w = self.weights
        t1, t2 = w["t1"].fill_null(""), w["t2"].fill_null("")
        text = t1 + t2 if lang == "zh" else (t1 + " " + t2).str.strip_chars(" ")
        w = w.with_columns(key=tx.term_keys(text, lang)["key"])
        kind = pl.col("kind")
        kinds = {1: ("u", "n"), 2: ("b", "nb"), 3: ("t", "nt")}
        prefix_w = w.filter(kind == "p").select("t1", ppol="pol", psubj="subj")
        tables = {}
        matrices: dict[int, np.ndarray] = {}
        for n, rule in self.rules.rule_tables.items():
            t = rule
            plain, negd = kinds.get(n, ("", ""))
            for k, prefix in ((plain, ""), (negd, "n")):
                part = w.filter(kind == k).select(
                    "key",
                    pl.col("t1").alias(f"{prefix}t1"),
                    pl.col("pol").alias(f"{prefix}pol"),
                    pl.col("subj").alias(f"{prefix}subj"),
                )
                t = t.join(part, on="key", how="full", coalesce=True)
            t = t.with_columns(
                pl.col("flags").fill_null(0).cast(pl.UInt8),
                pl.col("mod", "val", "pol", "subj", "npol", "nsubj").fill_null(0.0),
            ).filter(pl.col("key") != 0)
            if n == 1 and lang == "en":
                word = pl.coalesce("term", "t1", "nt1")
                pre = pl.when(word.str.len_chars() > PREFIX_LEN).then(word.str.slice(0, PREFIX_LEN))
                t = (
                    t.with_columns(pre=pre)
                    .join(prefix_w, left_on="pre", right_on="t1", how="left")
                    .with_columns(pl.col("ppol", "psubj").fill_null(0.0))
                    .with_columns(pol=pl.col("pol") + pl.col("ppol"), subj=pl.col("subj") + pl.col("psubj"))
                )
            t = t.drop("t1", "nt1", "pre", "ppol", "psubj", strict=False).with_columns(known=pl.lit(True))
            table = _key_table(t.sort("key"))
            tables[n] = table
            # Both models' weights as one complex number (polarity + i subjectivity): a single 16-byte
            # gather per token, and the sums stay separate in the real and imaginary parts.
            # Single precision: half the memory traffic of the gathers; sums of a few dozen weights lose
            # nothing that matters (scores agree with double precision to ~1e-6).
            pol, subj = (np.concatenate([table[m], table[f"n{m}"], [0.0]]) for m in ("pol", "subj"))
            both = pol + 1j * subj if self.subj_intercept is not None else pol
            matrices[n] = both.astype(np.complex64 if self.subj_intercept is not None else np.float32)
        prefix = None
        if lang == "en":
            p = w.filter(kind == "p").select("key", "pol", "subj").filter(pl.col("key") != 0)
            prefix = _key_table(p.sort("key"))
        x = {r["t1"]: (r["pol"], r["subj"]) for r in w.filter(kind == "x").iter_rows(named=True)}
        return tables, prefix, matrices, x

    def _margins(self, texts: pl.Series) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Polarity margin, subjectivity margin (None without a neutral model) and token count per text."""
        tables, prefix, matrices, x = self._tables
        tp = token_pass(tx.tokenize(texts, self.rules.token_lang), self.rules, tables, prefix)
        n_texts = tp.tokens.n_texts
        pos = tp.tokens.pos
        two = self.subj_intercept is not None
        # Row of every token in the order's weight matrix: its slot, + table size when negated, the zero
        # row when the token emits no such feature. One gather returns both models' weights.
        total = None
        for n, slots, mask in ((1, tp.su, None), (2, tp.sb, tp.bmask), (3, tp.sg, tp.gmask)):
            if slots is None:
                continue
            size = tables[n].size
            off = 2 * size
            i = slots.copy() if mask is None else np.where(mask, slots, off)
            neg = tp.negated_idx if mask is None else tp.negated_idx[mask[tp.negated_idx]]
            i[neg] += size
            i[tp.blocked_idx] = off
            if n == 1:
                i[tp.lexoff_idx] = off
            m = matrices[n]
            total = m[i] if total is None else total + m[i]
        assert total is not None
        if tp.sp is not None and prefix is not None:
            pw = prefix["pol"] + 1j * prefix["subj"] if two else prefix["pol"]
            total[tp.prefix_idx] += pw[tp.sp]
        total[tp.contrast_idx] *= tp.contrast_w
        lv = tp.lexval
        lex_pos, lex_neg = np.maximum(lv, 0.0), np.maximum(-lv, 0.0)
        lp, ln = x.get("lex_pos", (0.0, 0.0)), x.get("lex_neg", (0.0, 0.0))
        lex = lex_pos * lp[0] + lex_neg * ln[0]
        total[tp.lex_idx] += lex + 1j * (lex_pos * lp[1] + lex_neg * ln[1]) if two else lex
        # Tokens are in text order, so a text's sum is one segment of the array (reduceat; both models at
        # once when they share a complex array). Texts without tokens keep 0.
        rows = pos[tp.row_starts]
        sums = np.add.reduceat(total, tp.row_starts) if len(total) else total
        pol = np.zeros(n_texts)
        pol[rows] = sums.real
        subj = None
        if two:
            subj = np.zeros(n_texts)
            subj[rows] = sums.imag
        counts = np.zeros(n_texts)
        counts[rows] = np.diff(np.append(tp.row_starts, len(pos)))
        counts -= np.bincount(pos[tp.uncounted_idx], minlength=n_texts)
        has_tokens = np.zeros(n_texts, dtype=bool)
        has_tokens[rows] = True
        counts[~has_tokens] = -1.0  # no tokens at all (empty text): score 0
        return pol, subj, counts

    def _score_batch(self, texts: pl.Series) -> np.ndarray:
        pol, subj, n = self._margins(texts)
        scale = 1.0 / np.sqrt(np.maximum(n, 1.0))
        p_pos = _sigmoid(pol * scale + self.pol_intercept)
        p_polar = 1.0 if subj is None else _sigmoid(subj * scale + self.subj_intercept)
        score = np.clip(p_polar * (2.0 * p_pos - 1.0), -1.0, 1.0)
        return np.where(n < 0, 0.0, score)

    def score_array(self, texts: pl.Series) -> np.ndarray:
        """sentiment_score of every text, in order.

        Texts are scored in batches of at most BATCH_TEXTS (bounded memory, cache-sized arrays); with more
        than MIN_PARALLEL texts the batches run on SCORING_THREADS threads (numpy and Polars release the
        GIL, so the batches really run side by side).
        """
        n = len(texts)
        self._tables  # noqa: B018 - build the lookup tables once, before any thread needs them
        if n < MIN_PARALLEL or SCORING_THREADS < 2:
            parts = [texts.slice(s, BATCH_TEXTS) for s in range(0, n, BATCH_TEXTS)]
            return np.concatenate([self._score_batch(p) for p in parts]) if parts else np.zeros(0)
        size = min(BATCH_TEXTS, -(-n // SCORING_THREADS))
        parts = [texts.slice(s, size) for s in range(0, n, size)]
        return np.concatenate(list(_pool().map(self._score_batch, parts)))

    def score(self, texts: pl.DataFrame) -> pl.DataFrame:
        """(row, sentiment_score, sentiment_label) for texts (row UInt32, text), in input order."""
        scores = self.score_array(texts["text"].cast(pl.String))
        return pl.DataFrame({"row": texts["row"], "sentiment_score": scores}).with_columns(
            sentiment_label=label_expr(pl.col("sentiment_score"), self.neutral_band)
        )

    def score_lazy(self, texts: pl.DataFrame) -> pl.LazyFrame:
        return self.score(texts).lazy()


def training_features(texts: pl.DataFrame, rules: LanguageRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Long feature table (row, fid, val) and feature names (fid, kind, t1, t2) for training.

    Runs the scorer's token pass with token strings kept. `fid` is a string id ("kind\\tt1\\tt2") so
    vocabularies sort stably; values are summed per (row, fid) and divided by sqrt(token count) exactly
    as SentimentModel scores.
    """
    toks = tx.tokenize(texts["text"].cast(pl.String), rules.token_lang, strings=True)
    tp = token_pass(toks, rules, rules.rule_key_tables).dense()
    zh = rules.token_lang == "zh"
    row_ids = texts["row"].to_numpy()
    assert toks.tok is not None
    tok = toks.tok
    nxt = tok.shift(-1)
    base = pl.DataFrame(
        {
            "row": row_ids[toks.pos],
            "w": tp["w"],
            "neg": tp["negated"],
            "tok": tok,
            "nxt": nxt,
            "uon": tp["uon"],
            "bon": tp["bon"],
            "lexval": tp["lexval"],
        }
    )
    if zh:
        base = base.with_columns(nxt2=nxt + tok.shift(-2), ton=pl.Series(tp["ton"]))
    else:
        base = base.with_columns(pre=toks.pre, pon=pl.Series(tp["pon"]))
    none = pl.lit(None, dtype=pl.String)
    neg = pl.col("neg")

    def kind(plain: str, negd: str) -> pl.Expr:
        return pl.when(neg).then(pl.lit(negd)).otherwise(pl.lit(plain))

    parts = [
        base.filter("uon").select("row", "w", kind=kind("u", "n"), t1="tok", t2=none),
        base.filter("bon").select("row", "w", kind=kind("b", "nb"), t1="tok", t2="nxt"),
    ]
    if zh:
        parts.append(base.filter("ton").select("row", "w", kind=kind("t", "nt"), t1="tok", t2="nxt2"))
    else:
        parts.append(base.filter("pon").select("row", "w", kind=pl.lit("p"), t1="pre", t2=none))
    lv = pl.col("lexval")
    parts.append(
        base.filter(lv != 0).select(
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
    counts = np.bincount(toks.pos, weights=tp["counts"], minlength=toks.n_texts)
    n_tok = pl.DataFrame({"row": row_ids, "scale": 1.0 / np.sqrt(np.maximum(counts, 1.0))})
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
