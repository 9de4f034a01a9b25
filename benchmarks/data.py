"""Benchmark data: N records for the full run, then 1% more that arrive before the incremental run.

One dataset of N x 1.01 records is generated; a time cut-off splits it so that the records before it (N)
are what the sandbox serves and the landing folder holds for the full run, and the newest 1% is what
arrives afterwards (the sandbox then serves everything; delta export files are dropped beside the old
ones). Splitting one dataset by time, rather than generating a second one, keeps ids unique and makes the
new records genuinely new to every cursor.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

# Canonical tables and the column giving each record's arrival time.
FAMILIES = {
    "survey_responses": "submitted_at",
    "social_posts": "created_at",
    "tickets": "created_at",
    "returns": "requested_at",
}
REFERENCE = ("customers", "products", "product_sales_daily")


@dataclass
class BenchData:
    root: Path
    records: int
    delta_records: int
    start: date
    days: int
    generate_seconds: float
    base_sandbox: Path  # DIR with sandbox/*.parquet for the full run
    full_sandbox: Path  # the same plus the delta, for the incremental run
    landing: Path  # CFM_LANDING_DIR
    delta_landing: Path  # files dropped into `landing` before the incremental run
    truth: Path


def prepare(records: int, seed: int, root: Path, delta_share: float = 0.01) -> BenchData:
    import time

    from generator import generate
    from generator.landing import write_landing

    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    generated = root / "generated"
    started = time.perf_counter()
    summary = generate(records=round(records * (1 + delta_share)), seed=seed, out_dir=generated)
    generate_seconds = time.perf_counter() - started
    start, days = summary.start_date, (summary.end_date - summary.start_date).days + 1

    tables = {n: pl.read_parquet(generated / "sandbox" / f"{n}.parquet") for n in (*FAMILIES, *REFERENCE)}
    times = pl.concat([tables[name].select(pl.col(col).alias("t")) for name, col in FAMILIES.items()])
    total = times.height
    base_count = round(total / (1 + delta_share))
    cutoff = times.sort("t")["t"][base_count]
    base = {n: f.filter(pl.col(FAMILIES[n]) < cutoff) if n in FAMILIES else f for n, f in tables.items()}
    delta = {n: f.filter(pl.col(FAMILIES[n]) >= cutoff) for n, f in tables.items() if n in FAMILIES}

    base_sandbox = root / "base" / "sandbox"
    base_sandbox.mkdir(parents=True)
    for name, frame in base.items():
        frame.write_parquet(base_sandbox / f"{name}.parquet")

    landing, delta_landing = root / "landing", root / "delta_landing"
    for folder, frames, stream in ((landing, base, 1), (delta_landing, delta, 2)):
        write_landing(
            folder,
            np.random.default_rng([seed, stream]),
            start=start,
            days=days,
            tickets=frames["tickets"],
            surveys=frames["survey_responses"],
            returns=frames["returns"],
            customers=tables["customers"],
            products=tables["products"],
            sales=tables["product_sales_daily"],
        )
    _rename_delta(delta_landing)
    return BenchData(
        root=root,
        records=sum(f.height for n, f in base.items() if n in FAMILIES),
        delta_records=sum(f.height for f in delta.values()),
        start=start,
        days=days,
        generate_seconds=generate_seconds,
        base_sandbox=root / "base",
        full_sandbox=generated,
        landing=landing,
        delta_landing=delta_landing,
        truth=generated / "truth" / "feedback_truth.parquet",
    )


def _rename_delta(folder: Path) -> None:
    """The delta drop: reference files go (unchanged, already landed); export files get names of their own."""
    for sub in ("crm", "sales"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        path.rename(path.with_name(f"{path.stem}_new{path.suffix}"))


def drop_delta(data: BenchData) -> int:
    """Move the delta export files into the landing folder; returns how many files were dropped."""
    count = 0
    for path in sorted(data.delta_landing.rglob("*")):
        if path.is_file():
            target = data.landing / path.relative_to(data.delta_landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            count += 1
    return count
