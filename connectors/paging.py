"""Paging strategies shared by the connectors, and the incremental state kept in a cursor.

Two incremental shapes cover the APIs here:

- *forward* cursors (Zendesk `after_cursor`, Qualtrics `continuationToken`, Shopify `endCursor`): the cursor
  reached after a page is simply the next request's cursor, committed with the page;
- *newest-first* listings (Typeform `before` tokens, Reddit `after` fullnames, App Store `links.next`
  with `sort=-createdDate`): a run starts at the newest item and walks back until it meets items older than
  the high-water mark of the last finished run. While a run is under way its cursor keeps the old mark plus
  where to resume; only the page that ends the run moves the mark to the newest item seen. A crash mid-run
  therefore resumes where it stopped without skipping the older part of the backlog.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.http import Page, decode_cursor, encode_cursor


def to_epoch(value: Any) -> float | None:
    """Seconds since the epoch from an ISO-8601 string (any offset, `Z`) or a number; None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def iso_utc(epoch: float) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`, truncated to the second (so an inclusive `since` never skips an item)."""
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class NewestFirst:
    """Incremental state of a newest-first listing; see the module docstring.

    `high_water` is the newest timestamp of the last *finished* run (epoch seconds). Items at or after it are
    new (ties included: the landing merge drops the ones already landed); the first item strictly older
    means the rest of the listing was landed before, so the run ends.
    """

    high_water: float | None
    resume: str | None
    run_max: float | None

    @classmethod
    def from_cursor(cls, cursor: str | None) -> NewestFirst:
        state = decode_cursor(cursor)
        hw = state.get("high_water")
        return cls(
            high_water=float(hw) if hw is not None else None,
            resume=state.get("resume"),
            run_max=float(state["run_max"]) if state.get("run_max") is not None else None,
        )

    def take(self, items: Sequence[dict], timestamp: Callable[[dict], Any]) -> tuple[list[dict], bool]:
        """The new items of a page and whether an already-seen (older) item was reached."""
        new: list[dict] = []
        stamps: list[float] = []
        for item in items:
            ts = to_epoch(timestamp(item))
            if ts is None:
                new.append(item)  # unreadable time: land it and let validation quarantine it
                continue
            stamps.append(ts)
            if self.high_water is not None and ts < self.high_water:
                continue
            new.append(item)
            self.run_max = ts if self.run_max is None else max(self.run_max, ts)
        # Only a newest-first page proves the rest is older: a server that ignored the sort keeps paging.
        reached_old = (
            self.high_water is not None
            and bool(stamps)
            and stamps[-1] < self.high_water
            and stamps[0] >= stamps[-1]
        )
        return new, reached_old

    def cursor(self, next_token: str | None, done: bool) -> str | None:
        """The cursor to commit with the page just taken."""
        if done or not next_token:
            mark = self.run_max if self.run_max is not None else self.high_water
            self.high_water, self.resume, self.run_max = mark, None, None
            return encode_cursor({"high_water": mark})
        self.resume = next_token
        return encode_cursor({"high_water": self.high_water, "resume": next_token, "run_max": self.run_max})


# One request of a newest-first listing: given the token to start from (None: the newest), return the
# page's items, the token of the next (older) page and whether the server says this page is the last.
FetchPage = Callable[[str | None], tuple[list[dict], str | None, bool]]


def newest_first_pages(
    cursor: str | None,
    fetch_page: FetchPage,
    timestamp: Callable[[dict], Any],
    max_pages: int,
    log: Callable[[int, int, str | None], None],
) -> Iterator[Page]:
    """Walk a newest-first listing back to the last finished run's high-water mark, page by page.

    A run resuming after a crash first finishes the interrupted walk, then makes one more pass from the
    top, so what arrived while it was down lands in the same run.
    """
    state = NewestFirst.from_cursor(cursor)
    starts = [state.resume, None] if state.resume else [None]
    number = 0
    for start in starts:
        token = start
        while number < max_pages:
            items, next_token, last = fetch_page(token)
            number += 1
            new, reached_old = state.take(items, timestamp)
            done = last or not items or reached_old or not next_token or next_token == token
            page_cursor = state.cursor(next_token, done)
            log(number, len(new), page_cursor)
            yield Page(new, page_cursor)
            if done:
                break
            token = next_token


def page_budget(max_pages: int | None) -> int:
    """The safety-net page cap of a run (a cursor stuck on the same value cannot loop forever)."""
    return max_pages if max_pages and max_pages > 0 else 100_000


_PAGE, _END, _ERROR = range(3)


def prefetch(pages: Iterator[Page], depth: int) -> Iterator[Page]:
    """`pages`, fetched on a background thread up to `depth` pages ahead of the caller.

    While the caller lands a batch (Python framing, DuckDB writes) the next requests are already in flight
    and the vendor is answering them; pulling and landing one after the other leaves each idle while the other
    works. Pages arrive in order, and an error raised while fetching is raised here, after the pages fetched
    before it. A caller that stops early stops the thread at its next page.
    """
    handoff: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=max(1, depth))
    stopped = threading.Event()

    def offer(item: tuple[int, Any]) -> bool:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not offer((_PAGE, page)):
                    return
            offer((_END, None))
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer, which raises it)
            offer((_ERROR, exc))
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()

    threading.Thread(target=produce, name="prefetch-pages", daemon=True).start()
    try:
        while True:
            kind, item = handoff.get()
            if kind == _PAGE:
                yield item
            elif kind == _ERROR:
                raise item
            else:
                return
    finally:
        stopped.set()
