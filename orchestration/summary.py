"""What `make demo` prints: rows per layer, the last 30 days' NPS and CSAT, and where to look next."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

LAYERS = ("raw", "staging", "intermediate", "enrich", "marts", "analytics", "audit")


@dataclass
class WarehouseSummary:
    warehouse: Path
    rows_per_layer: dict[str, int]
    tables_per_layer: dict[str, int]
    quarantined: int
    window_start: str | None
    window_end: str | None
    nps: float | None
    nps_n: int
    csat: float | None
    csat_n: int


def summarize(warehouse: Path) -> WarehouseSummary:
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make demo` or `cfm run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            """select schema_name, table_name, estimated_size from duckdb_tables()
               where database_name = current_database() and not table_name like '\\_%' escape '\\'"""
        ).fetchall()
        rows: dict[str, int] = {}
        counts: dict[str, int] = {}
        for schema, name, _ in tables:
            if schema not in LAYERS or name == "quarantine":
                continue
            n = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            rows[schema] = rows.get(schema, 0) + n
            counts[schema] = counts.get(schema, 0) + 1
        has = {(s, n) for s, n, _ in tables}
        quarantined = (
            con.execute("select count(*) from raw.quarantine").fetchone()[0] if ("raw", "quarantine") in has else 0
        )
        window = (None, None, None, 0, None, 0)
        if {("marts", "mart_nps_daily"), ("marts", "mart_csat_daily")} <= has:
            # The last 30 days of the data (not of the wall clock), from the marts' all-feedback rows.
            window = con.execute(
                """with bounds as (
                       select max(period_start) as last_day from marts.mart_nps_daily where responses > 0),
                   nps as (
                       select min(period_start) as first_day, max(period_start) as last_day,
                              sum(promoters) as p, sum(detractors) as d, sum(responses) as n
                       from marts.mart_nps_daily, bounds
                       where dimension = 'all' and period_start > bounds.last_day - interval 30 day),
                   csat as (
                       select sum(satisfied) as s, sum(responses) as n
                       from marts.mart_csat_daily, bounds
                       where dimension = 'all' and period_start > bounds.last_day - interval 30 day)
                   select cast(nps.first_day as varchar), cast(nps.last_day as varchar),
                          100.0 * (nps.p - nps.d) / nullif(nps.n, 0), coalesce(nps.n, 0),
                          100.0 * csat.s / nullif(csat.n, 0), coalesce(csat.n, 0)
                   from nps, csat"""
            ).fetchone()
    return WarehouseSummary(warehouse, rows, counts, quarantined, *window)


EXAMPLE_QUERY = (
    "select channel, sum(feedback_count) as items, round(100.0 * sum(csat_satisfied) / "
    "nullif(sum(csat_responses), 0), 1) as csat from marts.mart_feedback_daily group by 1 order by 2 desc"
)


def render(summary: WarehouseSummary) -> str:
    lines = [f"Warehouse: {summary.warehouse}", "Rows per layer:"]
    for layer in LAYERS:
        if layer in summary.rows_per_layer and layer != "audit":
            tables = summary.tables_per_layer[layer]
            lines.append(
                f"  {layer:<13}{summary.rows_per_layer[layer]:>12,} rows in {tables} table{'s' * (tables != 1)}"
            )
    lines.append(f"  quarantined  {summary.quarantined:>12,} rows (raw.quarantine)")
    if "audit" in summary.rows_per_layer:
        # A log, not data: it grows by a row per validated table and publication on every run.
        lines.append(f"Run history (audit): {summary.rows_per_layer['audit']:,} rows of validations and publications")
    if summary.window_end:
        nps = f"{summary.nps:+.1f}" if summary.nps is not None else "n/a"
        csat = f"{summary.csat:.1f}%" if summary.csat is not None else "n/a"
        lines.append(f"Last 30 days ({summary.window_start} .. {summary.window_end}):")
        lines.append(f"  NPS  {nps:>8}  (n={summary.nps_n:,})")
        lines.append(f"  CSAT {csat:>8}  (n={summary.csat_n:,}, top-2-box)")
    lines.append("Try:")
    lines.append("  make dev                     # Dagster UI: lineage, runs, checks")
    lines.append(f"  duckdb -readonly {summary.warehouse} \"{EXAMPLE_QUERY}\"")
    return "\n".join(lines)
