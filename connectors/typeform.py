"""Typeform Responses API: `GET /forms/{form_id}/responses`.

Responses come newest first (`submitted_at` descending). Paging: `page_size` (≤ 1000) and `before=<token of
the last response of the page>`; the listing ends on an empty page or when `page_count` is 1. Incremental:
`since=<newest submitted_at of the last finished run>` (inclusive, so ties come back and the merge on
`response_id` drops them). Auth: `Authorization: Bearer <token>`. Limit: ~2 requests/second, 429.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.http import HttpClient, Page, RetryPolicy, SourceError, log_page
from connectors.paging import NewestFirst, iso_utc, newest_first_pages, page_budget

SOURCE = "typeform"
RESPONSES_PATH = "/forms/{form_id}/responses"
MAX_PAGE_SIZE = 1000
RESPONSE_FIELDS = ("response_id", "token", "landed_at", "submitted_at", "answers", "hidden", "calculated")


class TypeformClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        form_id: str,
        *,
        page_size: int = MAX_PAGE_SIZE,
        max_pages: int | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.http = HttpClient(
            SOURCE, base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, retry=retry
        )
        self.form_id = form_id
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        self.max_pages = page_budget(max_pages)

    def fetch_responses(self, cursor: str | None = None) -> Iterator[Page]:
        path = RESPONSES_PATH.format(form_id=self.form_id)
        since = NewestFirst.from_cursor(cursor).high_water

        def fetch_page(before: str | None) -> tuple[list[dict], str | None, bool]:
            params: dict = {"page_size": self.page_size}
            if since is not None:
                params["since"] = iso_utc(since)
            if before:
                params["before"] = before
            body = self.http.get_json(path, params, endpoint="responses", cursor=cursor).body
            if not isinstance(body, dict):
                raise SourceError(SOURCE, "responses", "expected a JSON object", cursor=cursor)
            items = [i for i in body.get("items") or [] if isinstance(i, dict)]
            last_token = (items[-1].get("token") or items[-1].get("response_id")) if items else None
            page_count = body.get("page_count")
            return items, last_token, isinstance(page_count, int) and page_count <= 1

        def log(number: int, count: int, page_cursor: str | None) -> None:
            log_page(SOURCE, "responses", number, count, page_cursor, self.http.take_retries())

        yield from newest_first_pages(
            cursor, fetch_page, lambda i: i.get("submitted_at"), self.max_pages, log
        )
