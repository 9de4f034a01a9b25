"""`cfm forget`, `cfm retention` and `cfm backfill` from the command line, on a small hand-made warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from orchestration.cli_ops import app
from warehouse import connect
from warehouse.landing import LandingSpec, land_records

runner = CliRunner()
TICKETS = LandingSpec(
    source="tf", entity="tickets", key=("ticket_id",),
    columns=("ticket_id", "requester_id", "requester_email", "description", "created_at"),
)


def seed(warehouse: Path) -> None:
    with connect(warehouse) as con:
        land_records(con, TICKETS, [
            {"ticket_id": "1", "requester_id": "C000001", "requester_email": "a1@x.com",
             "description": "old complaint", "created_at": "2020-01-01T00:00:00Z"},
            {"ticket_id": "2", "requester_id": "C000002", "requester_email": "b2@x.com",
             "description": "new complaint", "created_at": "2026-11-01T00:00:00Z"},
        ])


def test_forget_prints_what_it_deleted_and_logs_no_personal_data(cfm_env: Path, monkeypatch):
    monkeypatch.setenv("CFM_PRIVACY_SALT", "s")
    seed(cfm_env / "warehouse.duckdb")

    result = runner.invoke(app, ["forget", "--customer", "C000001", "--yes"])

    assert result.exit_code == 0, result.output
    assert "raw.tf__tickets" in result.output and "a1@x.com" not in result.output
    with duckdb.connect(str(cfm_env / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select ticket_id from raw.tf__tickets").fetchall() == [("2",)]
        assert con.execute("select rows_affected from audit.privacy_requests").fetchall() == [(1,)]


def test_forget_asks_before_deleting(cfm_env: Path):
    seed(cfm_env / "warehouse.duckdb")
    result = runner.invoke(app, ["forget", "--customer", "C000001"], input="n\n")
    assert result.exit_code == 1
    with duckdb.connect(str(cfm_env / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.tf__tickets").fetchall() == [(2,)]


def test_retention_dry_run_counts_then_blanks(cfm_env: Path, monkeypatch):
    monkeypatch.setenv("CFM_RAW_TEXT_RETENTION_DAYS", "365")
    seed(cfm_env / "warehouse.duckdb")

    dry = runner.invoke(app, ["retention", "--dry-run"])
    done = runner.invoke(app, ["retention"])

    assert dry.exit_code == done.exit_code == 0
    assert "1 rows would be blanked" in dry.output and "1 rows were blanked" in done.output
    with duckdb.connect(str(cfm_env / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select ticket_id, description from raw.tf__tickets order by 1").fetchall()
    assert rows == [("1", None), ("2", "new complaint")]


def test_backfill_refuses_days_that_are_not_partitions(cfm_env: Path):
    result = runner.invoke(app, ["backfill", "--start", "2020-01-01", "--end", "2020-01-07"])
    assert result.exit_code == 2
    assert "partitions run from" in result.output


def test_cli_backfill_is_one_run_of_the_daily_refresh_over_the_range(monkeypatch: pytest.MonkeyPatch):
    import dagster as dg

    from orchestration.cli_ops import run_backfill

    seen = {}

    def execute_in_process(job, **kwargs):
        seen.update(job=job.name, tags=kwargs["tags"])

    monkeypatch.setattr(dg.JobDefinition, "execute_in_process", execute_in_process)
    run_backfill(date(2026, 10, 1), date(2026, 10, 7))
    assert seen == {
        "job": "daily_refresh",
        "tags": {
            "cfm/trigger": "cli-backfill",
            "dagster/asset_partition_range_start": "2026-10-01",
            "dagster/asset_partition_range_end": "2026-10-07",
        },
    }


def test_the_nightly_retention_job_blanks_expired_text(cfm_env: Path, monkeypatch):
    import dagster as dg

    from orchestration.definitions import defs

    monkeypatch.setenv("CFM_RAW_TEXT_RETENTION_DAYS", "365")
    seed(cfm_env / "warehouse.duckdb")
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("raw_text_retention").execute_in_process(instance=instance)
    assert result.success
    with duckdb.connect(str(cfm_env / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select ticket_id, description from raw.tf__tickets order by 1").fetchall()
    assert rows == [("1", None), ("2", "new complaint")]
