"""Text normalisation, language detection and tokenisation shared by every tagger.

Everything here is a Polars expression or a frame-to-frame function, so one call handles a million rows in
Rust with no per-text Python loop. The tokeniser is part of the sentiment model (its features are tokens):
change it and retrain with `cfm train`.
"""

from __future__ import annotations

import polars as pl

HASH_SEED = 20240601

# English punctuation becomes its own token: one literal Aho-Corasick pass (replace_many) is several times
# cheaper than regex passes. Apostrophe-less negations ("dont") are handled as negator tokens instead of
# rewriting text, because literal rewrites would also hit "parent" or "significant".
_EN_PUNCT = list('.,;:!?()[]{}"/&*+=<>|~…')
_WHITESPACE = {"\n": " ", "\r": " ", "\t": " ", "\u3000": " ", "\u00a0": " "}
_EN_REPLACE = {
    "’": "'",
    "n't": " not",
    "cannot": "can not",
    "-": " ",
    **_WHITESPACE,
    **{c: f" {c} " for c in _EN_PUNCT},
}
BOUNDARY_TOKENS = (".", ",", ";", ":", "!", "?", "…", "，", "。", "；", "：", "、", "！", "？", "~", "～")

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
    """Lower-case, mask URLs and mentions, and (English) expand "n't" and pad punctuation with spaces so a
    plain split yields tokens."""
    out = (
        expr.fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"(?:https?://|www\.)\S+", " url ")
        .str.replace_all(r"@\w+", " @user ")
    )
    table = _EN_REPLACE if lang != "zh" else _WHITESPACE
    return out.str.replace_many(list(table), list(table.values()))


def token_frame(
    texts: pl.DataFrame | pl.LazyFrame,
    lang: str,
    but_keys: pl.Series,
    although_keys: pl.Series,
    w_pre: float,
    w_post: float,
) -> pl.LazyFrame:
    """Tokens of texts (columns row: UInt32, text) in text order, lazily.

    Columns: row, tok, h (u64 hash of tok), b2 (key of the bigram starting here, any clause), boundary,
    clause (a global running id, so comparing shifted values never leaks across rows), w (contrast weight).

    English is split on whitespace after punctuation padding; Chinese into characters, because character
    n-grams need no dictionary, are as accurate as segmented words here (MODEL.md) and far faster.
    Contrast: with a "but"-type connective (but_keys: token or bigram keys) tokens before the last one get
    w_pre and tokens after it w_post; the clause opened by an "although"-type connective gets w_pre. Texts
    without a connective keep weight 1. All of it is cumulative sums and fills over the token column: no
    per-row windows, no Python loop.
    """
    sep = "" if lang == "zh" else " "
    tok = pl.col("tok")
    h = pl.col("h")
    row = pl.col("row")
    lf = (
        texts.lazy()
        .select("row", tok=normalise(pl.col("text"), lang).str.split(sep))
        .explode("tok", keep_nulls=False, empty_as_null=False)
        .filter(tok != "", tok != " ")
        .with_columns(
            h=tok.hash(HASH_SEED),
            boundary=tok.is_in(list(BOUNDARY_TOKENS)),
            first=(row != row.shift(1)).fill_null(True),
            last=(row != row.shift(-1)).fill_null(True),
        )
        .with_columns(b2=pl.when(~pl.col("last")).then(combine(h, h.shift(-1))))
    )
    is_but = h.is_in(but_keys.implode()) | pl.col("b2").is_in(but_keys.implode()).fill_null(False)
    is_alt = h.is_in(although_keys.implode()) | pl.col("b2").is_in(although_keys.implode()).fill_null(False)
    lf = lf.with_columns(is_but=is_but.cast(pl.Int32), is_alt=is_alt)
    # R = number of "but" tokens from here to the end of the data; its value just past a row's last token
    # (tail) and at the row's first token (head) give "buts after me in my row" without a window.
    lf = lf.with_columns(
        clause=(pl.col("boundary") | pl.col("first") | pl.col("is_alt")).cast(pl.UInt32).cum_sum(),
        R=pl.col("is_but").cum_sum(reverse=True),
    ).with_columns(
        tail=pl.when(pl.col("last")).then(pl.col("R") - pl.col("is_but")).backward_fill(),
        head=pl.when(pl.col("first")).then(pl.col("R")).forward_fill(),
        in_alt=pl.when(pl.col("boundary") | pl.col("first") | pl.col("is_alt")).then(pl.col("is_alt")).forward_fill(),
    )
    after = pl.col("R") - pl.col("is_but") - pl.col("tail")
    w = (
        pl.when(pl.col("in_alt"))
        .then(w_pre)
        .when(pl.col("head") > pl.col("tail"))
        .then(pl.when(after > 0).then(w_pre).otherwise(w_post))
        .otherwise(1.0)
    )
    return lf.select("row", "tok", "h", "b2", "boundary", "clause", w=w)


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
    return (
        df.join(out.select("i", "n", "key"), on="i", how="left", maintain_order="left")
        .sort("i")
        .select("term", "n", "key")
    )
