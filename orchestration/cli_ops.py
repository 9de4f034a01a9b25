"""`cfm backfill`, `cfm forget`, `cfm retention`: operating the pipeline from a terminal.

Registered on the main CLI with `app.add_typer(cli_ops.app)` (the commands merge into `cfm`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False)
console = Console()

BACKFILL_JOB = "daily_refresh"


def backfill_range(start: date, end: date) -> tuple[str, str]:
    """Partition keys start..end (inclusive), checked against the partitions that exist now."""
    from orchestration.partitions import daily_partitions

    if end < start:
        raise typer.BadParameter(f"--end {end} is before --start {start}")
    keys = daily_partitions.get_partition_keys()
    if not keys:
        raise typer.BadParameter("no partition exists yet (CFM_PARTITIONS_START is today or later)")
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    if start < first or end > last:
        raise typer.BadParameter(
            f"partitions run from {first} to {last} (CFM_PARTITIONS_START; a day is a partition once over)"
        )
    return start.isoformat(), end.isoformat()


def run_backfill(start: date, end: date, *, log_level: str = "WARNING", dagster_instance=None):
    """The daily refresh over start..end as ONE run: the incremental facts rebuild the whole window in one dbt
    invocation, the unpartitioned assets around them (staging, tagging, marts, publication) run once."""
    from orchestration.definitions import defs
    from orchestration.partitions import range_tags
    from orchestration.runner import instance

    first, last = backfill_range(start, end)
    job = defs.resolve_job_def(BACKFILL_JOB)
    tags = {"cfm/trigger": "cli-backfill"}
    if job.partitions_def is not None:  # without incremental models nothing is partitioned
        tags.update(range_tags(first, last))
    return job.execute_in_process(
        instance=dagster_instance or instance(),
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        raise_on_error=False,
    )


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="First day to rebuild, YYYY-MM-DD (UTC).")],
    end: Annotated[str | None, typer.Option(help="Last day to rebuild, inclusive (default --start).")] = None,
) -> None:
    """Rebuild the facts of a range of days (and everything downstream) in one run."""
    from orchestration.cli import _report_run
    from orchestration.partitions import daily_partitions, window_vars

    first, last = date.fromisoformat(start), date.fromisoformat(end or start)
    backfill_range(first, last)
    bounds = daily_partitions.get_first_partition_window(), daily_partitions.get_last_partition_window()
    dbt_vars = window_vars(
        first, last + timedelta(days=1), first_start=bounds[0].start, last_end=bounds[1].end
    )
    console.print(f"Backfilling {first} .. {last} as one run of `{BACKFILL_JOB}` (dbt vars {dbt_vars}) ...")
    with console.status("Running ..."):
        result = run_backfill(first, last)
    _report_run(result)
    if not result.success:
        raise typer.Exit(1)


@app.command()
def forget(
    customer: Annotated[str, typer.Option(help="Customer id to erase, e.g. C000123.")],
    email: Annotated[list[str] | None, typer.Option(help="Another email of theirs (repeatable).")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="Another phone of theirs (repeatable).")] = None,
    handle: Annotated[list[str] | None, typer.Option(help="Another social handle (repeatable).")] = None,
    compact: Annotated[
        bool, typer.Option(help="Also rewrite the warehouse file so no deleted bytes remain (slow, offline).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase one customer from raw, quarantine, facts, marts and the published copy; log the request."""
    from orchestration.privacy import forget_customer

    if not yes:
        question = "Delete every row identifying this customer from the warehouse and the published copy?"
        typer.confirm(question, abort=True)
    with console.status("Erasing ..."):
        result = forget_customer(
            customer,
            emails=tuple(email or ()),
            phones=tuple(phone or ()),
            handles=tuple(handle or ()),
            compact_warehouse=compact,
        )
    table = Table(title=f"Erasure request {result.request_id}")
    table.add_column("table or published file")
    table.add_column("rows deleted", justify="right")
    for name, count in sorted({**result.tables, **result.files}.items()):
        table.add_row(name, f"{count:,}")
    console.print(table)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(result.identifiers_matched.items()))
    console.print(
        f"Identifiers matched: {kinds}. Logged in audit.privacy_requests "
        f"(subject hash {result.subject_hash[:12]}…); landing now drops this customer's records."
    )


@app.command()
def retention(
    days: Annotated[
        int | None, typer.Option(help="Override CFM_RAW_TEXT_RETENTION_DAYS for this run.", min=0)
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Count the rows to blank; change nothing.")] = False,
) -> None:
    """Blank raw free text older than the retention period (ids, scores and timestamps stay)."""
    from orchestration.privacy import run_retention

    result = run_retention(days, dry_run=dry_run)
    verb = "to blank" if dry_run else "blanked"
    table = Table(title=f"Raw text {verb}: older than {result.cutoff:%Y-%m-%d}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in sorted(result.tables.items()):
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(f"{result.rows:,} rows {'would be' if dry_run else 'were'} blanked.")
