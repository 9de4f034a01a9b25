"""`prefetch`: pages fetched ahead on a thread arrive in order, errors after the pages before them, and a
caller that stops early stops the fetching."""

import itertools
import threading
import time

import pytest

from connectors.http import Page
from connectors.paging import prefetch


def pages(n: int, fail_after: int | None = None, fetched: list[int] | None = None):
    for number in range(n):
        if fail_after is not None and number == fail_after:
            raise ConnectionError(f"page {number} failed")
        if fetched is not None:
            fetched.append(number)
        yield Page(records=[{"id": number}], cursor=str(number))


def test_every_page_arrives_in_order_from_another_thread() -> None:
    threads: set[str] = set()

    def source():
        for page in pages(50):
            threads.add(threading.current_thread().name)
            yield page

    assert [p.cursor for p in prefetch(source(), depth=4)] == [str(i) for i in range(50)]
    assert threads == {"prefetch-pages"}


def test_a_fetch_error_is_raised_after_the_pages_fetched_before_it() -> None:
    received: list[str] = []
    with pytest.raises(ConnectionError, match="page 7 failed"):
        for page in prefetch(pages(20, fail_after=7), depth=3):
            received.append(page.cursor)
    assert received == [str(i) for i in range(7)]


def test_a_caller_that_stops_early_stops_the_fetching() -> None:
    fetched: list[int] = []
    endless = prefetch(pages(10**9, fetched=fetched), depth=2)
    assert [p.cursor for p in itertools.islice(endless, 3)] == ["0", "1", "2"]
    endless.close()
    deadline = time.monotonic() + 5
    while any(t.name == "prefetch-pages" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.name == "prefetch-pages" for t in threading.enumerate())
    assert len(fetched) <= 3 + 2 + 2  # consumed + queued + one the thread was offering
