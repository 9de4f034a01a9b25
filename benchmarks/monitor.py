"""Resident memory of the processes this one started (each pipeline run, and dbt inside it), on a timeline.

The benchmark's own process is left out: it holds the generated data and runs dlt and the sentiment
baselines, none of which a production run carries.

`ru_maxrss` only knows the peak of the whole process so far, and tracemalloc sees Python objects only
(not DuckDB's or Polars' native memory): a sampler of /proc gives the peak inside any time window, so each
stage gets its own peak. Processes listed in `exclude` (the sandbox standing in for remote vendors) and their
children are left out.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int, exclude: set[int]) -> int:
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid in exclude:
            continue
        total += _rss(pid)
        stack += _children(pid)
    return total


class MemorySampler:
    """Samples the tree's RSS every `interval` seconds in a thread; `peak(t0, t1)` answers per window."""

    def __init__(self, interval: float = 0.05, exclude: set[int] | None = None) -> None:
        self.interval = interval
        self.exclude = exclude or set()
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="memory-sampler")

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            self.samples.append((time.time(), sum(tree_rss(c, self.exclude) for c in _children(pid))))
            self._stop.wait(self.interval)

    def peak(self, start: float | None = None, end: float | None = None) -> int:
        values = [
            rss for t, rss in self.samples if (start is None or t >= start) and (end is None or t <= end)
        ]
        return max(values, default=0)


def max_rss_bytes() -> int:
    """Peak RSS of this process and of its waited-for children (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) * 1024
