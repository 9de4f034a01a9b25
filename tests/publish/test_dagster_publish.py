"""Real Dagster runs: a failed blocking gate skips the publish step; landing checks warn; definitions wire it.

The pipeline here is small but real: the ticket-file landing asset, an asset building the marts (standing in
for dbt), and the GX checks and publish asset that `validation_and_publication` derives from them, exactly
as orchestration/definitions.py does for the whole project.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.assets.landing import ticket_files__tickets
from orchestration.assets.publish import SERVING_COPY_KEY, validation_and_publication
from orchestration.checks import GATE_CHECK, LANDING_CHECK
from orchestration.settings import get_settings
from tests.expectations.marts import build_marts, inject
from warehouse import connect
from warehouse.publish import DB_FILE, read_manifest

FCT = dg.AssetKey(["marts", "fct_feedback"])
DAILY = dg.AssetKey(["marts", "mart_feedback_daily"])
TICKETS_CSV = """ticket_id,created_at,updated_at,status,priority,channel,requester_id,requester_email,product_id,\
subject,description,first_response_at,solved_at,reopens,satisfaction_score,tags
101,2026-10-01T10:00:00+08:00,2026-10-01T11:00:00Z,open,high,email,C000001,a@example.com,P0001,App slow,\
Loads slowly,,,0,4,ui;slow
102,2026-10-02T09:00:00Z,2026-10-02T10:00:00Z,solved,normal,chat,C000002,b@example.com,P0002,Refund,\
Where is my refund,2026-10-02T09:30:00Z,2026-10-02T10:00:00Z,0,5,refund
"""


@dg.multi_asset(specs=[dg.AssetSpec(FCT), dg.AssetSpec(DAILY, deps=[FCT])], pool="warehouse", group_name="marts")
def marts_like_dbt():
    """Builds the marts; CFM_TEST_BAD_LOAD injects one of tests.expectations.marts.INJECTIONS."""
    with connect() as con:
        build_marts(con)
        if os.environ.get("CFM_TEST_BAD_LOAD"):
            inject(con, os.environ["CFM_TEST_BAD_LOAD"])
    yield dg.MaterializeResult(asset_key=FCT)
    yield dg.MaterializeResult(asset_key=DAILY)


def pipeline() -> dg.Definitions:
    defs = dg.Definitions(assets=[ticket_files__tickets, marts_like_dbt])
    return dg.Definitions.merge(defs, validation_and_publication(defs))


def run(defs: dg.Definitions) -> dg.ExecuteInProcessResult:
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.materialization.asset_key for e in result.get_asset_materialization_events()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def landed_tickets(cfm_env: Path) -> Path:
    folder = get_settings().landing_dir / "tickets"
    folder.mkdir(parents=True)
    (folder / "tickets_2026-10.csv").write_text(TICKETS_CSV)
    return folder


def test_a_failed_blocking_gate_skips_publication_and_a_clean_rerun_publishes(landed_tickets, monkeypatch):
    defs = pipeline()
    published = get_settings().publish_dir / DB_FILE

    clean = run(defs)
    assert clean.success and SERVING_COPY_KEY in materialized(clean)
    assert checks(clean)[("ticket_files/tickets", LANDING_CHECK)].passed
    first_version, first_sha = read_manifest(published.parent)["version"], sha256(published)

    monkeypatch.setenv("CFM_TEST_BAD_LOAD", "future_timestamp")  # the marts get a timestamp in the future
    with connect() as con:  # and a raw row bypassed landing's validation: score out of range, odd channel
        con.execute(
            """insert into raw.ticket_files__tickets (ticket_id, created_at, requester_id, satisfaction_score,
               channel, subject, _payload, _loaded_at, _record_hash)
               values ('103', '2026-10-03T00:00:00Z', 'C3', '9', 'pigeon', 'x', '{}', now(), 'h103')"""
        )
    bad = run(defs)

    assert not bad.success  # the run fails with the reasons ...
    evaluations = checks(bad)
    gate = evaluations[("marts/fct_feedback", GATE_CHECK)]
    assert not gate.passed and gate.severity == dg.AssetCheckSeverity.ERROR
    failures = gate.metadata["failures"].value
    assert "not_in_future(created_at)" in failures and "expect_column_values_to_be_between" in failures
    assert "zendesk:12" in failures  # ... naming the expectation and the offending row
    assert evaluations[("marts/mart_feedback_daily", GATE_CHECK)].passed
    assert FCT in materialized(bad) and SERVING_COPY_KEY not in materialized(bad)  # data kept, not published
    started = {e.step_key for e in bad.all_events if e.event_type_value == "STEP_START"}
    assert "gx_gates" in started and "published__serving_copy" not in started  # the step never ran
    assert sha256(published) == first_sha and read_manifest(published.parent)["version"] == first_version
    docs_page = Path(gate.metadata["data_docs"].value)  # GX Data Docs of the failed validation
    assert docs_page.exists() and docs_page.is_relative_to(get_settings().publish_dir / "data_docs")
    assert "marts.fct_feedback" in (get_settings().publish_dir / "data_docs" / "index.html").read_text()
    landing = evaluations[("ticket_files/tickets", LANDING_CHECK)]
    assert not landing.passed and landing.severity == dg.AssetCheckSeverity.WARN
    assert "between(satisfaction_score)" in landing.metadata["failures"].value

    monkeypatch.delenv("CFM_TEST_BAD_LOAD")  # the marts are fixed; the raw warning stays
    again = run(defs)

    assert again.success and SERVING_COPY_KEY in materialized(again)  # a warning does not block
    assert not checks(again)[("ticket_files/tickets", LANDING_CHECK)].passed
    assert read_manifest(published.parent)["version"] != first_version


def test_project_definitions_gate_every_published_mart_and_check_every_landing_table():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    gated = {k.asset_key for k in graph.asset_check_keys if k.name == GATE_CHECK}
    landing = {k.asset_key for k in graph.asset_check_keys if k.name == LANDING_CHECK}
    marts = {k for k in graph.materializable_asset_keys if k.path[0] in ("marts", "analytics")}

    assert FCT in marts and gated == marts
    assert set(graph.get(SERVING_COPY_KEY).parent_keys) == marts
    assert all(graph.get_check_spec(k).blocking for k in graph.asset_check_keys if k.name == GATE_CHECK)
    assert dg.AssetKey(["ticket_files", "tickets"]) in landing and dg.AssetKey(["zendesk", "tickets"]) in landing
    assert not any(graph.get_check_spec(k).blocking for k in graph.asset_check_keys if k.name == LANDING_CHECK)
