"""Text normalisation, language detection and tokenisation shared by every tagger.

Everything here is a Polars expression or a frame-to-frame function, so one call handles a million rows in
Rust with no per-text Python loop. The tokeniser is part of the sentiment model (its features are tokens):
change it and retrain with `cfm train`.
"""

from __future__ import annotations

import polars as pl

HASH_SEED = 20240601
# Contrast connectives are rewritten to these one-character sentinels so the tokeniser sees them as tokens.
BUT_MARK = "\x01"
ALTHOUGH_MARK = "\x02"

# English punctuation that ends a clause or carries sentiment becomes its own token. A literal
# Aho-Corasick replace (replace_many) is ~2x cheaper than a regex with a capture group.
_EN_PUNCT = list(".,;:!?()[]{}\"/&*+=<>|~…")
BOUNDARY_TOKENS = (".", ",", ";", ":", "!", "?", "…", "，", "。", "；", "：", "、", "！", "？", "~", "～",
                   BUT_MARK, ALTHOUGH_MARK)

_CONTRAST_BUT = {
    "en": r"\b(?:but|however|nevertheless|nonetheless|except|yet)\b",
    # 就是 / 可惜 are left out: 就是 often means "exactly" and 可惜 is itself a sentiment word.
    "zh": r"但是|可是|不过|然而|只是|但|却",
}
_CONTRAST_ALTHOUGH = {
    "en": r"\b(?:although|though|even though|despite|in spite of)\b",
    "zh": r"虽然|虽说|虽|尽管",
}

_EN_FUNCTION = (
    r"\b(?:the|and|is|are|was|were|it|this|that|i|you|my|to|of|not|with|for|have|has|but|very|so|"
    r"be|been|can|will|would|on|in|at|they|we|me|no|do|does|did|just|too|a|an|or|if|what|how|why)\b"
)
_OTHER_FUNCTION = (
    r"\b(?:el|los|las|una|por|para|muy|pero|que|es|está|le|les|des|une|est|très|avec|pour|der|die|das|"
    r"und|ist|nicht|mit|ein|eine|sehr|aber|il|della|che|non|sono|um|uma|não|com|muito)\b"
)


def detect_language(expr: pl.Expr) -> pl.Expr:
    """'zh' when Han characters make up at least 30% of letters, 'en' for English-looking Latin text, else
    'other' (Japanese kana, Korean, other Latin-script languages, emoji-only or empty text).

    Function-word counts separate English from other Latin-script languages without a model.
    """
    text = expr.fill_null("")
    han = text.str.count_matches(r"\p{Han}")
    latin = text.str.count_matches(r"[A-Za-z]")
    lowered = text.str.to_lowercase()
    en_hits = lowered.str.count_matches(_EN_FUNCTION)
    other_hits = lowered.str.count_matches(_OTHER_FUNCTION)
    cjk_other = text.str.contains(r"[\p{Hiragana}\p{Katakana}\p{Hangul}]")
    return (
        pl.when(cjk_other)
        .then(pl.lit("other"))
        .when((han > 0) & (han * 10 >= (han + latin) * 3))
        .then(pl.lit("zh"))
        .when((latin > 0) & (en_hits >= other_hits))
        .then(pl.lit("en"))
        .otherwise(pl.lit("other"))
    )


def normalise(expr: pl.Expr, lang: str) -> pl.Expr:
    """Lower-case, mask URLs and mentions, expand negated contractions, mark contrast connectives and (for
    English) pad punctuation with spaces so a plain split yields tokens."""
    out = (
        expr.fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"(?:https?://|www\.)\S+", " url ")
        .str.replace_all(r"@\w+", " @user ")
        .str.replace_all("’", "'", literal=True)
    )
    key = "zh" if lang == "zh" else "en"
    if key == "en":
        out = (
            out.str.replace_all("n't", " not", literal=True)
            .str.replace_all("cannot", "can not", literal=True)
            # Apostrophe-less negations are common in reviews and tweets ("dont", "isnt").
            .str.replace_all(
                r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|ca|wo|ai|must|need)nt\b",
                "$1 not",
            )
        )
    out = out.str.replace_all(_CONTRAST_BUT[key], f" {BUT_MARK} ").str.replace_all(
        _CONTRAST_ALTHOUGH[key], f" {ALTHOUGH_MARK} "
    )
    if key == "en":
        out = out.str.replace_many(_EN_PUNCT, [f" {c} " for c in _EN_PUNCT]).str.replace_all(
            "-", " ", literal=True
        )
    return out


def token_frame(texts: pl.DataFrame, lang: str, w_pre: float, w_post: float) -> pl.DataFrame:
    """Tokens of texts (columns row: UInt32 0..n-1 in order, text) with structure flags.

    Columns: row, tok, h (u64 hash of tok), w (contrast weight), boundary, clause (global running id,
    so comparing shifted values never leaks across rows), sentinel (contrast marker, not a feature).

    English is split on whitespace after punctuation padding; Chinese into characters, because character
    uni/bi-grams need no dictionary, are as accurate as segmented words here (MODEL.md) and far faster.
    Contrast: tokens before the last "but" get w_pre, after it w_post; an "although" clause gets w_pre and
    the rest of that text w_post; texts without a connective keep weight 1.
    """
    norm = texts.select(
        "row", norm=normalise(pl.col("text"), lang)
    ).with_columns(
        n_but=pl.col("norm").str.count_matches(BUT_MARK, literal=True).cast(pl.Int64),
        n_alt=pl.col("norm").str.count_matches(ALTHOUGH_MARK, literal=True).cast(pl.Int64),
    )
    sep = "" if lang == "zh" else " "
    norm = norm.with_columns(but_off=pl.col("n_but").cum_sum() - pl.col("n_but"))
    toks = (
        norm.select("row", "n_but", "n_alt", "but_off", tok=pl.col("norm").str.split(sep))
        .explode("tok", keep_nulls=False, empty_as_null=False)
        .filter(pl.col("tok") != "", pl.col("tok") != " ")
    )
    tok = pl.col("tok")
    is_but = tok == BUT_MARK
    is_alt = tok == ALTHOUGH_MARK
    boundary = tok.is_in(list(BOUNDARY_TOKENS))
    row_start = pl.col("row") != pl.col("row").shift(1)
    toks = toks.with_columns(
        h=tok.hash(HASH_SEED),
        boundary=boundary,
        sentinel=is_but | is_alt,
        clause=(boundary | row_start.fill_null(True)).cast(pl.UInt32).cum_sum(),
        but_seen=is_but.cast(pl.Int64).cum_sum() - pl.col("but_off"),
        in_alt=pl.when(boundary | row_start.fill_null(True)).then(is_alt).forward_fill(),
    )
    w = (
        pl.when(pl.col("in_alt"))
        .then(w_pre)
        .when(pl.col("n_but") > 0)
        .then(pl.when(pl.col("but_seen") < pl.col("n_but")).then(w_pre).otherwise(w_post))
        .when(pl.col("n_alt") > 0)
        .then(w_post)
        .otherwise(1.0)
    )
    return toks.select("row", "tok", "h", "boundary", "sentinel", "clause", w=w)


def combine(h1: pl.Expr, h2: pl.Expr) -> pl.Expr:
    """Order-dependent u64 key of two token hashes (wrapping arithmetic), used for n-gram keys so
    bigrams never have to be materialised as strings."""
    return h1 * pl.lit(1_000_003, dtype=pl.UInt64) + h2.xor(pl.lit(0x9E3779B97F4A7C15, dtype=pl.UInt64))


def term_keys(terms: pl.Series, lang: str) -> pl.DataFrame:
    """Key and n (token count) of dictionary terms, computed exactly as token n-gram keys are.

    English terms are split on spaces, Chinese terms into characters.
    """
    sep = "" if lang == "zh" else " "
    df = pl.DataFrame({"term": terms}).with_row_index("i")
    parts = (
        df.select("i", tok=pl.col("term").str.split(sep))
        .explode("tok")
        .filter(pl.col("tok") != "")
        .with_columns(h=pl.col("tok").hash(HASH_SEED))
    )
    agg = parts.group_by("i", maintain_order=True).agg(pl.col("h"))
    n_max = int(agg["h"].list.len().max() or 1)
    # Iterate over n-gram length (1..4), never over rows.
    out = agg.with_columns(n=pl.col("h").list.len(), key=pl.col("h").list.get(0))
    for k in range(1, n_max):
        out = out.with_columns(
            key=pl.when(pl.col("n") > k)
            .then(combine(pl.col("key"), pl.col("h").list.get(k, null_on_oob=True)))
            .otherwise(pl.col("key"))
        )
    return df.join(out.select("i", "n", "key"), on="i", how="left").select("term", "n", "key")
