"""The one daily partitioning of the pipeline, and the dbt `--vars` a partitioned run passes.

A partition is a UTC day of the feedback's own time (`created_at`), not the day it was landed: a backfill of
2026-10-01..2026-10-07 rebuilds the facts *about* those days, whenever their records arrived.

Landing stays unpartitioned on purpose: API pulls are driven by the source's cursor and file drops by the file
itself, both idempotent (a replay merges on the primary key), so a time partition would only fight the cursor.
The partitioned assets are the incremental dbt models (`config.materialized:incremental`): a run over a range
of partitions is one dbt invocation (single-run backfill policy) with the vars `window_vars` gives.

CFM_PARTITIONS_START is a fixed date, never "N days ago": a moving start would make partitions appear and
vanish. It must be on or before the earliest feedback you care to rebuild by day; anything older still lands
and is built, because the first partition is open towards the past (see `window_vars`).
"""

import os
from datetime import date, datetime

import dagster as dg

DEFAULT_PARTITIONS_START = "2025-01-01"

# The dbt project's own defaults (dbt_project.yml `vars`): together they mean "no bound".
DBT_MIN_DATE = "1900-01-01"
DBT_MAX_DATE = "2999-12-31"
# Present on runs a schedule launched.
SCHEDULE_TAG = "dagster/schedule_name"
# Set by `cfm run` / the demo: the latest partition in catch-up mode (everything new since the last run).
CATCH_UP_TAG = "cfm/catch_up"
# What every catch-up run passes; being constant, dbt's parse of one run stays current for the next.
CATCH_UP_VARS: dict[str, str | bool] = {"min_date": DBT_MIN_DATE, "max_date": DBT_MAX_DATE, "window_rebuild": False}


def partitions_start() -> str:
    """CFM_PARTITIONS_START (YYYY-MM-DD), validated; default 2025-01-01."""
    value = os.environ.get("CFM_PARTITIONS_START") or DEFAULT_PARTITIONS_START
    return date.fromisoformat(value).isoformat()


daily_partitions = dg.DailyPartitionsDefinition(start_date=partitions_start(), timezone="UTC")


def window_vars(
    start: datetime | date,
    end: datetime | date,
    *,
    first_start: datetime | date | None = None,
    last_end: datetime | date | None = None,
    catch_up: bool = False,
) -> dict[str, str | bool]:
    """dbt vars for a run over the half-open window [start, end) of its partition range.

    Two kinds of run:
    - a catch-up (the daily schedule, or a run over every partition such as `cfm run` and the demo): the
      incremental models take every row landed or re-tagged since their last run, whatever its day, so
      late-arriving records are never orphaned. The window is dbt's wide default and `window_rebuild` false.
    - a backfill or a manual partition run: every row created inside [min_date, max_date) is rebuilt, changed
      or not (the point of a backfill after a logic change). The first partition is open towards the past and
      the last towards the future, so nothing is out of every partition's reach.
    """
    start_day, end_day = _day(start), _day(end)
    if end_day <= start_day:
        raise ValueError(f"empty window: [{start_day}, {end_day})")
    opens_past = first_start is not None and start_day <= _day(first_start)
    opens_future = last_end is not None and end_day >= _day(last_end)
    if catch_up or (opens_past and opens_future):
        return dict(CATCH_UP_VARS)
    return {
        "min_date": DBT_MIN_DATE if opens_past else start_day.isoformat(),
        "max_date": DBT_MAX_DATE if opens_future else end_day.isoformat(),
        "window_rebuild": True,
    }


def context_window_vars(
    context: dg.AssetExecutionContext, partitions_def: dg.TimeWindowPartitionsDefinition = daily_partitions
) -> dict[str, str | bool]:
    """`window_vars` for a run's partition range, bounded by the partitions that exist now."""
    window = context.partition_time_window
    first = partitions_def.get_first_partition_window()
    last = partitions_def.get_last_partition_window()
    return window_vars(
        window.start,
        window.end,
        first_start=first.start if first else None,
        last_end=last.end if last else None,
        catch_up=SCHEDULE_TAG in context.run.tags or context.run.tags.get(CATCH_UP_TAG) == "true",
    )


def latest_partition() -> str | None:
    """The newest partition key that exists now (None before the first day is over)."""
    return daily_partitions.get_last_partition_key()


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags that make one run cover the partition keys start..end (inclusive), as a UI backfill does."""
    return {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
