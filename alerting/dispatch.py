"""Send each new anomaly event once: ledger check, per-slice cooldown, webhook (or file), record.

`dispatch` is what the Dagster alert job runs; it takes an open DuckDB connection (for the ledger) and the
anomaly rows, so tests drive it directly with a local HTTP receiver.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from alerting import ledger
from alerting.messages import link_for, payload, sentence
from alerting.webhook import DeliveryResult, deliver

log = logging.getLogger("alerting")

DEFAULT_LINK = "http://127.0.0.1:3000/assets/analytics/anomalies"


@dataclass(frozen=True)
class AlertPolicy:
    """Delivery settings (config/anomaly_rules.yml, section `alerting`)."""

    cooldown_days: int = 7
    max_attempts: int = 5
    retries: int = 2
    backoff_seconds: float = 0.5
    timeout_seconds: float = 10.0
    max_age_days: int | None = None  # only events seen within this many days of the newest one (None: all)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> AlertPolicy:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass
class DispatchSummary:
    considered: int = 0
    sent: int = 0
    logged: int = 0
    failed: int = 0
    gave_up: int = 0
    suppressed: int = 0
    already_handled: int = 0
    too_old: int = 0
    attempts: int = 0
    failures: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "failures"}
        out["failures"] = "; ".join(self.failures[:10])
        return out


def dispatch(
    con: duckdb.DuckDBPyConnection,
    anomalies: Iterable[Mapping[str, Any]],
    *,
    webhook_url: str | None,
    alerts_file: Path,
    link_base: str = DEFAULT_LINK,
    policy: AlertPolicy | None = None,
    run_id: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DispatchSummary:
    """Deliver every anomaly event the ledger has not handled, oldest first, and record each decision."""
    policy = policy or AlertPolicy()
    known = ledger.load(con)
    events = sorted(anomalies, key=lambda a: (_as_date(a["first_detected"]), -float(a.get("score") or 0)))
    summary = DispatchSummary(considered=len(events))
    newest = max((_as_date(a.get("last_seen") or a["first_detected"]) for a in events), default=None)
    # Alerts already out per metric+slice: the cooldown is in data days, so a backfill over months behaves
    # as the daily runs would have.
    delivered: dict[tuple[str, str, str], list[tuple[date, str]]] = {}
    for row in known.values():
        if row.status in ("sent", "logged") and row.first_detected is not None:
            delivered.setdefault((row.metric, row.slice_type, row.slice_value), []).append(
                (_as_date(row.first_detected), row.anomaly_id))
    for a in events:
        aid = str(a["anomaly_id"])
        previous = known.get(aid)
        if previous is not None and previous.status in ledger.HANDLED:
            summary.already_handled += 1
            continue
        if previous is not None and previous.attempts >= policy.max_attempts:
            ledger.record(con, _carry(previous, status="gave_up", run_id=run_id))
            summary.gave_up += 1
            continue
        first = _as_date(a["first_detected"])
        if previous is None and policy.max_age_days is not None and newest is not None and (
                newest - _as_date(a.get("last_seen") or first)).days > policy.max_age_days:
            summary.too_old += 1
            continue
        key = (str(a["metric"]), str(a["slice_type"]), str(a["slice_value"]))
        earlier = [(d, other) for d, other in delivered.get(key, []) if other != aid
                   and timedelta(0) <= first - d <= timedelta(days=policy.cooldown_days)]
        if previous is None and earlier:
            ledger.record(con, ledger.from_anomaly(a, "suppressed", suppressed_by=earlier[-1][1], run_id=run_id))
            summary.suppressed += 1
            log.info("alert %s suppressed: cooldown after %s", aid, earlier[-1][1])
            continue
        now = datetime.now(UTC)
        first_attempt = previous.first_attempt_at if previous else now
        if webhook_url:
            result = deliver(webhook_url, payload(a, link_base), retries=policy.retries,
                             backoff=policy.backoff_seconds, timeout=policy.timeout_seconds, sleep=sleep)
        else:
            result = _write_file(alerts_file, a, link_base)
        attempts = (previous.attempts if previous else 0) + result.attempts
        summary.attempts += result.attempts
        if result.ok:
            status = "sent" if webhook_url else "logged"
            ledger.record(con, ledger.from_anomaly(
                a, status, channel="webhook" if webhook_url else "file", attempts=attempts,
                http_status=result.status, run_id=run_id, first_attempt_at=first_attempt, sent_at=now))
            delivered.setdefault(key, []).append((first, aid))
            if webhook_url:
                summary.sent += 1
            else:
                summary.logged += 1
        else:
            status = "gave_up" if attempts >= policy.max_attempts else "failed"
            ledger.record(con, ledger.from_anomaly(
                a, status, channel="webhook", attempts=attempts, http_status=result.status, error=result.error,
                run_id=run_id, first_attempt_at=first_attempt))
            if status == "failed":
                summary.failed += 1
            else:
                summary.gave_up += 1
            summary.failures.append(f"{aid}: {result.error}")
            log.warning("alert %s not delivered (attempt %d): %s", aid, attempts, result.error)
    return summary


def _write_file(path: Path, a: Mapping[str, Any], link_base: str) -> DeliveryResult:
    """No webhook: one JSON line per alert (sentence, link, the event) and a log line."""
    text = sentence(a)
    record = {"sentence": text, "link": link_for(a, link_base),
              **{k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in a.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
    log.warning("ALERT %s", text)
    return DeliveryResult(True, 1)


def _carry(row: ledger.LedgerRow, **changes: Any) -> ledger.LedgerRow:
    data = dict(row.__dict__)
    data.update(changes)
    return ledger.LedgerRow(**data)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
