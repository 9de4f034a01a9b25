"""PII masking for every text column analysts see: emails, phone numbers, payment-card numbers and
Chinese resident identity numbers.

Vectorised: each kind is one Rust-regex `replace_all` over the texts that can hold any of them ("x@y" or
three digits, found with one cheap scan; the rest are returned as they are); card candidates are checked
with the Luhn algorithm and identity-number candidates with their ISO 7064 check digit, as Polars list
arithmetic on the distinct candidates only, so a 16- or 18-digit order number that is neither survives;
international "+CC ..." candidates must have a length their country's numbering plan allows
(`phonenumbers`, asked once per country prefix and length). Full-width digits (１３８…, typed in Chinese
input mode) are read as ASCII digits first. Order matters: emails first (they may contain digits), then
international phones ("+"), then identity numbers and cards (so a long digit run is not half-masked as a
phone), then the other phone formats.

Not masked on purpose: order ids ("#100234"), years, dates, times, prices and other short numbers. The
raw layer keeps the original text (restricted access, see the warehouse docs); masking applies from the
intermediate layer on.
"""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
import polars as pl

EMAIL_TOKEN = "[EMAIL]"
PHONE_TOKEN = "[PHONE]"
CARD_TOKEN = "[CARD]"
ID_TOKEN = "[ID]"

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
    # Chinese landlines with area code ("010-12345678", "0755-1234567", "(010)12345678", "010 8888 6666").
    _B + r"0\d{2,3}[ \-]\d{3,4}[ \-]?\d{4}" + _B,
    r"\(0\d{2,3}\)[ \-]?\d{3,4}[ \-]?\d{4}" + _B,
)
# Chinese resident identity number: 6-digit region, birth date, 3-digit sequence, check digit (or X).
ID_RE = _B + r"\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _B
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"＋": "+", "－": "-"}


def _luhn_valid(digits: pl.Expr) -> pl.Expr:
    """Luhn checksum over a string of digits (list arithmetic, no Python loop)."""
    doubled = (
        digits.str.reverse()
        .str.split("")
        .list.eval(pl.element().cast(pl.Int32) * pl.when(pl.int_range(pl.len()) % 2 == 1).then(2).otherwise(1))
        .list.eval(pl.when(pl.element() > 9).then(pl.element() - 9).otherwise(pl.element()))
    )
    return doubled.list.sum() % 10 == 0


def _id_check_valid(number: pl.Expr) -> pl.Expr:
    """ISO 7064 MOD 11-2 check digit of an 18-character identity number (list arithmetic)."""
    digits = number.str.slice(0, 17).str.split("").list.eval(pl.element().cast(pl.Int32))
    total = digits.list.eval(pl.element() * pl.lit(pl.Series(_ID_WEIGHTS))).list.sum()
    expected = pl.lit("10X98765432").str.slice(total % 11, 1)
    return number.str.slice(17, 1).str.to_uppercase() == expected


def _possible_international(number: pl.Expr) -> pl.Expr:
    """A "+CC ..." candidate has a length some numbering plan of its country code allows (libphonenumber's
    metadata), so "+1 2 3" in a review is not a phone."""
    return number.map_batches(_possible_lengths, return_dtype=pl.Boolean)


def _possible_lengths(candidates: pl.Series) -> pl.Series:
    # The verdict depends only on the country code (a prefix of at most 3 digits) and the digit count, so
    # libphonenumber is asked once per (first 3 digits, length), not once per number.
    frame = pl.DataFrame({"d": candidates.str.replace_all(r"\D", "")}).with_columns(
        k=pl.col("d").str.slice(0, 3), n=pl.col("d").str.len_chars()
    )
    keys = frame.unique(["k", "n"], keep="first", maintain_order=True)
    keys = keys.with_columns(ok=pl.Series([_is_possible_phone("+" + d) for d in keys["d"]], dtype=pl.Boolean))
    return frame.join(keys.select("k", "n", "ok"), on=["k", "n"], how="left", maintain_order="left")["ok"]


def _is_possible_phone(number: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def _card_valid(number: pl.Expr) -> pl.Expr:
    digits = number.str.replace_all(r"\D", "")
    return digits.str.len_chars().is_between(13, 19) & _luhn_valid(digits)


def _mask_validated(text: pl.Series, pattern: str, valid: Callable[[pl.Expr], pl.Expr], token: str) -> pl.Series:
    """Replace the matches of `pattern` that pass `valid` by `token`: each distinct match is checked once,
    then all are replaced in one Aho-Corasick pass (longest first, so no tail of a longer one is left)."""
    found = (
        pl.DataFrame({"t": text})
        .select(c=pl.col("t").str.extract_all(pattern))
        .explode("c", keep_nulls=False, empty_as_null=False)
        .unique()
        .filter(valid(pl.col("c")))
        .sort([pl.col("c").str.len_chars(), pl.col("c")], descending=[True, False])
        .get_column("c")
    )
    if found.len() == 0:
        return text
    tokens = pl.Series([token] * found.len())
    return (
        pl.DataFrame({"t": text})
        .select(pl.col("t").str.replace_many(pl.lit(found).implode(), pl.lit(tokens).implode(), leftmost=True))
        .to_series()
    )


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
    # Full-width digits are ASCII digits to every pattern below (only in texts that have any).
    wide = text.str.contains("[０-９]").arg_true()
    if len(wide):
        text = text.scatter(wide, text.gather(wide).str.replace_many(_FULLWIDTH))
    # International numbers start with "+": mask them before cards, whose 13-19 digit pattern would
    # otherwise swallow "+86 138 1234 5678".
    out = pl.DataFrame({"t": text}).select(pl.col("t").str.replace_all(EMAIL_RE, EMAIL_TOKEN)).to_series()
    out = _mask_validated(out, PHONE_RES[0], _possible_international, PHONE_TOKEN)
    out = _mask_validated(out, ID_RE, _id_check_valid, ID_TOKEN)
    out = _mask_validated(out, CARD_RE, _card_valid, CARD_TOKEN)
    frame = pl.DataFrame({"t": out})
    expr = pl.col("t").str.replace_all(CARD_GROUPED_RE, CARD_TOKEN)
    for pattern in PHONE_RES[1:]:
        expr = expr.str.replace_all(pattern, PHONE_TOKEN)
    return frame.select(expr).to_series()


def mask_pii(text: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """Mask emails → [EMAIL], phones → [PHONE], card numbers → [CARD], Chinese identity numbers → [ID].

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
