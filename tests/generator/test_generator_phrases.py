"""The phrase banks are complete, well-formed and flag urgent content."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from generator import phrases
from generator.codes import HARD, REASON_CODES, SOFT, TOPICS
from generator.text import CORE_KINDS, banks, compose, core_group

MARKER = re.compile(r"^(!!? )?([SH]\|)?")


def _all_core() -> list[tuple[str, str, str, str]]:
    return [
        (topic, lang, kind, raw)
        for topic, langs in phrases.CORE.items()
        for lang, kinds in langs.items()
        for kind, items in kinds.items()
        for raw in items
    ]


def test_taxonomy_matches_the_contract():
    assert set(phrases.TOPIC_L1) == {
        "ui",
        "performance",
        "stability",
        "compatibility",
        "login",
        "features",
        "quality",
        "sizing",
        "response_speed",
        "staff_attitude",
        "delivery",
        "damaged_item",
        "refund_returns",
        "too_expensive",
        "billing_errors",
        "promotions",
        "other",
    }
    assert set(phrases.TOPIC_L1.values()) == {"product", "service", "price", "other"}
    assert set(phrases.CORE) == set(phrases.TOPIC_L1) == set(phrases.LABELS)


def test_several_hundred_phrases_in_both_languages():
    core = _all_core()
    notes = [n for by_lang in phrases.RETURN_NOTES.values() for items in by_lang.values() for n in items]
    generic = [x for by_name in phrases.GENERIC.values() for items in by_name.values() for x in items if x]
    assert len(core) + len(notes) + len(generic) >= 600
    for lang in ("en", "zh"):
        assert sum(1 for _, lg, _, _ in core if lg == lang) >= 250


@pytest.mark.parametrize("lang", [0, 1])
def test_every_topic_kind_and_goods_kind_has_phrases(lang: int):
    b = banks()
    for ti in range(len(TOPICS)):
        for ki in range(len(CORE_KINDS)):
            for pk in (SOFT, HARD):
                group = core_group(np.array(lang), np.array(ti), np.array(ki), np.array(pk))
                assert b.core.count[int(group)] > 0, (TOPICS[ti], CORE_KINDS[ki], pk)


def test_markers_and_slots_are_well_formed():
    for _topic, lang, kind, raw in _all_core():
        text = MARKER.sub("", raw)
        assert text and not text.startswith("{i}"), raw
        assert "|" not in text and "!!" not in text[:3], raw
        assert text.count("{i}") <= 1 and "{L}" not in text, raw
        if lang == "en":
            assert not text.rstrip().endswith((".", "!")), raw
            assert re.search(r"[\u4e00-\u9fff]", text) is None, raw
        else:
            assert re.search(r"[\u4e00-\u9fff]", text), raw
        if kind == "q":
            assert text.endswith(("?", "？")), raw
    for reason in REASON_CODES:
        for lang in ("en", "zh"):
            notes = phrases.RETURN_NOTES[reason][lang]
            assert (len(notes) == 0) == (reason == "UNKNOWN"), reason
            for _, topic, sentiment in notes:
                assert topic in phrases.TOPIC_L1 and sentiment in ("negative", "neutral")


def test_urgent_keywords_are_flagged_urgent_and_positive_phrases_never_are():
    for _, _, kind, raw in _all_core():
        text = MARKER.sub("", raw)
        urgent = re.search(r"charged twice|card twice|down|hacked|账户被盗|故障|崩了|smoking|冒烟", text)
        if urgent and kind == "neg":
            assert raw.startswith("!! "), raw
        if kind in ("pos", "pos_not", "sug"):
            assert not raw.startswith("!"), raw


def test_compose_handles_every_class_and_language():
    rng = np.random.default_rng(0)
    n = 4000
    lang = rng.integers(0, 2, n)
    cls = rng.integers(0, 4, n)
    topic = rng.integers(0, len(TOPICS), n)
    out = compose(
        rng,
        lang=lang,
        cls=cls,
        topic=topic,
        pk=rng.integers(0, 2, n),
        note=np.full(n, -1),
        sentiment=np.zeros(n, dtype=np.int8),
        emoji_rate=np.full(n, 0.1),
        email=pl.Series([None] * n, dtype=pl.String),
        has_text=np.ones(n, dtype=bool),
    )
    texts = out.text.to_list()
    assert all(texts) and len(set(texts)) > n * 0.5
    en = [t for t, lg in zip(texts, lang, strict=True) if lg == 0 and t[0].isalpha()]
    assert all(t[0].isupper() for t in en)
    assert not any("{i}" in t or "{L}" in t or "  " in t for t in texts)
    assert set(np.unique(out.urgency[cls == 1])) == {0}  # praise is never urgent
