"""Tests of the publish step skip rendering GX Data Docs (a second per validation) unless they are the subject;
tests/publish/test_dagster_publish.py renders them through the real checks."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_data_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("expectations.runner.store_result", lambda *args, **kwargs: None)
    monkeypatch.setattr("orchestration.checks.render_data_docs", lambda validations: None)
