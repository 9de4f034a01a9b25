"""Export files: good rows come back as records with their line numbers, bad lines as RowErrors."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.files import iter_export_file, read_export_file


def test_csv_rows_errors_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes('\ufeffticket_id,subject,status\n1,"multi\nline",open\n2,short\n\n3,,solved\n'.encode())
    batch = read_export_file(path)
    assert batch.records == [
        {"ticket_id": "1", "subject": "multi\nline", "status": "open"},
        {"ticket_id": "3", "subject": None, "status": "solved"},
    ]
    assert batch.lines == [2, 6]
    assert [(e.line, e.reason, e.raw) for e in batch.errors] == [(4, "expected 3 fields, found 2", "2,short")]
    frame = batch.frame()
    assert frame.columns == ["ticket_id", "subject", "status", "_line"] and frame.height == 2


def test_jsonl_bad_lines_and_nested_values(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text(
        '{"ticket_id": 1, "tags": ["a", "b"]}\n{broken\n[1, 2]\n\n{"ticket_id": 2, "new": true}\n'
    )
    batch = read_export_file(path)
    assert [r["ticket_id"] for r in batch.records] == [1, 2] and batch.lines == [1, 5]
    assert [e.line for e in batch.errors] == [2, 3]
    assert batch.errors[0].reason.startswith("invalid JSON") and "found list" in batch.errors[1].reason
    frame = batch.frame()
    assert frame["tags"].to_list() == ['["a", "b"]', None] and frame["new"].to_list() == [None, "True"]


def test_chunks_and_unsupported_types(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("id\n" + "".join(f"{i}\n" for i in range(25)))
    chunks = list(iter_export_file(path, chunk_rows=10))
    assert [len(c.records) for c in chunks] == [10, 10, 5]
    assert chunks[-1].lines[-1] == 26
    with pytest.raises(ValueError, match="unsupported"):
        read_export_file(tmp_path / "x.xlsx")


def test_duplicate_header_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "dupe.csv"
    path.write_text("id,id\n1,2\n")
    batch = read_export_file(path)
    assert batch.records == [] and "duplicate column" in batch.errors[0].reason
