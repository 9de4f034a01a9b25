"""dbt models as Dagster assets, keyed [layer, model] and grouped by layer, in one lineage with Python assets."""


import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.settings import DBT_PROJECT_DIR, get_settings

# The dbt installed beside this Python, so an un-activated virtualenv still finds it.
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def parse_manifest() -> Path:
    """Write target/manifest.json (`dbt parse`); needs no warehouse connection."""
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR)],
        check=True,
    )
    return dbt_project.manifest_path


if os.environ.get("DAGSTER_IS_DEV_CLI") or not dbt_project.manifest_path.exists():
    # `dagster dev` re-parses on every reload; a fresh clone parses once, so no manual step is needed.
    parse_manifest()


class CfmTranslator(DagsterDbtTranslator):
    """Models are keyed [schema, name] (schema = layer); sources keep dagster-dbt's [source, table] key."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            schema = dbt_resource_props.get("config", {}).get("schema") or "main"
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


def dbt_environment() -> None:
    """dbt runs in dbt_project/; give it the absolute warehouse path the Python side resolved."""
    os.environ["CFM_WAREHOUSE"] = str(get_settings().warehouse)


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=CfmTranslator(), pool="warehouse")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    dbt_environment()
    yield from dbt.cli(["build"], context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
