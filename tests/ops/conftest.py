"""Shared by the operations tests.

Integration tests (markers `pipeline` and `postgres`) run the whole pipeline once per session on a generated
sample (`pipeline_run`); they need minutes, not seconds, so `make test` skips them and `make test-postgres`
(which CI runs too) runs them, with the PostgreSQL server it starts (scripts/test_postgres.sh sets
CFM_INTEGRATION=1).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

RECORDS = 2000
MARKERS = {
    "pipeline": "runs the whole pipeline on a generated sample (make test-postgres)",
    "postgres": "needs the PostgreSQL server `make test-postgres` starts",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CFM_INTEGRATION") == "1":
        return
    skip = pytest.mark.skip(reason="integration test: runs under `make test-postgres`")
    for item in items:
        if any(name in item.keywords for name in MARKERS):
            item.add_marker(skip)


def stand_in_tags(con: duckdb.DuckDBPyConnection) -> None:
    """Neutral enrich tables with the contract's columns, for a tree where the tagging asset is not registered
    (what these tests check is erasure and portability, not the tags)."""
    con.execute("create schema enrich")
    con.execute(
        """create table enrich.feedback_tags as
           select feedback_id, md5(coalesce(feedback_text, '')) as text_hash, feedback_text as feedback_text_masked,
                  'en' as language, 0.0::double as sentiment_score, 'neutral' as sentiment_label,
                  'other' as topic_l1, 'other' as topic_l2, 'question' as feedback_type, 'normal' as urgency,
                  '' as keywords, feedback_id as canonical_feedback_id, false as is_duplicate,
                  null::double as duplicate_similarity, 'stand-in' as taxonomy_version, now() as tagged_at
           from intermediate.int_feedback__unioned"""
    )
    con.execute(
        """create table enrich.feedback_topics as
           select feedback_id, 'other' as topic_l1, 'other' as topic_l2, true as is_primary,
                  'stand-in' as taxonomy_version
           from intermediate.int_feedback__unioned"""
    )


def ensure_published(data: Path) -> None:
    """The serving copy, published directly when the run's quality gates held it back (the tests need one)."""
    from warehouse.publish import discover_tables, publish

    if (data / "published" / "feedback.duckdb").exists():
        return
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        publish(con, discover_tables(con, ["marts"]), data / "published", run_id="test", accept_changes=True)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A sample generated, the sandbox serving it, every asset materialized once (as `make demo` does);
    returns the data folder (warehouse.duckdb, landing/, published/)."""
    from generator import generate
    from orchestration.runner import materialize
    from sandbox import serve

    data = tmp_path_factory.mktemp("pipeline") / "data"
    saved = dict(os.environ)
    os.environ.update({
        "CFM_DATA_DIR": str(data),
        "CFM_WAREHOUSE": str(data / "warehouse.duckdb"),
        "CFM_LANDING_DIR": str(data / "landing"),
        "CFM_PUBLISH_DIR": str(data / "published"),
        "CFM_PRIVACY_SALT": "test-salt",
    })
    os.environ.pop("DAGSTER_HOME", None)
    generate(records=RECORDS, seed=5, out_dir=data)
    server = serve(data / "sandbox", port=0)
    os.environ["CFM_SANDBOX_URL"] = server.url
    try:
        materialize(raise_on_error=False)
        with duckdb.connect(str(data / "warehouse.duckdb")) as con:
            schemas = {s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
            assert "raw" in schemas, f"landing did not run: schemas {sorted(schemas)}"
            tagged = "enrich" in schemas
            if not tagged:  # the tagging asset is not registered in this tree
                stand_in_tags(con)
        if not tagged:
            materialize("key:marts/*", raise_on_error=False)
        ensure_published(data)
        yield data
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
