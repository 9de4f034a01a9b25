"""PII masking for every text column analysts see: emails, phone numbers, card-like numbers.

Vectorised regular expressions in Polars (Rust regex). `(?-u:\\b)` is an ASCII word boundary, so a number
glued to Chinese text ("电话13812345678") is still found. Cards are masked before phones so a 16-digit number
is one [CARD], not a phone
plus digits (numbers with a +country code excepted). Ordinary numbers (order ids, years, prices) are shorter or lack the
shapes below and stay as they are.
"""

from __future__ import annotations

import polars as pl

B = r"(?-u:\b)"
EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
# 13-19 digits, optionally grouped by single spaces or dashes (card numbers as people type them).
CARD = B + r"\d(?:[ \-]?\d){12,18}" + B
# International with a country code: +1 415-555-0132, +44 20 7946 0958, +86 138 1234 5678. Masked first:
# its digit groups would otherwise read as a card number.
INTL_PHONE = r"\+\d{1,3}[ \-.]?\(?\d{1,4}\)?(?:[ \-.]?\d{2,4}){2,4}" + B
PHONE_PATTERNS = (
    # Chinese mobiles (11 digits starting 13-19), with optional separators: 138-1234-5678.
    B + r"1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}" + B,
    # Chinese landlines with an area code: 010-12345678, 0755-1234567.
    B + r"0\d{2,3}-\d{7,8}" + B,
    # North American national formats: (415) 555-0132, 415-555-0132, 415.555.0132.
    r"\(\d{3}\)[ \-]?\d{3}[ \-.]\d{4}" + B,
    B + r"\d{3}[\-.]\d{3}[\-.]\d{4}" + B,
)
PHONE = "|".join(f"(?:{p})" for p in (INTL_PHONE, *PHONE_PATTERNS))


def mask_pii(text: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """Replace emails, card-like numbers and phone numbers with [EMAIL], [CARD] and [PHONE]."""
    return (
        text.str.replace_all(EMAIL, "[EMAIL]")
        .str.replace_all(INTL_PHONE, "[PHONE]")
        .str.replace_all(CARD, "[CARD]")
        .str.replace_all(PHONE, "[PHONE]")
    )


def has_pii(text: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """True where the text holds something mask_pii would mask."""
    return text.str.contains(f"(?:{EMAIL})|(?:{CARD})|(?:{PHONE})")
