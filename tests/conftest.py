"""Shared fixtures: every test gets its own warehouse, landing and publish folders under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cfm_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every CFM_* path at tmp_path; returns the data folder."""
    data = tmp_path / "data"
    monkeypatch.setenv("CFM_DATA_DIR", str(data))
    monkeypatch.setenv("CFM_WAREHOUSE", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("CFM_LANDING_DIR", str(data / "landing"))
    monkeypatch.setenv("CFM_PUBLISH_DIR", str(data / "published"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return data
