"""Landing assets for every API source object and export-file folder, plus the sensor for new export files.

One asset per source object, keyed [source, entity] like the dbt source that reads its raw table, grouped by
family (surveys, social, tickets, returns). The body is thin: `source_registry.pull` fetches page by page
and commits each page with its cursor. Secrets reach the connectors through the `source_credentials`
resource built from `dg.EnvVar`, so no token shows in the UI; base URLs and the rest come from env vars.
"""

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration.settings import get_settings
from orchestration.source_registry import SECRETS, SOURCES, ApiSource, FileSource, pull
from warehouse import connect

# Failed pulls retry as a whole after the connector's own per-request retries gave up: a vendor outage
# of a few minutes heals itself, and the cursor makes the retry resume instead of starting over.
SOURCE_RETRY = dg.RetryPolicy(
    max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


class SourceCredentials(dg.ConfigurableResource):
    """Every source's secret; unset ones fall back to the environment and then to the sandbox defaults."""

    zendesk_api_token: str | None = None
    typeform_token: str | None = None
    qualtrics_api_token: str | None = None
    reddit_token: str | None = None
    appstore_token: str | None = None
    shopify_access_token: str | None = None

    def env(self) -> dict[str, str]:
        values = dict(os.environ)
        for name in SECRETS:
            secret = getattr(self, name.lower(), None)
            if secret:
                values[name] = secret
        return values


def source_credentials() -> SourceCredentials:
    """The resource with a `dg.EnvVar` for each secret that is set (unset ones keep the sandbox default)."""
    return SourceCredentials(**{name.lower(): dg.EnvVar(name) for name in SECRETS if os.environ.get(name)})


class _ToDagster(logging.Handler):
    """Forwards the connectors' log lines (one per page: records, cursor, retries) to the run's log."""

    def __init__(self, log: dg.DagsterLogManager) -> None:
        super().__init__(logging.INFO)
        self.dagster_log = log

    def emit(self, record: logging.LogRecord) -> None:
        emit = self.dagster_log.warning if record.levelno >= logging.WARNING else self.dagster_log.info
        emit(record.getMessage())


@contextmanager
def connector_logs(log: dg.DagsterLogManager) -> Iterator[None]:
    logger = logging.getLogger("connectors")
    handler, level = _ToDagster(log), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _source_asset(source: ApiSource | FileSource) -> dg.AssetsDefinition:
    spec = source.spec
    kinds = {"duckdb", "python"} if isinstance(source, ApiSource) else {"duckdb", "csv"}

    @dg.asset(
        key=[spec.source, spec.entity],
        group_name=source.family,
        description=f"{source.description} Lands into {spec.table} (`cfm pull {source.name}`).",
        retry_policy=SOURCE_RETRY,
        pool="warehouse",
        kinds=kinds,
        metadata={"table": spec.table, "primary_key": ", ".join(spec.key), "cfm_pull_name": source.name},
    )
    def _asset(
        context: dg.AssetExecutionContext, source_credentials: SourceCredentials
    ) -> dg.MaterializeResult:
        with connect(get_settings().warehouse) as con, connector_logs(context.log):
            result = pull(source.name, con, env=source_credentials.env(), log=context.log.info)
        metadata = result.metadata()
        context.log.info(
            f"{source.name}: fetched {metadata['fetched']}, landed {metadata['landed']} "
            f"(updated {metadata['updated']}), quarantined {metadata['quarantined']}"
        )
        return dg.MaterializeResult(metadata=metadata)

    return _asset


# The ticket export folder is landed by orchestration/assets/landing.py (ticket_files__tickets).
source_assets: list[dg.AssetsDefinition] = [
    _source_asset(s) for s in SOURCES.values() if s.name != "ticket_files_tickets"
]

# landing sub-folder -> the asset that lands it
FOLDER_ASSETS: dict[str, dg.AssetKey] = {
    s.folder: dg.AssetKey([s.spec.source, s.spec.entity])
    for s in SOURCES.values()
    if isinstance(s, FileSource)
}
EXPORT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")


def new_export_files(landing_dir: Path, seen: dict[str, float]) -> tuple[list[tuple[str, Path, float]], dict]:
    """Files new or changed since `seen` (path -> mtime) as (folder, path, mtime), and the new map."""
    found: list[tuple[str, Path, float]] = []
    current: dict[str, float] = {}
    for folder in sorted(FOLDER_ASSETS):
        directory = landing_dir / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.suffix.lower() not in EXPORT_SUFFIXES:
                continue
            mtime = path.stat().st_mtime
            current[str(path)] = mtime
            if seen.get(str(path)) != mtime:
                found.append((folder, path, mtime))
    return found, current


@dg.sensor(
    name="landing_file_sensor",
    target=dg.AssetSelection.assets(*FOLDER_ASSETS.values()),
    minimum_interval_seconds=30,
    description="Lands export files dropped in CFM_LANDING_DIR (tickets/, surveys/, returns/).",
)
def landing_file_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    seen = json.loads(context.cursor) if context.cursor else {}
    found, current = new_export_files(get_settings().landing_dir, seen)
    if not found:
        return dg.SkipReason("no new export files")
    requests = [
        dg.RunRequest(
            run_key=f"{path}:{mtime}",
            asset_selection=[FOLDER_ASSETS[folder]],
            tags={"cfm/file": path.name, "cfm/folder": folder},
        )
        for folder, path, mtime in found
    ]
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(current, sort_keys=True))


source_resources = {"source_credentials": source_credentials()}
