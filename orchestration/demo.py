"""`make demo`: sample data (generated once per size and seed), sandbox APIs, every asset, a summary."""

from __future__ import annotations

import json
import os
import time
from urllib.parse import urlsplit

from rich.console import Console

from orchestration.settings import get_settings


def ensure_sample_data(records: int, seed: int, console: Console) -> None:
    """Generate into CFM_DATA_DIR unless the same size and seed are already there (reruns change nothing)."""
    from generator import generate

    settings = get_settings()
    marker = settings.data_dir / "generated.json"
    wanted = {"records": records, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()).get("params") == wanted:
        console.print(f"Sample data already in {settings.data_dir} ({records:,} records, seed {seed}).")
        return
    started = time.perf_counter()
    with console.status(f"Generating {records:,} sample records ..."):
        summary = generate(records=records, seed=seed, out_dir=settings.data_dir)
    marker.write_text(json.dumps({"params": wanted, "summary": summary.as_dict()}, default=str, indent=2))
    console.print(f"Generated {records:,} records in {time.perf_counter() - started:.1f}s.")


def run_demo(records: int, seed: int, console: Console) -> None:
    from orchestration.runner import materialize
    from orchestration.summary import render, summarize
    from sandbox import serve

    settings = get_settings()
    ensure_sample_data(records, seed, console)
    # The configured sandbox port, so record links the APIs return stay the same between demo runs (a changed
    # payload would land as a new version); a free port when that one is taken.
    port = urlsplit(settings.sandbox_url).port or 0
    try:
        server = serve(settings.data_dir / "sandbox", port=port)
    except OSError:
        server = serve(settings.data_dir / "sandbox", port=0)
    # Every source's base URL follows the sandbox unless the user configured a real endpoint.
    os.environ["CFM_SANDBOX_URL"] = server.url
    try:
        started = time.perf_counter()
        with console.status("Materializing every asset (landing, dbt build, tagging, checks, publish) ..."):
            result = materialize(raise_on_error=False)
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    from orchestration.cli import _report_run

    _report_run(result)
    console.print(f"Pipeline ran in {elapsed:.1f}s.\n")
    console.print(render(summarize(settings.warehouse)), highlight=False)
    if not result.success:
        raise SystemExit(1)
