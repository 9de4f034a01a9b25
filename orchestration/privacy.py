"""Privacy operations wired to the pipeline's settings: erasure requests and the raw-text retention job.

`forget` is a CLI command only (`cfm forget --customer ID`), never a Dagster job: a job's run config is kept
in Dagster's run history, and the customer id must not be. Retention is a daily job (and `cfm retention`).
The SQL lives in warehouse/privacy.py.
"""

import dagster as dg

from orchestration.settings import get_settings
from warehouse import connect
from warehouse.privacy import ForgetResult, RetentionResult, apply_retention, compact, forget, salt_for


def forget_customer(
    customer_id: str,
    *,
    emails: tuple[str, ...] = (),
    phones: tuple[str, ...] = (),
    handles: tuple[str, ...] = (),
    compact_warehouse: bool = False,
) -> ForgetResult:
    """Erase one customer from the warehouse and the published copy (CFM_PUBLISH_DIR); log and suppress."""
    settings = get_settings()
    salt = salt_for(settings.warehouse)
    with connect(settings.warehouse) as con:
        result = forget(
            con,
            customer_id,
            salt,
            emails=emails,
            phones=phones,
            handles=handles,
            published_dir=settings.publish_dir,
        )
    if compact_warehouse:
        compact(settings.warehouse)
    return result


def run_retention(days: int | None = None, *, dry_run: bool = False) -> RetentionResult:
    settings = get_settings()
    with connect(settings.warehouse) as con:
        days = settings.raw_text_retention_days if days is None else days
        return apply_retention(con, days, dry_run=dry_run)


@dg.op(
    pool="warehouse",
    out=dg.Out(dg.Nothing),
    description="Blanks raw free text older than CFM_RAW_TEXT_RETENTION_DAYS; ids, scores and times stay.",
)
def blank_expired_raw_text(context: dg.OpExecutionContext) -> None:
    result = run_retention()
    context.log.info(f"retention: {result.rows} raw rows older than {result.cutoff:%Y-%m-%d} blanked")
    context.add_output_metadata(
        {"cutoff": result.cutoff.isoformat(), "rows_blanked": result.rows, "tables": dict(result.tables)}
    )


@dg.job(
    name="raw_text_retention",
    description="Daily: raw free text past its retention period is blanked (CFM_RAW_TEXT_RETENTION_DAYS).",
    tags={"cfm/purpose": "privacy"},
)
def raw_text_retention_job() -> None:
    blank_expired_raw_text()

