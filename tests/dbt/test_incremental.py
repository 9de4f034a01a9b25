"""Incremental facts equal a full refresh (issue #6 item 4).

Two ways to arrive at the same data:
- loads: a first load, then a second one bringing new records, late-arriving old records, a changed record and
  duplicates that fold a first-load item into a late-arriving earlier one; each load followed by an
  incremental run;
- windows: two partitioned runs over the half-open windows [start, mid) and [mid, end) (vars min_date /
  max_date), the second one incremental.
Each warehouse is then rebuilt with --full-refresh and every row of every incremental fact must be identical.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.dbt import harness
from tests.dbt.world import START, World, feedback_ids, random_world

FACTS = {
    "fct_feedback": "feedback_id",
    "fct_survey_responses": "answer_id",
    "fct_returns": "return_line_id",
}
MID = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=25)
TIME_COLUMN = {"surveys": "submitted_at", "social": "created_at", "tickets": "created_at", "returns": "requested_at"}


def run_facts(warehouse: Path, *extra: str) -> None:
    harness.dbt(
        warehouse, "build", "--resource-type", "model", "--resource-type", "seed",
        "--select", *(f"+{name}" for name in FACTS), "--exclude", *harness.excluded(), *extra,
    )


def snapshot(warehouse: Path) -> dict[str, pl.DataFrame]:
    return {name: harness.query(warehouse, f"select * from marts.{name} order by {key}") for name, key in FACTS.items()}


def assert_same(incremental: dict[str, pl.DataFrame], full: dict[str, pl.DataFrame]) -> None:
    for name in FACTS:
        assert incremental[name].height > 0, name
        assert incremental[name].equals(full[name]), f"{name}: incremental result differs from a full refresh"


def _loaded_at(frame: pl.DataFrame, column: str, late: pl.Expr, second_load: datetime) -> pl.DataFrame:
    """First-load rows land an hour after they happen; late and second-load rows land at `second_load`."""
    first = (pl.col(column) < MID) & ~late
    return frame.with_columns(
        _loaded_at=pl.when(first).then(pl.col(column) + timedelta(hours=1)).otherwise(pl.lit(second_load)),
        _first_load=first,
    )


def two_loads(world: World) -> tuple[World, World]:
    second_load = max(datetime.now(UTC), MID + timedelta(days=60))
    # The original of the near-duplicates arrives late: its first-load duplicates are canonical at first and
    # must leave fct_feedback when the second load folds them into it.
    originals = world.tags.filter(pl.col("canonical_feedback_id") != pl.col("feedback_id"))["canonical_feedback_id"]
    late_tickets = [int(fid.split(":")[1]) for fid in originals if fid.startswith(("zendesk:", "ticket_files:"))]
    assert late_tickets
    frames = {}
    for name, column in TIME_COLUMN.items():
        frame = getattr(world, name).with_row_index("_i")
        late = (pl.col("_i") % 7 == 3) & (pl.col(column) < MID)  # old records that arrive with the second load
        if name == "tickets":
            late = late | pl.col("ticket_id").is_in(late_tickets)
        frames[name] = _loaded_at(frame, column, late, second_load).drop("_i")
    full = replace(world, **frames)
    # A first-load survey answer changes in the second load (a new version of a known record).
    changed = full.surveys.filter(pl.col("_first_load") & pl.col("nps").is_not_null()).row(0, named=True)
    full = replace(
        full,
        surveys=full.surveys.with_columns(
            nps=pl.when(pl.col("response_id") == changed["response_id"]).then(0).otherwise(pl.col("nps")),
            _loaded_at=pl.when(pl.col("response_id") == changed["response_id"])
            .then(pl.lit(second_load))
            .otherwise(pl.col("_loaded_at")),
        ),
    )
    first = replace(full, **{name: getattr(full, name).filter(pl.col("_first_load")) for name in TIME_COLUMN})
    # The tagger of the first load only knew first-load items: an item whose original arrives late is canonical.
    first_ids = feedback_ids(first)["feedback_id"]
    first_tags = world.tags.filter(pl.col("feedback_id").is_in(first_ids.implode())).with_columns(
        canonical_feedback_id=pl.when(pl.col("canonical_feedback_id").is_in(first_ids.implode()))
        .then(pl.col("canonical_feedback_id"))
        .otherwise(pl.col("feedback_id")),
        tagged_at=pl.lit(MID).cast(pl.Datetime("us", "UTC")),
    )
    first = replace(first, tags=first_tags)
    retagged = world.tags.join(first_tags.select("feedback_id", "canonical_feedback_id"), on="feedback_id",
                               how="left", suffix="_first")
    full_tags = retagged.with_columns(
        tagged_at=pl.when(pl.col("canonical_feedback_id") == pl.col("canonical_feedback_id_first"))
        .then(pl.lit(MID))
        .otherwise(pl.lit(second_load))
        .cast(pl.Datetime("us", "UTC"))
    ).drop("canonical_feedback_id_first")
    return first, replace(full, tags=full_tags)


@pytest.mark.xdist_group("dbt_incremental_loads")
def test_two_loads_equal_a_full_refresh(tmp_path: Path):
    first, full = two_loads(random_world())
    assert full.tags.filter(pl.col("canonical_feedback_id") != pl.col("feedback_id")).height > 0
    warehouse = tmp_path / "warehouse.duckdb"
    harness.load_world(first, warehouse, suffix="_1")
    run_facts(warehouse)
    after_first = snapshot(warehouse)
    harness.load_world(full, warehouse, suffix="_2")
    run_facts(warehouse)
    incremental = snapshot(warehouse)
    run_facts(warehouse, "--full-refresh")
    assert_same(incremental, snapshot(warehouse))
    folded = set(after_first["fct_feedback"]["feedback_id"]) - set(incremental["fct_feedback"]["feedback_id"])
    assert folded, "a first-load item folded into a late original must leave fct_feedback"

    # The runs are incremental: a first-load row changed without a new load time is not re-read, while a row
    # landed now is.
    pairs = full.tags.filter(pl.col("canonical_feedback_id") != pl.col("feedback_id"))
    originals = {fid.split(":", 1)[1] for fid in [*pairs["canonical_feedback_id"], *pairs["feedback_id"]]}
    candidates = first.surveys.filter(
        pl.col("nps").is_not_null() & ~pl.col("response_id").is_in(list(originals))
    ).sort("_loaded_at")
    quiet, loud = candidates.row(0, named=True), candidates.row(1, named=True)
    quiet_id = f"{quiet['survey_tool']}:{quiet['response_id']}"
    now = datetime.now(UTC) + timedelta(days=1)
    third = replace(
        full,
        surveys=full.surveys.with_columns(
            nps=pl.when(pl.col("response_id").is_in([quiet["response_id"], loud["response_id"]]))
            .then(10 - pl.col("nps"))
            .otherwise(pl.col("nps")),
            _loaded_at=pl.when(pl.col("response_id") == loud["response_id"])
            .then(pl.lit(now))
            .otherwise(pl.col("_loaded_at")),
        ),
    )
    harness.load_world(third, warehouse, suffix="_3")
    run_facts(warehouse)
    scores = harness.query(
        warehouse, "select native_id, nps_score from marts.fct_feedback where source in ('typeform', "
        f"'qualtrics', 'survey_files') and native_id in ('{quiet['response_id']}', '{loud['response_id']}')",
    )
    by_id = dict(zip(scores["native_id"], scores["nps_score"], strict=True))
    assert by_id[quiet["response_id"]] == quiet["nps"], f"{quiet_id} was re-read without a new load time"
    assert by_id[loud["response_id"]] == 10 - loud["nps"]


@pytest.mark.xdist_group("dbt_incremental_windows")
def test_two_windows_equal_a_full_refresh(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    harness.load_world(random_world(), warehouse)
    mid = MID.date().isoformat()
    run_facts(warehouse, "--vars", f"{{max_date: '{mid}'}}")
    first_window = snapshot(warehouse)
    assert first_window["fct_feedback"]["created_at"].max() < MID.replace(tzinfo=None)
    run_facts(warehouse, "--vars", f"{{min_date: '{mid}'}}")
    incremental = snapshot(warehouse)
    run_facts(warehouse, "--full-refresh")
    assert_same(incremental, snapshot(warehouse))
