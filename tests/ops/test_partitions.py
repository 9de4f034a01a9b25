"""The partition window a run passes to dbt and the CLI backfill range: pure functions, hand-worked cases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import typer

from orchestration.assets.dbt import build_args
from orchestration.cli_ops import backfill_range
from orchestration.partitions import DBT_MAX_DATE, DBT_MIN_DATE, daily_partitions, range_tags, window_vars

FIRST = date(2025, 1, 1)  # start of the first partition
LAST_END = date(2026, 11, 23)  # end of the last partition (the last complete day is 2026-11-22)


def vars_for(start: date, end: date, **kwargs) -> dict:
    return window_vars(start, end, first_start=FIRST, last_end=LAST_END, **kwargs)


def test_a_backfilled_week_rebuilds_exactly_its_half_open_window():
    assert vars_for(date(2026, 10, 1), date(2026, 10, 8)) == {
        "min_date": "2026-10-01", "max_date": "2026-10-08", "window_rebuild": True,
    }


def test_one_day_from_datetimes_as_dagster_gives_them():
    start = datetime(2026, 10, 1, tzinfo=UTC)
    assert vars_for(start, datetime(2026, 10, 2, tzinfo=UTC))["max_date"] == "2026-10-02"


def test_the_first_partition_is_open_towards_the_past():
    assert vars_for(FIRST, date(2025, 1, 2)) == {
        "min_date": DBT_MIN_DATE, "max_date": "2025-01-02", "window_rebuild": True,
    }


def test_the_last_partition_is_open_towards_the_future():
    assert vars_for(date(2026, 11, 22), LAST_END) == {
        "min_date": "2026-11-22", "max_date": DBT_MAX_DATE, "window_rebuild": True,
    }


def test_every_partition_or_a_scheduled_run_is_an_incremental_catch_up():
    catch_up = {"min_date": DBT_MIN_DATE, "max_date": DBT_MAX_DATE, "window_rebuild": False}
    assert vars_for(FIRST, LAST_END) == catch_up
    assert vars_for(date(2026, 11, 22), LAST_END, catch_up=True) == catch_up


def test_an_empty_window_is_refused():
    with pytest.raises(ValueError, match="empty window"):
        vars_for(date(2026, 10, 2), date(2026, 10, 2))


def test_dbt_arguments_carry_the_window_as_json_vars():
    assert build_args() == ["build"]
    args = build_args(vars_for(date(2026, 10, 1), date(2026, 10, 8)))
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"min_date": "2026-10-01", "max_date": "2026-10-08", "window_rebuild": True}


def test_a_range_run_is_tagged_like_a_single_run_backfill():
    assert range_tags("2026-10-01", "2026-10-07") == {
        "dagster/asset_partition_range_start": "2026-10-01",
        "dagster/asset_partition_range_end": "2026-10-07",
    }


def test_backfill_range_accepts_existing_days_and_refuses_the_rest():
    first = date.fromisoformat(daily_partitions.get_first_partition_key())
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    assert backfill_range(first, last) == (first.isoformat(), last.isoformat())
    with pytest.raises(typer.BadParameter, match="before"):
        backfill_range(last, first)
    with pytest.raises(typer.BadParameter, match="partitions run from"):
        backfill_range(first, date.today())  # today is not over: not a partition yet


def run_probe(**kwargs) -> dict:
    """The vars a partitioned asset computes in a real run with these run arguments."""
    import dagster as dg

    from orchestration.partitions import context_window_vars

    seen: dict = {}

    @dg.asset(partitions_def=daily_partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def probe(context) -> None:
        seen.update(context_window_vars(context))

    with dg.instance_for_test() as instance:
        assert dg.materialize([probe], instance=instance, **kwargs).success
    return seen


def test_a_range_run_passes_its_window_and_a_scheduled_run_catches_up():
    assert run_probe(tags=range_tags("2026-10-01", "2026-10-07")) == {
        "min_date": "2026-10-01", "max_date": "2026-10-08", "window_rebuild": True,
    }
    scheduled = run_probe(partition_key="2026-10-07", tags={"dagster/schedule_name": "daily_refresh_schedule"})
    assert scheduled == {"min_date": DBT_MIN_DATE, "max_date": DBT_MAX_DATE, "window_rebuild": False}


def test_a_dbt_test_spanning_partitioned_and_unpartitioned_models_stays_out_of_dagster_checks():
    from orchestration.assets.dbt import dbt_models, dbt_partitioned_models, spans_partitioning

    manifest = {
        "nodes": {
            "model.p.fct": {"config": {"materialized": "incremental"}},
            "model.p.dim": {"config": {"materialized": "table"}},
        },
        "parent_map": {
            "test.p.relationships": ["model.p.fct", "model.p.dim"],
            "test.p.not_null": ["model.p.fct"],
            "test.p.source_vs_dim": ["source.p.raw", "model.p.dim"],
        },
    }
    assert spans_partitioning(manifest, "test.p.relationships")
    assert not spans_partitioning(manifest, "test.p.not_null")
    assert not spans_partitioning(manifest, "test.p.source_vs_dim")
    checks = {c.name for a in (dbt_models, *dbt_partitioned_models) for c in a.check_keys}
    assert not [c for c in checks if c.startswith("relationships_fct_feedback_customer_id")]
    assert "unique_fct_feedback_feedback_id" in checks


def test_only_the_expected_dbt_only_test_results_lose_their_warning():
    import json
    import logging

    from orchestration.assets.dbt import ExpectedDbtOnlyTestResults, dbt_project, quiet_dbt_only_test_results

    quiet = ExpectedDbtOnlyTestResults(frozenset({"relationships_fct_x"}))

    def record(test: str) -> logging.LogRecord:
        message = (f"Logging an `AssetObservation` instead of an `AssetCheckResult` for dbt test `{test}`.\n\n"
                   "This test was not included in Dagster's asset check selection.")
        return logging.LogRecord("dagster.builtin", logging.WARNING, __file__, 1, message, None, None)

    assert not quiet.filter(record("relationships_fct_x"))
    assert quiet.filter(record("not_null_fct_y"))  # an unexpected one still warns
    assert quiet.filter(logging.LogRecord("dagster.builtin", logging.WARNING, __file__, 1, "other", None, None))
    logger = logging.getLogger("dagster.builtin")
    with quiet_dbt_only_test_results(json.loads(dbt_project.manifest_path.read_text())):
        (installed,) = [f for f in logger.filters if isinstance(f, ExpectedDbtOnlyTestResults)]
        assert "relationships_fct_feedback_customer_id__customer_id__ref_dim_customer_" in installed.names
    assert not [f for f in logger.filters if isinstance(f, ExpectedDbtOnlyTestResults)]


def test_indirect_selection_is_set_for_the_invocation_only(monkeypatch):
    import os

    from orchestration.assets.dbt import indirect_selection

    monkeypatch.delenv("DBT_INDIRECT_SELECTION", raising=False)
    with indirect_selection():
        assert os.environ["DBT_INDIRECT_SELECTION"] == "buildable"
    assert "DBT_INDIRECT_SELECTION" not in os.environ
