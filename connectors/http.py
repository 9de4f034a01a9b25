"""The one HTTP client every connector shares.

- a `requests.Session` with a (connect, read) timeout on every call;
- a bounded retry loop: at most `max_attempts` tries and `max_total_wait` seconds of sleeping per call,
  exponential backoff with full jitter, on 429, 5xx, connection errors, read timeouts, connections dropped
  mid-body and truncated JSON bodies;
- `Retry-After` (seconds or an HTTP date) and rate-limit reset headers (`X-Ratelimit-Reset`,
  `X-Rate-Limit-Reset`, `RateLimit-Reset`) win over the computed backoff when present;
- POSTs are retried only on 429 and on failures to connect (the request never left), unless the caller says
  the POST is a read (`idempotent=True`: a GraphQL query, or starting an export that has no side effect);
- anything else raises `SourceError` naming source, endpoint, cursor and HTTP status.

Retries are counted so each page's log line can say how many it took. Tokens never reach a log line.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

log = logging.getLogger("connectors")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "customer-feedback-mining/0.1 (+connectors)"


class SourceError(RuntimeError):
    """A source call that failed for good (after the retries it deserved)."""

    def __init__(
        self,
        source: str,
        endpoint: str,
        message: str,
        *,
        cursor: str | None = None,
        status: int | None = None,
        attempts: int | None = None,
    ) -> None:
        self.source, self.endpoint, self.cursor, self.status, self.attempts = (
            source,
            endpoint,
            cursor,
            status,
            attempts,
        )
        parts = [f"{source} {endpoint}: {message}"]
        if status is not None:
            parts.append(f"status={status}")
        if attempts is not None:
            parts.append(f"attempts={attempts}")
        parts.append(f"cursor={cursor!r}")
        super().__init__(" ".join(parts))


@dataclass(frozen=True)
class RetryPolicy:
    # 6 tries with a 0.5 s base reach ~16 s of backoff on the last one: enough to ride out a vendor's
    # short 5xx burst; a rate limit longer than `max_total_wait` is better left to the next run.
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_total_wait: float = 120.0


@dataclass(frozen=True)
class Page:
    """One page of source records and the cursor to commit with it (None: keep the stored cursor)."""

    records: list[dict]
    cursor: str | None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class HttpResult:
    status: int
    headers: Mapping[str, str]
    body: Any  # parsed JSON, or bytes when raw=True
    url: str
    retries: int


class HttpClient:
    """A retrying JSON client for one source. Holds no state besides its session and retry counter."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.headers["Accept"] = "application/json"
        if headers:
            self.session.headers.update(headers)
        if auth:
            self.session.auth = auth
        self._sleep = sleep
        self.retries = 0  # retries since the last take_retries()

    # -- public
    def url(self, path_or_url: str) -> str:
        """A vendor path joined to the base URL; an absolute link from the vendor rebased onto it."""
        if path_or_url.startswith(("http://", "https://")):
            return rebase_link(path_or_url, self.base_url)
        return self.base_url + "/" + path_or_url.lstrip("/")

    def get_json(
        self, path: str, params: Mapping[str, Any] | None = None, *, endpoint: str, cursor: str | None = None
    ) -> HttpResult:
        return self.request("GET", path, params=params, endpoint=endpoint, cursor=cursor)

    def post_json(
        self,
        path: str,
        body: Any,
        *,
        endpoint: str,
        cursor: str | None = None,
        idempotent: bool = False,
    ) -> HttpResult:
        return self.request(
            "POST", path, json_body=body, endpoint=endpoint, cursor=cursor, idempotent=idempotent
        )

    def take_retries(self) -> int:
        n, self.retries = self.retries, 0
        return n

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the given (1-based) failed attempt."""
        cap = min(self.retry.backoff_max, self.retry.backoff_base * (2 ** (attempt - 1)))
        return random.uniform(cap / 2, cap)

    def sleep(self, seconds: float) -> None:
        self._sleep(max(0.0, seconds))

    def _respect_quota(self, headers: Mapping[str, str], endpoint: str) -> None:
        """A success that spent the last request of the window (Reddit's X-Ratelimit-*): wait for the reset,
        bounded by half the retry budget, instead of earning a 429 on the next page."""
        remaining = headers.get("X-Ratelimit-Remaining") or headers.get("X-Rate-Limit-Remaining")
        left = _float(remaining) if remaining is not None else None
        if left is None or left >= 1:
            return
        wait = retry_after_seconds(headers)
        if wait:
            wait = min(wait, self.retry.max_total_wait / 2)
            log.warning(
                "%s %s: rate-limit window spent, waiting %.1fs for its reset", self.source, endpoint, wait
            )
            self.sleep(wait)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        endpoint: str,
        cursor: str | None = None,
        idempotent: bool | None = None,
        raw: bool = False,
    ) -> HttpResult:
        url = self.url(path)
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD")
        waited, last_status, last_problem = 0.0, None, ""
        for attempt in range(1, self.retry.max_attempts + 1):
            delay: float | None = None
            try:
                resp = self.session.request(method, url, params=params, json=json_body, timeout=self.timeout)
            except (requests.ConnectTimeout, requests.exceptions.SSLError) as exc:
                # The request never reached the server: safe to send again whatever the method.
                last_status, last_problem = None, f"cannot connect: {type(exc).__name__}"
            except requests.ConnectionError as exc:
                if _never_sent(exc) or idempotent:
                    last_status, last_problem = None, f"connection error: {_short(exc)}"
                else:
                    raise SourceError(
                        self.source,
                        endpoint,
                        f"connection lost during {method}: {_short(exc)}",
                        cursor=cursor,
                        attempts=attempt,
                    ) from exc
            except (
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                if not idempotent:
                    raise SourceError(
                        self.source,
                        endpoint,
                        f"{type(exc).__name__} during {method}",
                        cursor=cursor,
                        attempts=attempt,
                    ) from exc
                last_status, last_problem = None, f"{type(exc).__name__}: response cut or too slow"
            else:
                last_status = resp.status_code
                if resp.status_code < 300:
                    body: Any = resp.content
                    if not raw:
                        try:
                            body = resp.json() if resp.content else None
                        except ValueError:
                            # A 200 whose body was cut short (a connection dropped without a length).
                            if not idempotent:
                                raise SourceError(
                                    self.source,
                                    endpoint,
                                    "invalid JSON body",
                                    cursor=cursor,
                                    status=resp.status_code,
                                    attempts=attempt,
                                ) from None
                            body, last_problem = None, "invalid JSON body (truncated response?)"
                    if body is not None or raw or not resp.content:
                        self._respect_quota(resp.headers, endpoint)
                        return HttpResult(resp.status_code, resp.headers, body, resp.url, attempt - 1)
                elif resp.status_code in RETRY_STATUSES and (idempotent or resp.status_code == 429):
                    last_problem = f"HTTP {resp.status_code}"
                    delay = retry_after_seconds(resp.headers)
                else:
                    raise SourceError(
                        self.source,
                        endpoint,
                        f"HTTP {resp.status_code}: {_snippet(resp)}",
                        cursor=cursor,
                        status=resp.status_code,
                        attempts=attempt,
                    )
            if attempt == self.retry.max_attempts:
                break
            wait = delay if delay is not None else self.backoff(attempt)
            if waited + wait > self.retry.max_total_wait:
                raise SourceError(
                    self.source,
                    endpoint,
                    f"giving up: next wait {wait:.1f}s would pass the {self.retry.max_total_wait:.0f}s retry "
                    f"budget ({last_problem})",
                    cursor=cursor,
                    status=last_status,
                    attempts=attempt,
                )
            log.warning(
                "%s %s: %s, retry %d/%d in %.2fs",
                self.source,
                endpoint,
                last_problem,
                attempt,
                self.retry.max_attempts - 1,
                wait,
            )
            self.retries += 1
            waited += wait
            self.sleep(wait)
        raise SourceError(
            self.source,
            endpoint,
            f"giving up after {self.retry.max_attempts} attempts ({last_problem})",
            cursor=cursor,
            status=last_status,
            attempts=self.retry.max_attempts,
        )


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: Retry-After (delta or HTTP date) or a rate-limit reset header."""
    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - (now if now is not None else time.time()))
    remaining = headers.get("X-Ratelimit-Remaining") or headers.get("X-Rate-Limit-Remaining")
    reset = (
        headers.get("X-Ratelimit-Reset")
        or headers.get("RateLimit-Reset")
        or headers.get("X-Rate-Limit-Reset")
    )
    if reset and (remaining is None or _float(remaining) is not None and _float(remaining) < 1):
        seconds = _float(reset)
        if seconds is not None:
            # Some vendors send an epoch, others a delta: an epoch is far larger than any sane delta.
            if seconds > 1e9:
                seconds -= now if now is not None else time.time()
            return max(0.0, seconds)
    return None


def rebase_link(link: str, base_url: str) -> str:
    """Point a vendor's absolute next-link at our configured base URL (sandbox, proxy or the vendor itself).

    The link's path is the vendor's own; only scheme and host (and a path prefix the base URL carries, such
    as `/zendesk` in the sandbox) are swapped in, so paging never leaves the configured server.
    """
    base = urlsplit(base_url.rstrip("/"))
    target = urlsplit(link)
    if (target.scheme, target.netloc) == (base.scheme, base.netloc) and target.path.startswith(base.path):
        return link
    path = target.path
    if base.path and not path.startswith(base.path + "/"):
        path = base.path + path
    return urlunsplit((base.scheme, base.netloc, path, target.query, ""))


def encode_cursor(state: Mapping[str, Any] | None) -> str | None:
    if not state:
        return None
    return json.dumps(
        {k: v for k, v in state.items() if v is not None}, sort_keys=True, separators=(",", ":")
    )


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    """A stored cursor back into its state dict (a bare, non-JSON string is kept under 'value')."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        return {"value": cursor}
    return state if isinstance(state, dict) else {"value": state}


def log_page(source: str, endpoint: str, number: int, records: int, cursor: str | None, retries: int) -> None:
    log.info(
        "%s %s page %d: %d records, cursor=%s, retries=%d", source, endpoint, number, records, cursor, retries
    )


def _never_sent(exc: requests.ConnectionError) -> bool:
    text = repr(exc)
    return any(
        s in text
        for s in ("NewConnectionError", "NameResolutionError", "Connection refused", "Failed to establish")
    )


def _short(exc: BaseException) -> str:
    return type(exc).__name__ + (": " + str(exc)[:160] if str(exc) else "")


def _snippet(resp: requests.Response) -> str:
    return resp.text[:200].replace("\n", " ") if resp.content else "(empty body)"


def _float(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
