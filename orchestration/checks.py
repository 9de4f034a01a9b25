"""Great Expectations checks: blocking gates on every published table, warnings on every raw landing table.

Both are built from data, not listed by hand: a gate for every asset keyed [schema, table] in a schema that
`expectations/publish.yml` publishes (each table's suite is its YAML file under `expectations/suites/`, or
the default suite), a landing check for every `LandingSpec` of a landing asset (the suite is derived from
the spec). `validation_targets(defs)` finds both among the assets already defined
(orchestration/assets/publish.py `validation_and_publication` builds the checks and the publish step).

A gate that fails stops the publish step in the same run (Dagster skips what depends on a failed blocking
check), and the publish step re-reads the run's results from `audit.validation_results` before it copies
anything, validating itself any table no gate looked at in this run.
"""

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

from expectations.history import GateStatus, record
from expectations.suites import PublishConfig, load_publish_config, load_suite, raw_suite
from orchestration.settings import get_settings
from warehouse import connect
from warehouse.landing import LandingSpec

GATE_CHECK = "gx_gate"
LANDING_CHECK = "gx_landing"
# Schemas that are warehouse layers; any other first key part is a landing source (raw.<source>__<entity>).
WAREHOUSE_SCHEMAS = ("staging", "intermediate", "marts", "analytics", "enrich", "seeds", "audit", "raw")


def table_of(key: dg.AssetKey) -> str | None:
    """The warehouse table of an asset keyed [schema, table] (landing assets: [source, entity])."""
    if len(key.path) != 2:
        return None
    first, second = key.path
    return f"{first}.{second}" if first in WAREHOUSE_SCHEMAS else f"raw.{first}__{second}"


# --- results as check metadata ------------------------------------------------------------------------------


def check_result(validation, asset_key: dg.AssetKey, check_name: str, severity: dg.AssetCheckSeverity):
    """An AssetCheckResult naming each failed expectation with its counts and sample rows."""
    metadata: dict[str, dg.MetadataValue] = {
        "suite": dg.MetadataValue.text(validation.suite),
        "rows": dg.MetadataValue.int(validation.row_count),
        "evaluated_expectations": dg.MetadataValue.int(validation.evaluated),
        "failed_expectations": dg.MetadataValue.int(len(validation.failures)),
        "unexpected_rows": dg.MetadataValue.int(validation.unexpected_count),
        "chunks": dg.MetadataValue.int(validation.chunks),
        "seconds": dg.MetadataValue.float(round(validation.seconds, 3)),
        "failures": dg.MetadataValue.md(validation.failures_markdown()),
    }
    if validation.failures:
        metadata["failure_details"] = dg.MetadataValue.json(
            [
                {
                    "rule": f.rule,
                    "expectation": f.expectation,
                    "unexpected_count": f.unexpected_count,
                    "element_count": f.element_count,
                    "observed": f.observed,
                    "expected": f.expected,
                    "samples": f.samples,
                    "message": f.message,
                }
                for f in validation.failures
            ]
        )
    if validation.notes or validation.skipped:
        metadata["notes"] = dg.MetadataValue.text("; ".join([*validation.notes, *validation.skipped]))
    if validation.data_docs:
        metadata["data_docs"] = dg.MetadataValue.path(validation.data_docs)
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=validation.success,
        severity=severity,
        description=validation.reasons()[:2000] or None,
        metadata=metadata,
    )


def render_data_docs(validations) -> None:
    """Render the Data Docs pages of these validations and the site index, once per step."""
    from expectations.data_docs import render

    render(get_settings().publish_dir, [v.stored for v in validations])


def _errored(table: str, run_id: str, error: Exception, blocking: bool):
    """A validation that could not run (bad SQL in a suite, a broken table) is a failed one."""
    from expectations.runner import Failure, Validation

    return Validation(
        suite="error",
        table=table,
        run_id=run_id,
        partition="*",
        success=False,
        row_count=0,
        evaluated=0,
        blocking=blocking,
        failures=[
            Failure(
                rule="validation",
                expectation="runs",
                columns=[],
                expected={},
                message=f"{type(error).__name__}: {error}",
            )
        ],
    )


# --- gates on published tables -----------------------------------------------------------------------------


def validate_gate(con, table: str, *, run_id: str, upstream: Sequence[str] = ()):
    """Validate one published table with its suite (or the default one) and record the result."""
    from expectations.runner import table_columns, validate_table  # GX takes seconds to import

    settings = get_settings()
    try:
        suite = load_suite(table, columns=list(table_columns(con, table)), upstream=upstream)
        return validate_table(
            con,
            suite,
            run_id=run_id,
            blocking=True,
            publish_dir=settings.publish_dir,
            accept_changes=settings.publish_accept_changes,
        )
    except Exception as error:  # noqa: BLE001 - recorded as a failed gate, never as a pass
        validation = _errored(table, run_id, error, blocking=True)
        record(con, [validation.audit_row()])
        return validation


def gate_checks(published: Mapping[dg.AssetKey, Sequence[str]]) -> dg.AssetChecksDefinition | None:
    """One blocking GX check per published table; `published` maps its asset key to its upstream tables."""
    if not published:
        return None
    upstream = {table_of(k): list(v) for k, v in published.items()}

    @dg.multi_asset_check(
        name="gx_gates",
        specs=[
            dg.AssetCheckSpec(
                GATE_CHECK,
                asset=key,
                blocking=True,
                description=f"Great Expectations suite of {table_of(key)}; gates publication.",
            )
            for key in sorted(published, key=lambda k: k.to_user_string())
        ],
        can_subset=True,
        pool="warehouse",
    )
    def gx_gates(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        run_id = context.run.run_id
        validations = {}
        with connect(get_settings().warehouse) as con:
            for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.asset_key.to_user_string()):
                table = table_of(check_key.asset_key)
                validations[check_key] = validate_gate(con, table, run_id=run_id, upstream=upstream.get(table, ()))
                if not validations[check_key].success:
                    context.log.error(f"{table}: gate failed: {validations[check_key].reasons()}")
        render_data_docs(validations.values())
        for check_key, validation in validations.items():
            yield check_result(validation, check_key.asset_key, GATE_CHECK, dg.AssetCheckSeverity.ERROR)

    return gx_gates


class GateFailed(Exception):
    def __init__(self, failed: Mapping[str, GateStatus]):
        self.failed = dict(failed)
        super().__init__("validation failed for " + ", ".join(sorted(self.failed)))

    def reasons(self) -> list[str]:
        lines = []
        for table, status in sorted(self.failed.items()):
            failures = status.details.get("failures", [])
            detail = "; ".join(
                f"{f['rule']} [{f['expectation']}] "
                + (f["message"] or f"{f['unexpected_count']} of {f['element_count']} rows")
                for f in failures
            )
            lines.append(f"{table}: {detail or 'failed'}")
        return lines


def ensure_gates_passed(con, upstream: Mapping[str, Sequence[str]], *, run_id: str, log=None) -> dict:
    """Every table passed its blocking suite in this run; tables not validated yet are validated now.

    Raises GateFailed naming each failed table and expectation; returns table -> GateStatus otherwise.
    """
    from expectations.history import run_results

    statuses = run_results(con, run_id, list(upstream))
    validations = []
    for table in upstream:
        if table not in statuses:
            if log:
                log(f"{table}: not validated in this run; validating before publication")
            validations.append(validate_gate(con, table, run_id=run_id, upstream=upstream[table]))
            audit = validations[-1].audit_row()
            statuses[table] = GateStatus(table, audit.success, audit.failed_expectations, audit.details)
    render_data_docs(validations)
    failed = {t: s for t, s in statuses.items() if not s.success}
    if failed:
        raise GateFailed(failed)
    return statuses


# --- warnings on raw landing tables ------------------------------------------------------------------------


def landing_checks(specs: Mapping[dg.AssetKey, LandingSpec]) -> dg.AssetChecksDefinition | None:
    """One non-blocking GX check (WARN) per landing asset, its suite derived from the table's LandingSpec."""
    if not specs:
        return None

    @dg.multi_asset_check(
        name="gx_landing_checks",
        specs=[
            dg.AssetCheckSpec(
                LANDING_CHECK,
                asset=key,
                description=f"Great Expectations suite derived from the LandingSpec of {spec.table}.",
            )
            for key, spec in sorted(specs.items(), key=lambda kv: kv[0].to_user_string())
        ],
        can_subset=True,
        pool="warehouse",
    )
    def gx_landing_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        from expectations.runner import validate_table

        settings = get_settings()
        run_id = context.run.run_id
        validations = {}
        with connect(settings.warehouse) as con:
            for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.asset_key.to_user_string()):
                spec = specs[check_key.asset_key]
                try:
                    # Raw tables only grow: each run checks the rows landed since the last clean check.
                    validation = validate_table(
                        con, raw_suite(spec), run_id=run_id, blocking=False, publish_dir=settings.publish_dir,
                        new_rows_by="_loaded_at",
                    )
                except Exception as error:  # noqa: BLE001 - a warning check reports, it does not stop the run
                    validation = _errored(spec.table, run_id, error, blocking=False)
                    record(con, [validation.audit_row()])
                if not validation.success:
                    context.log.warning(f"{spec.table}: {validation.reasons()}")
                validations[check_key] = validation
        render_data_docs(validations.values())
        for check_key, validation in validations.items():
            yield check_result(validation, check_key.asset_key, LANDING_CHECK, dg.AssetCheckSeverity.WARN)

    return gx_landing_checks


# --- discovery ---------------------------------------------------------------------------------------------


def _specs_in(value, depth: int = 0) -> Iterator[LandingSpec]:
    """LandingSpecs held by a module attribute: directly, in a container, or as a registry entry's `.spec`."""
    if isinstance(value, LandingSpec):
        yield value
    elif depth < 2 and type(value) is dict:
        for item in value.values():
            yield from _specs_in(item, depth + 1)
    elif depth < 2 and type(value) in (list, tuple):
        for item in value:
            yield from _specs_in(item, depth + 1)
    elif not isinstance(value, type) and isinstance(
        vars(value).get("spec") if hasattr(value, "__dict__") else None, LandingSpec
    ):
        yield value.spec


def landing_specs(package: str = "orchestration") -> dict[dg.AssetKey, LandingSpec]:
    """Every LandingSpec defined in the (already imported) modules of `package`, by landing asset key."""
    found: dict[dg.AssetKey, LandingSpec] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for value in list(vars(module).values()):
            for spec in _specs_in(value):
                found.setdefault(dg.AssetKey([spec.source, spec.entity]), spec)
    return found


@dataclass(frozen=True)
class ValidationTargets:
    published: dict[dg.AssetKey, list[str]]  # published asset -> its upstream tables
    landing: dict[dg.AssetKey, LandingSpec]


def validation_targets(defs: dg.Definitions, config: PublishConfig | None = None) -> ValidationTargets:
    """Published tables and landing tables among the assets `defs` can materialize."""
    config = config or load_publish_config()
    graph = defs.resolve_asset_graph()
    keys = graph.materializable_asset_keys
    published = {
        key: sorted(filter(None, (table_of(p) for p in graph.get(key).parent_keys)))
        for key in keys
        if table_of(key) and config.publishes(table_of(key))
    }
    landing = {key: spec for key, spec in landing_specs().items() if key in keys}
    return ValidationTargets(published=published, landing=landing)
