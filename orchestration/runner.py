"""Materialize the pipeline's assets in this process (the demo, the CLI and tests use it)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import dagster as dg


def instance() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (so `make dev` shows demo runs), else a throwaway one."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def materialize(
    selection: str | Sequence[str] | None = None,
    *,
    partition_key: str | None = None,
    partition_range: tuple[str, str] | None = None,
    log_level: str = "WARNING",
    raise_on_error: bool = True,
    dagster_instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    """Run every asset (or an asset selection string such as 'group:tickets') with its checks.

    Daily-partitioned assets (incremental dbt models) run over `partition_range` (first and last partition
    key, inclusive, rebuilding those days) or `partition_key`; with neither, they run as the latest partition in
    catch-up mode, taking everything new since their last run, as the daily schedule does
    (orchestration/partitions.py). Unpartitioned assets run once around them.
    """
    from orchestration.definitions import defs
    from orchestration.partitions import CATCH_UP_TAG, latest_partition, range_tags

    job = defs.get_implicit_global_asset_job_def()
    if selection is not None:
        asset_selection = dg.AssetSelection.from_string(selection) if isinstance(selection, str) else (
            dg.AssetSelection.assets(*[dg.AssetKey.from_user_string(s) for s in selection])
        )
        job = job.get_subset(asset_selection=asset_selection.resolve(defs.resolve_asset_graph()))
    tags = None
    if partition_range is not None:
        tags = range_tags(*partition_range)
    elif partition_key is None and job.partitions_def is not None:
        partition_key, tags = latest_partition(), {CATCH_UP_TAG: "true"}
    return job.execute_in_process(
        instance=dagster_instance or instance(),
        partition_key=partition_key,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        raise_on_error=raise_on_error,
    )
