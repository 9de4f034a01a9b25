"""When things run: API pulls often, the daily refresh once a day for the day before, retention nightly.

Every schedule starts STOPPED (turn it on in the UI or with `dagster schedule start`), so `make dev` on a
laptop does not start pulling on its own. Times are UTC.
"""

import os

import dagster as dg

from orchestration.assets.dbt import dbt_partitioned_models
from orchestration.jobs import daily_refresh_job, pull_sources_job
from orchestration.privacy import raw_text_retention_job

# Hourly by default: Zendesk's incremental export allows 10 requests a minute, Reddit 100 a minute, so an
# hourly pull of a day's volume stays far under every vendor's limit. CFM_PULL_CRON changes it.
PULL_CRON = os.environ.get("CFM_PULL_CRON") or "0 * * * *"

pull_sources_schedule = dg.ScheduleDefinition(
    name="pull_sources_schedule",
    job=pull_sources_job,
    cron_schedule=PULL_CRON,
    execution_timezone="UTC",
    description="Pull every API source (CFM_PULL_CRON, default hourly).",
)

# 01:00 UTC for the day that just ended: an hour of slack for the last pulls and late file drops.
if dbt_partitioned_models:
    daily_refresh_schedule = dg.build_schedule_from_partitioned_job(
        daily_refresh_job,
        name="daily_refresh_schedule",
        hour_of_day=1,
        minute_of_hour=0,
        description="Refresh staging → marts → publication for yesterday's partition, at 01:00 UTC.",
    )
else:  # no incremental model (yet): the job is not partitioned, a plain daily schedule runs it
    daily_refresh_schedule = dg.ScheduleDefinition(
        name="daily_refresh_schedule",
        job=daily_refresh_job,
        cron_schedule="0 1 * * *",
        execution_timezone="UTC",
        description="Refresh staging → marts → publication, at 01:00 UTC.",
    )

raw_text_retention_schedule = dg.ScheduleDefinition(
    name="raw_text_retention_schedule",
    job=raw_text_retention_job,
    cron_schedule="30 3 * * *",
    execution_timezone="UTC",
    description="Blank raw free text past CFM_RAW_TEXT_RETENTION_DAYS, nightly after the refresh.",
)

schedules = [pull_sources_schedule, daily_refresh_schedule, raw_text_retention_schedule]
