"""Switchable faults of the sandbox: what a flaky vendor does to a client.

Counters apply to the next N requests (of the vendor named in `only`, when set) and count down as they
fire, so a test states exactly what it expects: `rate_limit=2` means two 429s then normal service.
`every` > 0 instead fires one fault on every Nth request, cycling through 429, 500 and a dropped connection
(`cfm sandbox --flaky`). Change them at runtime with `server.set_faults(...)` or
`POST /_sandbox/faults` (a JSON object of these fields).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields


@dataclass
class FaultConfig:
    rate_limit: int = 0  # next N requests: 429 with Retry-After (Shopify GraphQL: THROTTLED)
    retry_after: float = 1.0  # seconds sent in Retry-After (fractions allowed, for fast tests)
    server_error: int = 0  # next N requests: 500
    drop: int = 0  # next N responses: headers and half the body, then the connection closes
    slow: int = 0  # next N requests wait `slow_seconds` before answering
    slow_seconds: float = 0.0
    malformed: int = 0  # next N data pages carry one extra record that fails validation
    new_field: bool = False  # every record gains a field the connectors have never seen
    every: int = 0  # > 0: a fault on every Nth request, cycling 429 / 500 / drop
    only: str | None = None  # vendor the counters apply to (zendesk, typeform, ...); None: all

    @classmethod
    def from_dict(cls, data: dict) -> FaultConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; expected {sorted(names)}")
        return cls(**data)


class Faults:
    """Thread-safe runtime state: the config plus how often each fault fired."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.lock = threading.Lock()
        self.config = config or FaultConfig()
        self.fired: dict[str, int] = {}
        self._requests = 0

    def set(self, **changes) -> FaultConfig:
        with self.lock:
            merged = {**asdict(self.config), **changes}
            self.config = FaultConfig.from_dict(merged)
            return self.config

    def reset(self) -> None:
        with self.lock:
            self.config = FaultConfig()
            self.fired = {}
            self._requests = 0

    def snapshot(self) -> dict:
        with self.lock:
            return {"config": asdict(self.config), "fired": dict(self.fired)}

    def draw(self, vendor: str) -> tuple[str | None, float]:
        """The transport fault for this request (rate_limit, server_error, drop or None) and a delay."""
        with self.lock:
            c = self.config
            if c.only and c.only != vendor:
                return None, 0.0
            self._requests += 1
            delay = 0.0
            if c.slow > 0:
                c.slow -= 1
                delay = c.slow_seconds
                self._count("slow")
            for name in ("rate_limit", "server_error", "drop"):
                if getattr(c, name) > 0:
                    setattr(c, name, getattr(c, name) - 1)
                    self._count(name)
                    return name, delay
            if c.every > 0 and self._requests % c.every == 0:
                name = ("rate_limit", "server_error", "drop")[(self._requests // c.every) % 3]
                self._count(name)
                return name, delay
            return None, delay

    def take_malformed(self, vendor: str) -> bool:
        with self.lock:
            c = self.config
            if c.malformed > 0 and (not c.only or c.only == vendor):
                c.malformed -= 1
                self._count("malformed")
                return True
            return False

    def new_field(self, vendor: str) -> bool:
        c = self.config
        return c.new_field and (not c.only or c.only == vendor)

    def _count(self, name: str) -> None:
        self.fired[name] = self.fired.get(name, 0) + 1
