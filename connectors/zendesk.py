"""Zendesk Support: the incremental ticket export (cursor based) and satisfaction ratings.

Tickets: `GET /api/v2/incremental/tickets/cursor.json?start_time=<epoch>` for the first run, then
`?cursor=<after_cursor>` until `end_of_stream` is true. The `after_cursor` of the last page is kept for the
next run, which then returns only tickets created or updated since: an updated ticket comes back whole and
lands as a new version of its id.

Satisfaction ratings: `GET /api/v2/satisfaction_ratings?page[size]=N` (cursor pagination: follow
`links.next` while `meta.has_more`), filtered with `start_time` = the newest `created_at` of the last
finished run (an overlap the landing merge absorbs).

Auth: basic `{email}/token:{api_token}`. Base URL `https://{subdomain}.zendesk.com`.
Limits: the incremental export allows 10 requests/minute; 429 comes with `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from connectors.http import (
    HttpClient,
    Page,
    RetryPolicy,
    SourceError,
    decode_cursor,
    encode_cursor,
    log_page,
)
from connectors.paging import page_budget, to_epoch

SOURCE = "zendesk"
TICKETS_PATH = "/api/v2/incremental/tickets/cursor.json"
RATINGS_PATH = "/api/v2/satisfaction_ratings"
TICKET_FIELDS = (
    "id",
    "status",
    "priority",
    "subject",
    "description",
    "requester_id",
    "created_at",
    "updated_at",
    "tags",
    "via",
    "satisfaction_rating",
    "type",
    "assignee_id",
    "organization_id",
)
RATING_FIELDS = (
    "id",
    "ticket_id",
    "requester_id",
    "score",
    "comment",
    "reason_code",
    "created_at",
    "updated_at",
)


def base_url_for(subdomain: str) -> str:
    return f"https://{subdomain}.zendesk.com"


class ZendeskClient:
    def __init__(
        self,
        base_url: str,
        email: str,
        api_token: str,
        *,
        page_size: int = 1000,
        start_time: int = 0,
        max_pages: int | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.http = HttpClient(
            SOURCE, base_url, auth=(f"{email}/token", api_token), timeout=timeout, retry=retry
        )
        self.page_size = page_size
        self.start_time = start_time
        self.max_pages = page_budget(max_pages)

    def fetch_tickets(self, cursor: str | None = None) -> Iterator[Page]:
        """Incremental ticket export from the stored `after_cursor` (or `start_time` on the first run)."""
        state = decode_cursor(cursor)
        after = state.get("after_cursor")
        newest = float(state.get("start_time") or 0)
        for number in range(1, self.max_pages + 1):
            params: dict = {"per_page": self.page_size}
            if after:
                params["cursor"] = after
            else:
                params["start_time"] = int(state.get("start_time", self.start_time))
            result = self.http.get_json(TICKETS_PATH, params, endpoint="incremental/tickets", cursor=cursor)
            body = _object(result.body, "incremental/tickets", cursor)
            tickets = body.get("tickets") or []
            next_after = body.get("after_cursor") or after
            end = bool(body.get("end_of_stream")) or not body.get("after_cursor")
            for ticket in tickets:
                ts = to_epoch(ticket.get("updated_at")) if isinstance(ticket, dict) else None
                if ts is not None and ts > newest:
                    newest = ts
            if next_after:
                cursor = encode_cursor({"after_cursor": next_after})
            elif newest > 0:
                # A server that sends no after_cursor: restart from the newest update seen (the merge on
                # id absorbs the overlap of the inclusive start_time).
                cursor = encode_cursor({"start_time": int(newest)})
            log_page(SOURCE, "incremental/tickets", number, len(tickets), cursor, self.http.take_retries())
            yield Page(tickets, cursor, {"end_of_stream": end})
            if end or (next_after == after and not tickets):
                return
            after = next_after

    def fetch_satisfaction_ratings(self, cursor: str | None = None) -> Iterator[Page]:
        """Satisfaction ratings created since the last finished run, following `links.next`."""
        state = decode_cursor(cursor)
        since = state.get("start_time")
        run_max = state.get("run_max", since)
        next_link = state.get("next")
        params: dict | None = None
        if not next_link:
            params = {"page[size]": min(self.page_size, 100)}
            if since is not None:
                params["start_time"] = int(since)
        for number in range(1, self.max_pages + 1):
            target = next_link or RATINGS_PATH
            result = self.http.get_json(target, params, endpoint="satisfaction_ratings", cursor=cursor)
            body = _object(result.body, "satisfaction_ratings", cursor)
            ratings = body.get("satisfaction_ratings") or []
            for rating in ratings:
                ts = to_epoch(rating.get("created_at")) if isinstance(rating, dict) else None
                if ts is not None:
                    run_max = ts if run_max is None else max(run_max, ts)
            links = body.get("links") or {}
            meta = body.get("meta") or {}
            has_more = bool(meta.get("has_more")) if "has_more" in meta else bool(links.get("next"))
            next_link = links.get("next") if has_more else None
            if has_more and not next_link and meta.get("after_cursor"):
                next_link = _with_params(
                    RATINGS_PATH,
                    {
                        "page[size]": min(self.page_size, 100),
                        "page[after]": meta["after_cursor"],
                        **({"start_time": int(since)} if since is not None else {}),
                    },
                )
            if next_link:
                cursor = encode_cursor({"start_time": since, "run_max": run_max, "next": next_link})
            else:
                cursor = encode_cursor({"start_time": int(run_max) if run_max is not None else None})
            log_page(SOURCE, "satisfaction_ratings", number, len(ratings), cursor, self.http.take_retries())
            yield Page(ratings, cursor)
            if not next_link or not ratings:
                return
            params = None


def _object(body: object, endpoint: str, cursor: str | None) -> dict:
    if not isinstance(body, dict):
        raise SourceError(
            SOURCE, endpoint, f"expected a JSON object, got {type(body).__name__}", cursor=cursor
        )
    return body


def _with_params(path: str, params: dict) -> str:
    return path + "?" + urlencode(params)
