"""Sentiment on hand-written English and Chinese cases: negation, intensifiers, contrast, edge cases.

These are behaviours promised in issue #5, written by hand; none of the texts comes from the evaluation
files.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("not bad", {"neutral", "positive"}),
        ("Not bad at all, honestly.", {"neutral", "positive"}),
        ("not good", {"negative"}),
        ("The charger is not good.", {"negative"}),
        ("I don't like it", {"negative"}),
        ("这个东西不太好", {"negative"}),
        ("不太好", {"negative"}),
        ("不好用", {"negative"}),
        ("没有问题", {"neutral", "positive"}),
        ("用了一个月，没有问题", {"neutral", "positive"}),
        ("不错", {"positive"}),
    ],
)
def test_negation(tag_one, text: str, allowed: set[str]) -> None:
    assert tag_one(text)["sentiment_label"] in allowed


@pytest.mark.parametrize(
    ("pair"),
    [
        ("good", "not good"),
        ("great service", "not great service"),
        ("满意", "不满意"),
        ("好吃", "不好吃"),
    ],
)
def test_negation_lowers_the_score(tag_one, pair: tuple[str, str]) -> None:
    plain, negated = pair
    assert tag_one(negated)["sentiment_score"] < tag_one(plain)["sentiment_score"]


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        # "no" and "lack" are lexicon words (-1.2, -1.3) as well as negators: flipping "complaints" or
        # "issues" they carry no valence of their own; alone they keep it.
        ("No complaints.", 1),
        ("no issues", 1),
        ("No.", -1),
        # Modifiers that are lexicon words ("super" +2.9) intensify without adding their own valence.
        ("super slow", -1),
        ("Super!", 1),
    ],
)
def test_negator_or_modifier_of_a_lexicon_word_has_no_valence_of_its_own(tag_one, text: str, sign: int) -> None:
    assert tag_one(text)["sentiment_score"] * sign > 0


@pytest.mark.parametrize(
    ("weak", "strong"),
    [
        ("the food was good", "the food was extremely good"),
        ("the wait was bad", "the wait was really really bad"),
        ("满意", "非常满意"),
        ("物流慢", "物流太慢了"),
    ],
)
def test_intensifiers_push_further_from_zero(tag_one, weak: str, strong: str) -> None:
    assert abs(tag_one(strong)["sentiment_score"]) > abs(tag_one(weak)["sentiment_score"])


def test_english_contrast_weighs_the_clause_after_but(tag_one) -> None:
    row = tag_one("great product but delivery was slow")
    assert row["sentiment_score"] < 0
    assert row["sentiment_label"] in {"negative", "neutral"}
    assert row["topic_l2"] == "delivery" or {"topic_l1": "service", "topic_l2": "delivery"} in row["topics"]
    # Turning the clauses around turns the verdict around.
    assert tag_one("delivery was slow but great product")["sentiment_score"] > row["sentiment_score"]


def test_chinese_contrast_weighs_the_clause_after_danshi(tag_one) -> None:
    row = tag_one("东西不错，但是物流太慢")
    assert row["sentiment_label"] == "negative"
    assert {"topic_l1": "service", "topic_l2": "delivery"} in row["topics"]
    assert tag_one("物流太慢，但是东西不错")["sentiment_score"] > row["sentiment_score"]


def test_although_clause_is_the_concession(tag_one) -> None:
    assert tag_one("Although the price is high, the quality is excellent")["sentiment_label"] == "positive"
    assert tag_one("虽然价格有点贵，但是质量很好")["sentiment_label"] == "positive"


def test_clear_cases_and_range(tag_many) -> None:
    out = tag_many(
        [
            "I love this app, it is fantastic!",
            "Terrible experience, the worst support ever.",
            "质量很好，非常满意，还会回购",
            "太差了，再也不买了",
        ]
    )
    assert out["sentiment_label"].to_list() == ["positive", "negative", "positive", "negative"]
    assert out["sentiment_score"].is_between(-1.0, 1.0).all()


def test_empty_and_missing_text_are_neutral(tag_many) -> None:
    out = tag_many(["", "   ", None])  # type: ignore[list-item]
    assert out["sentiment_score"].to_list() == [0.0, 0.0, 0.0]
    assert set(out["sentiment_label"]) == {"neutral"}
    assert set(out["language"]) == {"other"}
