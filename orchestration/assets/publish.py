"""The publish step of write-audit-publish: audited marts and analytics tables to the serving copy.

`published/serving_copy` depends on every published table. It runs only when their blocking GX gates passed
(Dagster skips it otherwise), checks that again in `audit.validation_results`, then lets
`warehouse.publish.publish` build a new read-only DuckDB file and Parquet folder and swap them in. A refused
publication fails the run with the reasons and leaves the previous publication serving; no data is deleted.
"""

from collections.abc import Mapping, Sequence

import dagster as dg

from orchestration.checks import (
    GateFailed,
    ensure_gates_passed,
    gate_checks,
    landing_checks,
    table_of,
    validation_targets,
)
from orchestration.settings import get_settings
from warehouse import connect
from warehouse.publish import PublicationRefused, publish

SERVING_COPY_KEY = dg.AssetKey(["published", "serving_copy"])


def serving_copy_asset(published: Mapping[dg.AssetKey, Sequence[str]]) -> dg.AssetsDefinition:
    """The publish asset over `published` (asset key -> upstream tables of that table)."""
    upstream = {table_of(key): list(tables) for key, tables in published.items()}

    @dg.asset(
        key=SERVING_COPY_KEY,
        group_name="publish",
        deps=sorted(published, key=lambda k: k.to_user_string()),
        pool="warehouse",
        kinds={"duckdb", "parquet"},
        description=(
            "Read-only copy for BI tools: CFM_PUBLISH_DIR/feedback.duckdb and parquet/current/, replaced "
            "atomically once every published table passed its Great Expectations gate in this run."
        ),
    )
    def serving_copy(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = get_settings()
        run_id = context.run.run_id
        with connect(settings.warehouse) as con:
            try:
                ensure_gates_passed(con, upstream, run_id=run_id, log=context.log.info)
                publication = publish(
                    con,
                    list(upstream),
                    settings.publish_dir,
                    run_id=run_id,
                    accept_changes=settings.publish_accept_changes,
                )
            except GateFailed as failed:
                raise dg.Failure(
                    description="Not published: validation failed (the previous publication keeps serving). "
                    + " | ".join(failed.reasons()),
                    metadata={"failed_tables": dg.MetadataValue.json(sorted(failed.failed))},
                ) from failed
            except PublicationRefused as refused:
                raise dg.Failure(
                    description="Not published (the previous publication keeps serving): " + "; ".join(refused.reasons),
                    metadata={"reasons": dg.MetadataValue.json(refused.reasons)},
                ) from refused
        for note in publication.notes:
            context.log.warning(note)
        return dg.MaterializeResult(
            metadata={
                "version": dg.MetadataValue.text(publication.version),
                "duckdb": dg.MetadataValue.path(str(publication.duckdb_path)),
                "parquet": dg.MetadataValue.path(str(publication.parquet_dir)),
                "tables": dg.MetadataValue.int(len(publication.tables)),
                "rows": dg.MetadataValue.int(publication.row_count),
                "schema_hash": dg.MetadataValue.text(publication.schema_hash),
                "row_counts": dg.MetadataValue.json({t: i["rows"] for t, i in publication.tables.items()}),
            }
        )

    return serving_copy


def validation_and_publication(defs: dg.Definitions) -> dg.Definitions:
    """GX gates on every published table, GX warnings on every landing table, and the publish step,
    derived from the assets in `defs` (so a new mart or landing source needs no change here)."""
    targets = validation_targets(defs)
    checks = [c for c in (gate_checks(targets.published), landing_checks(targets.landing)) if c is not None]
    return dg.Definitions(assets=[serving_copy_asset(targets.published)], asset_checks=checks)
