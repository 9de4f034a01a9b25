"""tag(): language, topics (several per item), feedback type, urgency, keywords, taxonomy edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from analytics.config import DEFAULT_MODELS_DIR, DEFAULT_SEEDS_DIR, TaggingConfig
from analytics.tagging import TAG_COLUMNS, tag


def topics_of(row: dict) -> set[str]:
    return {t["topic_l2"] for t in row["topics"]}


def test_output_schema_keeps_input_columns(config) -> None:
    df = pl.DataFrame({"id": [1, 2], "body": ["The app crashes on login", "物流很快"]})
    out = tag(df, text_col="body", config=config)
    assert out.columns == ["id", "body", *TAG_COLUMNS]
    assert out.schema["sentiment_score"] == pl.Float64
    assert out.schema["topics"] == pl.List(pl.Struct({"topic_l1": pl.String, "topic_l2": pl.String}))
    assert out.schema["keywords"] == pl.List(pl.String)
    assert out["taxonomy_version"].to_list() == [config.taxonomy_version] * 2
    # Re-tagging a tagged frame replaces the tag columns instead of duplicating them.
    assert tag(out, text_col="body", config=config).columns == out.columns


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The delivery was late", "en"),
        ("快递太慢了", "zh"),
        ("iPhone 屏幕碎了，很失望", "zh"),
        ("La entrega fue muy lenta y el producto es malo", "other"),
        ("配送が遅い", "other"),
        ("😡😡😡", "other"),
    ],
)
def test_language(tag_one, text: str, language: str) -> None:
    assert tag_one(text)["language"] == language


def test_loads_slowly_is_product_performance_and_negative(tag_one) -> None:
    row = tag_one("加载慢")
    assert (row["topic_l1"], row["topic_l2"]) == ("product", "performance")
    assert row["sentiment_label"] == "negative"


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("I was charged twice and still waiting for my refund", {"billing_errors", "refund_returns"}),
        ("The box arrived crushed and the parcel was a week late", {"damaged_item", "delivery"}),
        ("The app keeps crashing and I can't log in", {"stability", "login"}),
        ("尺码偏小，而且价格太贵", {"sizing", "too_expensive"}),
        ("客服态度很差，退款到现在还没到", {"staff_attitude", "refund_returns"}),
    ],
)
def test_several_topics_per_item(tag_one, text: str, topics: set[str]) -> None:
    row = tag_one(text)
    assert topics <= topics_of(row)
    assert row["topic_l2"] in topics_of(row)


def test_no_topic_is_other(tag_one) -> None:
    row = tag_one("Thanks!")
    assert (row["topic_l1"], row["topic_l2"], row["topics"]) == ("other", "other", [])


def test_keywords_match_whole_words_only(tag_one) -> None:
    # "app" must not fire on "happy", "ui" not on "build".
    assert tag_one("I am happy with the build")["topic_l2"] == "other"


@pytest.mark.parametrize(
    ("text", "feedback_type"),
    [
        ("Please add a dark mode, it would be great for night use", "suggestion"),
        ("建议增加夜间模式", "suggestion"),
        ("How do I change my delivery address?", "question"),
        ("请问什么时候发货？", "question"),
        ("The support agent was rude and unhelpful", "complaint"),
        ("退款太慢了，非常失望", "complaint"),
        ("Great service, thank you so much!", "praise"),
        ("质量很好，很满意", "praise"),
    ],
)
def test_feedback_type(tag_one, text: str, feedback_type: str) -> None:
    assert tag_one(text)["feedback_type"] == feedback_type


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("The whole site is down, outage since this morning, nothing works", "urgent"),
        ("系统故障，完全用不了", "urgent"),
        ("I was charged twice for one order", "high"),
        ("申请退款一周了还没处理", "high"),
        ("The app keeps crashing when I open the camera", "high"),
        ("Could you add more colours?", "normal"),
        ("Refund arrived quickly, thank you, great service", "normal"),
    ],
)
def test_urgency(tag_one, text: str, urgency: str) -> None:
    assert tag_one(text)["urgency"] == urgency


def test_keywords_are_informative_and_carry_no_pii(tag_one) -> None:
    row = tag_one("Delivery was late again, email me at jane.doe@example.com or call +1 415-555-0132")
    assert "delivery" in row["keywords"]
    assert 0 < len(row["keywords"]) <= 5
    joined = " ".join(row["keywords"])
    assert "jane" not in joined and "example" not in joined and "415" not in joined
    zh = tag_one("物流太慢了，包装也破损了")
    assert "物流" in zh["keywords"] and "破损" in zh["keywords"]


def _copy_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    return seeds


def test_editing_the_taxonomy_seed_changes_tags_and_version(tmp_path: Path, config) -> None:
    seeds = _copy_seeds(tmp_path)
    text = pl.DataFrame({"text": ["The courier left my parcel in the rain", "包裹被快递员放在门口"]})
    before = tag(text, config=TaggingConfig.load(seeds, DEFAULT_MODELS_DIR))
    assert before["topic_l2"].to_list() == ["delivery", "delivery"]

    # An analyst splits "courier" and "快递员" out of delivery into a new topic.
    taxonomy = pl.read_csv(seeds / "taxonomy.csv")
    taxonomy = pl.concat(
        [
            taxonomy,
            pl.DataFrame(
                [["service", "courier_conduct", "Courier conduct", "快递员行为", "normal"]],
                schema=taxonomy.schema,
                orient="row",
            ),
        ]
    )
    taxonomy.write_csv(seeds / "taxonomy.csv")
    keywords = pl.read_csv(seeds / "topic_keywords.csv")
    extra = pl.DataFrame(
        [["courier_conduct", "en", "courier", 5.0], ["courier_conduct", "zh", "快递员", 5.0]],
        schema=keywords.schema,
        orient="row",
    )
    pl.concat([keywords, extra]).write_csv(seeds / "topic_keywords.csv")

    edited = TaggingConfig.load(seeds, DEFAULT_MODELS_DIR)
    after = tag(text, config=edited)
    assert after["topic_l2"].to_list() == ["courier_conduct", "courier_conduct"]
    assert edited.taxonomy_version != config.taxonomy_version
    assert set(after["taxonomy_version"]) == {edited.taxonomy_version}


def test_editing_the_lexicon_changes_sentiment_and_version(tmp_path: Path, config) -> None:
    seeds = _copy_seeds(tmp_path)
    text = pl.DataFrame({"text": ["这次的体验很拉胯"]})  # slang the lexicon does not know
    before = tag(text, config=TaggingConfig.load(seeds, DEFAULT_MODELS_DIR))
    with (seeds / "sentiment_lexicon_zh.csv").open("a", encoding="utf-8") as f:
        f.write("拉胯,-4.0\n")
    edited = TaggingConfig.load(seeds, DEFAULT_MODELS_DIR)
    after = tag(text, config=edited)
    assert after["sentiment_score"][0] < before["sentiment_score"][0]
    assert edited.taxonomy_version != before["taxonomy_version"][0]


def test_keywords_seed_must_name_known_topics(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    with (seeds / "topic_keywords.csv").open("a", encoding="utf-8") as f:
        f.write("no_such_topic,en,foo,1.0\n")
    with pytest.raises(ValueError, match="no_such_topic"):
        TaggingConfig.load(seeds, DEFAULT_MODELS_DIR)
