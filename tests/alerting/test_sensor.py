"""The alert sensor and job: one run per new analytics/anomalies materialization, each anomaly posted once,
nothing on a rerun, and a retry run after a run that could not deliver."""

from __future__ import annotations

from datetime import date

import dagster as dg
import polars as pl
import pytest

from analytics import anomalies as an
from orchestration.assets.anomalies import ANOMALIES, write_table
from orchestration.sensors_alerts import anomaly_alert_sensor, send_alerts_job
from orchestration.settings import get_settings
from warehouse import connect


def events() -> pl.DataFrame:
    rows = []
    for aid, value in (("a1", "delivery"), ("a2", "login")):
        rows.append({
            "anomaly_id": aid, "metric": "negative_feedback", "slice_type": "topic", "slice_value": value,
            "window_start": date(2026, 10, 1), "window_end": date(2026, 10, 1), "observed": 42.0,
            "expected": 10.0, "score": 7.3, "p_value": 1e-12, "severity": "high", "rule": "baseline",
            "first_detected": date(2026, 10, 1), "detected_on": date(2026, 10, 1), "last_seen": date(2026, 10, 3),
            "is_open": False, "close_reason": "recovered", "days_flagged": 3, "peak_score": 7.3, "n": 10.0,
            "related": None, "sample_feedback_ids": "zendesk:1",
        })
    return pl.DataFrame(rows, schema=an.ANOMALY_SCHEMA)


@pytest.fixture
def instance(cfm_env, receiver, monkeypatch):
    monkeypatch.setenv("CFM_ALERT_WEBHOOK_URL", receiver.url)
    with connect(get_settings().warehouse) as con:
        write_table(con, "anomalies", events())
    with dg.instance_for_test() as inst:
        yield inst


def tick(instance, cursor=None):
    return anomaly_alert_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))


def run(instance, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    return send_alerts_job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)


def materialized(instance) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=ANOMALIES))


def test_one_run_per_materialization_and_each_anomaly_posted_once(instance, receiver):
    assert isinstance(tick(instance), dg.SkipReason)
    materialized(instance)
    first = tick(instance)
    assert len(first.run_requests) == 1 and first.run_requests[0].run_key.startswith("anomalies-")
    assert isinstance(tick(instance, first.cursor), dg.SkipReason)  # the same materialization: no new run
    assert run(instance, first.run_requests[0]).success
    assert sorted(p["blocks"][0]["block_id"] for p in receiver.accepted) == ["a1", "a2"]

    materialized(instance)  # a rerun (or a backfill) recomputes the same anomaly ids
    second = tick(instance, first.cursor)
    assert len(second.run_requests) == 1 and second.run_requests[0].run_key != first.run_requests[0].run_key
    assert run(instance, second.run_requests[0]).success
    assert len(receiver.posts) == 2
    with connect(get_settings().warehouse) as con:
        assert con.execute("select count(*) from audit.alerts_sent where status = 'sent'").fetchone()[0] == 2


def test_a_run_that_could_not_deliver_fails_and_is_retried_once(instance, receiver):
    receiver.statuses = [500] * 6  # every attempt of the first run (2 anomalies x 3 attempts)
    materialized(instance)
    first = tick(instance)
    failed = run(instance, first.run_requests[0])
    assert not failed.success and receiver.accepted == []
    retry = tick(instance, first.cursor)
    assert retry.run_requests[0].run_key == f"retry-{failed.run_id}"
    assert isinstance(tick(instance, retry.cursor), dg.SkipReason)  # one retry per failed run
    assert run(instance, retry.run_requests[0]).success
    assert sorted(p["blocks"][0]["block_id"] for p in receiver.accepted) == ["a1", "a2"]
    with connect(get_settings().warehouse) as con:
        attempts = con.execute("select attempts from audit.alerts_sent order by anomaly_id").fetchall()
    assert attempts == [(4,), (4,)]


def test_the_code_location_has_the_alert_sensor_job_and_analytics_assets():
    from orchestration.definitions import defs

    assert defs.get_sensor_def("anomaly_alert_sensor").job_name == "send_alerts_job"
    assert defs.get_job_def("send_alerts_job") is not None
    graph = defs.resolve_asset_graph()
    for name in ("anomalies", "trends_daily", "trend_changes", "emerging_topics"):
        node = graph.get(dg.AssetKey(["analytics", name]))
        assert dg.AssetKey(["marts", "fct_feedback"]) in node.parent_keys
