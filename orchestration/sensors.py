"""Sensors: a failed run, or an asset falling behind its freshness policy, alerts through the webhook.

The file-drop sensor is the connectors' `landing_file_sensor` (orchestration/assets/sources.py).

Freshness uses Dagster 1.13's `FreshnessPolicy` on the assets themselves (the daemon evaluates it; the older
`build_last_update_freshness_checks` + `build_sensor_for_freshness_checks` pair is superseded in 1.13 and its
checks would also run, and fail, inside every all-assets run). `freshness_alert` posts the assets that turn
FAIL. Thresholds name the cadence behind them:
- API sources are pulled hourly (CFM_PULL_CRON): warn after 2 hours, fail after 3 (three pulls missed);
- export files: fail after 2 days, as their dbt sources warn (models/staging/*/_*__sources.yml);
- reference exports (CRM, sales): fail after 7 days, as the CRM source warns;
- marts: refreshed by the 01:00 UTC daily run, so due by 03:00 UTC with a materialization after 00:00.
"""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg

from alerting.webhook import deliver
from orchestration.sensors_alerts import ALERTS_FILE
from orchestration.settings import get_settings
from orchestration.source_registry import SOURCES, ApiSource, FileSource

REFERENCE_KEYS = frozenset(
    dg.AssetKey(k) for k in (["crm", "customers"], ["crm", "products"], ["sales", "product_sales_daily"])
)
API_SOURCE_KEYS = frozenset(
    dg.AssetKey([s.spec.source, s.spec.entity]) for s in SOURCES.values() if isinstance(s, ApiSource)
)
FILE_SOURCE_KEYS = frozenset(
    dg.AssetKey([s.spec.source, s.spec.entity]) for s in SOURCES.values() if isinstance(s, FileSource)
) - REFERENCE_KEYS
MARTS_DEADLINE = "0 3 * * *"


def freshness_policy_for(key: dg.AssetKey) -> dg.FreshnessPolicy | None:
    """The freshness expected of an asset: sources by how they arrive, marts by the daily refresh."""
    if key in API_SOURCE_KEYS:
        return dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=3), warn_window=timedelta(hours=2))
    if key in FILE_SOURCE_KEYS:
        return dg.FreshnessPolicy.time_window(fail_window=timedelta(days=2))
    if key in REFERENCE_KEYS:
        return dg.FreshnessPolicy.time_window(fail_window=timedelta(days=7))
    if key.path[0] == "marts":
        return dg.FreshnessPolicy.cron(deadline_cron=MARTS_DEADLINE, lower_bound_delta=timedelta(hours=3))
    return None


def with_freshness_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    """For `Definitions.map_asset_specs`: attach the policy `freshness_policy_for` gives, if any."""
    policy = freshness_policy_for(spec.key)
    return dg.apply_freshness_policy(spec, policy) if policy else spec


def post_alert(text: str, kind: str, log: dg.DagsterLogManager | None = None) -> bool:
    """Post a Slack-compatible message through the alerting package's webhook client (bounded retries).

    Without CFM_ALERT_WEBHOOK_URL the alert goes where anomaly alerts go: a line in
    CFM_PUBLISH_DIR/alerts.jsonl and a log warning. A delivery that still fails raises, so the sensor tick
    fails and the next tick tries again (its cursor has not moved). True when posted to the webhook.
    """
    settings = get_settings()
    if not settings.alert_webhook_url:
        path = settings.publish_dir / ALERTS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"sentence": text, "kind": kind, "at": datetime.now(UTC).isoformat()}) + "\n")
        if log:
            log.warning(f"ALERT (no CFM_ALERT_WEBHOOK_URL, written to {path}): {text}")
        return False
    result = deliver(settings.alert_webhook_url, {"text": text})
    if not result.ok:
        raise RuntimeError(f"alert webhook failed after {result.attempts} attempts: {result.error}")
    return True


def failure_message(context: dg.RunFailureSensorContext) -> str:
    """What failed, where, and the first line of the error: no data values, no personal data."""
    run = context.dagster_run
    steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    error = context.failure_event.message or ""
    partition = run.tags.get("dagster/partition") or "-".join(
        filter(None, (run.tags.get("dagster/asset_partition_range_start"),
                      run.tags.get("dagster/asset_partition_range_end")))
    )
    where = f" (partition {partition})" if partition else ""
    lines = [f":rotating_light: Run failed: job `{run.job_name}`{where}", f"run id: {run.run_id}"]
    if steps:
        lines.append("failed steps: " + ", ".join(steps[:10]))
    if error:
        lines.append(error.strip().splitlines()[0][:300])
    return "\n".join(lines)


@dg.run_failure_sensor(
    name="run_failure_alert",
    description="Posts every failed run (job, partition, failed steps) to CFM_ALERT_WEBHOOK_URL.",
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    post_alert(failure_message(context), "run_failure", context.log)


def newly_failing(states: dict[str, str], seen: dict[str, str]) -> list[str]:
    """Assets whose freshness is FAIL now and was not at the last evaluation (so each lapse alerts once)."""
    return sorted(k for k, state in states.items() if state == "FAIL" and seen.get(k) != "FAIL")


@dg.sensor(
    name="freshness_alert",
    description="Posts sources and marts whose freshness policy turns FAIL to CFM_ALERT_WEBHOOK_URL.",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def freshness_alert(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    all_keys = context.repository_def.asset_graph.get_all_asset_keys()
    keys = [k for k in all_keys if freshness_policy_for(k) is not None]
    records = context.instance.get_freshness_state_records(keys)
    states = {k.to_user_string(): r.freshness_state.value for k, r in records.items()}
    seen = json.loads(context.cursor) if context.cursor else {}
    failing = newly_failing(states, seen)
    context.update_cursor(json.dumps(states, sort_keys=True))
    if not failing:
        return dg.SkipReason("no asset newly past its freshness policy")
    post_alert(":hourglass: Overdue (freshness policy failed): " + ", ".join(failing), "freshness", context.log)
    return dg.SkipReason(f"alerted: {len(failing)} overdue")


sensors = [run_failure_alert, freshness_alert]
