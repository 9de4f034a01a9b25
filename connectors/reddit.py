"""Reddit search listing: `GET /search` (or `/r/{subreddit}/search` with `restrict_sr=1`) on the OAuth host.

A Listing: `{"kind": "Listing", "data": {"after": "t3_…", "children": [{"kind": "t3", "data": {…}}]}}`.
Paging: `limit` ≤ 100 and `after=<fullname>`; listings end near 1000 items. With `sort=new` new posts appear
at the front, so a run walks back from the newest post until it meets posts older than the newest
`created_utc` of the last finished run. Auth: `Authorization: bearer <token>` plus a descriptive
User-Agent (Reddit throttles generic ones). Limits: 100 queries/min, `X-Ratelimit-Remaining/Reset`.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.http import HttpClient, Page, RetryPolicy, SourceError, log_page
from connectors.paging import newest_first_pages, page_budget

SOURCE = "reddit"
SEARCH_PATH = "/search"
SUBREDDIT_SEARCH_PATH = "/r/{subreddit}/search"
MAX_LIMIT = 100
POST_FIELDS = ("id", "name", "author", "title", "selftext", "score", "created_utc", "subreddit", "permalink")


class RedditClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        query: str,
        *,
        subreddit: str | None = None,
        page_size: int = MAX_LIMIT,
        user_agent: str = "customer-feedback-mining/0.1",
        max_pages: int | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.http = HttpClient(
            SOURCE,
            base_url,
            headers={"Authorization": f"bearer {token}", "User-Agent": user_agent},
            timeout=timeout,
            retry=retry,
        )
        self.query = query
        self.subreddit = subreddit
        self.page_size = min(page_size, MAX_LIMIT)
        self.max_pages = page_budget(max_pages)

    def fetch_posts(self, cursor: str | None = None) -> Iterator[Page]:
        path = SUBREDDIT_SEARCH_PATH.format(subreddit=self.subreddit) if self.subreddit else SEARCH_PATH

        def fetch_page(after: str | None) -> tuple[list[dict], str | None, bool]:
            params: dict = {
                "q": self.query,
                "sort": "new",
                "limit": self.page_size,
                "type": "link",
                "raw_json": 1,
            }
            if self.subreddit:
                params["restrict_sr"] = 1
            if after:
                params["after"] = after
            body = self.http.get_json(path, params, endpoint="search", cursor=cursor).body
            if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
                raise SourceError(SOURCE, "search", "expected a Listing object", cursor=cursor)
            children = body["data"].get("children") or []
            next_after = body["data"].get("after")
            return [_post(child) for child in children], next_after, not next_after

        def log(number: int, count: int, page_cursor: str | None) -> None:
            log_page(SOURCE, "search", number, count, page_cursor, self.http.take_retries())

        yield from newest_first_pages(cursor, fetch_page, lambda p: p.get("created_utc"), self.max_pages, log)


def _post(child: object) -> dict:
    """The post of a listing child; a child that is not a `t3` thing is passed on for quarantine."""
    if isinstance(child, dict) and isinstance(child.get("data"), dict):
        return child["data"]
    return {"id": None, "_unparsed_child": child}
