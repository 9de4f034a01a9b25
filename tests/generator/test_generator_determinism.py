"""Same (records, seed, end_date) -> byte-identical files; reruns replace files in place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from generator import generate

END = date(2026, 10, 31)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tmp_path: Path):
    a = generate(2000, seed=3, out_dir=tmp_path / "a", end_date=END)
    b = generate(2000, seed=3, out_dir=tmp_path / "b", end_date=END)
    files_a, files_b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert files_a.keys() == files_b.keys()
    assert all(files_a[k] == files_b[k] for k in files_a)
    assert a.rows == b.rows and a.malformed_ticket_ids == b.malformed_ticket_ids


def test_other_seed_gives_other_data(tmp_path: Path):
    generate(2000, seed=3, out_dir=tmp_path / "a", end_date=END)
    generate(2000, seed=4, out_dir=tmp_path / "b", end_date=END)
    a = pl.read_parquet(tmp_path / "a" / "truth" / "feedback_truth.parquet")
    b = pl.read_parquet(tmp_path / "b" / "truth" / "feedback_truth.parquet")
    assert a["text"].to_list() != b["text"].to_list()


def test_rerun_over_the_same_dir_replaces_files(tmp_path: Path):
    out = tmp_path / "data"
    generate(1500, seed=5, out_dir=out, end_date=END)
    first = _files(out)
    generate(1500, seed=5, out_dir=out, end_date=END)
    assert _files(out) == first
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_rerun_with_another_window_leaves_no_stale_landing_files(tmp_path: Path):
    out = tmp_path / "data"
    generate(1500, seed=5, out_dir=out, end_date=END)
    summary = generate(1500, seed=5, out_dir=out, end_date=END, days=30)
    landing = {p for p in (out / "landing").rglob("*") if p.is_file()}
    assert landing == set(summary.landing_files)
    export = pl.read_parquet(out / "sandbox" / "tickets.parquet").filter(pl.col("system") == "export")
    dropped = sum(n for name, n in summary.landing_rows.items() if name.startswith("tickets/"))
    broken = summary.malformed_by_kind.get("broken_json", 0)
    assert dropped == export.height
    assert broken <= dropped
