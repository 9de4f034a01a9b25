"""`dbt build` inside the step's own process, through dbt's programmatic runner, parsing once per process.

dagster-dbt starts a `dbt` subprocess for every step, and each one imports dbt and loads the parsed project
before any SQL runs: ~7 s a step on a 2-core machine at any data size, five dbt steps a run (~35 s). Here a
process imports dbt and parses the project once per set of vars (from the partial parse in target/); every
later step reuses that manifest and costs about its SQL (~1 s of overhead). The events are converted by
dagster-dbt's own `DbtCoreCliEventMessage.to_default_asset_events`, so the assets, checks and metadata are
those `dbt.cli(...).stream()` yields. A step runs one dbt invocation at a time (dbt's runner is not
re-entrant); the warehouse pool already serialises the steps that write the warehouse.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from orchestration.assets.dbt import project_stamp, quiet_dbt_only_test_results

RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})

# Parsed manifests by vars and environment, with the project's stamp when parsed: an edit re-parses in a
# long-lived process (`dagster dev`).
_parsed: dict[tuple, tuple[float, Any]] = {}
_lock = threading.Lock()


def _parse_key(vars_args: list[str]) -> tuple:
    """What a parse depends on beyond the files: the vars and the environment dbt reads (profile, sources)."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(("CFM_", "DBT_"))))
    return (tuple(vars_args), env)


def parsed_manifest(project: DbtProject, vars_args: list[str]):
    """dbt's Manifest of the project for these vars, parsed in this process once (again after an edit)."""
    from dbt.cli.main import dbtRunner  # dbt's imports take seconds: only in processes that run dbt

    project_dir = Path(project.project_dir)
    key, stamp = _parse_key(vars_args), project_stamp(project_dir)
    cached = _parsed.get(key)
    if cached and cached[0] >= stamp:
        return cached[1]
    target = project_dir / "target"
    work = target / f".parse-{os.getpid()}-{threading.get_ident()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        # Start from the last parse any process left (dbt re-reads only what changed), and leave ours for the next.
        shared = target / "partial_parse.msgpack"
        if shared.exists():
            shutil.copyfile(shared, work / shared.name)
        result = dbtRunner().invoke([
            "parse", "--quiet", "--project-dir", str(project_dir), "--profiles-dir", str(project.profiles_dir),
            "--target-path", str(work), "--log-path", str(work), *vars_args,
        ])
        if not result.success:
            raise DagsterDbtCliRuntimeError(description=f"dbt parse failed: {result.exception}")
        if (work / shared.name).exists():
            os.replace(work / shared.name, shared)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _parsed[key] = (stamp, result.result)
    return result.result


def _release_warehouse() -> None:
    """dbt keeps its adapters between invocations, and dbt-duckdb its open database (keep_open, with dbt's
    settings): close them so this process's own connections (read-only ones too) and other processes can open
    the warehouse file."""
    from dbt.adapters.factory import reset_adapters

    reset_adapters()
    duckdb_connections = sys.modules.get("dbt.adapters.duckdb.connections")
    if duckdb_connections is not None:
        manager = duckdb_connections.DuckDBConnectionManager
        environment, manager._ENV = manager._ENV, None  # noqa: SLF001 - dbt-duckdb has no public close
        if environment is not None:
            environment.close()


def build(context: dg.AssetExecutionContext, dbt: DbtCliResource, project: DbtProject,
          command: list[str]) -> Iterator[Any]:
    """`command` (`build` and its vars) for the step's selection; yields what dagster-dbt's stream would, and
    raises like it when dbt failed. dagster-dbt's warning for the results of dbt-only tests is dropped
    (orchestration.assets.dbt.ExpectedDbtOnlyTestResults)."""
    params = get_updated_cli_invocation_params_for_context(
        context=context, manifest={}, dagster_dbt_translator=None
    )
    with quiet_dbt_only_test_results(params.manifest):
        yield from _build(context, dbt, project, command, params)


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, project: DbtProject, command: list[str],
           params: Any) -> Iterator[Any]:
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    if params.dbt_project is not None and Path(params.dbt_project.project_dir) != Path(project.project_dir):
        # dagster-dbt wrote a selector into a copy of the project (a selection of over 200 resources): run it as
        # dagster-dbt does.
        yield from dbt.cli(command, context=context).stream()
        return
    target = Path(dbt._get_unique_target_path(context=context))  # noqa: SLF001 - the same folder names
    if not target.is_absolute():
        target = Path(project.project_dir) / target
    indirect = ["--indirect-selection", params.indirect_selection] if params.indirect_selection else []
    vars_args = command[1:]
    args = [
        *command, *params.selection_args, *indirect,
        "--project-dir", str(project.project_dir), "--profiles-dir", str(project.profiles_dir),
        "--target-path", str(target), "--log-path", str(target), "--no-send-anonymous-usage-stats",
    ]
    results: list[dict[str, Any]] = []
    errors: list[str] = []

    def collect(message) -> None:
        info = message.info
        if info.name in RESULT_EVENTS:
            results.append(msg_to_dict(message))
        elif info.level == "error" and info.msg:
            errors.append(info.msg)

    with _lock:
        manifest = parsed_manifest(project, vars_args)  # the parse is a dbt invocation too
        try:
            outcome = dbtRunner(manifest=manifest, callbacks=[collect]).invoke(args)
        finally:
            _release_warehouse()
    for raw in results:
        event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
        yield from event.to_default_asset_events(
            manifest=params.manifest, dagster_dbt_translator=params.dagster_dbt_translator, context=context,
            target_path=target, project=project,
        )
    if not outcome.success:
        detail = "\n".join(errors) or str(outcome.exception or "")
        raise DagsterDbtCliRuntimeError(
            description=f"dbt {command[0]} failed (log: {target / 'dbt.log'}):\n{detail}"
        )
