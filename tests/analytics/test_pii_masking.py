"""PII masking on hand-written English and Chinese cases: what must be masked, and what must stay."""

import polars as pl
import pytest

from analytics.pii import has_pii, mask_pii


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jo.doe+x@mail.co.uk pls", "mail me at [EMAIL] pls"),
        ("电话13812345678谢谢", "电话[PHONE]谢谢"),
        ("我的手机 138-1234-5678，请回电", "我的手机 [PHONE]，请回电"),
        ("+86 138 1234 5678", "[PHONE]"),
        ("座机 010-12345678", "座机 [PHONE]"),
        ("+1 415-555-0132 or (415) 555-0132", "[PHONE] or [PHONE]"),
        ("+44 20 7946 0958", "[PHONE]"),
        ("call 415.555.0132", "call [PHONE]"),
        ("card 4111 1111 1111 1111 ok", "card [CARD] ok"),
        ("卡号4111111111111111被扣款两次", "卡号[CARD]被扣款两次"),
        # Full-width digits (Chinese input mode), spaced landlines, resident identity numbers (check digit X).
        ("手机１３８００１３８０００", "手机[PHONE]"),
        ("座机 (010) 8888 6666", "座机 [PHONE]"),
        ("身份证44030419851212100X请核实", "身份证[ID]请核实"),
        ("ID 110101199003077774", "ID [ID]"),
    ],
)
def test_pii_is_masked(text: str, expected: str) -> None:
    assert mask_pii(pl.Series([text])).to_list() == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "order #100234 arrived in 2026 for $129.99",
        "ticket 50000123 is still open",
        "评分 10 分，价格 299 元",
        "v2.3.1",
        "５星好评",
        # 18 digits shaped like an identity number whose check digit is wrong: an order number.
        "订单 110101199003077777",
        # "+" and digits, but no numbering plan of country code 1 has 3-digit numbers.
        "votes so far: +1 2 3",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert mask_pii(pl.Series([text])).to_list() == [text]
    assert has_pii(pl.Series([text])).to_list() == [False]


def test_masking_works_as_an_expression_and_keeps_nulls() -> None:
    df = pl.DataFrame({"t": ["a@b.io", None]})
    assert df.select(mask_pii(pl.col("t")))["t"].to_list() == ["[EMAIL]", None]
