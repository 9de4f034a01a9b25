"""The README's BI contract lists every published table and column of the dbt contracts."""

from __future__ import annotations

import re

import yaml

from expectations.suites import suite_tables
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

DOC = (REPO_ROOT / "README.md").read_text()


def mart_contracts() -> dict[str, list[tuple[str, str]]]:
    models = {}
    for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            if model.get("columns"):
                models[model["name"]] = [(c["name"], c.get("data_type", "")) for c in model["columns"]]
    return models


def test_every_mart_and_column_of_the_contract_is_documented():
    missing = []
    for name, columns in mart_contracts().items():
        # KPI families are listed once, by their daily member: `marts.mart_nps_daily`, `_weekly`, `_monthly`.
        listed_as = re.sub(r"_(weekly|monthly)$", "_daily", name)
        row = next((line for line in DOC.splitlines() if f"`marts.{listed_as}`" in line), None)
        if row is None:
            missing.append(f"marts.{name}")
            continue
        missing += [f"marts.{name}.{column}" for column, _ in columns if f"`{column}`" not in row]
    assert missing == []


def test_every_analytics_table_with_a_suite_is_documented():
    assert [t for t in suite_tables(schemas=["analytics"]) if f"`{t}`" not in DOC] == []
