"""Jobs, schedules and sensors resolve from the Definitions and do what their names say."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest
from dagster._core.definitions.freshness import FreshnessState, FreshnessStateChange

from orchestration.definitions import defs
from orchestration.jobs import LANDING_GROUPS
from orchestration.sensors import API_SOURCE_KEYS, freshness_policy_for, newly_failing

JOBS = ("pull_sources", "daily_refresh", "raw_text_retention")
SCHEDULES = ("pull_sources_schedule", "daily_refresh_schedule", "raw_text_retention_schedule")
SENSORS = ("landing_file_sensor", "run_failure_alert", "freshness_alert")


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def job_keys(name: str) -> set[dg.AssetKey]:
    return set(defs.resolve_job_def(name).asset_layer.executable_asset_keys)


def test_every_job_schedule_and_sensor_resolves_by_name():
    for name in JOBS:
        assert defs.resolve_job_def(name).name == name
    for name in SCHEDULES:
        assert defs.resolve_schedule_def(name).name == name
    for name in SENSORS:
        assert defs.resolve_sensor_def(name).name == name


def test_only_incremental_dbt_models_are_partitioned_and_they_backfill_in_one_run(graph):
    partitioned = {k for k in graph.get_all_asset_keys() if graph.get(k).is_partitioned}
    assert partitioned, "the marts have incremental models"
    for key in partitioned:
        node = graph.get(key)
        assert key.path[0] == "marts" and "dbt" in node.kinds
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
        assert node.partitions_def == defs.resolve_job_def("daily_refresh").partitions_def


def test_pull_sources_selects_the_api_assets_and_daily_refresh_everything_after_landing(graph):
    assert job_keys("pull_sources") == set(API_SOURCE_KEYS)
    refresh = job_keys("daily_refresh")
    assert not {k for k in refresh if graph.get(k).group_name in LANDING_GROUPS}
    assert {dg.AssetKey(["marts", "fct_feedback"]), dg.AssetKey(["seeds", "channels"])} <= refresh


def test_api_assets_retry_a_failed_pull(graph):
    job = defs.resolve_job_def("pull_sources")
    for key in API_SOURCE_KEYS:
        node = job.graph.node_named(job.asset_layer.get_op_output_handle(key).node_handle.name)
        assert (node.definition.retry_policy or job.op_retry_policy).max_retries >= 2


def test_the_daily_schedule_refreshes_yesterday_at_one_in_the_morning():
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 1 * * *"
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
        )
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-10-07"


def test_pulls_are_hourly_and_retention_nightly():
    assert defs.resolve_schedule_def("pull_sources_schedule").cron_schedule == "0 * * * *"
    assert defs.resolve_schedule_def("raw_text_retention_schedule").cron_schedule == "30 3 * * *"


def test_sources_and_marts_carry_freshness_policies(graph):
    for key in graph.get_all_asset_keys():
        policy = graph.get(key).freshness_policy
        if key.path[0] == "marts" or key in API_SOURCE_KEYS:
            assert policy == freshness_policy_for(key) and policy is not None, key
        if key.path[0] in ("staging", "intermediate", "seeds"):
            assert policy is None, key


# ------------------------------------------------------------------------------------------- alerts
class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Webhook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Webhook.received = []
    monkeypatch.setenv("CFM_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    yield _Webhook.received
    server.shutdown()


@dg.op
def fetch_page() -> None:
    raise RuntimeError("vendor returned 503 for the third time")


@dg.job
def failing_pull() -> None:
    fetch_page()


def test_a_failed_run_is_posted_to_the_webhook(webhook):
    with dg.instance_for_test() as instance:
        result = failing_pull.execute_in_process(
            instance=instance, raise_on_error=False, tags={"dagster/partition": "2026-10-07"}
        )
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        defs.resolve_sensor_def("run_failure_alert")(context)
    (message,) = webhook
    assert "job `failing_pull` (partition 2026-10-07)" in message["text"]
    assert result.run_id in message["text"] and "fetch_page" in message["text"]


def test_freshness_alert_posts_each_newly_overdue_asset_once(webhook):
    mart = dg.AssetKey(["marts", "fct_feedback"])
    sensor = defs.resolve_sensor_def("freshness_alert")
    with dg.instance_for_test() as instance:
        instance._report_runless_asset_event(  # noqa: SLF001 (what the freshness daemon does)
            FreshnessStateChange(
                key=mart, previous_state=FreshnessState.PASS, new_state=FreshnessState.FAIL,
                state_change_timestamp=datetime.now(UTC).timestamp(),
            )
        )
        first = dg.build_sensor_context(instance=instance, definitions=defs)
        sensor(first)
        again = dg.build_sensor_context(instance=instance, cursor=first.cursor, definitions=defs)
        sensor(again)
    assert [m["text"] for m in webhook] == [
        ":hourglass: Overdue (freshness policy failed): marts/fct_feedback"
    ]
    assert json.loads(first.cursor)["marts/fct_feedback"] == "FAIL"


def test_newly_failing_ignores_assets_already_failing_or_passing():
    states = {"a": "FAIL", "b": "FAIL", "c": "PASS", "d": "WARN"}
    assert newly_failing(states, {"a": "FAIL", "b": "PASS"}) == ["b"]


def test_without_a_webhook_a_failed_run_goes_to_the_alert_file(cfm_env, monkeypatch):
    monkeypatch.delenv("CFM_ALERT_WEBHOOK_URL", raising=False)
    with dg.instance_for_test() as instance:
        result = failing_pull.execute_in_process(instance=instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert", dagster_event=failure, dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        defs.resolve_sensor_def("run_failure_alert")(context)
    (line,) = (cfm_env / "published" / "alerts.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["kind"] == "run_failure" and "failing_pull" in record["sentence"]
