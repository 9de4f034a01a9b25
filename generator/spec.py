"""Public value types: anomaly specifications (and their CLI parser) and the run summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

KINDS = ("spike", "level_shift", "nps_drop")
METRICS = ("negative_feedback", "complaints", "nps")
SLICE_TYPES = ("topic", "channel", "product")


@dataclass(frozen=True)
class AnomalySpec:
    """A deliberate anomaly to inject into otherwise baseline-only data.

    - ``spike``: on each day the slice's negative items are multiplied by ``magnitude`` (extra negative
      complaint records are added); ``days`` defaults to 1.
    - ``level_shift``: from ``start_date`` for ``days`` days (default: to the end of the window) the slice's
      negative complaints run at ``magnitude`` times their usual level.
    - ``nps_drop``: on those days extra detractor surveys for the slice lower its NPS by about
      ``magnitude * 10`` points; ``days`` defaults to 1.

    ``metric`` is ``negative_feedback`` or ``complaints`` for spike/level_shift and ``nps`` for nps_drop.
    ``slice_type`` is ``topic`` (a topic_l2 code, or a topic_l1 code for all its topics), ``channel``
    (survey, social, ticket, return, or a system: typeform, qualtrics, reddit, appstore, zendesk, export,
    shopify) or ``product`` (a product_id such as ``P0042``).
    """

    kind: str
    metric: str
    slice_type: str
    slice_value: str
    start_date: date
    days: int | None = None
    magnitude: float = 4.0

    def __post_init__(self) -> None:
        if isinstance(self.start_date, str):
            object.__setattr__(self, "start_date", date.fromisoformat(self.start_date))
        if self.kind not in KINDS:
            raise ValueError(f"anomaly kind must be one of {KINDS}, got {self.kind!r}")
        if self.metric not in METRICS:
            raise ValueError(f"anomaly metric must be one of {METRICS}, got {self.metric!r}")
        if (self.kind == "nps_drop") != (self.metric == "nps"):
            raise ValueError(
                "nps_drop goes with metric 'nps'; spike and level_shift with negative_feedback/complaints"
            )
        if self.slice_type not in SLICE_TYPES:
            raise ValueError(f"anomaly slice_type must be one of {SLICE_TYPES}, got {self.slice_type!r}")
        if not self.slice_value:
            raise ValueError("anomaly slice_value is empty")
        if self.days is not None and self.days < 1:
            raise ValueError("anomaly days must be >= 1")
        if self.kind == "nps_drop":
            if self.magnitude <= 0:
                raise ValueError("nps_drop magnitude must be > 0 (tens of NPS points)")
        elif self.magnitude <= 1:
            raise ValueError(f"{self.kind} magnitude is a multiplier and must be > 1")

    def effective_days(self, days_left: int) -> int:
        """Days the anomaly lasts given the days left in the window from ``start_date`` (inclusive)."""
        if self.days is None:
            return days_left if self.kind == "level_shift" else 1
        return min(self.days, days_left)


def parse_anomaly(text: str) -> AnomalySpec:
    """Parse ``kind:metric:slice_type=slice_value:start_date[:days[:magnitude]]``.

    Examples: ``spike:negative_feedback:topic=delivery:2026-10-01:1:4``,
    ``level_shift:complaints:channel=zendesk:2026-10-10`` (to the end of the window),
    ``nps_drop:nps:product=P0007:2026-10-03:2:2.5``. ``days`` may be empty, ``end`` or ``-`` for the default.
    """
    parts = text.strip().split(":")
    if len(parts) < 4 or len(parts) > 6:
        raise ValueError(f"expected kind:metric:slice_type=value:start_date[:days[:magnitude]], got {text!r}")
    kind, metric, slice_part, start = parts[:4]
    if "=" not in slice_part:
        raise ValueError(f"slice must look like topic=delivery, got {slice_part!r}")
    slice_type, slice_value = (s.strip() for s in slice_part.split("=", 1))
    days: int | None = None
    if len(parts) >= 5 and parts[4].strip() not in ("", "end", "-"):
        days = int(parts[4])
    magnitude = float(parts[5]) if len(parts) == 6 and parts[5].strip() else 4.0
    return AnomalySpec(
        kind=kind.strip(),
        metric=metric.strip(),
        slice_type=slice_type,
        slice_value=slice_value,
        start_date=date.fromisoformat(start.strip()),
        days=days,
        magnitude=magnitude,
    )


@dataclass
class GenerateSummary:
    """What ``generate`` wrote: row counts per dataset, landing files, malformed rows, injected anomalies."""

    out_dir: Path
    records: int
    seed: int
    start_date: date
    end_date: date
    rows: dict[str, int]
    paths: dict[str, Path]
    landing_files: list[Path]
    landing_rows: dict[str, int]
    malformed_rows: int
    malformed_by_kind: dict[str, int]
    malformed_ticket_ids: list[int]
    duplicates: int
    anomaly_rows: int
    anomalies: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (paths and dates as strings)."""
        return {
            "out_dir": str(self.out_dir),
            "records": self.records,
            "seed": self.seed,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "rows": dict(self.rows),
            "paths": {k: str(v) for k, v in self.paths.items()},
            "landing_files": [str(p) for p in self.landing_files],
            "landing_rows": dict(self.landing_rows),
            "malformed_rows": self.malformed_rows,
            "malformed_by_kind": dict(self.malformed_by_kind),
            "malformed_ticket_ids": list(self.malformed_ticket_ids),
            "duplicates": self.duplicates,
            "anomaly_rows": self.anomaly_rows,
            "anomalies": list(self.anomalies),
        }
