"""One pipeline run as the demo runs it (`orchestration.runner.materialize`), timed and sized per stage.

The run executes in a child process (as Dagster launches runs), its steps one after another, so each step's
start and end (from Dagster's event log) attribute the wall time, and the memory timeline, to its stage:
ingest (API pulls through the sandbox), landing (export files), dbt (every dbt step, tests included), tagging,
checks (Great Expectations gates) and publish (serving copy and report). Time between steps is Dagster's own
(run start, planning, events).
"""

from __future__ import annotations

import multiprocessing
import re
import time
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from benchmarks.monitor import MemorySampler

STAGES = ("ingest", "landing", "dbt", "tagging", "checks", "publish", "other")


@dataclass
class Step:
    key: str
    start: float | None = None
    end: float | None = None
    status: str = "not run"
    assets: set[dg.AssetKey] = field(default_factory=set)
    checks: set[str] = field(default_factory=set)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)  # asset -> materialization metadata
    stage: str = "other"

    @property
    def seconds(self) -> float:
        return (self.end - self.start) if self.start is not None and self.end is not None else 0.0


@dataclass
class StageResult:
    seconds: float = 0.0
    peak_bytes: int = 0
    steps: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass
class PipelineRun:
    label: str
    wall_seconds: float
    success: bool
    stages: dict[str, StageResult]
    steps: list[Step]
    peak_bytes: int

    def seconds(self, *stages: str) -> float:
        return sum(self.stages[s].seconds for s in stages)

    @property
    def overhead_seconds(self) -> float:
        return max(0.0, self.wall_seconds - sum(s.seconds for s in self.stages.values()))


def classify(step: Step, kinds: dict[str, set[dg.AssetKey]]) -> str:
    """The stage of a step, by what it materialized or checked, else by the assets of its op (a step that
    failed or did not run materialized nothing)."""
    keys = step.assets or kinds["by_op"].get(re.sub(r"_\d+$", "", step.key), set())
    if keys & kinds["api"]:
        return "ingest"
    if keys & kinds["landing"]:
        return "landing"
    if any(k.path[0] == "enrich" for k in keys):
        return "tagging"
    if keys & kinds["dbt"] or (not keys and step.key.startswith("dbt")):
        return "dbt"
    if any(k.path[0] == "published" for k in keys):
        return "publish"
    if not keys and (step.checks or "check" in step.key or "gx" in step.key):
        return "checks"
    return "other"


def asset_kinds() -> dict[str, set[dg.AssetKey]]:
    from orchestration.assets.dbt import dbt_models, dbt_partitioned_models
    from orchestration.definitions import defs
    from orchestration.jobs import LANDING_GROUPS
    from orchestration.sensors import API_SOURCE_KEYS

    graph = defs.resolve_asset_graph()
    landing = {k for k in graph.get_all_asset_keys() if graph.get(k).group_name in LANDING_GROUPS}
    dbt_keys = set(dbt_models.keys).union(*(a.keys for a in dbt_partitioned_models))
    by_op: dict[str, set[dg.AssetKey]] = {}
    for assets_def in graph.assets_defs:
        if assets_def.is_executable and assets_def.keys:
            by_op.setdefault(assets_def.node_def.name, set()).update(assets_def.keys)
    return {"api": set(API_SOURCE_KEYS), "landing": landing - set(API_SOURCE_KEYS), "dbt": dbt_keys, "by_op": by_op}


def run(label: str, sampler: MemorySampler) -> PipelineRun:
    """One pipeline run in a fresh process, as Dagster launches every run in production: its memory is the
    run's own, not what an earlier run in the same process left allocated. The sampler sees it (process tree)."""
    context = multiprocessing.get_context("spawn")  # inherits os.environ (the bench's CFM_* settings)
    with context.Pool(1) as pool:
        started, ended, success, step_list = pool.apply(_run_in_this_process)
        pool.close()  # let the worker exit on its own: terminating it interrupts its thread pools' shutdown
        pool.join()
    steps = {step.key: step for step in step_list}
    kinds = asset_kinds()
    stages = {name: StageResult() for name in STAGES}
    for step in steps.values():
        step.stage = classify(step, kinds)
        stage = stages[step.stage]
        stage.seconds += step.seconds
        stage.steps += 1
        if step.start is not None:
            stage.peak_bytes = max(stage.peak_bytes, sampler.peak(step.start, step.end or ended))
        if step.status == "failed":
            stage.failed.append(step.key)
    return PipelineRun(
        label=label,
        wall_seconds=ended - started,
        success=success,
        stages=stages,
        steps=sorted(steps.values(), key=lambda s: s.start or 0),
        peak_bytes=sampler.peak(started, ended),
    )


def _run_in_this_process() -> tuple[float, float, bool, list[Step]]:
    from orchestration.runner import materialize

    instance = dg.DagsterInstance.ephemeral()
    started = time.time()
    result = materialize(raise_on_error=False, dagster_instance=instance)
    ended = time.time()
    steps: dict[str, Step] = {}
    for record in instance.get_records_for_run(result.run_id, limit=1_000_000).records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        step = steps.setdefault(entry.step_key, Step(entry.step_key))
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_START:
            step.start = entry.timestamp
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            step.end = entry.timestamp
            step.status = "ok" if kind == dg.DagsterEventType.STEP_SUCCESS else "failed"
        elif kind == dg.DagsterEventType.STEP_SKIPPED:
            step.status = "skipped"
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            step.assets.add(materialization.asset_key)
            step.metadata[materialization.asset_key.to_user_string()] = {
                k: getattr(v, "value", v) for k, v in materialization.metadata.items()
            }
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            step.checks.add(event.event_specific_data.check_name)
    return started, ended, result.success, list(steps.values())


def source_rates(run: PipelineRun, sources: set[str]) -> tuple[int, float]:
    """Records fetched and seconds spent by the given API assets (user strings such as 'zendesk/tickets')."""
    records, seconds = 0, 0.0
    for step in run.steps:
        for key, metadata in step.metadata.items():
            if key in sources:
                records += int(metadata.get("fetched") or 0)
                seconds += step.seconds / max(1, len(step.metadata))
    return records, seconds
