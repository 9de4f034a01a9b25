"""Alerts: a sensor on analytics.anomalies materializations runs `send_alerts_job`, which posts each new
anomaly event once (alerting.dispatch: ledger audit.alerts_sent, per-slice cooldown, bounded retries).

- One run per new materialization (run_key = its storage id), covering every unsent event: a rerun or a
  backfill re-materializes the same anomaly ids, which the ledger has already handled.
- A run with failed deliveries fails (visible in the UI); the sensor asks for one retry run per failed run
  on a later tick; the ledger bounds attempts per anomaly (`alerting.max_attempts`).
- No CFM_ALERT_WEBHOOK_URL: alerts go to CFM_PUBLISH_DIR/alerts.jsonl and the log.
The sensor reads only the Dagster instance (never the warehouse file, which the runs write).
"""

import json
import os

import dagster as dg
import polars as pl

from alerting import AlertPolicy, dispatch
from alerting.dispatch import DEFAULT_LINK
from analytics import anomalies as an
from orchestration.assets.anomalies import ANOMALIES, RULES_PATH
from orchestration.settings import get_settings
from warehouse import connect

ALERTS_FILE = "alerts.jsonl"
# Retry runs in a row after failed alert runs, until a new materialization resets the count: deliveries are
# bounded by the ledger (alerting.max_attempts); this bounds runs that fail for another reason.
MAX_RETRY_RUNS = 5


def link_base() -> str:
    """Link target of an alert: CFM_ALERT_LINK_BASE ({anomaly_id} is filled in), default the Dagster UI."""
    return os.environ.get("CFM_ALERT_LINK_BASE") or DEFAULT_LINK


def read_anomalies(con) -> pl.DataFrame:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'analytics' and table_name = 'anomalies'"
    ).fetchall()[0][0]
    return con.sql("select * from analytics.anomalies").pl() if exists else pl.DataFrame(schema=an.ANOMALY_SCHEMA)


@dg.op(
    pool="warehouse",
    description="Post every anomaly event the ledger has not handled; record each decision in audit.alerts_sent.",
)
def send_alerts(context: dg.OpExecutionContext) -> None:
    settings = get_settings()
    policy = AlertPolicy.from_mapping(an.load_rules(RULES_PATH).alerting)
    with connect(settings.warehouse) as con:
        events = read_anomalies(con)
        summary = dispatch(
            con,
            events.to_dicts(),
            webhook_url=settings.alert_webhook_url,
            alerts_file=settings.publish_dir / ALERTS_FILE,
            link_base=link_base(),
            policy=policy,
            run_id=context.run_id,
        )
    context.log.info(f"alerts: {json.dumps(summary.as_metadata())}")
    context.log_event(
        dg.AssetObservation(
            asset_key=ANOMALIES, metadata={f"alerts_{k}": v for k, v in summary.as_metadata().items()}
        )
    )
    if summary.failed:
        raise dg.Failure(
            description=f"{summary.failed} alert(s) not delivered; the next sensor tick retries them",
            metadata=summary.as_metadata(),
        )


@dg.job(description="Send each new anomaly event once (webhook or alerts file), with a ledger.")
def send_alerts_job():
    send_alerts()


@dg.sensor(
    job=send_alerts_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs send_alerts_job after each new materialization of analytics/anomalies, and once more "
    "after a run that could not deliver everything.",
)
def anomaly_alert_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    state = json.loads(context.cursor) if context.cursor else {}
    after = state.get("storage_id")
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=ANOMALIES, after_storage_id=after), limit=100, ascending=True
    ).records
    if records:
        # All new materializations are covered by one run: it sends whatever the ledger has not handled.
        latest = max(r.storage_id for r in records)
        state["storage_id"] = latest
        state["retry_runs"] = 0
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=f"anomalies-{latest}", tags={"cfm/anomalies_storage_id": str(latest)})],
            cursor=json.dumps(state, sort_keys=True),
        )
    runs = context.instance.get_runs(filters=dg.RunsFilter(job_name=send_alerts_job.name), limit=1)
    if (runs and runs[0].status == dg.DagsterRunStatus.FAILURE and state.get("retried") != runs[0].run_id
            and state.get("retry_runs", 0) < MAX_RETRY_RUNS):
        state["retried"] = runs[0].run_id
        state["retry_runs"] = state.get("retry_runs", 0) + 1
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=f"retry-{runs[0].run_id}", tags={"cfm/retry_of": runs[0].run_id})],
            cursor=json.dumps(state, sort_keys=True),
        )
    return dg.SkipReason("no new anomalies materialization and no failed alert run to retry")


alert_jobs = [send_alerts_job]
alert_sensors = [anomaly_alert_sensor]
