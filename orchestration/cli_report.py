"""`cfm report`: write the HTML report from the published DuckDB file.

Registered on the main CLI with `app.add_typer(cli_report.app)` (the command merges into `cfm`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(add_completion=False)
console = Console()


@app.command()
def report(
    out: Annotated[
        Path | None,
        typer.Option(help="HTML file to write (default CFM_PUBLISH_DIR/report.html, report.zh.html for zh)."),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of labels and sentences: en or zh.")] = "en",
    published: Annotated[
        Path | None,
        typer.Option(help="Published DuckDB file (default CFM_PUBLISH_DIR/feedback.duckdb)."),
    ] = None,
) -> None:
    """Write one self-contained HTML report (opens offline) from the published, validated marts only."""
    from orchestration.settings import get_settings
    from reporting import PUBLISHED_FILE_NAME, REPORT_FILES, write_report
    from reporting.i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise typer.BadParameter(f"use one of {', '.join(LANGUAGES)}", param_hint="--lang")
    publish_dir = get_settings().publish_dir
    source = published or publish_dir / PUBLISHED_FILE_NAME
    out = out or publish_dir / REPORT_FILES[lang]
    if not source.exists():
        console.print(
            f"[red]No published file at {source}. Run the pipeline first (cfm run or make demo).[/red]"
        )
        raise typer.Exit(1)
    result = write_report(source, out, lang)
    console.print(
        f"[green]Report written to {result.path}[/green] ({result.size_bytes / 1e6:.1f} MB, "
        f"data up to {result.as_of or 'no data'}, {len(result.charts)} charts)."
    )
    if result.empty_sections:
        console.print(f"Sections showing 'not enough data': {', '.join(result.empty_sections)}")
