"""`cfm pull SOURCE` and `cfm sandbox`: run one connector standalone, or serve every vendor API locally.

Registered on the main CLI with `app.add_typer(cli_sources.app)` (the commands merge into `cfm`).
"""

from __future__ import annotations

import json
import logging
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from orchestration.source_registry import SOURCES

app = typer.Typer(add_completion=False)
console = Console()

SourceName = Enum("SourceName", {name: name for name in SOURCES}, type=str)  # type: ignore[misc]

_NAMES = ", ".join(SOURCES)


def pull_sources(names: list[str], *, verbose: bool = False) -> list[dict]:
    """Pull each named source into CFM_WAREHOUSE; one metadata dict per source (raises SourceError)."""
    from orchestration.settings import get_settings
    from orchestration.source_registry import pull
    from warehouse import connect

    # One line per page on stderr (records, cursor, retries); stdout keeps the summary.
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(message)s")
    logging.getLogger("connectors").setLevel(logging.INFO if verbose else logging.WARNING)
    rows = []
    with connect(get_settings().warehouse) as con:
        for name in names:
            started = time.perf_counter()
            result = pull(name, con)
            rows.append(
                {"source": name, **result.metadata(), "seconds": round(time.perf_counter() - started, 2)}
            )
    return rows


@app.command(
    "pull", help=f"Fetch one or more sources and land them into CFM_WAREHOUSE. SOURCE is one of: {_NAMES}."
)
def pull_command(
    source: Annotated[list[SourceName], typer.Argument(help="Source object(s) to pull.", show_default=False)],
    verbose: Annotated[
        bool, typer.Option("--verbose/--quiet", "-v/-q", help="Log every page (records, cursor, retries).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    from connectors.http import SourceError

    try:
        rows = pull_sources([s.value for s in source], verbose=verbose)
    except SourceError as exc:
        console.print(f"[red]pull failed: {exc}[/red]")
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(
            f"{r['source']}: fetched {r['fetched']}, landed {r['landed']} (new {r['inserted']}, "
            f"updated {r['updated']}), unchanged {r['unchanged']}, quarantined {r['quarantined']}, "
            f"pages {r['pages']}, cursor {r['cursor'] or '-'}"
        )
        if r["quarantined"]:
            typer.echo(f"  quarantine reasons: {r['quarantine_reasons']} (rows in raw.quarantine)")


@app.command("sandbox")
def sandbox_command(
    data: Annotated[Path, typer.Option(help="Folder holding sandbox/*.parquet from `cfm generate`.")] = Path(
        "data"
    ),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (CFM_SANDBOX_URL defaults to 8765).")] = 8765,
    flaky: Annotated[
        int, typer.Option(help="A fault (429/500/dropped connection) every N requests; 0: none.")
    ] = 0,
    retry_after: Annotated[float, typer.Option(help="Seconds sent in Retry-After on 429.")] = 1.0,
    slow: Annotated[float, typer.Option(help="Delay every response by this many seconds.")] = 0.0,
    malformed: Annotated[int, typer.Option(help="Put one malformed record in each of the next N pages.")] = 0,
    new_field: Annotated[bool, typer.Option(help="Add a field no connector knows to every record.")] = False,
) -> None:
    """Serve every vendor API (Zendesk, Typeform, Qualtrics, Reddit, App Store, Shopify) locally."""
    from sandbox import FaultConfig, serve

    faults = FaultConfig(
        every=flaky,
        retry_after=retry_after,
        slow=10**9 if slow else 0,
        slow_seconds=slow,
        malformed=malformed,
        new_field=new_field,
    )
    server = serve(data, host, port, faults=faults)
    counts = {name: len(rows) for name, rows in server.store.tables.items()}
    console.print(f"Sandbox on {server.url} serving {counts}")
    for vendor in ("zendesk", "typeform", "qualtrics", "reddit", "appstore", "shopify"):
        console.print(f"  {vendor.upper()}_BASE_URL={server.vendor_url(vendor)}")
    console.print(
        'Faults: POST /_sandbox/faults {"rate_limit": 2, "server_error": 1, "drop": 1}. Ctrl-C stops.'
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
