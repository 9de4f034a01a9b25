"""Webhook delivery with a bounded retry: the shared connectors.http client (timeouts, backoff with jitter,
Retry-After, at most `retries` extra attempts and `max_wait` seconds of sleeping), result as data."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.http import HttpClient, RetryPolicy, SourceError


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    attempts: int
    status: int | None = None
    error: str | None = None


def deliver(
    url: str,
    payload: Mapping[str, Any],
    *,
    retries: int = 2,
    backoff: float = 0.5,
    timeout: float = 10.0,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """POST the payload as JSON. 5xx, 429 and connection failures are retried (a webhook post is safe to
    repeat: a receiver that got a 500 did not show the message); other 4xx fail at once."""
    client = HttpClient(
        "alert_webhook",
        url,
        timeout=(min(5.0, timeout), timeout),
        retry=RetryPolicy(max_attempts=retries + 1, backoff_base=backoff, backoff_max=max(backoff, 1.0) * 8,
                          max_total_wait=max_wait),
        sleep=sleep,
    )
    try:
        result = client.request("POST", url, json_body=dict(payload), endpoint="webhook", idempotent=True, raw=True)
    except SourceError as exc:
        return DeliveryResult(False, exc.attempts or retries + 1, exc.status, str(exc)[:500])
    finally:
        client.session.close()
    return DeliveryResult(True, result.retries + 1, result.status)
