"""Every setting of the pipeline, read from environment variables once.

Defaults give the embedded set-up: a DuckDB file under `data/`, sources served by the local sandbox.
`.env.example` mirrors this file; the README lists each variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def _path(name: str, default: str) -> Path:
    """A path setting; relative values resolve from the repository root, as dbt's profile does."""
    value = Path(os.environ.get(name, default)).expanduser()
    return value if value.is_absolute() else (REPO_ROOT / value).resolve()


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    data_dir: Path
    landing_dir: Path
    publish_dir: Path
    sandbox_url: str
    alert_webhook_url: str | None
    raw_text_retention_days: int
    # A published column that disappears or changes type, or a mart whose row count leaves the band around
    # the previous run, blocks publication unless this says the change was reviewed.
    publish_accept_changes: bool = False
    # DuckDB's own default is 80% of RAM per process; the pipeline (Python side and dbt's process) stays
    # inside a known budget and spills to disk beyond it.
    duckdb_memory_limit: str = "2GB"
    # Each dbt step writes its own target folder (compiled SQL, logs, artifacts: ~10 MB); the newest are kept
    # for debugging, older ones are deleted so scheduled runs do not fill the disk.
    dbt_keep_targets: int = 30

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            warehouse=_path("CFM_WAREHOUSE", "data/warehouse.duckdb"),
            data_dir=_path("CFM_DATA_DIR", "data"),
            landing_dir=_path("CFM_LANDING_DIR", "data/landing"),
            publish_dir=_path("CFM_PUBLISH_DIR", "data/published"),
            sandbox_url=os.environ.get("CFM_SANDBOX_URL", "http://127.0.0.1:8765").rstrip("/"),
            alert_webhook_url=os.environ.get("CFM_ALERT_WEBHOOK_URL") or None,
            raw_text_retention_days=int(os.environ.get("CFM_RAW_TEXT_RETENTION_DAYS", "730")),
            publish_accept_changes=os.environ.get("CFM_PUBLISH_ACCEPT_CHANGES", "").lower()
            in ("1", "true", "yes"),
            duckdb_memory_limit=os.environ.get("CFM_DUCKDB_MEMORY_LIMIT") or cls.duckdb_memory_limit,
            dbt_keep_targets=int(os.environ.get("CFM_DBT_KEEP_TARGETS") or cls.dbt_keep_targets),
        )


def get_settings() -> Settings:
    """Settings as the environment says now (tests change env vars between runs)."""
    return Settings.from_env()
