"""Great Expectations contexts: in memory, or with Data Docs under the publish folder.

The context is ephemeral (no great_expectations.yml project). With a publish folder its expectation and
validation-result stores are plain JSON files in `<publish>/.gx/`, so every process (each Dagster step may be
one) adds its results and the Data Docs site in `<publish>/data_docs/` indexes all of them. Only the newest
`KEEP_RESULTS` results per suite are kept, so the site stays small and quick to rebuild.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import great_expectations as gx
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

log = logging.getLogger(__name__)

SITE_NAME = "cfm"
DOCS_FOLDER = "data_docs"
STORES_FOLDER = ".gx"
KEEP_RESULTS = 20


def _filesystem(path: Path) -> dict:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(path)}


def make_context(publish_dir: Path | None = None):
    """An ephemeral GX context; with `publish_dir`, file stores and a Data Docs site beneath it."""
    common = {"analytics_enabled": False, "progress_bars": ProgressBarsConfig(globally=False)}
    if publish_dir is None:
        config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(), **common)
        return gx.get_context(mode="ephemeral", project_config=config)
    stores = Path(publish_dir) / STORES_FOLDER
    config = DataContextConfig(
        stores={
            "expectations_store": {
                "class_name": "ExpectationsStore",
                "store_backend": _filesystem(stores / "expectations"),
            },
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": _filesystem(stores / "validations"),
            },
            "checkpoint_store": {
                "class_name": "CheckpointStore",
                "store_backend": {"class_name": "InMemoryStoreBackend"},
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": _filesystem(Path(publish_dir) / DOCS_FOLDER),
            }
        },
        **common,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@dataclass(frozen=True)
class StoredResult:
    """A validation result in the store; its Data Docs page exists once `render` ran."""

    suite_id: ExpectationSuiteIdentifier
    result_id: ValidationResultIdentifier
    page: Path


def store_result(
    context, suite: gx.ExpectationSuite, result: ExpectationSuiteValidationResult, publish_dir: Path
) -> StoredResult | None:
    """Keep a suite and its validation result for the Data Docs (None, logged, if that fails: docs are a
    by-product and never decide whether data is published)."""
    try:
        context.suites.add_or_update(suite)
        suite_id = ExpectationSuiteIdentifier(name=suite.name)
        result_id = ValidationResultIdentifier(
            expectation_suite_identifier=suite_id,
            run_id=result.meta["run_id"],
            batch_identifier=result.meta.get("batch_id") or "warehouse",
        )
        context.validation_results_store.store_validation_results(
            suite_validation_result=result,
            suite_validation_result_identifier=result_id,
            expectation_suite_identifier=suite_id,
        )
        _prune(Path(publish_dir), suite.name)
        *folders, batch = result_id.to_tuple()
        page = Path(publish_dir) / DOCS_FOLDER / "validations" / Path(*folders) / f"{batch}.html"
        return StoredResult(suite_id, result_id, page)
    except Exception as exc:  # noqa: BLE001 - docs must not decide whether data is published
        log.warning("Validation result of %s not stored for Data Docs: %s", suite.name, exc)
        return None


def render(publish_dir: Path, stored: Iterable[StoredResult | None]) -> Path | None:
    """Render the pages of these results and the site index (`<publish>/data_docs/index.html`) once, after a
    batch of validations: rendering costs about a second, so it is not paid per table."""
    stored = [s for s in stored if s is not None]
    if not stored:
        return None
    try:
        context = make_context(publish_dir)
        identifiers = list(dict.fromkeys([*(s.suite_id for s in stored), *(s.result_id for s in stored)]))
        context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=identifiers)
        return Path(publish_dir) / DOCS_FOLDER / "index.html"
    except Exception as exc:  # noqa: BLE001 - docs must not decide whether data is published
        log.warning("Data Docs not rendered: %s", exc)
        return None


def _prune(publish_dir: Path, suite_name: str) -> None:
    """Drop all but the newest KEEP_RESULTS stored results of a suite, and their pages."""
    rel = Path(*suite_name.split("."))
    store = publish_dir / STORES_FOLDER / "validations" / rel
    if not store.exists():
        return
    results = sorted(store.glob("*/*/*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in results[KEEP_RESULTS:]:
        run_folder = old.parent.relative_to(store)
        old.unlink(missing_ok=True)
        page_folder = publish_dir / DOCS_FOLDER / "validations" / rel / run_folder
        shutil.rmtree(page_folder, ignore_errors=True)
        for folder in (old.parent, old.parent.parent, page_folder.parent):
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()
