"""App Store Connect API: `GET /v1/apps/{id}/customerReviews` (JSON:API).

`{"data": [{"type": "customerReviews", "id": …, "attributes": {rating, title, body, reviewerNickname,
createdDate, territory}}], "links": {"self": …, "next": …}, "meta": {"paging": {"total", "limit"}}}`.
Paging: `limit` ≤ 200, follow `links.next` (rebased onto the configured base URL). With
`sort=-createdDate` the newest review comes first; a run stops at reviews older than the newest
`createdDate` of the last finished run. Auth: `Authorization: Bearer <JWT>` (an ES256 token the caller
signs and renews; it lives at most 20 minutes). Limit: an hourly quota, 429 when spent.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.http import HttpClient, Page, RetryPolicy, SourceError, log_page
from connectors.paging import newest_first_pages, page_budget

SOURCE = "appstore"
REVIEWS_PATH = "/v1/apps/{app_id}/customerReviews"
MAX_LIMIT = 200
REVIEW_ATTRIBUTES = ("rating", "title", "body", "reviewerNickname", "createdDate", "territory")


class AppStoreClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        app_id: str,
        *,
        page_size: int = MAX_LIMIT,
        max_pages: int | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.http = HttpClient(
            SOURCE, base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, retry=retry
        )
        self.app_id = app_id
        self.page_size = min(page_size, MAX_LIMIT)
        self.max_pages = page_budget(max_pages)

    def fetch_reviews(self, cursor: str | None = None) -> Iterator[Page]:
        def fetch_page(next_link: str | None) -> tuple[list[dict], str | None, bool]:
            if next_link:
                result = self.http.get_json(next_link, endpoint="customerReviews", cursor=cursor)
            else:
                params = {"limit": self.page_size, "sort": "-createdDate"}
                path = REVIEWS_PATH.format(app_id=self.app_id)
                result = self.http.get_json(path, params, endpoint="customerReviews", cursor=cursor)
            body = result.body
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise SourceError(SOURCE, "customerReviews", "expected a JSON:API document", cursor=cursor)
            reviews = [r if isinstance(r, dict) else {"id": None, "_unparsed": r} for r in body["data"]]
            link = (body.get("links") or {}).get("next")
            return reviews, link, not link

        def log(number: int, count: int, page_cursor: str | None) -> None:
            log_page(SOURCE, "customerReviews", number, count, page_cursor, self.http.take_retries())

        created = lambda r: attribute(r, "createdDate")  # noqa: E731
        yield from newest_first_pages(cursor, fetch_page, created, self.max_pages, log)


def attribute(review: dict, name: str) -> object:
    attributes = review.get("attributes")
    return attributes.get(name) if isinstance(attributes, dict) else None
