"""dbt models as Dagster assets, keyed [layer, model] and grouped by layer, in one lineage with Python assets."""


import importlib.metadata
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from orchestration.partitions import context_window_vars, daily_partitions
from orchestration.settings import DBT_PROJECT_DIR, get_settings

# The dbt installed beside this Python, so an un-activated virtualenv still finds it.
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def parse_manifest(dbt_vars: Mapping[str, Any] | None = None) -> Path:
    """Write target/manifest.json (`dbt parse`); needs no warehouse connection.

    dbt re-parses the whole project when the profile or vars differ from its last parse: parsing with the
    vars a run passes (e.g. `CATCH_UP_VARS`) and the run's environment lets that run's first dbt step start
    from this parse."""
    args = ["--vars", json.dumps(dict(dbt_vars))] if dbt_vars else []
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), *args],
        check=True,
    )
    return dbt_project.manifest_path


def project_stamp(project_dir: Path = DBT_PROJECT_DIR) -> float:
    """The newest modification time among the files dbt parses."""
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "seeds", "macros", "tests", "snapshots", "analyses"):
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


def manifest_is_stale() -> bool:
    """True when the manifest is missing or older than any file dbt parses."""
    manifest = dbt_project.manifest_path
    return not manifest.exists() or project_stamp() > manifest.stat().st_mtime


if os.environ.get("DAGSTER_IS_DEV_CLI") or manifest_is_stale():
    # A fresh clone or an edited model re-parses here, so no manual step is needed and a run never uses a
    # manifest that disagrees with the SQL on disk.
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

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        # A test reading an incremental (partitioned) model and a non-incremental one spans the two dbt steps:
        # as a Dagster check it would become a step of its own that Dagster does not order after both
        # parents. It stays a dbt test, run where dbt's "buildable" selection puts it (see indirect_selection).
        if spans_partitioning(manifest, unique_id):
            return None
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)


def spans_partitioning(manifest: Mapping[str, Any], unique_id: str) -> bool:
    """Whether a dbt test's parent models are both incremental and not."""
    kinds = {
        manifest["nodes"][parent]["config"].get("materialized") == "incremental"
        for parent in manifest["parent_map"].get(unique_id, [])
        if parent.startswith("model.")
    }
    return kinds == {True, False}


def dbt_only_tests(manifest: Mapping[str, Any]) -> frozenset[str]:
    """Names of the dbt tests kept out of Dagster checks by CfmTranslator.get_asset_check_spec."""
    return frozenset(
        manifest["nodes"][uid]["name"]
        for uid in manifest["parent_map"]
        if uid.startswith("test.") and uid in manifest["nodes"] and spans_partitioning(manifest, uid)
    )


class ExpectedDbtOnlyTestResults(logging.Filter):
    """dagster-dbt warns ("likely executed due to dbt indirect selection") for every dbt test result it has
    no Dagster check for, and records it as an observation. For the tests kept out of checks on purpose
    (see get_asset_check_spec) that is expected, so the observation stays and the warning is dropped; any
    other unexpected test result still warns."""

    _MESSAGE = re.compile(r"Logging an `AssetObservation` instead of an `AssetCheckResult` for dbt test `([^`]+)`")

    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names

    def filter(self, record: logging.LogRecord) -> bool:
        found = self._MESSAGE.match(str(record.msg))
        return not (found and found.group(1) in self.names)


@contextmanager
def quiet_dbt_only_test_results(manifest: Mapping[str, Any]):
    """ExpectedDbtOnlyTestResults on dagster-dbt's logger (Dagster's builtin one) for the block only."""
    quiet = ExpectedDbtOnlyTestResults(dbt_only_tests(manifest))
    logger = logging.getLogger("dagster.builtin")
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def dbt_environment() -> None:
    """dbt runs in dbt_project/; give it the absolute warehouse path the Python side resolved."""
    os.environ["CFM_WAREHOUSE"] = str(get_settings().warehouse)


@contextmanager
def indirect_selection(mode: str = "buildable"):
    """DBT_INDIRECT_SELECTION for the dbt invocations started inside (dagster-dbt reads it and hands it to the
    dbt process when the invocation starts), restored afterwards.

    "buildable": a test runs in the step that builds its last parent (its other parents are built there or are
    ancestors of what is), never in an earlier step where a parent does not exist yet.
    """
    previous = os.environ.get("DBT_INDIRECT_SELECTION")
    os.environ["DBT_INDIRECT_SELECTION"] = previous or mode
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DBT_INDIRECT_SELECTION", None)


# Incremental models are the daily-partitioned ones; everything else is rebuilt whole on each run.
INCREMENTAL = "config.materialized:incremental"


def has_incremental_models(manifest_path: Path = dbt_project.manifest_path) -> bool:
    nodes = json.loads(Path(manifest_path).read_text())["nodes"].values()
    return any(n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
               for n in nodes)


def build_args(window_vars: Mapping[str, Any] | None = None) -> list[str]:
    """`dbt build` arguments; a partitioned run passes its half-open window [min_date, max_date) as vars."""
    return ["build", "--vars", json.dumps(dict(window_vars))] if window_vars else ["build"]


def run_window_vars(context: dg.AssetExecutionContext) -> dict[str, Any] | None:
    """The run's window vars, passed by every dbt step of a partitioned run (the unpartitioned models ignore
    them): dbt re-parses the whole project when its vars change, identical vars let it parse once per run."""
    if context.has_partition_key or context.has_partition_key_range:
        return context_window_vars(context)
    return None


def stream_build(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` for the step's models, in this process (orchestration/assets/dbt_in_process.py)."""
    from orchestration.assets.dbt_in_process import build

    dbt_environment()
    with indirect_selection():
        yield from build(context, dbt, dbt_project, build_args(run_window_vars(context)))
    prune_invocation_targets(Path(dbt_project.project_dir, "target"), get_settings().dbt_keep_targets)


# dagster-dbt names an invocation's folder "<step>-<run id[:7]>-<random[:7]>".
INVOCATION_FOLDER = re.compile(r".+-[0-9a-f]{7}-[0-9a-f]{7}")


def prune_invocation_targets(target: Path, keep: int, *, min_age_seconds: float = 3600) -> list[Path]:
    """Delete all but the newest `keep` per-invocation folders dagster-dbt left in `target` (each holds an
    invocation's compiled SQL, log and artifacts). A folder younger than `min_age_seconds` stays whatever
    its rank: another run's dbt step may still be writing it."""
    folders = sorted(
        ((p.stat().st_mtime, p) for p in target.iterdir() if p.is_dir() and INVOCATION_FOLDER.fullmatch(p.name)),
        reverse=True,
    )
    now = time.time()
    removed = [p for mtime, p in folders[keep:] if now - mtime > min_age_seconds]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=CfmTranslator(),
    exclude=INCREMENTAL,
    pool="warehouse",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from stream_build(context, dbt)


dbt_partitioned_models: list[dg.AssetsDefinition] = []
if has_incremental_models():

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        dagster_dbt_translator=CfmTranslator(),
        select=INCREMENTAL,
        name="dbt_incremental_models",
        partitions_def=daily_partitions,
        # A backfill of any length is one dbt invocation over its whole window, not one run per day.
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool="warehouse",
    )
    def dbt_incremental_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from stream_build(context, dbt)

    dbt_partitioned_models.append(dbt_incremental_models)


class CfmDbtCliResource(DbtCliResource):
    """The dbt resource: where the project is, and the folder names of its invocations. dbt runs in the step's
    process (orchestration/assets/dbt_in_process.py); when dagster-dbt must run the CLI (a selection of over
    200 resources), it skips two costs this project never needs: `dbt --version` in a subprocess to tell dbt
    Core from Fusion (dbt-core is pinned in pyproject.toml), and an in-process adapter that only serves the
    opt-in row-count and column metadata. Both overrides are private hooks of dagster-dbt, pinned to the
    version in pyproject.toml."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


dbt_resource = CfmDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
