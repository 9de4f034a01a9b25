"""One dbt build of the random test world per session, shared by the mart tests (xdist group "dbt")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from tests.dbt import harness
from tests.dbt.world import World, random_world


@dataclass
class Built:
    world: World
    warehouse: Path
    target: Path

    def query(self, sql: str) -> pl.DataFrame:
        return harness.query(self.warehouse, sql)

    def mart(self, name: str, where: str = "1 = 1") -> pl.DataFrame:
        return self.query(f"select * from marts.{name} where {where}")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("dbt_world")
    world = random_world()
    harness.build(world, folder / "warehouse.duckdb")
    return Built(world, folder / "warehouse.duckdb", folder / "dbt_target")
