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


def test_cli_tag_reads_gbk_and_tab_separated_files(tmp_path: Path) -> None:
    gbk = tmp_path / "reviews.csv"
    gbk.write_bytes("text,label\n质量很好，物流也快,1\n太差了，不推荐,0\n".encode("gbk"))
    tsv = tmp_path / "reviews.tsv"
    tsv.write_text("text\tlabel\nlove it, works great\t1\n", encoding="utf-8")
    for src, rows in ((gbk, 2), (tsv, 1)):
        out = tmp_path / f"{src.suffix[1:]}.out.csv"
        result = CliRunner().invoke(app, ["tag", str(src), "--output", str(out)])
        assert result.exit_code == 0, result.output
        tagged = pl.read_csv(out, infer_schema=False)
        assert tagged.columns == ["text", "label", *CSV_TAG_COLUMNS]
        assert tagged.height == rows
    assert "GB18030" in CliRunner().invoke(app, ["tag", str(gbk), "--output", str(tmp_path / "o.csv")]).output
    assert pl.read_csv(tmp_path / "csv.out.csv")["text"][0] == "质量很好，物流也快"


def test_cli_tag_names_the_file_it_cannot_read(tmp_path: Path) -> None:
    src = tmp_path / "ragged.csv"
    src.write_text("text,label\nlove it,1,extra\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["tag", str(src)])
    assert result.exit_code == 2
    assert "ragged.csv" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
