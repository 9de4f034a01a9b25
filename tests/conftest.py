"""Shared fixtures: every test gets its own warehouse, landing and publish folders under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_leaked_dagster_state():
    """Start each test as a fresh process would: no defs-state storage left current by an earlier test's
    Dagster instance (once garbage-collected it fails the next Definitions load with 'undefined DagsterInstance
    weakref')."""
    from dagster._core.storage.defs_state import base

    base._current_storage.set(None)
    yield


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


PIPELINE_ENV = ("CFM_DATA_DIR", "CFM_WAREHOUSE", "CFM_LANDING_DIR", "CFM_PUBLISH_DIR", "CFM_SANDBOX_URL")


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    """One real end-to-end run shared by the tests that only read its results.

    Generated data (fixed seed and end date) → sandbox APIs over HTTP → every asset with its checks.
    Tests using it must not write to its warehouse; mark them `xdist_group("pipeline")` so one worker runs it.
    """
    import os
    from datetime import date

    from generator import generate
    from orchestration.runner import materialize
    from sandbox import serve

    root = tmp_path_factory.mktemp("pipeline")
    data = root / "data"
    saved = {k: os.environ.get(k) for k in (*PIPELINE_ENV, "DAGSTER_HOME")}
    summary = generate(records=4000, seed=11, out_dir=data, end_date=date(2026, 10, 31))
    server = serve(data / "sandbox", port=0)
    os.environ.update(
        CFM_DATA_DIR=str(data),
        CFM_WAREHOUSE=str(data / "warehouse.duckdb"),
        CFM_LANDING_DIR=str(data / "landing"),
        CFM_PUBLISH_DIR=str(data / "published"),
        CFM_SANDBOX_URL=server.url,
    )
    os.environ.pop("DAGSTER_HOME", None)
    try:
        result = materialize(raise_on_error=False)
        yield {"data": data, "summary": summary, "result": result, "warehouse": data / "warehouse.duckdb"}
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
