"""Landing is lossless and idempotent: replays add nothing, changes add history, bad rows are quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from warehouse import connect
from warehouse.landing import LandingSpec, land_export_file, land_records, read_cursor

SPEC = LandingSpec(
    source="demo",
    entity="items",
    key=("id",),
    columns=("id", "status", "score", "created_at"),
    required=("id", "created_at"),
    types={"id": "int", "score": "int", "created_at": "timestamp"},
    ranges={"score": (0, 10)},
)

CSV = """id,status,score,created_at
1,open,9,2026-10-01T10:00:00+08:00
2,open,,2026-10-01T11:00:00Z
3,open,eleven,2026-10-01T12:00:00Z
4,open,3,yesterday
5,open,3
,open,3,2026-10-01T12:00:00Z
"""


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "w.duckdb") as c:
        yield c


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_file_lands_good_rows_and_quarantines_bad_ones_with_line_and_reason(con, tmp_path):
    path = tmp_path / "items_2026-10.csv"
    path.write_text(CSV)

    result = land_export_file(con, SPEC, path)

    assert (result.fetched, result.inserted, result.quarantined) == (6, 2, 4)
    assert rows(con, "select id from raw.demo__items order by id") == [("1",), ("2",)]
    quarantine = rows(con, "select record_id, file, line, field, reason from raw.quarantine order by line")
    assert quarantine == [
        ("3", "items_2026-10.csv", 4, "score", "score is not a valid int: eleven"),
        ("4", "items_2026-10.csv", 5, "created_at", "created_at is not a valid timestamp: yesterday"),
        (None, "items_2026-10.csv", 6, None, "expected 4 fields, found 3"),
        ("", "items_2026-10.csv", 7, "id", "required field id is missing"),
    ]
    payload = json.loads(rows(con, "select _payload from raw.demo__items where id = '1'")[0][0])
    assert payload == {"id": "1", "status": "open", "score": "9", "created_at": "2026-10-01T10:00:00+08:00"}


def test_same_file_twice_adds_nothing_and_renamed_copy_adds_nothing(con, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(CSV)
    land_export_file(con, SPEC, path)
    before = rows(con, "select (select count(*) from raw.demo__items), (select count(*) from raw.quarantine)")

    assert land_export_file(con, SPEC, path) is None  # same content: skipped outright
    copy = tmp_path / "b.csv"
    copy.write_text(CSV + "\n")  # different bytes, same rows
    again = land_export_file(con, SPEC, copy)

    assert again.inserted == 0 and again.unchanged == 2
    assert rows(con, "select count(*) from raw.demo__items") == [before[0][:1]]


def test_changed_record_adds_a_history_row_and_cursor_commits_with_the_page(con):
    page1 = [{"id": 1, "status": "open", "created_at": "2026-10-01T00:00:00Z", "nested": {"a": 1}}]
    page2 = [{"id": 1, "status": "solved", "created_at": "2026-10-01T00:00:00Z", "nested": {"a": 1}}]

    first = land_records(con, SPEC, page1, cursor="c1")
    replay = land_records(con, SPEC, page1, cursor="c1")
    update = land_records(con, SPEC, page2, cursor="c2")

    assert (first.inserted, replay.unchanged, update.updated) == (1, 1, 1)
    assert rows(con, "select status from raw.demo__items order by _loaded_at") == [("open",), ("solved",)]
    assert read_cursor(con, SPEC) == "c2"


def test_new_source_field_is_kept_in_payload_without_breaking_the_load(con):
    record = {"id": 7, "status": "open", "created_at": "2026-10-01T00:00:00Z", "brand_new_field": "x"}
    assert land_records(con, SPEC, [record]).inserted == 1
    payload = rows(con, "select _payload->>'brand_new_field' from raw.demo__items")[0][0]
    assert payload == "x"


def test_failed_batch_rolls_back_rows_and_cursor(con, monkeypatch):
    from warehouse import landing

    land_records(con, SPEC, [{"id": 1, "created_at": "2026-10-01T00:00:00Z"}], cursor="c1")
    # Break the batch after the transaction began: neither its rows nor its cursor may stay.
    monkeypatch.setattr(landing, "_problem_expression", lambda spec: ("null", "no_such_function(1)"))
    with pytest.raises(duckdb.Error):
        land_records(con, SPEC, [{"id": 2, "created_at": "2026-10-01T00:00:00Z"}], cursor="c2")
    assert rows(con, "select id from raw.demo__items") == [("1",)]
    assert read_cursor(con, SPEC) == "c1"
