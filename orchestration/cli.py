"""`cfm`: the project's own commands (generate, demo, run, summary, ...). `cfm --help` lists them."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Customer-feedback analytics pipeline.", no_args_is_help=True, add_completion=False)
console = Console()


@app.command()
def generate(
    records: Annotated[int, typer.Option(help="Feedback records across all four source families.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    out: Annotated[Path, typer.Option(help="Folder for sandbox/, landing/ and truth/.")] = Path("data"),
    end_date: Annotated[str | None, typer.Option(help="Last day of data, YYYY-MM-DD (default yesterday, UTC).")] = None,
    anomaly: Annotated[
        list[str] | None,
        typer.Option(help="Inject an anomaly, e.g. spike:negative_feedback:topic=delivery:2026-10-01:1:4."),
    ] = None,
) -> None:
    """Generate deterministic bilingual sample feedback for every source."""
    from generator import generate as run_generate
    from generator import parse_anomaly

    started = time.perf_counter()
    with console.status(f"Generating {records:,} records ..."):
        summary = run_generate(
            records=records,
            seed=seed,
            out_dir=out,
            anomalies=[parse_anomaly(a) for a in anomaly or []],
            end_date=date.fromisoformat(end_date) if end_date else None,
        )
    console.print(json.dumps(summary.as_dict(), indent=2, default=str))
    console.print(f"[green]Generated in {time.perf_counter() - started:.1f}s into {out}[/green]")


@app.command("run")
def run_pipeline(
    select: Annotated[str | None, typer.Option(help="Dagster asset selection, e.g. 'group:tickets'.")] = None,
) -> None:
    """Materialize every asset (or a selection) with its checks, in this process."""
    from orchestration.runner import materialize

    with console.status("Materializing assets (dbt build included) ..."):
        result = materialize(select, raise_on_error=False)
    _report_run(result)
    if not result.success:
        raise typer.Exit(1)


@app.command()
def summary() -> None:
    """Print rows per layer, the last 30 days' NPS and CSAT, and a query to try."""
    from orchestration.settings import get_settings
    from orchestration.summary import render, summarize

    console.print(render(summarize(get_settings().warehouse)), highlight=False)


@app.command()
def demo(
    records: Annotated[int, typer.Option(help="Records to generate on the first run.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Generate sample data (once), serve the sandbox APIs, materialize everything, print a summary."""
    from orchestration.demo import run_demo

    run_demo(records=records, seed=seed, console=console)


def _report_run(result) -> None:
    import dagster as dg

    materialized = len(result.get_asset_materialization_events())
    failed = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    checks = result.get_asset_check_evaluations()
    failed_checks = [c for c in checks if not c.passed]
    console.print(f"Materialized {materialized} assets; {len(checks)} checks, {len(failed_checks)} failed.")
    for c in failed_checks:
        console.print(f"[red]check failed: {c.asset_key.to_user_string()} {c.check_name}[/red]")
    for e in failed:
        console.print(f"[red]step failed: {e.step_key}: {e.event_specific_data.error.message.strip()[:500]}[/red]")


def _register_subcommands() -> None:
    """Commands owned by each area's module merge into `cfm` (each module defines a typer `app`)."""
    from orchestration import cli_anomalies, cli_ops, cli_report, cli_sources, cli_tagging

    for module in (cli_sources, cli_tagging, cli_ops, cli_report):
        app.add_typer(module.app)
    app.command("eval-anomalies")(cli_anomalies.eval_anomalies)


_register_subcommands()
