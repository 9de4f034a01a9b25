"""The dbt resource skips what each dagster-dbt step would otherwise pay for and this project never uses."""

from __future__ import annotations

import importlib.metadata
import subprocess

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import dbt_resource


def test_the_dbt_version_comes_from_the_installed_package_not_a_subprocess(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError("dbt --version was run")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    resource = dbt_resource.model_copy()
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._cli_version.major == 1  # dbt Core: dagster-dbt streams its events as usual
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_old_dbt_invocation_folders_are_pruned_and_recent_or_foreign_ones_kept(tmp_path):
    import os
    import time

    from orchestration.assets.dbt import prune_invocation_targets

    now = time.time()
    ages_in_minutes = {
        "dbt_models-9a9a9a9-0000004": 0,  # the newest is kept
        "dbt_models-2b2b2b2-0000005": 30,  # not the newest, but another run's step may still be using it
        "dbt_models-5d6e7f8-0000003": 120,
        "dbt_models_3-1a2b3c4-0000002": 180,
        "dbt_models-1a2b3c4-0000001": 240,
        "compiled": 600,  # dbt's own folder, not an invocation's
    }
    for name, minutes in ages_in_minutes.items():
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (now - minutes * 60,) * 2)

    removed = prune_invocation_targets(tmp_path, keep=1)

    assert sorted(p.name for p in removed) == [
        "dbt_models-1a2b3c4-0000001", "dbt_models-5d6e7f8-0000003", "dbt_models_3-1a2b3c4-0000002",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "compiled", "dbt_models-2b2b2b2-0000005", "dbt_models-9a9a9a9-0000004",
    ]


def test_dbt_parses_once_per_process_and_again_after_an_edit(tmp_path, monkeypatch):
    import os
    import shutil

    from dagster_dbt import DbtProject

    from orchestration.assets.dbt_in_process import parsed_manifest
    from orchestration.settings import DBT_PROJECT_DIR

    project_dir = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    (project_dir / "target").mkdir()
    monkeypatch.setenv("CFM_WAREHOUSE", str(tmp_path / "w.duckdb"))
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)

    first = parsed_manifest(project, [])
    assert parsed_manifest(project, []) is first  # the next step of the run reuses it
    assert "model.cfm.fct_feedback" in first.nodes
    assert (project_dir / "target" / "partial_parse.msgpack").exists()  # left for the next process

    model = project_dir / "models" / "marts" / "dim_channel.sql"
    model.write_text(model.read_text() + "\n-- edited\n")
    os.utime(model, (model.stat().st_atime, model.stat().st_mtime + 5))
    edited = parsed_manifest(project, [])
    assert edited is not first and "-- edited" in edited.nodes["model.cfm.dim_channel"].raw_code
    assert parsed_manifest(project, ["--vars", '{"lookback_days": 5}']) is not edited  # other vars, other parse


def test_a_failing_dbt_model_fails_its_step_with_dbts_error_and_releases_the_warehouse(tmp_path, monkeypatch):
    import shutil

    import duckdb
    from dagster_dbt import DbtProject, dbt_assets

    from orchestration.assets.dbt import DBT_EXECUTABLE, CfmTranslator
    from orchestration.assets.dbt_in_process import build
    from orchestration.settings import DBT_PROJECT_DIR

    project_dir = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("CFM_WAREHOUSE", str(warehouse))
    subprocess.run([DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(project_dir),
                    "--profiles-dir", str(project_dir)], check=True)
    model = project_dir / "models" / "marts" / "dim_channel.sql"
    model.write_text(model.read_text().replace("channel_label,", "no_such_column,"))  # fails when run, not parsed
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)

    @dbt_assets(manifest=project.manifest_path, dagster_dbt_translator=CfmTranslator(),
                select="channels dim_channel")
    def channel_models(context, dbt: DbtCliResource):
        yield from build(context, dbt, project, ["build"])

    result = dg.materialize([channel_models], resources={"dbt": dbt_resource.model_copy(update={
        "project_dir": str(project_dir), "profiles_dir": str(project_dir)})}, raise_on_error=False)

    assert not result.success
    materialized = {e.materialization.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"seeds/channels"}  # what succeeded before the failure is still reported
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "dbt build failed" in message and "no_such_column" in message  # dbt's own error, named
    with duckdb.connect(str(warehouse), read_only=True) as con:  # dbt let go of the warehouse
        assert con.execute("select count(*) from seeds.channels").fetchall()[0][0] > 0
