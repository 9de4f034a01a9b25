"""`cfm report` and the Dagster asset write the report from the published file."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from typer.testing import CliRunner

from orchestration.assets.report import report
from orchestration.cli_report import app
from tests.report.publication import create_publication


def test_cli_writes_the_report(demo_publication: Path, tmp_path: Path):
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(
        app, ["--out", str(out), "--lang", "zh", "--published", str(demo_publication)]
    )
    assert result.exit_code == 0, result.output
    assert '<html lang="zh-CN">' in out.read_text(encoding="utf-8")


def test_cli_defaults_to_the_publish_dir_and_rejects_bad_input(cfm_env: Path, tmp_path: Path):
    runner = CliRunner()
    missing = runner.invoke(app, [])
    assert missing.exit_code == 1 and "No published file" in missing.output
    create_publication(cfm_env / "published" / "feedback.duckdb", days=40, per_day=20)
    assert runner.invoke(app, []).exit_code == 0
    assert (cfm_env / "published" / "report.html").exists()
    assert runner.invoke(app, ["--lang", "fr"]).exit_code != 0


def test_asset_writes_both_languages(cfm_env: Path):
    create_publication(cfm_env / "published" / "feedback.duckdb", days=40, per_day=20)
    with dg.instance_for_test() as instance:
        result = dg.materialize([report], instance=instance)
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["charts"].value == 8
    assert (cfm_env / "published" / "report.html").exists()
    assert (cfm_env / "published" / "report.zh.html").exists()


def test_asset_fails_clearly_without_a_publication(cfm_env: Path):
    with dg.instance_for_test() as instance:
        result = dg.materialize([report], instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "No publication" in failure.event_specific_data.error.message
