"""Alert delivery for anomaly events: messages, webhook with bounded retry, a durable ledger, file fallback.

No Dagster here: orchestration/sensors_alerts.py runs `dispatch` in a job when analytics.anomalies changes.
"""

from alerting.dispatch import AlertPolicy, DispatchSummary, dispatch

__all__ = ["AlertPolicy", "DispatchSummary", "dispatch"]
