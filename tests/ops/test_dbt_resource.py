"""The dbt resource skips what each dagster-dbt step would otherwise pay for and this project never uses."""

from __future__ import annotations

import importlib.metadata
import subprocess

from orchestration.assets.dbt import dbt_resource


def test_the_dbt_version_comes_from_the_installed_package_not_a_subprocess(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError("dbt --version was run")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    resource = dbt_resource.model_copy()
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._cli_version.major == 1  # dbt Core: dagster-dbt streams its events as usual
    assert resource._initialize_dbt_core_adapter(["build"]) is None
