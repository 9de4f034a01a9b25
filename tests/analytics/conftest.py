"""Fixtures for the tagging tests: the packaged config, loaded once, and a tag-one-text helper."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from analytics.config import TaggingConfig
from analytics.tagging import tag


@pytest.fixture(scope="session")
def config() -> TaggingConfig:
    return TaggingConfig.load()


@pytest.fixture(scope="session")
def tag_one(config: TaggingConfig) -> Callable[[str], dict]:
    def run(text: str) -> dict:
        return tag(pl.DataFrame({"text": [text]}), config=config).row(0, named=True)

    return run


@pytest.fixture(scope="session")
def tag_many(config: TaggingConfig) -> Callable[[list[str]], pl.DataFrame]:
    def run(texts: list[str]) -> pl.DataFrame:
        return tag(pl.DataFrame({"text": texts}), config=config)

    return run
