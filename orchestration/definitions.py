"""The single Dagster code location: every asset, check, job, schedule and sensor of the pipeline."""

import dagster as dg

from orchestration.assets.anomalies import anomaly_assets
from orchestration.assets.dbt import dbt_models, dbt_partitioned_models, dbt_resource
from orchestration.assets.enrich import feedback_tags
from orchestration.assets.landing import ticket_files__tickets
from orchestration.assets.publish import validation_and_publication
from orchestration.assets.reference_files import reference_file_assets
from orchestration.assets.report import report
from orchestration.assets.sources import landing_file_sensor, source_assets, source_resources
from orchestration.jobs import jobs
from orchestration.schedules import schedules
from orchestration.sensors import sensors, with_freshness_policy
from orchestration.sensors_alerts import alert_jobs, alert_sensors

defs = dg.Definitions(
    # Sources and marts carry the freshness policy their cadence implies (orchestration/sensors.py).
    assets=dg.map_asset_specs(
        with_freshness_policy,
        [
            ticket_files__tickets, *reference_file_assets, *source_assets,
            dbt_models, *dbt_partitioned_models, feedback_tags, *anomaly_assets,
        ],
    ),
    jobs=[*jobs, *alert_jobs],
    schedules=schedules,
    sensors=[landing_file_sensor, *sensors, *alert_sensors],
    resources={"dbt": dbt_resource, **source_resources},
)

# GX gates on every published table, GX warnings on every landing table, and the publish step, derived from the
# assets above: a new mart or landing source is validated and published without a change here.
defs = dg.Definitions.merge(defs, validation_and_publication(defs))

# The HTML report, written from the publication the step above swaps in.
defs = dg.Definitions.merge(defs, dg.Definitions(assets=[report]))
