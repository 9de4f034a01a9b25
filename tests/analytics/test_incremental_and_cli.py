"""Incremental helper (only new/changed items, or all after a taxonomy change) and the CLI commands."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from analytics.incremental import rows_to_tag, text_hash
from orchestration.cli_tagging import CSV_TAG_COLUMNS, app


def test_text_hash_is_md5_like_duckdb() -> None:
    assert text_hash(pl.Series(["abc", None])).to_list() == [
        "900150983cd24fb0d6963f7d28e17f72",
        "d41d8cd98f00b204e9800998ecf8427e",
    ]


def test_only_new_or_changed_items_or_all_after_a_taxonomy_change() -> None:
    current = pl.DataFrame({"feedback_id": ["a", "b", "c"], "feedback_text": ["same text", "edited text", "brand new"]})
    tagged = pl.DataFrame(
        {
            "feedback_id": ["a", "b", "gone"],
            "text_hash": text_hash(pl.Series(["same text", "old text", "x"])),
            "taxonomy_version": ["v1", "v1", "v1"],
        }
    )
    assert rows_to_tag(current, tagged, "v1")["feedback_id"].to_list() == ["b", "c"]
    assert rows_to_tag(current, tagged, "v2")["feedback_id"].to_list() == ["a", "b", "c"]
    assert rows_to_tag(current, None, "v1").height == 3
    assert "text_hash" in rows_to_tag(current, None, "v1").columns


def test_cli_tag_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pl.DataFrame(
        {
            "id": ["001", "002", "003"],
            "comment": ["Not bad, but delivery was slow", "加载慢，经常闪退", "Please add Apple Pay"],
            "stars": ["3", "1", "4"],
        }
    ).write_csv(src)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["tag", str(src), "--text-column", "comment", "--output", str(out)])
    assert result.exit_code == 0, result.output
    tagged = pl.read_csv(out, infer_schema=False)
    assert tagged.columns == ["id", "comment", "stars", *CSV_TAG_COLUMNS]
    assert tagged["id"].to_list() == ["001", "002", "003"]  # ids kept as written, leading zeros too
    assert tagged["language"].to_list() == ["en", "zh", "en"]
    assert tagged["topic_l2"][1] in {"performance", "stability"}
    assert tagged["feedback_type"][2] == "suggestion"
    scores = tagged["sentiment_score"].cast(pl.Float64)
    assert scores.is_between(-1, 1).all()


def test_cli_tag_rejects_a_missing_text_column(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pl.DataFrame({"body": ["hello"]}).write_csv(src)
    result = CliRunner().invoke(app, ["tag", str(src), "--text-column", "text"])
    assert result.exit_code != 0
    assert "body" in result.output
