"""Export files dropped in CFM_LANDING_DIR, landed into raw tables (the pattern every file source follows)."""


import dagster as dg

from orchestration.settings import get_settings
from orchestration.source_registry import TICKET_FILES
from warehouse import connect
from warehouse.landing import LandingSpec, LandResult, land_export_file

EXPORT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")


def land_folder(spec: LandingSpec, folder_name: str, log: dg.DagsterLogManager | None = None) -> dict:
    """Land every not-yet-landed export file of one landing sub-folder; return run metadata."""
    settings = get_settings()
    folder = settings.landing_dir / folder_name
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in EXPORT_SUFFIXES) if folder.exists() else []
    total, landed_files, skipped = LandResult(), 0, 0
    with connect(settings.warehouse) as con:
        for path in files:
            result = land_export_file(con, spec, path)
            if result is None:
                skipped += 1
                continue
            landed_files += 1
            total.add(result)
            if log and result.quarantined:
                log.warning(f"{spec.source}: {path.name}: {result.quarantined} rows quarantined {result.reasons}")
    return {
        "folder": str(folder),
        "files_landed": landed_files,
        "files_already_landed": skipped,
        **{k: v for k, v in total.as_metadata().items() if k != "reasons"},
        "quarantine_reasons": total.reasons,
    }


@dg.asset(
    key=["ticket_files", "tickets"],
    group_name="tickets",
    pool="warehouse",
    description="Ticket export files (CSV, JSON lines) from CFM_LANDING_DIR/tickets into raw.ticket_files__tickets.",
    kinds={"duckdb", "csv"},
)
def ticket_files__tickets(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata=land_folder(TICKET_FILES, "tickets", context.log))
