"""The fast paths of tag() give exactly what their plain regex definitions give."""

from __future__ import annotations

import polars as pl

from analytics import text as tx
from analytics.pii import mask_pii
from analytics.topics import match_text, match_texts

TEXTS = [
    "The delivery was late",
    "快递太慢了",
    "iPhone 屏幕碎了，很失望",
    "iPhone iPad MacBook 碎了",  # Han share below 30%: not Chinese
    "La entrega fue muy lenta y el producto es malo",
    "the el es",  # function words tie / outnumber
    "Très bien, c'est très bon avec le service",
    "配送が遅い",
    "배송이 늦어요 but ok",
    "😡😡😡",
    "",
    None,
    "Ünïcode über naïve café, the best",
    "𠀀𠀁 rare Han (plane 2) 字",
    "12345 !!!",
    "el_gato es muy bonito",
]


def _regex_language(s: pl.Series) -> list[str]:
    text = pl.col("t").fill_null("")
    han = text.str.count_matches(r"\p{Han}")
    latin = text.str.count_matches(r"[A-Za-z]")
    lowered = text.str.to_lowercase()
    en_hits = lowered.str.count_matches(tx._EN_FUNCTION)
    other_hits = lowered.str.count_matches(tx._OTHER_FUNCTION)
    expr = (
        pl.when(text.str.contains(r"[\p{Hiragana}\p{Katakana}\p{Hangul}]"))
        .then(pl.lit("other"))
        .when((han > 0) & (han * 10 >= (han + latin) * 3))
        .then(pl.lit("zh"))
        .when((latin > 0) & (en_hits >= other_hits))
        .then(pl.lit("en"))
        .otherwise(pl.lit("other"))
    )
    return pl.DataFrame({"t": s}).select(x=expr)["x"].to_list()


def test_language_by_code_point_table_equals_regex_definition() -> None:
    s = pl.Series("t", TEXTS * 3, dtype=pl.String)
    assert tx.language_codes(s).to_list() == _regex_language(s)
    assert tx.language_codes(s.slice(0, 4)).to_list() == ["en", "zh", "zh", "en"]


def test_pii_prefilter_changes_nothing_but_pii() -> None:
    texts = [
        "call me on 13812345678 please",
        "no digits here",
        "order #12 of 3 items",
        "mail jane@example.com",
        "card 4111 1111 1111 1111 ok",
        None,
        "+44 20 7946 0958",
        "12 and 3",
        "@support thanks, write to help@shop.example.org",
    ]
    batch = mask_pii(pl.Series("t", texts * 10)).to_list()
    alone = [mask_pii(pl.Series("t", [t])).to_list()[0] for t in texts] * 10
    assert batch == alone
    assert batch[: len(texts)] == [
        "call me on [PHONE] please",
        "no digits here",
        "order #12 of 3 items",
        "mail [EMAIL]",
        "card [CARD] ok",
        None,
        "[PHONE]",
        "12 and 3",
        "@support thanks, write to [EMAIL]",
    ]


def test_match_texts_equals_match_text() -> None:
    s = pl.Series("t", ["Hello,  world!!  Is   it ok?", "一个，两个。", None, "", "a-b_c"] * 2)
    expected = pl.DataFrame({"t": s}).select(x=match_text(pl.col("t")))["x"]
    assert match_texts(s).to_list() == expected.to_list()


def test_large_frames_tagged_in_parts_equal_one_pass(monkeypatch) -> None:
    from analytics import tagging

    texts = [t for t in TEXTS if t] + ["我的手机 138-1234-5678，退款还没到", "App crashes at login, please fix!!"]
    frame = pl.DataFrame({"id": range(4_200), "text": (texts * 300)[:4_200]})
    assert frame.height >= tagging.PARALLEL_MIN_TEXTS
    monkeypatch.setattr(tagging, "TAG_THREADS", 3)
    in_parts = tagging.tag(frame)
    monkeypatch.setattr(tagging, "TIMINGS", {})  # the sequential path, as when timing components
    assert in_parts.equals(tagging.tag(frame))
    assert in_parts["id"].to_list() == list(range(4_200))
