"""Alert delivery over real HTTP to a local receiver: once per anomaly, never again on a rerun, retried after
a 500 (within a run and on the next run), bounded, a cooldown per slice, and a file when no webhook is set."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from alerting import AlertPolicy, dispatch
from alerting.messages import payload, sentence
from alerting.webhook import deliver

NO_SLEEP = {"sleep": lambda seconds: None}


def anomaly(aid: str, slice_value: str = "delivery", first: date = date(2026, 10, 1), **extra) -> dict:
    row = {
        "anomaly_id": aid, "metric": "negative_feedback", "slice_type": "topic", "slice_value": slice_value,
        "window_start": first, "window_end": first, "observed": 42.0, "expected": 10.0, "score": 7.3,
        "severity": "high", "rule": "baseline", "first_detected": first, "last_seen": first, "n": 10.0,
        "related": None, "sample_feedback_ids": "zendesk:1; zendesk:2",
    }
    return {**row, **extra}


@pytest.fixture
def con(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as c:
        yield c


def ledger(con) -> dict[str, tuple]:
    rows = con.execute("select anomaly_id, status, attempts, http_status from audit.alerts_sent").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_sentence_and_slack_payload():
    a = anomaly("a1")
    assert sentence(a) == "Negative feedback about Delivery rose to 42 on 2026-10-01 (expected ~10, 4.2x)."
    body = payload(a, "https://bi.example/anomalies/{anomaly_id}")
    assert body["text"].startswith(sentence(a)) and "https://bi.example/anomalies/a1" in body["text"]
    assert body["blocks"][0]["block_id"] == "a1"
    assert body["blocks"][2]["elements"][0]["url"] == "https://bi.example/anomalies/a1"
    nps = anomaly("a2", metric="nps", slice_type="channel", slice_value="typeform", observed=-12.0,
                  expected=28.0, n=64.0, window_start=date(2026, 10, 19), window_end=date(2026, 10, 21))
    assert sentence(nps) == (
        "NPS in Typeform fell to -12 over 2026-10-19 to 2026-10-21 (expected ~28, -40 points, n=64).")


def test_deliver_retries_after_a_500(receiver):
    receiver.statuses = [500]
    result = deliver(receiver.url, {"text": "hello"}, retries=2, backoff=0.01, **NO_SLEEP)
    assert result.ok and result.attempts == 2 and result.status == 200
    assert len(receiver.posts) == 2 and receiver.accepted == [{"text": "hello"}]


def test_each_anomaly_is_posted_once_and_never_on_a_rerun(con, receiver, tmp_path):
    events = [anomaly("a1"), anomaly("a2", slice_value="login")]
    kwargs = {"webhook_url": receiver.url, "alerts_file": tmp_path / "alerts.jsonl", **NO_SLEEP}
    first = dispatch(con, events, **kwargs)
    assert (first.sent, first.failed) == (2, 0)
    assert sorted(p["blocks"][0]["block_id"] for p in receiver.accepted) == ["a1", "a2"]
    again = dispatch(con, events, **kwargs)  # rerun / backfill: same ids
    assert (again.sent, again.already_handled) == (0, 2)
    assert len(receiver.posts) == 2
    assert ledger(con) == {"a1": ("sent", 1, 200), "a2": ("sent", 1, 200)}
    assert not (tmp_path / "alerts.jsonl").exists()


def test_a_failed_delivery_is_recorded_and_retried_by_the_next_run_until_given_up(con, receiver, tmp_path):
    policy = AlertPolicy(retries=1, max_attempts=4)
    kwargs = {"webhook_url": receiver.url, "alerts_file": tmp_path / "a.jsonl", "policy": policy, **NO_SLEEP}
    receiver.statuses = [500, 503]
    failed = dispatch(con, [anomaly("a1")], **kwargs)
    assert (failed.sent, failed.failed) == (0, 1)
    assert ledger(con)["a1"] == ("failed", 2, 503)
    retried = dispatch(con, [anomaly("a1")], **kwargs)  # the receiver is back
    assert retried.sent == 1 and ledger(con)["a1"] == ("sent", 3, 200)
    assert len(receiver.accepted) == 1 and len(receiver.posts) == 3

    receiver.statuses = [500] * 10
    dispatch(con, [anomaly("b1", slice_value="login")], **kwargs)
    dispatch(con, [anomaly("b1", slice_value="login")], **kwargs)
    assert ledger(con)["b1"] == ("gave_up", 4, 500)  # bounded: 4 attempts, then no more
    posts = len(receiver.posts)
    dispatch(con, [anomaly("b1", slice_value="login")], **kwargs)
    assert len(receiver.posts) == posts


def test_cooldown_per_slice_logs_instead_of_sending(con, receiver, tmp_path):
    events = [
        anomaly("a1", first=date(2026, 10, 1)),
        anomaly("a2", first=date(2026, 10, 5)),  # same metric and slice 4 days later: within the cooldown
        anomaly("a3", first=date(2026, 10, 20)),  # after it
        anomaly("b1", slice_value="login", first=date(2026, 10, 5)),  # another slice
    ]
    summary = dispatch(con, events, webhook_url=receiver.url, alerts_file=tmp_path / "a.jsonl",
                       policy=AlertPolicy(cooldown_days=7), **NO_SLEEP)
    assert (summary.sent, summary.suppressed) == (3, 1)
    assert ledger(con)["a2"][0] == "suppressed"
    assert sorted(p["blocks"][0]["block_id"] for p in receiver.accepted) == ["a1", "a3", "b1"]


def test_without_a_webhook_alerts_go_to_a_file_and_the_log(con, tmp_path, caplog):
    path = tmp_path / "published" / "alerts.jsonl"
    with caplog.at_level("WARNING", logger="alerting"):
        summary = dispatch(con, [anomaly("a1")], webhook_url=None, alerts_file=path)
        dispatch(con, [anomaly("a1")], webhook_url=None, alerts_file=path)
    assert summary.logged == 1
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["anomaly_id"] == "a1"
    assert lines[0]["sentence"].startswith("Negative feedback about Delivery rose to 42")
    assert "ALERT Negative feedback about Delivery" in caplog.text
    assert ledger(con)["a1"][0] == "logged"
