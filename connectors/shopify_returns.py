"""Shopify returns through the Admin GraphQL API: `POST /admin/api/{version}/graphql.json`.

Two query shapes reach the same `Return` objects; `mode="auto"` tries the first and falls back to the
second when the shop's schema rejects it:

- `returns(first:, after:)` at the root (cursor = the last page's `endCursor`, so the next run reads only
  returns created since);
- `orders(first:, after:, query: "updated_at:>='…'", sortKey: UPDATED_AT) { returns { … } }` (cursor = the
  newest `updatedAt` of the last finished run, so returns whose order changed come back as new versions).

Both page with `pageInfo { hasNextPage endCursor }` and read `returnLineItems { quantity returnReason
customerNote }`. Auth: `X-Shopify-Access-Token`. Throttling is cost based: a `THROTTLED` error (HTTP 200)
or a low `extensions.cost.throttleStatus.currentlyAvailable` means waiting for the bucket to refill at
`restoreRate` points per second.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.http import (
    HttpClient,
    Page,
    RetryPolicy,
    SourceError,
    decode_cursor,
    encode_cursor,
    log_page,
)
from connectors.paging import iso_utc, page_budget, to_epoch

SOURCE = "shopify"
GRAPHQL_PATH = "/admin/api/{version}/graphql.json"
DEFAULT_API_VERSION = "2025-01"
NESTED_PAGE = 50  # returns per order and line items per return read in one query

RETURN_FIELDS = f"""id name status createdAt closedAt
      returnLineItems(first: {NESTED_PAGE}) {{
        nodes {{ id quantity returnReason returnReasonNote customerNote }}
      }}"""

RETURNS_QUERY = f"""query CfmReturns($first: Int!, $after: String) {{
  returns(first: $first, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {RETURN_FIELDS}
      order {{ id name updatedAt customer {{ id email }} }}
    }}
  }}
}}"""

ORDER_RETURNS_QUERY = f"""query CfmOrderReturns($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id name updatedAt
      customer {{ id email }}
      returns(first: {NESTED_PAGE}) {{
        nodes {{
          {RETURN_FIELDS}
        }}
      }}
    }}
  }}
}}"""


def base_url_for(shop: str) -> str:
    return f"https://{shop}.myshopify.com"


class ShopifyReturnsClient:
    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        page_size: int = 50,
        mode: str = "auto",
        max_pages: int | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        if mode not in ("auto", "returns", "orders"):
            raise ValueError(f"mode must be auto, returns or orders, not {mode!r}")
        self.http = HttpClient(
            SOURCE, base_url, headers={"X-Shopify-Access-Token": access_token}, timeout=timeout, retry=retry
        )
        self.path = GRAPHQL_PATH.format(version=api_version)
        self.page_size = min(page_size, 250)
        self.mode = mode
        self.max_pages = page_budget(max_pages)

    def fetch_returns(self, cursor: str | None = None) -> Iterator[Page]:
        state = decode_cursor(cursor)
        mode = state.get("mode") or self.mode
        if mode == "auto":
            try:
                first = self._query("returns", state, cursor, probe=True)
            except _SchemaRejected:
                mode = "orders"
            else:
                mode = "returns"
                yield from self._pages("returns", state, cursor, first)
                return
        yield from self._pages(mode, state, cursor, None)

    # -- paging
    def _pages(self, mode: str, state: dict, cursor: str | None, first: dict | None) -> Iterator[Page]:
        after = state.get("after")
        hw = state.get("updated_at") if mode == "orders" else None
        run_max = to_epoch(state.get("run_max")) if state.get("run_max") else to_epoch(hw)
        for number in range(1, self.max_pages + 1):
            data = (
                first
                if (number == 1 and first is not None)
                else self._query(mode, {"after": after, "updated_at": hw}, cursor)
            )
            connection, records = _records(data)
            info = connection.get("pageInfo") or {}
            end_cursor = info.get("endCursor")
            has_next = bool(info.get("hasNextPage")) and bool(end_cursor) and end_cursor != after
            if mode == "orders":
                for node in connection_nodes(connection):
                    ts = to_epoch(node.get("updatedAt")) if isinstance(node, dict) else None
                    if ts is not None:
                        run_max = ts if run_max is None else max(run_max, ts)
                if has_next:
                    new_state = {
                        "mode": mode,
                        "updated_at": hw,
                        "after": end_cursor,
                        "run_max": iso_utc(run_max) if run_max is not None else None,
                    }
                else:
                    new_state = {"mode": mode, "updated_at": iso_utc(run_max) if run_max is not None else hw}
            else:
                new_state = {"mode": mode, "after": end_cursor or after}
            cursor = encode_cursor(new_state)
            log_page(SOURCE, mode, number, len(records), cursor, self.http.take_retries())
            yield Page(records, cursor)
            if not has_next:
                return
            after = end_cursor

    # -- one GraphQL call, throttling included
    def _query(self, mode: str, state: dict, cursor: str | None, probe: bool = False) -> dict:
        variables: dict[str, Any] = {"first": self.page_size, "after": state.get("after")}
        if mode == "orders":
            query = ORDER_RETURNS_QUERY
            if state.get("updated_at"):
                variables["query"] = f"updated_at:>='{state['updated_at']}'"
        else:
            query = RETURNS_QUERY
        waited = 0.0
        for attempt in range(1, self.http.retry.max_attempts + 1):
            try:
                result = self.http.post_json(
                    self.path,
                    {"query": query, "variables": variables},
                    endpoint=f"graphql {mode}",
                    cursor=cursor,
                    idempotent=True,  # a query changes nothing
                )
            except SourceError as exc:
                if probe and exc.status in (400, 404, 422):
                    raise _SchemaRejected(str(exc)) from exc
                raise
            body = result.body if isinstance(result.body, dict) else {}
            errors = body.get("errors") or []
            throttle = _throttle_wait(body)
            if errors and any(_code(e) == "THROTTLED" for e in errors):
                wait = throttle if throttle is not None else self.http.backoff(attempt)
                if attempt == self.http.retry.max_attempts or waited + wait > self.http.retry.max_total_wait:
                    raise SourceError(
                        SOURCE,
                        f"graphql {mode}",
                        "still THROTTLED after retries",
                        cursor=cursor,
                        attempts=attempt,
                    )
                self.http.retries += 1
                waited += wait
                self.http.sleep(wait)
                continue
            if errors:
                messages = "; ".join(
                    str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
                )
                if probe:
                    raise _SchemaRejected(messages)
                raise SourceError(
                    SOURCE, f"graphql {mode}", f"GraphQL errors: {messages[:300]}", cursor=cursor
                )
            data = body.get("data")
            if not isinstance(data, dict):
                raise SourceError(SOURCE, f"graphql {mode}", "no data in the response", cursor=cursor)
            if throttle:
                # The bucket is low: wait now rather than be THROTTLED on the next page.
                self.http.sleep(throttle)
            return data
        raise SourceError(SOURCE, f"graphql {mode}", "throttled", cursor=cursor)


class _SchemaRejected(Exception):
    """The shop's schema has no root `returns` field (fall back to orders → returns)."""


def connection_nodes(connection: object) -> list:
    """Nodes of a GraphQL connection, whether the server answered with `nodes` or `edges { node }`."""
    if not isinstance(connection, dict):
        return []
    if isinstance(connection.get("nodes"), list):
        return connection["nodes"]
    return [e.get("node") for e in connection.get("edges") or [] if isinstance(e, dict)]


def _records(data: dict) -> tuple[dict, list[dict]]:
    """The page's connection and its returns, each return carrying its order (id, name, customer)."""
    if isinstance(data.get("returns"), dict):
        connection = data["returns"]
        return connection, [
            n if isinstance(n, dict) else {"id": None, "_unparsed": n} for n in connection_nodes(connection)
        ]
    if isinstance(data.get("orders"), dict):
        connection = data["orders"]
        records = []
        for order in connection_nodes(connection):
            if not isinstance(order, dict):
                continue
            summary = {k: order.get(k) for k in ("id", "name", "updatedAt", "customer")}
            for ret in connection_nodes(order.get("returns")):
                if isinstance(ret, dict):
                    records.append({**ret, "order": ret.get("order") or summary})
                else:
                    records.append({"id": None, "_unparsed": ret, "order": summary})
        return connection, records
    raise SourceError(SOURCE, "graphql", f"unexpected data keys {sorted(data)}")


def _code(error: object) -> str | None:
    if isinstance(error, dict):
        ext = error.get("extensions") or {}
        return ext.get("code") if isinstance(ext, dict) else None
    return None


def _throttle_wait(body: dict) -> float | None:
    """Seconds until the cost bucket holds the last query's cost again, when it is short."""
    cost = (body.get("extensions") or {}).get("cost") if isinstance(body.get("extensions"), dict) else None
    if not isinstance(cost, dict):
        return None
    status = cost.get("throttleStatus") or {}
    try:
        needed = float(cost.get("requestedQueryCost") or cost.get("actualQueryCost") or 0)
        available = float(status.get("currentlyAvailable"))
        rate = float(status.get("restoreRate") or 50)
    except (TypeError, ValueError):
        return None
    if available >= needed or rate <= 0:
        return None
    return (needed - available) / rate
