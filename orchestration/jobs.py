"""Jobs named by purpose: pull the APIs, refresh the warehouse for a day (or a backfilled range), retention.

- `pull_sources`: every API landing asset. Cursor-driven and idempotent, so it can run as often as the
  vendors' rate limits allow (hourly by default, orchestration/schedules.py). Export files are landed by the
  connectors' `landing_file_sensor` as they are dropped, not by a job.
- `daily_refresh`: everything downstream of landing (dbt staging → marts with their tests, tagging, gates,
  publication), daily-partitioned through the incremental dbt models. A run for one day or for a range is one
  run: unpartitioned assets once, the incremental models over the window [first day, last day + 1).
- `raw_text_retention` (orchestration/privacy.py).
"""

import dagster as dg

from orchestration.privacy import raw_text_retention_job
from orchestration.source_registry import SOURCES, ApiSource

# Groups of the landing assets (orchestration/assets/sources.py, landing.py, reference_files.py).
LANDING_GROUPS = ("surveys", "social", "tickets", "returns", "reference")

api_sources = dg.AssetSelection.assets(
    *[dg.AssetKey([s.spec.source, s.spec.entity]) for s in SOURCES.values() if isinstance(s, ApiSource)]
)
landing = dg.AssetSelection.groups(*LANDING_GROUPS)

# A failed pull is retried as a whole (the cursor resumes it); the assets carry the same policy themselves.
NETWORK_RETRY = dg.RetryPolicy(
    max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

pull_sources_job = dg.define_asset_job(
    name="pull_sources",
    selection=api_sources,
    description="Pull every API source (cursor-driven, idempotent) into its raw table.",
    op_retry_policy=NETWORK_RETRY,
    tags={"cfm/purpose": "ingest"},
)

daily_refresh_job = dg.define_asset_job(
    name="daily_refresh",
    # Partitioned by the incremental dbt models it selects (orchestration/partitions.py).
    selection=dg.AssetSelection.all() - landing,
    description=(
        "dbt build (staging → marts, tests included), tagging, quality gates and publication; the "
        "incremental facts rebuild the run's day or backfilled range in one dbt invocation."
    ),
    tags={"cfm/purpose": "transform"},
)

jobs = [pull_sources_job, daily_refresh_job, raw_text_retention_job]
