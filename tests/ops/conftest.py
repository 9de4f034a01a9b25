"""Tests marked `postgres` need the server `make test-postgres` starts (scripts/test_postgres.sh sets
CFM_PG_TEST=1); `make test` skips them."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server `make test-postgres` starts")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CFM_PG_TEST") == "1":
        return
    skip = pytest.mark.skip(reason="PostgreSQL runs under `make test-postgres` only")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
