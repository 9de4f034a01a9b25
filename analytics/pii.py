"""PII masking for every text column analysts see: emails, phone numbers, payment-card numbers.

Vectorised: each kind is one Rust-regex `replace_all` over the texts that can hold any of them ("x@y" or
three digits, found with one cheap scan; the rest are returned as they are); card candidates are checked
with the Luhn algorithm as Polars list arithmetic on the distinct candidates only, so a 16-digit order
number that is not a valid card survives. Order matters: emails first (they may contain digits), then
international phones ("+"), then cards (so a long digit run is not half-masked as
a phone), then the other phone formats.

Not masked on purpose: order ids ("#100234"), years, dates, times, prices and other short numbers. The
raw layer keeps the original text (restricted access, see the warehouse docs); masking applies from the
intermediate layer on.
"""

from __future__ import annotations

import polars as pl

EMAIL_TOKEN = "[EMAIL]"
PHONE_TOKEN = "[PHONE]"
CARD_TOKEN = "[CARD]"

# (?-u:\b) is an ASCII word boundary: in Unicode mode a Han character counts as a word character, so
# "电话13812345678" would have no boundary before the digits.
_B = r"(?-u:\b)"
EMAIL_RE = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
# 13-19 digits, optionally separated by single spaces or dashes (how cards are typed).
CARD_RE = _B + r"\d(?:[ \-]?\d){12,18}" + _B
# Four groups of four: unmistakably a card as typed, masked even when the checksum fails (typos).
CARD_GROUPED_RE = _B + r"\d{4}[ \-]\d{4}[ \-]\d{4}[ \-]\d{1,7}" + _B
PHONE_RES = (
    # International: +CC then 2-5 groups ("+1 415-555-0132", "+44 20 7946 0958", "+86 138 1234 5678").
    r"\+\d{1,3}(?:[ \-.]?\(?\d{1,4}\)?){2,5}" + _B,
    # North American with area code in parentheses or separators ("(415) 555-0132", "415-555-0132").
    r"\(\d{3}\)[ \-.]?\d{3}[ \-.]\d{4}" + _B,
    _B + r"\d{3}[\-.]\d{3}[\-.]\d{4}" + _B,
    # Chinese mobiles ("13812345678", "138 1234 5678", "138-1234-5678").
    _B + r"1[3-9]\d(?:[ \-]?\d{4}){2}" + _B,
    # Chinese landlines with area code ("010-12345678", "0755-1234567", "(010)12345678").
    _B + r"0\d{2,3}-\d{7,8}" + _B,
    r"\(0\d{2,3}\)[ \-]?\d{7,8}" + _B,
)


def _luhn_valid(digits: pl.Expr) -> pl.Expr:
    """Luhn checksum over a string of digits (list arithmetic, no Python loop)."""
    doubled = (
        digits.str.reverse()
        .str.split("")
        .list.eval(pl.element().cast(pl.Int32) * pl.when(pl.int_range(pl.len()) % 2 == 1).then(2).otherwise(1))
        .list.eval(pl.when(pl.element() > 9).then(pl.element() - 9).otherwise(pl.element()))
    )
    return doubled.list.sum() % 10 == 0


# Every pattern needs an "@" between two address characters (emails; "@user" mentions have none before
# it) or at least three digits (the shortest phone match, "+" and 1 + 2 digits): texts with neither are
# returned untouched without running any pattern over them.
_MAYBE_PII_RE = r"[A-Za-z0-9._%+\-]@[A-Za-z0-9\-]|\d\D*\d\D*\d"


def _mask_series(s: pl.Series) -> pl.Series:
    text = s.cast(pl.String)
    idx = text.str.contains(_MAYBE_PII_RE).arg_true()
    if len(idx) == 0:
        return text.rename(s.name)
    if len(idx) == len(text):
        return _mask_candidates(text).rename(s.name)
    return text.scatter(idx, _mask_candidates(text.gather(idx))).rename(s.name)


def _mask_candidates(text: pl.Series) -> pl.Series:
    # International numbers start with "+": mask them before cards, whose 13-19 digit pattern would
    # otherwise swallow "+86 138 1234 5678".
    out = (
        pl.DataFrame({"t": text})
        .select(pl.col("t").str.replace_all(EMAIL_RE, EMAIL_TOKEN).str.replace_all(PHONE_RES[0], PHONE_TOKEN))
        .to_series()
    )
    candidates = (
        pl.DataFrame({"t": out})
        .select(c=pl.col("t").str.extract_all(CARD_RE))
        .explode("c", keep_nulls=False, empty_as_null=False)
        .unique()
        .with_columns(d=pl.col("c").str.replace_all(r"\D", ""))
        .filter(pl.col("d").str.len_chars().is_between(13, 19))
        .filter(_luhn_valid(pl.col("d")))
        # Longest first so a candidate never leaves the tail of a longer one unmasked.
        .sort([pl.col("c").str.len_chars(), pl.col("c")], descending=[True, False])
    )
    frame = pl.DataFrame({"t": out})
    if candidates.height:
        cards = candidates["c"]
        frame = frame.with_columns(
            pl.col("t").str.replace_many(
                pl.lit(cards).implode(), pl.lit(pl.Series([CARD_TOKEN] * cards.len())).implode(), leftmost=True
            )
        )
    expr = pl.col("t").str.replace_all(CARD_GROUPED_RE, CARD_TOKEN)
    for pattern in PHONE_RES[1:]:
        expr = expr.str.replace_all(pattern, PHONE_TOKEN)
    return frame.select(expr).to_series()


def mask_pii(text: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """Mask emails → [EMAIL], phones → [PHONE], card numbers → [CARD].

    Accepts a Series (returns a Series) or an expression (returns an expression, evaluated on the whole
    column at once with map_batches, so it can sit inside with_columns or a lazy query).
    """
    if isinstance(text, pl.Series):
        return _mask_series(text)
    return text.map_batches(_mask_series, return_dtype=pl.String)


def has_pii(text: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """True where masking would change the text (null text: False)."""
    masked = mask_pii(text)
    return (masked != text).fill_null(False)


def pii_counts(text: pl.Expr) -> pl.Expr:
    """Struct of email / phone / card match counts (for audits and tests)."""
    phones = sum((text.str.count_matches(p) for p in PHONE_RES), pl.lit(0, dtype=pl.UInt32))
    return pl.struct(
        emails=text.str.count_matches(EMAIL_RE),
        phones=phones,
        cards=text.str.count_matches(CARD_RE),
    )
