"""Text normalisation, language detection and tokenisation shared by every tagger.

Everything here is a Polars expression or a frame-to-frame function so one call handles a million rows in
Rust; there is no per-text Python loop. The tokeniser is deliberately simple and fixed: the sentiment model
stores its features as tokens, so any change here is a model change (retrain with `cfm train`).
"""

from __future__ import annotations

import polars as pl

# English tokens: words (keeping an inner apostrophe), emoticons, emoji, and the punctuation that ends a
# clause. CJK text is split into single Han characters: character n-grams need no dictionary and are as
# accurate as segmented words for sentiment on short reviews (see MODEL.md), and they are ~50x faster.
_URL_RE = r"(?:https?://|www\.)\S+"
_MENTION_RE = r"@\w+"
TOKEN_RE = (
    r"\p{Han}"
    r"|[a-z0-9]+(?:['’][a-z]+)?"
    r"|[:;=]-?[()dp\]\[/\\|]"
    r"|<3"
    r"|\p{Extended_Pictographic}"
    r"|[!?！？]"
    r"|[.,;:，。；：、…~～]+"
)
# Tokens that end a clause: negation scope and bigrams never cross them.
BOUNDARY_TOKENS = frozenset(list(".,;:，。；：、…~～") + ["..", "...", "……", "，，", "。。"])

# Contrast: the clause after "but" carries the writer's conclusion ("great product but delivery was slow"),
# the clause introduced by "although" carries the concession. Weights multiply every feature value.
CONTRAST_BUT = {
    "en": r"\b(?:but|however|nevertheless|nonetheless|except|yet)\b",
    "zh": r"(?:但是|但|可是|不过|然而|只是|就是|可惜|却)",
}
CONTRAST_ALTHOUGH = {
    "en": r"\b(?:although|though|even though|despite|in spite of|while)\b[^,.;!?]*",
    "zh": r"(?:虽然|虽说|虽|尽管)[^，,。.；;！!？?]*",
}

_KANA_RE = r"[\p{Hiragana}\p{Katakana}]"
_HANGUL_RE = r"\p{Hangul}"
# Function words that occur in almost every English sentence but rarely in other Latin-script languages,
# and the reverse: a cheap, vectorised language check for en vs other Latin-script text.
_EN_FUNCTION = (
    r"\b(?:the|and|is|are|was|were|it|this|that|i|you|my|to|of|not|with|for|have|has|but|very|so|"
    r"be|been|can|will|would|on|in|at|they|we|me|no|do|does|did|just|too|a|an|or|if|what|how|why)\b"
)
_OTHER_FUNCTION = (
    r"\b(?:el|los|las|una|por|para|muy|pero|que|es|está|le|les|des|une|est|très|avec|pour|der|die|das|"
    r"und|ist|nicht|mit|ein|eine|sehr|aber|il|della|che|non|sono|um|uma|não|com|muito)\b"
)


def normalise(expr: pl.Expr) -> pl.Expr:
    """Lower-case and rewrite the few spellings that would split a negation or leak identifiers."""
    return (
        expr.fill_null("")
        .str.to_lowercase()
        .str.replace_all(_URL_RE, " url ")
        .str.replace_all(_MENTION_RE, " @user ")
        .str.replace_all("’", "'", literal=True)
        .str.replace_all(r"\bcan't\b|\bcannot\b", "can not")
        .str.replace_all(r"\bwon't\b", "will not")
        .str.replace_all(r"n't\b", " not")
        # Apostrophe-less negations are common in reviews and tweets ("dont", "isnt").
        .str.replace_all(
            r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|ca|wo|ai|must|need)nt\b",
            "$1 not",
        )
    )


def detect_language(expr: pl.Expr) -> pl.Expr:
    """'zh' when Han characters make up at least 30% of letters, 'en' for English-looking Latin text, else
    'other' (Japanese kana, Korean, other Latin-script languages, emoji-only or empty text)."""
    text = expr.fill_null("")
    han = text.str.count_matches(r"\p{Han}")
    latin = text.str.count_matches(r"[A-Za-z]")
    lowered = text.str.to_lowercase()
    en_hits = lowered.str.count_matches(_EN_FUNCTION)
    other_hits = lowered.str.count_matches(_OTHER_FUNCTION)
    has_kana = text.str.contains(_KANA_RE)
    has_hangul = text.str.contains(_HANGUL_RE)
    return (
        pl.when(has_kana | has_hangul)
        .then(pl.lit("other"))
        .when((han > 0) & (han * 10 >= (han + latin) * 3))
        .then(pl.lit("zh"))
        .when((latin > 0) & (en_hits >= other_hits))
        .then(pl.lit("en"))
        .otherwise(pl.lit("other"))
    )


def contrast_segments(df: pl.DataFrame, lang: str, w_pre: float, w_post: float) -> pl.DataFrame:
    """Split each normalised text (columns row, norm) into weighted segments (row, seg, w).

    A text with a "but"-type marker becomes the part before the last marker (weight w_pre) and the part
    after it (w_post); an "although"-type clause is cut out with weight w_pre and the rest gets w_post.
    Texts without a marker keep weight 1, so the weighting only moves scores when a contrast is present.
    """
    key = "zh" if lang == "zh" else "en"
    but_re = CONTRAST_BUT[key]
    alt_re = CONTRAST_ALTHOUGH[key]
    norm = pl.col("norm")
    marked = df.with_columns(
        pre=norm.str.extract(f"^(?s)(.*){but_re}", 1),
        post=norm.str.extract(f"^(?s).*{but_re}(.*)$", 1),
        alt=norm.str.extract(f"(?s)({alt_re})", 1),
    )
    has_but = pl.col("pre").is_not_null()
    has_alt = pl.col("alt").is_not_null() & ~has_but
    plain = marked.filter(~has_but & ~has_alt).select("row", seg=norm, w=pl.lit(1.0))
    but_pre = marked.filter(has_but).select("row", seg=pl.col("pre"), w=pl.lit(w_pre))
    but_post = marked.filter(has_but).select("row", seg=pl.col("post"), w=pl.lit(w_post))
    alt_clause = marked.filter(has_alt).select("row", seg=pl.col("alt"), w=pl.lit(w_pre))
    alt_rest = marked.filter(has_alt).select(
        "row", seg=norm.str.replace(f"(?s){alt_re}", " , "), w=pl.lit(w_post)
    )
    return pl.concat([plain, but_pre, but_post, alt_clause, alt_rest]).sort("row", maintain_order=True)


def tokenise(segments: pl.DataFrame) -> pl.DataFrame:
    """Explode segments (row, seg, w) into tokens (row, w, tok, boundary, clause) in text order.

    `clause` is a global running id that changes at every segment start and boundary token, so "same
    clause" comparisons on shifted columns never leak across rows or segments.
    """
    toks = (
        segments.with_row_index("sid")
        .with_columns(tok=pl.col("seg").str.extract_all(TOKEN_RE))
        .select("row", "sid", "w", "tok")
        .explode("tok", keep_nulls=False, empty_as_null=False)
    )
    is_boundary = pl.col("tok").is_in(list(BOUNDARY_TOKENS))
    seg_start = pl.col("sid") != pl.col("sid").shift(1, fill_value=-1)
    return toks.with_columns(
        boundary=is_boundary,
        clause=(is_boundary | seg_start).cast(pl.UInt32).cum_sum(),
    ).drop("sid")
