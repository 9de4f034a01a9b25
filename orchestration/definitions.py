"""The single Dagster code location: every asset, check, job, schedule and sensor of the pipeline."""

import dagster as dg

from orchestration.assets.dbt import dbt_models, dbt_resource
from orchestration.assets.landing import ticket_files__tickets

defs = dg.Definitions(
    assets=[ticket_files__tickets, dbt_models],
    resources={"dbt": dbt_resource},
)
