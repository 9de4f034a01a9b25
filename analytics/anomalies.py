"""Anomalies in daily feedback KPIs per slice, as events that alert once.

Pure Polars/numpy functions, no Dagster, no warehouse:

    rules  = load_rules(path)                                    # config/anomaly_rules.yml: data users edit
    series = build_daily_series(feedback, rules, sales=...)     # one row per day, metric, slice
    events = detect(series, rules, feedback=feedback)           # one row per anomaly EVENT

How a day becomes an alert (the choices against alert fatigue, REFERENCE §4):
- Baseline per metric and slice, causal (day t is judged only on days before it, so event ids never change
  when later data arrives): counts use the mean of the last `window_days` days that were not part of an
  event, times a weekday factor (the slice's own weekday profile, shrunk toward the whole feed's when the
  slice is thin); the count tests are negative binomial with the metric's over-dispersion pooled over its
  slices. NPS, shares and rates use the pooled answers (units sold) of the same window.
- Each rule window (1, 3, 7, 14 days ...) is judged against the baseline as it stood before the window
  starts, after volume gates (`min_expected`, `min_observed` items; `min_n` answers): thin slices and
  slices with less than `min_history_days` of history never alert.
- Consecutive anomalous days of one metric+slice are ONE event: `first_detected` is the estimated onset
  (the first unusual day of the window that fired), `last_seen` extends while the days since the onset stay
  above the frozen baseline, the event closes after `cooldown_days` quiet days, and a shift still present
  after `rebaseline_after_days` becomes the new normal (the event closes, the baseline restarts at the
  onset): a level shift alerts once.
- Explanation: an event whose excess is accounted for by a stronger overlapping event (the delivery spike
  seen again in its channel, in the whole feed, as complaints) is folded into it and listed in `related`;
  the strongest name survives (a narrower slice when the whole excess sits in it). One incident, one alert.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from analytics import stats

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[1] / "config" / "anomaly_rules.yml"

COUNT, NPS, PROPORTION, RATE = "count", "nps", "proportion", "rate"
KINDS = (COUNT, NPS, PROPORTION, RATE)
RULE_TYPES = ("baseline", "period_over_period", "threshold")
RETURN_CHANNELS = ("shopify", "returns_export")
# An open event goes on while the (up to) CONTINUE_DAYS days since its first detection stay CONTINUE_Z and,
# for counts, CONTINUE_RATIO above the frozen baseline: weaker than opening it, so a level shift is one long
# event, not a flicker of alerts.
CONTINUE_DAYS = 7
CONTINUE_Z = 2.0
CONTINUE_RATIO = 1.2
# A one-day count spike this many times past an open event's own ratio starts a new event.
SURGE_RATIO = 2.0
# ... and in explanation, when it began at least this many days after the earlier anomaly was detected (the
# second day of a two-day spike landing heavier on one topic is the same spike).
SURGE_GAP_DAYS = 2
# ... judged on the event's busiest day as well as its hit window (a one-day spike found through a three-day
# window reads 2.8x over three days and 4.3x on its day), when that day alone is this unlikely (Poisson): a
# topic's uneven share of a shift (11 items where 2 were due, p ~ 1e-5) is not a new incident.
SURGE_DAY_P = 1e-6
# The onset of a count event is the first day of its window that is unusual on its own (p < 0.1).
ONSET_P = 0.1
ONSET_Z = 1.2816  # the same for scores: one-sided p < 0.1 on the day's answers
# A count onset is dated at the latest start whose log-likelihood is within this of the best one: the late end
# of the change point's 95% likelihood interval (chi-square(1) 0.95 / 2). Dating late costs a day on a moderate
# shift; dating early puts a thin product's onset on a stray item days before the shift began.
ONSET_LLR_MARGIN = 1.92
# An event is explained by stronger ones when what is left of it no longer passes its rule; it is named
# instead of the one it explains only if nothing is left of the other (normal score below NO_EVIDENCE_Z).
NO_EVIDENCE_Z = 2.0
# ... and a stronger event explains a weaker one only if it accounts for at least 30% of its excess (the
# rest being noise that alone would not have fired).
MIN_EXPLAINED_SHARE = 0.3
# A count anomaly of lift L explains up to LIFT_TOLERANCE * (L - 1) times the expected items E of a cell inside
# it, plus NOISE_Z * sqrt(E * L): extra items rarely follow the slice's usual mix (on generated data a ticket
# surge is 1.9x heavier on delivery than usual, a service shift lands 3.6x heavier on one small product).
LIFT_TOLERANCE = 2.0
NOISE_Z = 3.0
MIN_OUTSIDE_ITEMS = 5.0
# ... unless e's items outside the primaries' slices (at least this share of its expectation) fire alone.
OUTSIDE_SHARE = 0.25
# Another metric of the same slice that moved this far the bad way in an event's window is named with it.
SIBLING_Z = 2.5

# Names other tools (the generator's truth file, a user's YAML) use for our metrics and slice types.
METRIC_ALIASES = {
    "negative": "negative_feedback", "negative_count": "negative_feedback",
    "negative_feedback_count": "negative_feedback", "complaint": "complaints", "complaint_count": "complaints",
    "returns": "return_rate", "return": "return_rate", "nps_score": "nps", "csat_score": "csat",
    "negative_share": "negative_rate",
}
SLICE_ALIASES = {"topic_l2": "topic", "category": "topic_l1", "product_id": "product", "total": "all",
                 "overall": "all", "family": "channel_family"}
# Slice values other tools use: the generator names channel families and systems, and topic_l1 codes.
TOPIC_L1_CODES = ("product", "service", "price")
CHANNEL_FAMILY_VALUES = {"survey": "survey", "surveys": "survey", "social": "social", "ticket": "ticket",
                         "tickets": "ticket", "return": "return", "returns": "return"}
CHANNEL_VALUES = {"export": "ticket_export", "ticket_export": "ticket_export", "csv": "survey_export"}


def canonical_slice(slice_type: str, slice_value: str | None) -> tuple[str, str]:
    """(slice_type, slice_value) in this module's terms: topic=service is topic_l1=service, channel=ticket is
    channel_family=ticket, channel=export is the ticket export channel."""
    slice_type = canonical_slice_type(slice_type)
    value = "all" if slice_type == "all" or slice_value is None else str(slice_value)
    if slice_type == "topic" and value in TOPIC_L1_CODES:
        return "topic_l1", value
    if slice_type == "channel" and value in CHANNEL_FAMILY_VALUES:
        return "channel_family", CHANNEL_FAMILY_VALUES[value]
    if slice_type == "channel":
        return "channel", CHANNEL_VALUES.get(value, value)
    return slice_type, value

SERIES_SCHEMA = {
    "date": pl.Date, "metric": pl.String, "slice_type": pl.String, "slice_value": pl.String,
    "num": pl.Float64, "num2": pl.Float64, "den": pl.Float64,
}
ANOMALY_SCHEMA = {
    "anomaly_id": pl.String, "metric": pl.String, "slice_type": pl.String, "slice_value": pl.String,
    "window_start": pl.Date, "window_end": pl.Date, "observed": pl.Float64, "expected": pl.Float64,
    "score": pl.Float64, "p_value": pl.Float64, "severity": pl.String, "rule": pl.String,
    "first_detected": pl.Date, "detected_on": pl.Date, "last_seen": pl.Date, "is_open": pl.Boolean,
    "close_reason": pl.String, "days_flagged": pl.Int64, "peak_score": pl.Float64, "n": pl.Float64,
    "related": pl.String, "sample_feedback_ids": pl.String,
}


def canonical_metric(name: str) -> str:
    return METRIC_ALIASES.get(name, name)


def canonical_slice_type(name: str) -> str:
    return SLICE_ALIASES.get(name, name)


# ----------------------------------------------------------------------------------------------- config
@dataclass(frozen=True)
class MetricSpec:
    name: str
    kind: str
    direction: str = "up"  # the bad direction: only it alerts
    label: str = ""

    @property
    def sign(self) -> int:
        return 1 if self.direction == "up" else -1


@dataclass(frozen=True)
class Rule:
    name: str
    type: str
    metrics: tuple[str, ...]
    slice_types: tuple[str, ...]
    windows: tuple[int, ...] = (1,)
    max_p_value: float = 1e-6
    min_ratio: float = 1.5
    min_delta: float = 8.0
    min_expected: float = 5.0
    min_observed: float = 0.0
    min_n: float = 30.0
    above: float | None = None
    below: float | None = None


@dataclass(frozen=True)
class BaselineSpec:
    window_days: int = 28
    min_history_days: int = 21
    profile_days: int = 56
    profile_prior: float = 20.0
    overdispersion_days: int = 56
    max_overdispersion: float = 0.5
    rebaseline_after_days: int = 14


@dataclass(frozen=True)
class Rules:
    slices: Mapping[str, str | None]
    metrics: Mapping[str, MetricSpec]
    rules: tuple[Rule, ...]
    baseline: BaselineSpec = field(default_factory=BaselineSpec)
    cooldown_days: int = 7
    sample_ids: int = 5
    explain: bool = True
    slice_priority: tuple[str, ...] = ("topic", "product", "channel", "channel_family", "topic_l1", "all")
    metric_priority: tuple[str, ...] = ("nps", "negative_feedback", "complaints", "csat", "return_rate")
    severity: tuple[tuple[float, str], ...] = ((9.0, "critical"), (6.5, "high"), (0.0, "medium"))
    trends: Mapping[str, Any] = field(default_factory=dict)
    alerting: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Rules:
        slices = {canonical_slice_type(k): v for k, v in (data.get("slices") or {"all": None}).items()}
        metrics = {}
        for name, spec in (data.get("metrics") or {}).items():
            spec = dict(spec or {})
            kind = spec.get("kind", COUNT)
            if kind not in KINDS:
                raise ValueError(f"metric {name}: kind {kind!r} is not one of {KINDS}")
            if name not in ROW_METRICS and name != "return_rate":
                raise ValueError(f"metric {name}: no definition (known: {sorted([*ROW_METRICS, 'return_rate'])})")
            metrics[name] = MetricSpec(name, kind, spec.get("direction", "up"), spec.get("label") or name)
        rules = []
        for raw in data.get("rules") or []:
            raw = dict(raw)
            rule = Rule(
                name=raw.pop("name"),
                type=raw.pop("type", "baseline"),
                metrics=tuple(canonical_metric(m) for m in raw.pop("metrics")),
                slice_types=tuple(canonical_slice_type(s) for s in raw.pop("slice_types", list(slices))),
                windows=tuple(int(w) for w in raw.pop("windows", [1])),
                **{k: (float(v) if v is not None else None) for k, v in raw.items()},
            )
            if rule.type not in RULE_TYPES:
                raise ValueError(f"rule {rule.name}: type {rule.type!r} is not one of {RULE_TYPES}")
            unknown = [m for m in rule.metrics if m not in metrics] + [s for s in rule.slice_types if s not in slices]
            if unknown:
                raise ValueError(f"rule {rule.name}: unknown metrics or slice types {unknown}")
            rules.append(rule)
        events = data.get("events") or {}
        severity = tuple(
            sorted(((float(s["min_score"]), str(s["level"])) for s in data.get("severity") or []), reverse=True)
        ) or cls.__dataclass_fields__["severity"].default
        return cls(
            slices=slices,
            metrics=metrics,
            rules=tuple(rules),
            baseline=BaselineSpec(**(data.get("baseline") or {})),
            cooldown_days=int(events.get("cooldown_days", 7)),
            sample_ids=int(events.get("sample_ids", 5)),
            explain=bool(events.get("explain", True)),
            slice_priority=tuple(
                canonical_slice_type(s) for s in events.get("slice_priority", cls.__dataclass_fields__[
                    "slice_priority"].default)
            ),
            metric_priority=tuple(
                canonical_metric(m) for m in events.get("metric_priority", cls.__dataclass_fields__[
                    "metric_priority"].default)
            ),
            severity=severity,
            trends=data.get("trends") or {},
            alerting=data.get("alerting") or {},
        )

    def replace_rule(self, name: str, **changes: Any) -> Rules:
        """A copy with one rule's parameters changed (tests, sensitivity sweeps)."""
        if name not in {r.name for r in self.rules}:
            raise KeyError(name)
        return replace(self, rules=tuple(replace(r, **changes) if r.name == name else r for r in self.rules))

    def severity_of(self, score: float) -> str:
        for min_score, level in self.severity:
            if score >= min_score:
                return level
        return self.severity[-1][1]


def load_rules(path: Path | str | None = None) -> Rules:
    """Rules from a YAML file (default: config/anomaly_rules.yml of this repository)."""
    with open(path or DEFAULT_RULES_PATH, encoding="utf-8") as fh:
        return Rules.from_mapping(yaml.safe_load(fh) or {})


# ------------------------------------------------------------------------------------------- daily series
def _col(frame: pl.DataFrame, name: str, dtype: pl.DataType = pl.String) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=dtype)


def _is_return(frame: pl.DataFrame) -> pl.Expr:
    if "channel_family" in frame.columns:
        return pl.col("channel_family") == "return"
    return _col(frame, "channel").is_in(list(RETURN_CHANNELS))


# What each row-based metric counts per item: (numerator, second numerator, denominator) as expressions.
ROW_METRICS = {
    "negative_feedback": lambda f: (_col(f, "sentiment_label") == "negative", None, pl.lit(True)),
    "complaints": lambda f: (_col(f, "feedback_type") == "complaint", None, pl.lit(True)),
    "negative_rate": lambda f: (
        _col(f, "sentiment_label") == "negative", None, _col(f, "sentiment_label").is_not_null()
    ),
    "nps": lambda f: (
        _col(f, "nps_score", pl.Int64) >= 9, _col(f, "nps_score", pl.Int64) <= 6,
        _col(f, "nps_score", pl.Int64).is_not_null(),
    ),
    "csat": lambda f: (_col(f, "csat_score", pl.Int64) >= 4, None, _col(f, "csat_score", pl.Int64).is_not_null()),
    # Returns are feedback items of the return channels; the exposure (units sold) comes from sales.
    "return_rate": lambda f: (_is_return(f), None, pl.lit(False)),
}


def flag_columns(metric: str) -> tuple[str, str, str]:
    return f"{metric}:num", f"{metric}:num2", f"{metric}:den"


def feedback_rows(feedback: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """The feedback frame with `_date`, one string column per slice type and 0/1 flags per metric."""
    f = feedback
    day = pl.col("created_date" if "created_date" in f.columns else "created_at").cast(pl.Date)
    exprs: list[pl.Expr] = [day.alias("_date"), _col(f, "feedback_id").cast(pl.String).alias("feedback_id")]
    for slice_type, column in rules.slices.items():
        value = pl.lit("all") if column is None else _col(f, column).cast(pl.String)
        exprs.append(value.alias(f"slice:{slice_type}"))
    for metric in rules.metrics:
        num, num2, den = ROW_METRICS[metric](f)
        names = flag_columns(metric)
        exprs.append(num.fill_null(False).cast(pl.Int32).alias(names[0]))
        exprs.append((num2 if num2 is not None else pl.lit(False)).fill_null(False).cast(pl.Int32).alias(names[1]))
        exprs.append(den.fill_null(False).cast(pl.Int32).alias(names[2]))
    return f.select(exprs).filter(pl.col("_date").is_not_null())


def build_daily_series(
    feedback: pl.DataFrame,
    rules: Rules | None = None,
    *,
    sales: pl.DataFrame | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """One row per day x metric x slice: `num` (count, promoters, satisfied, returns), `num2` (detractors),
    `den` (items in the slice, answers, units sold). Every series covers every day from start to end.

    feedback: fct_feedback-like (feedback_id, created_date, channel, product_id, topic_l1, topic_l2,
    sentiment_label, feedback_type, nps_score, csat_score; missing columns count as null).
    sales: optional (product_id, sale_date or date, units): enables return_rate per product and overall.
    """
    rules = rules or load_rules()
    rows = feedback_rows(feedback, rules)
    if rows.height == 0:
        return pl.DataFrame(schema=SERIES_SCHEMA)
    start = start or rows["_date"].min()
    end = end or rows["_date"].max()
    rows = rows.filter(pl.col("_date").is_between(start, end))
    dates = pl.DataFrame({"date": pl.date_range(start, end, eager=True)})
    row_metrics = [m for m in rules.metrics if m != "return_rate"]
    parts: list[pl.DataFrame] = []
    for slice_type in rules.slices:
        key = f"slice:{slice_type}"
        flags = [c for m in rules.metrics for c in flag_columns(m)]
        grouped = (
            rows.filter(pl.col(key).is_not_null())
            .group_by(pl.col("_date").alias("date"), pl.col(key).alias("slice_value"))
            .agg(pl.col(c).sum().cast(pl.Float64) for c in flags)
        )
        grid = dates.join(grouped.select("slice_value").unique(), how="cross")
        full = grid.join(grouped, on=["date", "slice_value"], how="left").fill_null(0.0)
        for metric in row_metrics:
            num, num2, den = flag_columns(metric)
            parts.append(_series_part(full, metric, slice_type, num, num2, den))
        if "return_rate" in rules.metrics and sales is not None and slice_type in ("all", "product"):
            parts.append(_return_rate_part(full, sales, slice_type, dates))
    if not parts:
        return pl.DataFrame(schema=SERIES_SCHEMA)
    return pl.concat(parts, how="vertical").sort("metric", "slice_type", "slice_value", "date")


def _series_part(full: pl.DataFrame, metric: str, slice_type: str, num: str, num2: str, den: str) -> pl.DataFrame:
    return full.select(
        "date",
        pl.lit(metric).alias("metric"),
        pl.lit(slice_type).alias("slice_type"),
        "slice_value",
        pl.col(num).alias("num"),
        pl.col(num2).alias("num2"),
        pl.col(den).alias("den"),
    )


def _return_rate_part(full: pl.DataFrame, sales: pl.DataFrame, slice_type: str, dates: pl.DataFrame) -> pl.DataFrame:
    day = "sale_date" if "sale_date" in sales.columns else "date"
    units = sales.select(
        pl.col(day).cast(pl.Date).alias("date"),
        (pl.col("product_id").cast(pl.String) if slice_type == "product" else pl.lit("all")).alias("slice_value"),
        pl.col("units").cast(pl.Float64),
    ).group_by("date", "slice_value").agg(pl.col("units").sum())
    returns = full.select("date", "slice_value", pl.col("return_rate:num").alias("num"))
    grid = dates.join(pl.concat([units.select("slice_value"), returns.select("slice_value")]).unique(), how="cross")
    out = (
        grid.join(returns, on=["date", "slice_value"], how="left")
        .join(units, on=["date", "slice_value"], how="left")
        .fill_null(0.0)
    )
    return out.select(
        "date",
        pl.lit("return_rate").alias("metric"),
        pl.lit(slice_type).alias("slice_type"),
        "slice_value",
        pl.col("num"),
        pl.lit(0.0).alias("num2"),
        pl.col("units").alias("den"),
    )


# ------------------------------------------------------------------------------------------- detection
@dataclass
class _Hit:
    """One rule passing on one day of one series."""

    rule: str
    window: int
    observed: float
    expected: float
    p_value: float
    score: float
    n: float


@dataclass(frozen=True)
class _Baseline:
    """The baseline sums an event was first judged against (to re-test it when explaining it)."""

    num: float = 0.0
    num2: float = 0.0
    den: float = 0.0
    dispersion: float = 1.0
    days: float = 1.0


@dataclass
class _Event:
    metric: str
    slice_type: str
    slice_value: str
    onset: int
    detected: int
    last: int
    hit: _Hit
    days_flagged: int = 1
    peak_score: float = 0.0
    close_reason: str | None = None
    closed: bool = False
    base: _Baseline = field(default_factory=_Baseline)
    related: list[str] = field(default_factory=list)
    dates: list[date] = field(default_factory=list, repr=False)  # the scan's calendar (index -> day)
    # Events this one took the name of (the same items, a preferred name): they still explain others.
    absorbed: list[_Event] = field(default_factory=list, repr=False)
    follows: bool = False  # opened by a surge on top of an open event of its own series
    peak_day_ratio: float = 0.0  # counts: observed / expected of its busiest day from onset to detection


class _Pool:
    """Sums shared by the windows of every series of one metric (the pooled over-dispersion)."""

    def __init__(self, width: int) -> None:
        self.sums = [0.0] * width


class _Window:
    """Sums over the not-masked days of [lo, hi) while both ends move forward and days get (un)masked.

    Subclasses say what one day adds (`_apply(d, sign)`); this class keeps which days are inside.
    """

    def __init__(self, size: int, days: int) -> None:
        self.size = size
        self.inside = [False] * days
        self.lo = 0
        self.hi = 0

    def _apply(self, d: int, sign: float) -> None:
        raise NotImplementedError

    def _add(self, d: int) -> None:
        if not self.inside[d]:
            self.inside[d] = True
            self._apply(d, 1.0)

    def _remove(self, d: int) -> None:
        if self.inside[d]:
            self.inside[d] = False
            self._apply(d, -1.0)

    def advance(self, t: int, start: int, masked: list[bool]) -> None:
        lo = max(t - self.size, start)
        for d in range(max(self.hi, lo), t):
            if not masked[d]:
                self._add(d)
        for d in range(self.lo, min(lo, self.hi)):
            self._remove(d)
        self.lo, self.hi = lo, t

    def mask(self, d: int) -> None:
        self._remove(d)

    def unmask(self, d: int) -> None:
        if self.lo <= d < self.hi:
            self._add(d)


class _LevelWindow(_Window):
    """Baseline sums: [numerator, second numerator, denominator, days] and days per weekday."""

    def __init__(self, size: int, num: list[float], num2: list[float], den: list[float], dow: list[int]) -> None:
        super().__init__(size, len(num))
        self.num, self.num2, self.den, self.dow = num, num2, den, dow
        self.sums = [0.0, 0.0, 0.0, 0.0]
        self.n_w = [0.0] * 7

    def _apply(self, d: int, sign: float) -> None:
        s = self.sums
        s[0] += sign * self.num[d]
        s[1] += sign * self.num2[d]
        s[2] += sign * self.den[d]
        s[3] += sign
        self.n_w[self.dow[d]] += sign


class _ProfileWindow(_Window):
    """Items and days per weekday (a slice's own weekday profile)."""

    def __init__(self, size: int, num: list[float], dow: list[int]) -> None:
        super().__init__(size, len(num))
        self.num, self.dow = num, dow
        self.s_w = [0.0] * 7
        self.n_w = [0.0] * 7

    def _apply(self, d: int, sign: float) -> None:
        w = self.dow[d]
        self.s_w[w] += sign * self.num[d]
        self.n_w[w] += sign


class _DispersionWindow(_Window):
    """NB2 moment terms of the days, mirrored into the metric's pool (set as each day's expectation is known)."""

    def __init__(self, size: int, days: int, pool: _Pool | None) -> None:
        super().__init__(size, days)
        self.a = [0.0] * days
        self.b = [0.0] * days
        self.pool = pool

    def _apply(self, d: int, sign: float) -> None:
        if self.pool is not None:
            self.pool.sums[0] += sign * self.a[d]
            self.pool.sums[1] += sign * self.b[d]


class _SeriesScan:
    """The causal day-by-day scan of one metric+slice series: baseline, rule tests, events.

    Driven day by day (`advance` then `step`) in lockstep with the other series of its metric, so the
    metric's pooled over-dispersion on day t uses every series' days before t.
    """

    def __init__(self, key: tuple[str, str, str], spec: MetricSpec, rules: Sequence[Rule], cfg: Rules,
                 num: np.ndarray, num2: np.ndarray, den: np.ndarray, dow: np.ndarray,
                 pooled_profile: np.ndarray | None, pool: _Pool | None = None) -> None:
        self.key, self.spec, self.rules, self.cfg = key, spec, rules, cfg
        self.b = cfg.baseline
        self.num, self.num2, self.den = num, num2, den
        self.T = len(num)
        self.dow = dow.tolist()
        self.dow_prefix = np.vstack([np.zeros(7), np.cumsum(np.eye(7)[dow], axis=0)]).tolist()
        self.pooled = pooled_profile
        self.cnum = np.concatenate([[0.0], np.cumsum(num)]).tolist()
        self.cnum2 = np.concatenate([[0.0], np.cumsum(num2)]).tolist()
        self.cden = np.concatenate([[0.0], np.cumsum(den)]).tolist()
        self.expected = [math.nan] * self.T  # counts: expected items per day, as of that day
        self.level: list[float] = [math.nan] * self.T  # counts: baseline items per day before day t
        self.factors: list[list[float] | None] = [None] * self.T  # counts: weekday factors before day t
        self.snap: list[tuple[float, float, float, float] | None] = [None] * self.T  # baseline sums before t
        self.cexp = [0.0] * (self.T + 1)
        self.cvalid = [0] * (self.T + 1)
        self.masked = [False] * self.T
        self.flags: list[tuple[int, _Hit]] = []
        self.events: list[_Event] = []
        self.event: _Event | None = None
        self.alpha = 0.0
        nz = np.flatnonzero(den > 0)
        self.first = int(nz[0]) if nz.size else self.T
        self.base_start = self.first
        self.valid_from = self.first  # windows start on or after it (after a re-baseline: the day after)
        self.history_needed = self.b.min_history_days
        self.num_l = num.astype(float).tolist()
        self.lvl = _LevelWindow(self.b.window_days, self.num_l, num2.astype(float).tolist(),
                                den.astype(float).tolist(), self.dow)
        self.windows_list: list[_Window] = [self.lvl]
        if spec.kind == COUNT:
            self.prof = _ProfileWindow(self.b.profile_days, self.num_l, self.dow)
            # NB2 moment terms per day: (x - E)^2 - x (1 + 1/m) and E^2 (1 + 1/m), filled as E becomes known
            self.disp = _DispersionWindow(self.b.overdispersion_days, self.T, pool)
            self.windows_list += [self.prof, self.disp]

    # -- helpers
    def _sum(self, prefix: np.ndarray | list, a: int, b: int) -> float:
        """Sum over days [a, b] inclusive."""
        return float(prefix[b + 1] - prefix[a])

    def _windows(self) -> list[_Window]:
        return self.windows_list

    def _mask(self, d: int) -> None:
        if not self.masked[d]:
            self.masked[d] = True
            for w in self._windows():
                w.mask(d)

    def _unmask(self, d: int) -> None:
        if self.masked[d]:
            self.masked[d] = False
            for w in self._windows():
                w.unmask(d)

    def advance(self, t: int) -> None:
        if t < self.first:
            return
        for w in self._windows():
            w.advance(t, self.base_start, self.masked)

    def step(self, t: int, alpha: float = 0.0) -> None:
        """Judge day t (after `advance(t)` of every series of the metric)."""
        if t < self.first:
            return
        self.alpha = alpha
        trusted = t - self.base_start >= self.history_needed
        s = self.lvl.sums
        self.snap[t] = (s[0], s[1], s[2], s[3])
        if self.spec.kind == COUNT:
            self._count_expectation(t)
        event = self.event
        # While an event is open, only windows after its first detection count: the 14-day window that still
        # holds a spike's day would otherwise keep the event open for two weeks and swallow a new spike.
        after = event.detected + 1 if event is not None and not event.closed else self.valid_from
        hit = self._evaluate(t, after) if trusted else None
        if hit is not None:
            self.flags.append((t, hit))
        if event is not None and not event.closed and hit is not None and self._surges_past(t, hit, event):
            # A new spike on top of an open, milder event is its own anomaly (a delivery spike during a
            # week-long rise in the same channel), not a continuation of the old one.
            event.closed, event.close_reason = True, "superseded"
            self._open(t, hit, onset=t)
            self.event.follows = True
        elif event is not None and not event.closed:
            if hit is not None or self._still_elevated(t, event):
                event.last = t
                event.days_flagged += 1
                if hit is not None:
                    event.peak_score = max(event.peak_score, hit.score)
            self._mask(t)
            if t - event.last > self.cfg.cooldown_days:
                event.closed, event.close_reason = True, "recovered"
                for d in range(event.last + 1, t + 1):
                    self._unmask(d)
            elif event.last == t and t - event.onset + 1 >= self.b.rebaseline_after_days:
                # A shift that lasted: accept it as the new normal instead of alerting on it for weeks.
                event.closed, event.close_reason = True, "new_baseline"
                self.base_start = event.onset
                self.valid_from = t + 1
                self.history_needed = self.b.rebaseline_after_days
                for d in range(event.onset, t + 1):
                    if self.spec.kind == COUNT:  # residuals against the old level say nothing about noise
                        self.disp.a[d] = self.disp.b[d] = 0.0
                    self._unmask(d)
        elif hit is not None:
            earliest = max(event.last + self.cfg.cooldown_days + 1 if event else self.first, self.valid_from)
            self._open(t, hit, onset=self._onset(t, hit.window, earliest, hit))

    def _open(self, t: int, hit: _Hit, onset: int) -> None:
        self.event = _Event(*self.key, onset=onset, detected=t, last=t, hit=hit, peak_score=hit.score,
                            base=self._baseline_snapshot(t, hit), peak_day_ratio=self._peak_day_ratio(onset, t))
        self.events.append(self.event)
        for d in range(onset, t + 1):
            self._mask(d)

    def _peak_day_ratio(self, a: int, b: int) -> float:
        if self.spec.kind != COUNT:
            return 0.0
        return max((self.num_l[d] / self.expected[d] for d in range(a, b + 1)
                    if self.expected[d] > 0 and stats.count_tail_p(self.num_l[d], self.expected[d]) <= SURGE_DAY_P),
                   default=0.0)

    def _surges_past(self, t: int, hit: _Hit, event: _Event) -> bool:
        """Is this one-day count hit SURGE_RATIO times past the level of the open event so far (the days
        from its onset to yesterday against the frozen baseline), and at least SURGE_RATIO times expected?"""
        if self.spec.kind != COUNT or hit.window != 1 or hit.expected <= 0 or t - 1 < event.onset:
            return False
        expected = self._window_expected(event.onset, t - 1, base_day=event.onset)
        if not expected:
            return False
        ratio = self._sum(self.cnum, event.onset, t - 1) / expected
        return hit.observed / hit.expected >= SURGE_RATIO * max(ratio, 1.0)

    def _still_elevated(self, t: int, event: _Event) -> bool:
        """An open event goes on while the days after its first detection (at most a week) stay above the
        frozen baseline, by CONTINUE_Z and (counts) by CONTINUE_RATIO: a spike's own day does not keep it
        open, and at high volume a 2% drift is not a shift."""
        a = max(event.detected + 1, t - CONTINUE_DAYS + 1)
        if a > t:
            return False
        if self._window_z(a, t, base_day=event.onset) < CONTINUE_Z:
            return False
        if self.spec.kind != COUNT:
            return True
        expected = self._window_expected(a, t, base_day=event.onset)
        return bool(expected) and self.spec.sign * (self._sum(self.cnum, a, t) / expected - CONTINUE_RATIO) >= 0

    def _window_z(self, a: int, b: int, base_day: int | None = None) -> float:
        """Normal score of days [a, b] against the baseline as it stood before `base_day` (default a)."""
        base_day = a if base_day is None else base_day
        snap = self.snap[base_day]
        if snap is None:
            return -math.inf
        expected = self._window_expected(a, b, base_day) if self.spec.kind == COUNT else None
        return excess_z(self.spec.kind, self.spec.sign, self._sum(self.cnum, a, b), self._sum(self.cnum2, a, b),
                        self._sum(self.cden, a, b), snap[0], snap[1], snap[2], expected,
                        self._dispersion(b, expected or 0.0, b - a + 1))

    # -- counts: weekday-seasonal expectation and dispersion
    def _profile(self, t: int) -> list[float]:
        s_w, n_w = self.prof.s_w, self.prof.n_w
        total_n = sum(n_w)
        q = self.pooled[t].tolist() if self.pooled is not None else [1.0] * 7
        if total_n <= 0:
            return q
        mu = sum(s_w) / total_n
        k = self.b.profile_prior
        out = []
        for w in range(7):
            denom = n_w[w] * mu + k
            out.append((s_w[w] + k * q[w]) / denom if denom > 0 else q[w])
        return out

    def _dispersion(self, t: int, expected: float, w: int) -> float:
        """Variance / mean of a w-day sum: negative binomial (NB2) with the metric's pooled over-dispersion."""
        return 1.0 + self.alpha * expected / max(w, 1)

    def _count_expectation(self, t: int) -> None:
        exp = math.nan
        days = self.lvl.sums[3]
        if days >= 7:
            f = self._profile(t)
            n_w = self.lvl.n_w
            weight = (n_w[0] * f[0] + n_w[1] * f[1] + n_w[2] * f[2] + n_w[3] * f[3] + n_w[4] * f[4]
                      + n_w[5] * f[5] + n_w[6] * f[6])
            if weight > 0:
                self.level[t] = self.lvl.sums[0] / weight
                self.factors[t] = f
                exp = self.level[t] * f[self.dow[t]]
        self.expected[t] = exp
        valid = not math.isnan(exp)
        self.cexp[t + 1] = self.cexp[t] + (exp if valid else 0.0)
        self.cvalid[t + 1] = self.cvalid[t] + (1 if valid else 0)
        if valid and exp > 0 and t - self.base_start >= self.history_needed:
            inflate = 1.0 + 1.0 / max(days, 1.0)
            # Winsorised at 5 standard deviations: a spike nobody flagged must not widen every later test.
            cap = exp + 5.0 * math.sqrt(exp * (1.0 + self.alpha * exp))
            x = min(self.num_l[t], cap)
            self.disp.a[t] = (x - exp) ** 2 - x * inflate
            self.disp.b[t] = exp * exp * inflate

    def _baseline_snapshot(self, t: int, hit: _Hit) -> _Baseline:
        s = self.snap[t - hit.window + 1] or (0.0, 0.0, 0.0, 1.0)
        phi = self._dispersion(t, hit.expected, hit.window) if self.spec.kind == COUNT else 1.0
        return _Baseline(s[0], s[1], s[2], phi, s[3])

    # -- rule tests
    def _window_expected(self, a: int, b: int, base_day: int | None = None) -> float | None:
        """Expected items over days [a, b] from the baseline as it stood before `base_day` (default a):
        a window is judged against the weeks before it, not against days inside it."""
        base_day = a if base_day is None else base_day
        level, f = self.level[base_day], self.factors[base_day]
        if f is None or math.isnan(level):
            return None
        lo, hi = self.dow_prefix[a], self.dow_prefix[b + 1]
        return level * (f[0] * (hi[0] - lo[0]) + f[1] * (hi[1] - lo[1]) + f[2] * (hi[2] - lo[2])
                        + f[3] * (hi[3] - lo[3]) + f[4] * (hi[4] - lo[4]) + f[5] * (hi[5] - lo[5])
                        + f[6] * (hi[6] - lo[6]))

    def _evaluate(self, t: int, earliest: int | None = None) -> _Hit | None:
        """The strongest rule window ending at t (starting no earlier than `earliest`), if any fires."""
        earliest = self.valid_from if earliest is None else max(earliest, self.valid_from)
        best: _Hit | None = None
        sums: dict[int, tuple[float, float, float, float | None]] = {}
        count = self.spec.kind == COUNT
        up = self.spec.sign > 0
        cnum, cden, snap = self.cnum, self.cden, self.snap
        scores = self.spec.kind in (NPS, PROPORTION)
        for rule in self.rules:
            floor = max(rule.min_expected * rule.min_ratio, rule.min_observed) if count and up else -math.inf
            for w in rule.windows:
                a = t - w + 1
                if a < earliest or snap[a] is None:
                    continue
                if scores and (cden[t + 1] - cden[a] < rule.min_n or snap[a][2] < rule.min_n):
                    continue  # too few answers in the window or the baseline
                window = sums.get(w)
                if window is None:
                    x1 = cnum[t + 1] - cnum[a]
                    if x1 < floor:
                        continue  # cannot pass the volume and ratio gates together (the common quiet day)
                    window = sums[w] = (
                        x1,
                        self.cnum2[t + 1] - self.cnum2[a],
                        self.cden[t + 1] - self.cden[a],
                        self._window_expected(a, t) if count else None,
                    )
                elif window[0] < floor:
                    continue
                hit = self._test(rule, a, t, window)
                if hit is not None and (best is None or hit.score > best.score):
                    best = hit
        return best

    def _test(self, rule: Rule, a: int, b: int,
              window: tuple[float, float, float, float | None] | None = None) -> _Hit | None:
        kind, sign = self.spec.kind, self.spec.sign
        snap = self.snap[a]
        if snap is None:
            return None
        if window is None:
            window = (self._sum(self.cnum, a, b), self._sum(self.cnum2, a, b), self._sum(self.cden, a, b),
                      self._window_expected(a, b) if kind == COUNT else None)
        x1, x2, n1, expected = window
        w = b - a + 1
        if rule.type == "period_over_period":
            pa = a - w
            if pa < self.base_start:
                return None
            base = (self._sum(self.cnum, pa, a - 1), self._sum(self.cnum2, pa, a - 1), self._sum(self.cden, pa, a - 1))
        else:
            base = snap[:3]
        return judge_window(kind, sign, rule, x1, x2, n1, *base, w=w, expected=expected,
                           dispersion=self._dispersion(b, expected, w) if expected is not None else 1.0,
                           baseline_days=snap[3])

    def _count_onset(self, t: int, window: int, earliest: int) -> int:
        """Counts: the change point of the rise that fired, dated late within its uncertainty.

        Each start a of the firing window is scored by the Poisson log-likelihood ratio of days [a, t] at
        their own rate against the baseline before the window; the onset is the LATEST start within
        ONSET_LLR_MARGIN of the best (the end of the change point's likelihood interval), then the first day
        from it that is itself unusual (p < ONSET_P). On a thin slice one stray item where 0.1 were expected
        weighs about as much as a day of the shift, so the most likely start is often a noise day before it;
        a late onset stays inside a level shift, an early one dates the event before it began."""
        base_day = max(t - window + 1, earliest)
        if base_day >= t:  # no earlier start allowed (a hit within the cooldown after an event closed)
            return t
        llr = {a: self._rise_llr(a, t, base_day) for a in range(base_day, t + 1)}
        best = max(llr.values())
        onset = max((a for a, v in llr.items() if v > 0 and v >= best - ONSET_LLR_MARGIN), default=t)
        while onset < t:
            exp = self._window_expected(onset, onset, base_day=onset)
            if exp is None or float(stats.count_tail_p(self.num_l[onset], max(exp, 1e-6))) < ONSET_P:
                break
            onset += 1
        return onset

    def _rise_llr(self, a: int, b: int, base_day: int) -> float:
        """Poisson log-likelihood ratio of days [a, b] at their own rate against the expectation of the
        baseline as it stood before `base_day` (0 unless above it)."""
        expected = self._window_expected(a, b, base_day=base_day)
        x = self._sum(self.cnum, a, b)
        if not expected or x <= expected:
            return 0.0
        return x * math.log(x / expected) - (x - expected)

    def _onset(self, t: int, window: int, earliest: int, hit: _Hit | None = None) -> int:
        """The start of the sub-window ending at t (up to the firing window) with the strongest excess."""
        if self.spec.kind == COUNT and self.spec.sign > 0:
            return self._count_onset(t, window, earliest)
        best_z, best_a = -math.inf, t
        scores = self.spec.kind in (NPS, PROPORTION)
        firing = -math.inf
        if scores and hit is not None:
            rule = next((r for r in self.rules if r.name == hit.rule), None)
            firing = float(stats.z_score(rule.max_p_value)) if rule is not None else math.inf
        for length in range(1, window + 1):
            a = t - length + 1
            if a < earliest:
                break
            z = self._window_z(a, t)
            if scores and z >= firing:
                # Scores: the shortest sub-window that is itself beyond the rule's line. A longer one scores
                # higher on more answers alone, and a low-by-chance day before a drop would date it early.
                best_z, best_a = z, a
                break
            if z > best_z:
                best_z, best_a = z, a
        if self.spec.kind in (NPS, PROPORTION):
            # Scores: the same, on the day's own answers (a 3-day window scores higher than the one bad day
            # it holds, just by having more answers; a day without answers is no onset).
            while best_a < t:
                if self.den[best_a] > 0 and self._window_z(best_a, best_a) >= ONSET_Z:
                    break
                best_a += 1
        return best_a


def excess_z(kind: str, sign: int, x1: float, x2: float, n1: float, x0: float, x20: float, n0: float,
             expected: float | None, dispersion: float = 1.0) -> float:
    """A normal-approximation score of the window against the baseline, positive in the bad direction."""
    if kind == COUNT:
        if expected is None or expected <= 0:
            return -math.inf
        return sign * (x1 - expected) / math.sqrt(expected * dispersion)
    if kind == RATE:
        if n0 <= 0 or n1 <= 0 or x0 <= 0:
            return -math.inf
        exp = x0 * n1 / n0
        return sign * (x1 - exp) / math.sqrt(exp)
    if n1 <= 0 or n0 <= 0:
        return -math.inf
    if kind == NPS:
        return sign * stats.nps_drop_z(x1, x2, n1, x0, x20, n0)
    return sign * stats.two_proportion_z(x1, n1, x0, n0)


def _prescreen_z(max_p: float) -> float:
    """A normal score below which no exact count test can reach max_p (count tails are heavier than normal's,
    so the exact test needs a larger z; 0.85 leaves room for the discreteness of small counts)."""
    if max_p not in _Z_OF_P:
        _Z_OF_P[max_p] = 0.85 * float(stats.z_score(max_p))
    return _Z_OF_P[max_p]


_Z_OF_P: dict[float, float] = {}


def judge_window(kind: str, sign: int, rule: Rule, x1: float, x2: float, n1: float, x0: float, x20: float,
                n0: float, *, w: int, expected: float | None, dispersion: float, baseline_days: float) -> _Hit | None:
    """Does this window pass the rule? Cheap gates first; the exact test only for the few that pass them.

    counts:      observed vs expected (baseline) or vs the previous window (period over period); negative
                 binomial / exact Poisson-rate p-value; gates min_expected and min_ratio.
    rates:       exact Poisson rate test of x1 per n1 (units) vs the baseline's x0 per n0.
    NPS, shares: adjusted-Wald / two-proportion z against the baseline (min_delta points, min_n answers);
                 threshold rules also need the baseline on the right side of the line (a crossing) and the
                 window significantly beyond both the line and the baseline.
    """
    alt = "greater" if sign > 0 else "less"
    if kind == COUNT:
        if rule.type == "period_over_period":
            exp, phi = x0, 1.0 + w / max(w, 1)  # two windows of the same length: both are estimates
        elif rule.type == "baseline" and expected is not None:
            exp, phi = expected, dispersion * (1.0 + w / max(baseline_days, 1.0))
        else:
            return None
        if exp < rule.min_expected or exp <= 0 or sign * (x1 - rule.min_ratio ** sign * exp) < 0:
            return None
        if sign > 0 and x1 < rule.min_observed:
            return None
        if sign * (x1 - exp) / math.sqrt(exp * phi) < _prescreen_z(rule.max_p_value):
            return None
        if rule.type == "period_over_period":
            p = float(stats.poisson_rate_test(x1, 1.0, x0, 1.0, alt).p_value)
        else:
            p = float(stats.count_tail_p(x1, exp, phi, alt))
        return _hit(rule, w, x1, exp, p, exp)
    if kind == RATE:
        if n1 <= 0 or n0 <= 0 or rule.type == "threshold":
            return None
        exp = x0 * n1 / n0
        if exp < rule.min_expected or sign * (x1 - rule.min_ratio ** sign * exp) < 0:
            return None
        if sign * (x1 - exp) / math.sqrt(exp * (1.0 + n1 / n0)) < _prescreen_z(rule.max_p_value):
            return None
        p = float(stats.poisson_rate_test(x1, n1, x0, n0, alt).p_value)
        return _hit(rule, w, 100.0 * x1 / n1, 100.0 * x0 / n0, p, n1)
    # NPS and proportions
    if n1 < rule.min_n or n0 < rule.min_n:
        return None
    if kind == NPS:
        observed, base = 100.0 * (x1 - x2) / n1, 100.0 * (x0 - x20) / n0
        z = sign * stats.nps_drop_z(x1, x2, n1, x0, x20, n0)
    else:
        observed, base = 100.0 * x1 / n1, 100.0 * x0 / n0
        z = sign * stats.two_proportion_z(x1, n1, x0, n0)
    if rule.type == "threshold":
        line = rule.above if sign > 0 else rule.below
        if line is None:
            return None
        line_pts = 100.0 * line if kind == PROPORTION else line
        # A crossing: beyond the line now, on the right side of it before, and a real rise, not noise.
        if sign * (observed - line_pts) <= 0 or sign * (base - line_pts) > 0:
            return None
        if sign * (observed - base) < rule.min_delta:
            return None
        if kind == PROPORTION:
            k = x1 if sign > 0 else n1 - x1
            q = line if sign > 0 else 1 - line
            z_line = (k - n1 * q) / math.sqrt(n1 * q * (1 - q))
        else:
            value, var = stats.nps_adjusted(x1, x2, n1)
            z_line = sign * (float(value) - line_pts) / math.sqrt(float(var))
        z = min(z, z_line)
    elif rule.type == "baseline":
        if sign * (observed - base) < rule.min_delta:
            return None
    else:
        return None
    if z < _prescreen_z(rule.max_p_value):
        return None
    # Student's t with the window's answers as degrees of freedom: a mean of 30-60 scores of 0-10 has
    # heavier tails than the normal curve this far out (clean samples showed z = 4.6 on n = 35).
    p = stats.t_sf(z, n1 - 1.0)
    if p > rule.max_p_value:
        return None
    return _Hit(rule.name, w, observed, base, p, float(stats.z_score(p)), n1)


def _hit(rule: Rule, w: int, observed: float, expected: float, p: float, n: float) -> _Hit | None:
    if p > rule.max_p_value:
        return None
    return _Hit(rule.name, w, observed, expected, p, float(stats.z_score(p)), n)


def _pooled_profiles(series: pl.DataFrame, rules: Rules, dates: list[date]) -> dict[str, np.ndarray]:
    """Per count metric and day: the whole feed's weekday factors over the trailing profile window."""
    out: dict[str, np.ndarray] = {}
    days = len(dates)
    dow = np.array([d.weekday() for d in dates])
    reference = "all" if "all" in rules.slices else next(iter(rules.slices))
    for metric, spec in rules.metrics.items():
        if spec.kind != COUNT:
            continue
        total = (
            series.filter((pl.col("metric") == metric) & (pl.col("slice_type") == reference))
            .group_by("date").agg(pl.col("num").sum()).sort("date")
        )
        values = np.zeros(days)
        index = {d: i for i, d in enumerate(dates)}
        for d, v in total.iter_rows():
            values[index[d]] = v
        c_sum = np.zeros((days + 1, 7))
        c_cnt = np.zeros((days + 1, 7))
        c_sum[1:, :] = np.cumsum(np.eye(7)[dow] * values[:, None], axis=0)
        c_cnt[1:, :] = np.cumsum(np.eye(7)[dow], axis=0)
        prof = np.ones((days, 7))
        size = 2 * rules.baseline.profile_days  # the whole feed: 16 weeks, ~2x steadier than one slice's 8
        for t in range(days):
            lo = max(0, t - size)
            s = c_sum[t] - c_sum[lo]
            n = c_cnt[t] - c_cnt[lo]
            if n.sum() > 0 and s.sum() > 0 and (n > 0).all():
                mean_w = s / n
                prof[t] = mean_w / (s.sum() / n.sum())
        out[metric] = prof
    return out


def scan_series(series: pl.DataFrame, rules: Rules) -> tuple[list[_Event], dict[tuple[str, str, str], list]]:
    """Run every rule over every series; events before explanation, plus the days each series flagged."""
    if series.height == 0:
        return [], {}
    dates = pl.date_range(series["date"].min(), series["date"].max(), eager=True).to_list()
    pooled = _pooled_profiles(series, rules, dates)
    by_metric_slice: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules.rules:
        for metric in rule.metrics:
            for slice_type in rule.slice_types:
                by_metric_slice.setdefault((metric, slice_type), []).append(rule)
    wanted = pl.DataFrame(
        [{"metric": m, "slice_type": s} for m, s in by_metric_slice],
        schema={"metric": pl.String, "slice_type": pl.String},
    )
    subset = series.join(wanted, on=["metric", "slice_type"], how="semi").sort(
        "metric", "slice_type", "slice_value", "date")
    dow = np.array([d.weekday() for d in dates])
    scans: dict[str, list[_SeriesScan]] = {}
    pools: dict[str, _Pool] = {}
    for key, part in subset.group_by(["metric", "slice_type", "slice_value"], maintain_order=True):
        metric, slice_type, slice_value = (str(k) for k in key)
        spec = rules.metrics[metric]
        applicable = by_metric_slice[(metric, slice_type)]
        if part.height != len(dates):
            raise ValueError(f"series {key} does not cover every day; build it with build_daily_series")
        num = part["num"].to_numpy().astype(float)
        den = part["den"].to_numpy().astype(float)
        if not _can_alert(spec, applicable, num, den):
            continue  # too thin for any volume gate (it would weigh nothing in the pooled dispersion either)
        pool = pools.setdefault(metric, _Pool(2))
        scan = _SeriesScan((metric, slice_type, slice_value), spec, applicable, rules, num,
                           part["num2"].to_numpy().astype(float), den, dow, pooled.get(metric), pool)
        scans.setdefault(metric, []).append(scan)
    events: list[_Event] = []
    flags: dict[tuple[str, str, str], list] = {}
    max_alpha = rules.baseline.max_overdispersion
    for metric, group in scans.items():
        pool = pools[metric]
        for t in range(len(dates)):
            for scan in group:
                scan.advance(t)
            num_sum, den_sum = pool.sums
            alpha = min(max(num_sum / den_sum, 0.0), max_alpha) if den_sum > 0 else 0.0
            for scan in group:
                scan.step(t, alpha)
        for scan in group:
            events.extend(scan.events)
            if scan.flags:
                flags[scan.key] = [(dates[t], h) for t, h in scan.flags]
    for e in events:
        e.dates = dates
    return events, flags


def _can_alert(spec: MetricSpec, rules: Sequence[Rule], num: np.ndarray, den: np.ndarray) -> bool:
    """Can any window of this series ever pass a rule's volume gates? (Exact pre-filter, for speed: most
    product series never hold 10 items in two weeks.)"""
    c_num = np.concatenate([[0.0], np.cumsum(num)])
    c_den = np.concatenate([[0.0], np.cumsum(den)])
    for rule in rules:
        for w in rule.windows:
            if w > len(num):
                continue
            if spec.kind in (COUNT, RATE):
                need = max(rule.min_observed, rule.min_expected * rule.min_ratio if spec.sign > 0 else 0.0)
                if (c_num[w:] - c_num[:-w]).max() >= need:
                    return True
            elif (c_den[w:] - c_den[:-w]).max() >= rule.min_n:
                return True
    return False


# ------------------------------------------------------------------------------------------- explanation
def _slice_expr(slice_type: str, slice_value: str) -> pl.Expr:
    return pl.col(f"slice:{slice_type}") == slice_value


def _disjoint(a: _Event, b: _Event) -> bool:
    return a.slice_type == b.slice_type and a.slice_value != b.slice_value


def _retest(cfg: Rules, e: _Event, x1: float, x2: float, n1: float) -> bool:
    """Would the event's first detection still fire with these window sums?"""
    spec = cfg.metrics[e.metric]
    rule = next(r for r in cfg.rules if r.name == e.hit.rule)
    x0, x20, n0 = e.base.num, e.base.num2, e.base.den
    if spec.kind == COUNT and rule.type == "baseline":
        return judge_window(COUNT, spec.sign, rule, x1, x2, n1, x0, x20, n0, w=e.hit.window,
                           expected=e.hit.expected, dispersion=e.base.dispersion,
                           baseline_days=e.base.days) is not None
    if spec.kind == COUNT:  # period over period: the previous window is the baseline
        return judge_window(COUNT, spec.sign, rule, x1, x2, n1, e.hit.expected, 0.0, 0.0, w=e.hit.window,
                           expected=None, dispersion=1.0, baseline_days=1.0) is not None
    return judge_window(spec.kind, spec.sign, rule, x1, x2, n1, x0, x20, n0, w=e.hit.window, expected=None,
                       dispersion=1.0, baseline_days=1.0) is not None


def _window_dates(e: _Event) -> tuple[date, date]:
    dates = e.dates
    return dates[e.detected - e.hit.window + 1], dates[e.detected]


def explain(events: list[_Event], rows: pl.DataFrame, cfg: Rules) -> list[_Event]:
    """Fold events that a stronger, overlapping event fully explains into it; return the primary events.

    Strongest first (score); an event is explained when removing the overlapping primaries' excess items
    from its window leaves its rule silent. Two events that explain each other (the same extra items seen as
    negative feedback and as complaints, or a delivery spike that is all in one channel) keep the one the
    configuration prefers (`slice_priority`, then `metric_priority`) if it leaves nothing of the other.
    """
    if not events or rows.height == 0:
        return events
    slice_rank = {s: i for i, s in enumerate(cfg.slice_priority)}
    metric_rank = {m: i for i, m in enumerate(cfg.metric_priority)}

    def preference(e: _Event) -> tuple[int, int]:
        return slice_rank.get(e.slice_type, 99), metric_rank.get(e.metric, 99)

    def explainers(e: _Event, primaries: list[_Event]) -> tuple[list[_Event], dict[int, _Event]]:
        """The primaries (and the events they took the name of) that overlap e, and the primary of each."""
        lo, hi = _window_dates(e)
        found, owner = [], {}
        for p in primaries:
            for c in (p, *p.absorbed):
                if c is not e and not _disjoint(c, e) and e.dates[c.onset] <= hi and lo <= _active_until(c):
                    found.append(c)
                    owner[id(c)] = p
        return found, owner

    def explained(e: _Event, primaries: list[_Event]) -> _Event | None:
        candidates, owner = explainers(e, primaries)
        by = _explained_by(e, candidates, rows, cfg) if candidates else None
        if by is None and len(candidates) > 1:
            # One primary alone: a stronger one that takes only part of the shared items (its lift caps what it
            # accounts for) leaves the rest claimed, out of reach of the one that holds them all (a topic's
            # spike in tickets, and the ticket family's complaints seen as negative feedback).
            by = next((c for c in candidates if _explained_by(e, [c], rows, cfg) is c), None)
        return owner[id(by)] if by is not None else None

    order = sorted(events, key=lambda e: (-e.hit.score, preference(e)))
    primaries: list[_Event] = []
    for e in order:
        explained_by = explained(e, primaries)
        if explained_by is None:
            primaries.append(e)
            continue
        # e replaces its explainer only if it leaves no evidence in it: zendesk does not replace "all tickets"
        # when the ticket export rose too, but does when the rise is all in zendesk.
        if _names_better(e, explained_by, rows, cfg, preference):
            primaries[primaries.index(explained_by)] = e
            e.related.extend([_label(explained_by), *explained_by.related])
            e.absorbed.extend([explained_by, *explained_by.absorbed])
            continue
        explained_by.related.append(_label(e))
    # Second pass, weakest first: a primary accepted early (a narrow slice where the extra items bunched,
    # scoring above the broad slice they belong to) folds into a later one that explains it.
    folded = True
    while folded:
        folded = False
        for e in sorted(primaries, key=lambda p: p.hit.score):
            by = explained(e, [p for p in primaries if p is not e])
            if by is None:
                continue
            if _names_better(e, by, rows, cfg, preference):
                continue  # e is the better name for the same items: it stays, by was folded into it
            by.related.extend([_label(e), *e.related])
            primaries.remove(e)
            folded = True
            break
    return primaries


def _names_better(e: _Event, p: _Event, rows: pl.DataFrame, cfg: Rules, preference) -> bool:
    """Should e, explained by p, be named instead of p? When e leaves no evidence in p (p's excess is all
    inside e: a spike in one channel of a family) and either p does not do the same for e or the
    configuration prefers e (the same items seen as complaints and as negative feedback)."""
    if _explained_by(p, [e], rows, cfg, fully=True) is not e:
        return False
    return _explained_by(e, [p], rows, cfg, fully=True) is None or preference(e) < preference(p)


def _add_sibling_metrics(events: list[_Event], series: pl.DataFrame, cfg: Rules) -> None:
    """Name in `related` the other metrics of the same slice that moved the bad way in the event's window
    (z >= SIBLING_Z against the weeks before its onset): one alert says "negative feedback (also
    complaints)" when the same items carry both, even if the second did not pass its own rule."""
    if not events:
        return
    wanted = pl.DataFrame({"slice_type": [e.slice_type for e in events],
                           "slice_value": [e.slice_value for e in events]}).unique()
    part = series.join(wanted, on=["slice_type", "slice_value"], how="semi")
    by_key = {key: frame.sort("date") for key, frame in part.group_by(["metric", "slice_type", "slice_value"])}
    for e in events:
        dates = e.dates
        lo, hi = _window_dates(e)
        base_lo = dates[max(0, e.onset - cfg.baseline.window_days)]
        base_hi = dates[max(0, e.onset - 1)]
        base_days = max((base_hi - base_lo).days + 1, 1)
        for metric, spec in cfg.metrics.items():
            if metric == e.metric or (metric, e.slice_type, e.slice_value) not in by_key:
                continue
            frame = by_key[(metric, e.slice_type, e.slice_value)]
            win = frame.filter(pl.col("date").is_between(lo, hi))
            base = frame.filter(pl.col("date").is_between(base_lo, base_hi))
            x1, x2, n1 = (float(win[c].sum()) for c in ("num", "num2", "den"))
            x0, x20, n0 = (float(base[c].sum()) for c in ("num", "num2", "den"))
            if spec.kind == COUNT:
                expected = x0 / base_days * ((hi - lo).days + 1)
                z = excess_z(COUNT, spec.sign, x1, x2, n1, 0, 0, 0, expected) if expected >= 1 else -math.inf
            elif n1 >= 10 and n0 >= 30:
                z = excess_z(spec.kind, spec.sign, x1, x2, n1, x0, x20, n0, None)
            else:
                z = -math.inf
            label = f"{metric}:{e.slice_type}={e.slice_value}"
            if z >= SIBLING_Z and label not in e.related:
                e.related.append(label)


def _active_until(e: _Event) -> date:
    """The last day an event can explain others: a shift accepted as the new normal goes on (its slices'
    own baselines still see it), anything else ends on its last elevated day."""
    return e.dates[-1] if e.close_reason == "new_baseline" else e.dates[e.last]


def _label(e: _Event) -> str:
    return f"{e.metric}:{e.slice_type}={e.slice_value}"


def _explained_by(e: _Event, primaries: list[_Event], rows: pl.DataFrame, cfg: Rules,
                  fully: bool = False) -> _Event | None:
    """The primary that accounts for most of e's excess, if together they account for all of it.

    Each primary's items inside e's slice and window are set back to what e's baseline expects of them:
    items a count (or return) anomaly added are removed; answers an NPS / share anomaly changed are put back
    at their own baseline rates. If e's rule no longer fires on what is left, e is explained; `fully` asks
    more: no evidence left at all (below NO_EVIDENCE_Z).
    """
    lo, hi = _window_dates(e)
    spec = cfg.metrics[e.metric]
    num_c, num2_c, den_c = flag_columns(e.metric)
    in_slice = _slice_expr(e.slice_type, e.slice_value)
    window = rows.filter(pl.col("_date").is_between(lo, hi) & in_slice)
    dates = e.dates
    history = rows.filter(
        pl.col("_date").is_between(dates[max(0, e.onset - cfg.baseline.window_days)], dates[max(0, e.onset - 1)])
        & in_slice
    )
    everything = rows.filter(pl.col("_date").is_between(lo, hi))
    history_lo, history_hi = dates[max(0, e.onset - cfg.baseline.window_days)], dates[max(0, e.onset - 1)]
    all_history = rows.filter(pl.col("_date").is_between(history_lo, history_hi))
    window_days = (hi - lo).days + 1
    history_days = max((history_hi - history_lo).days + 1, 1)
    x1, x2, n1 = float(window[num_c].sum()), float(window[num2_c].sum()), float(window[den_c].sum())
    x0, x20, n0 = e.base.num, e.base.num2, e.base.den
    if spec.kind == COUNT:
        expected_items = e.hit.expected
    elif spec.kind == RATE:
        expected_items = e.hit.n * e.hit.expected / 100.0  # units sold in the window x the baseline rate
    else:
        expected_items = 0.0
    best, best_excess, total_excess = None, 0.0, 0.0
    member_observed = member_expected = 0.0  # e's items that are also the primaries' (counts, rates)
    # Items an earlier (stronger) primary already took out: each item is removed once, not once per primary
    # that contains it (the return channel's shift, seen again in the whole feed and in its category).
    claimed: pl.Expr = pl.lit(False)
    for p in primaries:
        p_num, _, p_den = flag_columns(p.metric)
        # Only the days both are anomalous: a one-day spike explains its own day of e's two-week window.
        o_lo, o_hi = max(lo, dates[p.onset]), min(hi, _active_until(p))
        if o_lo > o_hi:
            continue
        overlap_days = (o_hi - o_lo).days + 1
        on_days = pl.col("_date").is_between(o_lo, o_hi)
        # The primary's items: counts and rates add items (p_num); NPS / shares change answers (p_den).
        adds_items = cfg.metrics[p.metric].kind in (COUNT, RATE)
        own_member = _slice_expr(p.slice_type, p.slice_value) & (pl.col(p_num if adds_items else p_den) > 0)
        if _began_elsewhere(e, p, rows, in_slice, claimed, o_lo, o_hi, history_lo, history_hi, cfg):
            continue
        member = own_member & ~claimed
        unclaimed, claimed = claimed, claimed | own_member
        p_window_rows = window.filter(on_days)
        if adds_items:
            # A count anomaly scales its slice's items up by about its lift: of e's items that are also the
            # primary's, only what that lift adds (with LIFT_TOLERANCE for an uneven mix of the extra items)
            # is the primary's doing; a product's own 8x spike inside a 1.6x category is not the category's.
            # The primary's lift is measured OUTSIDE e's slice: a category whose only rise is e's own
            # (a topic inside it) is not the cause of e. With too little outside (e contains the primary,
            # or the same slice seen through another metric) all of the overlap's excess is the primary's.
            # Nor when p cuts across e (a topic and a channel) and nothing of p is elevated outside e: the same
            # extra items seen through two slices (a delivery spike that all came in through zendesk). A slice
            # that contains e (its category) with nothing elevated outside e is e's rise seen from above.
            p_window = float(everything.filter(on_days & member & ~in_slice).height)
            p_expected = float(all_history.filter(member & ~in_slice).height) * overlap_days / history_days
            across = everything.filter(in_slice & ~_slice_expr(p.slice_type, p.slice_value)).height > 0
            if p_expected < MIN_OUTSIDE_ITEMS or (
                    across and (p_window - p_expected) / math.sqrt(p_expected) < NO_EVIDENCE_Z):
                lift = math.inf
            else:
                lift = p_window / p_expected
                # A count spike SURGE_RATIO times past what an earlier, still running anomaly lifts items by is
                # its own incident (an appstore spike at 5.6x during a week-old 2x service shift), as a surge
                # on top of an open event is in the scan; unless its series was already part of that anomaly
                # (the scan split a topic's rise during a channel shift at a surge).
                if (spec.kind == COUNT and not e.follows
                        and (dates[e.onset] - dates[p.detected]).days >= SURGE_GAP_DAYS and e.hit.expected > 0
                        and max(e.hit.observed / e.hit.expected, e.peak_day_ratio)
                        >= SURGE_RATIO * max(lift, 1.0)):
                    claimed = unclaimed
                    continue
        if spec.kind in (COUNT, RATE):
            o_int = float(p_window_rows.filter(member)[num_c].sum())
            base_all = float(history[num_c].sum())
            share = float(history.filter(member)[num_c].sum()) / base_all if base_all > 0 else 0.0
            e_int = share * expected_items * overlap_days / window_days
            member_observed += o_int
            member_expected += e_int
            excess = max(0.0, o_int - e_int)
            if adds_items:
                excess = min(excess, _attributable(e_int, lift, fully))
            x1 -= excess
        else:
            inside = p_window_rows.filter(member & (pl.col(den_c) > 0))
            n_int = float(inside[den_c].sum())
            if n_int <= 0:
                continue
            b_in = history.filter(member & (pl.col(den_c) > 0))
            if adds_items:
                base_share = float(b_in[den_c].sum()) / max(float(history[den_c].sum()), 1.0)
                e_int = base_share * float(p_window_rows[den_c].sum())
                extra = min(max(0.0, n_int - e_int), _attributable(e_int, lift, fully))
                h = min(1.0, extra / n_int)
                excess = h * n_int
                x1 -= h * float(inside[num_c].sum())
                x2 -= h * float(inside[num2_c].sum())
                n1 -= h * n_int
            else:
                # Answers that changed value: put them back at their own baseline rates.
                b_n = float(b_in[den_c].sum())
                r1 = float(b_in[num_c].sum()) / b_n if b_n >= 10 else (x0 / n0 if n0 else 0.0)
                r2 = float(b_in[num2_c].sum()) / b_n if b_n >= 10 else (x20 / n0 if n0 else 0.0)
                new_x1 = x1 - float(inside[num_c].sum()) + n_int * r1
                new_x2 = x2 - float(inside[num2_c].sum()) + n_int * r2
                excess = abs(new_x1 - x1) + abs(new_x2 - x2)
                x1, x2 = new_x1, new_x2
        total_excess += excess
        if excess > best_excess:
            best, best_excess = p, excess
    if best is None:
        return None
    # A primary that only shaves a few items off a marginal detection does not explain it.
    own_excess = _excess(cfg, e)
    if own_excess > 0 and (total_excess / own_excess) < MIN_EXPLAINED_SHARE:
        return None
    if fully:
        return best if _remainder_z(cfg, e, x1, x2, n1) < NO_EVIDENCE_Z else None
    if _retest(cfg, e, x1, x2, n1):
        return None
    if spec.kind == COUNT and _fires_outside(cfg, e, member_observed, member_expected):
        return None
    return best


def _fires_outside(cfg: Rules, e: _Event, member_observed: float, member_expected: float) -> bool:
    """Does e fire on its items outside the primaries' slices alone (their observed and expected both left
    out)? A damaged-item spike in tickets while the return channel runs at 3x: setting the returns back to
    their usual level leaves their noise in the test; leaving them out shows the tickets' own 5x rise.
    Only when a real part of e's expectation (OUTSIDE_SHARE) is outside: a slice that is nearly all the
    primary's items (complaints seen against negative feedback) leaves a few items to noise."""
    rule = next(r for r in cfg.rules if r.name == e.hit.rule)
    if rule.type != "baseline" or member_expected <= 0:
        return False
    expected = e.hit.expected - member_expected
    if expected < OUTSIDE_SHARE * e.hit.expected:
        return False
    spec = cfg.metrics[e.metric]
    observed = e.hit.observed - member_observed
    return judge_window(COUNT, spec.sign, rule, observed, 0.0, 0.0, e.base.num, e.base.num2, e.base.den,
                        w=e.hit.window, expected=expected, dispersion=e.base.dispersion,
                        baseline_days=e.base.days) is not None


def _outside_z(p: _Event, rows: pl.DataFrame, exclude: pl.Expr, lo: date, hi: date, history_lo: date,
               history_hi: date, cfg: Rules) -> float | None:
    """Normal score of p's metric in p's slice on days [lo, hi] against [history_lo, history_hi], leaving out
    the rows `exclude` selects (another event's slice); None when too little is left to tell."""
    spec = cfg.metrics[p.metric]
    num_c, num2_c, den_c = flag_columns(p.metric)
    sel = _slice_expr(p.slice_type, p.slice_value) & ~exclude
    days = (hi - lo).days + 1
    history_days = max((history_hi - history_lo).days + 1, 1)
    window = rows.filter(pl.col("_date").is_between(lo, hi) & sel)
    history = rows.filter(pl.col("_date").is_between(history_lo, history_hi) & sel)
    if spec.kind in (COUNT, RATE):
        expected = float(history[num_c].sum()) * days / history_days
        if expected < MIN_OUTSIDE_ITEMS:
            return None
        return spec.sign * (float(window[num_c].sum()) - expected) / math.sqrt(expected)
    x1, x2, n1 = (float(window[c].sum()) for c in (num_c, num2_c, den_c))
    x0, x20, n0 = (float(history[c].sum()) for c in (num_c, num2_c, den_c))
    if n1 < 10 or n0 < 30:
        return None
    return excess_z(spec.kind, spec.sign, x1, x2, n1, x0, x20, n0, None)


def _began_elsewhere(e: _Event, p: _Event, rows: pl.DataFrame, in_slice: pl.Expr, claimed: pl.Expr,
                     o_lo: date, o_hi: date, history_lo: date, history_hi: date, cfg: Rules) -> bool:
    """Is p an earlier, different incident that only still looks elevated because of e? p fired before e
    began, on evidence outside e's slice (another channel, another topic), and on the days they share
    nothing outside e's slice (and outside items already accounted for) is elevated any more: e is new
    (a survey-wide NPS drop on Monday, then Thursday's typeform drop keeps the survey family low; a return
    channel shift, then a damaged-item spike in tickets). An event detected together with e, or one that
    never had evidence outside e (e seen through a broader slice), is not."""
    dates = p.dates
    if dates[p.detected] >= dates[e.onset]:
        return False
    p_lo, p_hi = _window_dates(p)
    then = _outside_z(p, rows, in_slice, p_lo, p_hi, dates[max(0, p.onset - cfg.baseline.window_days)],
                      dates[max(0, p.onset - 1)], cfg)
    if then is None or then < NO_EVIDENCE_Z:
        return False
    now = _outside_z(p, rows, in_slice | claimed, o_lo, o_hi, history_lo, history_hi, cfg)
    return now is not None and now < NO_EVIDENCE_Z


def _attributable(expected: float, lift: float, strict: bool = False) -> float:
    """The most of a cell's excess a count anomaly of this lift can account for: its lift on the cell's
    expected items, LIFT_TOLERANCE times over (extra items rarely follow the usual mix), plus Poisson noise
    (left out when the question is whether the anomaly accounts for ALL of the cell's excess)."""
    if math.isinf(lift):
        return math.inf
    noise = 0.0 if strict else NOISE_Z * math.sqrt(max(expected * lift, 0.0))
    return max(0.0, LIFT_TOLERANCE * expected * (lift - 1.0) + noise)


def _excess(cfg: Rules, e: _Event) -> float:
    """e's own excess in the units `_explained_by` removes: items (counts, rates) or answers moved (scores)."""
    kind = cfg.metrics[e.metric].kind
    if kind == COUNT:
        return e.hit.observed - e.hit.expected
    if kind == RATE:
        return e.hit.n * (e.hit.observed - e.hit.expected) / 100.0
    return abs(e.hit.observed - e.hit.expected) / 100.0 * e.hit.n


def _remainder_z(cfg: Rules, e: _Event, x1: float, x2: float, n1: float) -> float:
    """Normal score of what is left of e's first window against its baseline."""
    spec = cfg.metrics[e.metric]
    if spec.kind == COUNT:
        rule = next(r for r in cfg.rules if r.name == e.hit.rule)
        phi = 2.0 if rule.type == "period_over_period" else e.base.dispersion
        return excess_z(COUNT, spec.sign, x1, x2, n1, 0.0, 0.0, 0.0, e.hit.expected, phi)
    return excess_z(spec.kind, spec.sign, x1, x2, n1, e.base.num, e.base.num2, e.base.den, None)


# ------------------------------------------------------------------------------------------- output
def anomaly_id(metric: str, slice_type: str, slice_value: str, first_detected: date) -> str:
    """Stable id of an event: the same metric, slice and onset give the same id on every run."""
    key = f"{metric}|{slice_type}|{slice_value}|{first_detected.isoformat()}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def sample_ids(rows: pl.DataFrame, e: _Event, k: int, lo: date, hi: date) -> list[str]:
    """Up to k feedback ids behind the event: its metric's items in its slice and detection window."""
    num_c, num2_c, den_c = flag_columns(e.metric)
    frame = rows.filter(pl.col("_date").is_between(lo, hi) & _slice_expr(e.slice_type, e.slice_value))
    if e.metric == "nps":
        pick = pl.col(num2_c) > 0  # detractors behind an NPS drop
    elif e.metric == "csat":
        pick = (pl.col(den_c) > 0) & (pl.col(num_c) == 0)  # unsatisfied answers
    else:
        pick = pl.col(num_c) > 0
    return frame.filter(pick & pl.col("feedback_id").is_not_null()).sort("feedback_id")["feedback_id"].head(k).to_list()


def detect(
    series: pl.DataFrame,
    rules: Rules | None = None,
    *,
    feedback: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Anomaly events (ANOMALY_SCHEMA): one row per metric+slice event, by first_detected then score.

    - window_start..window_end: the rule window that first fired; observed / expected: its value and the
      baseline's (counts: items in the window; NPS: points; CSAT, rates: percent); score: the z-equivalent
      of the rule's one-sided p-value; severity from the score (config `severity`);
    - first_detected: the onset (first unusual day); detected_on: the day the rule fired; last_seen: the
      last day the event was still elevated; close_reason: recovered | new_baseline | superseded (null
      while open);
    - related: metric:slice labels the event accounts for (folded events, other metrics of its slice).

    With `feedback` (the frame the series came from), events explained by a stronger one are folded into it
    and each event carries sample feedback ids.
    """
    rules = rules or load_rules()
    events, _ = scan_series(series, rules)
    rows = feedback_rows(feedback, rules) if feedback is not None else None
    if rows is not None and rules.explain:
        events = explain(events, rows, rules)
        _add_sibling_metrics(events, series, rules)
    out = []
    for e in events:
        dates = e.dates
        lo, hi = _window_dates(e)
        first = dates[e.onset]
        samples = sample_ids(rows, e, rules.sample_ids, dates[e.onset], hi) if rows is not None else []
        out.append({
            "anomaly_id": anomaly_id(e.metric, e.slice_type, e.slice_value, first),
            "metric": e.metric,
            "slice_type": e.slice_type,
            "slice_value": e.slice_value,
            "window_start": lo,
            "window_end": hi,
            "observed": e.hit.observed,
            "expected": e.hit.expected,
            "score": round(e.hit.score, 3),
            "p_value": e.hit.p_value,
            "severity": rules.severity_of(e.hit.score),
            "rule": e.hit.rule,
            "first_detected": first,
            "detected_on": dates[e.detected],
            "last_seen": dates[e.last],
            "is_open": not e.closed,
            "close_reason": e.close_reason,
            "days_flagged": e.days_flagged,
            "peak_score": round(e.peak_score, 3),
            "n": e.hit.n,
            "related": "; ".join(sorted(set(e.related))) or None,
            "sample_feedback_ids": "; ".join(samples) or None,
        })
    frame = pl.DataFrame(out, schema=ANOMALY_SCHEMA)
    return frame.sort(["first_detected", "score"], descending=[False, True])


def detect_feedback(
    feedback: pl.DataFrame,
    rules: Rules | None = None,
    *,
    sales: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Series and anomaly events from a fct_feedback-like frame in one call."""
    rules = rules or load_rules()
    series = build_daily_series(feedback, rules, sales=sales)
    return series, detect(series, rules, feedback=feedback)


# ------------------------------------------------------------------------------------------- evaluation
@dataclass
class Evaluation:
    """Precision and recall of detected events against injected anomalies.

    Matching rule: an injected anomaly (metric, slice_type, slice_value, [start_date, end_date]) is found by
    the first event on the same metric+slice whose first_detected lies within [start_date, end_date]; every
    other event is a false positive (a second event for the same injected anomaly included: a level shift
    that alerts twice counts one hit and one false alarm). With `match_related`, an event also stands for
    the metric+slices folded into it (its `related` column: the same items seen through another metric or
    slice, one alert for both); without it only the event's own metric+slice counts.
    """

    injected: int
    events: int
    true_positives: int
    found: list[dict]
    missed: list[dict]
    false_positives: list[dict]
    match_related: bool = True

    @property
    def precision(self) -> float:
        return self.true_positives / self.events if self.events else 1.0

    @property
    def recall(self) -> float:
        return len(self.found) / self.injected if self.injected else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "injected": self.injected, "events": self.events, "true_positives": self.true_positives,
            "false_positives": len(self.false_positives), "precision": round(self.precision, 4),
            "recall": round(self.recall, 4), "match_related": self.match_related, "found": self.found,
            "missed": self.missed, "false_positive_events": self.false_positives,
        }


def evaluate(anomalies: pl.DataFrame, injected: Iterable[Mapping[str, Any]], *,
             match_related: bool = True) -> Evaluation:
    """Match anomaly events to injected anomalies (see Evaluation for the rule)."""
    truth = []
    for a in injected:
        slice_type, slice_value = canonical_slice(str(a.get("slice_type") or "all"), a.get("slice_value"))
        truth.append({
            "kind": a.get("kind"),
            "metric": canonical_metric(str(a["metric"])),
            "slice_type": slice_type,
            "slice_value": slice_value,
            "start_date": _as_date(a["start_date"]),
            "end_date": _as_date(a.get("end_date") or a["start_date"]),
            "magnitude": a.get("magnitude"),
        })
    events = anomalies.sort("first_detected").to_dicts() if anomalies.height else []

    def labels(e: dict, own_only: bool) -> set[str]:
        own = {f"{e['metric']}:{e['slice_type']}={e['slice_value']}"}
        if own_only or not e.get("related"):
            return own
        return own | set(str(e["related"]).split("; "))

    used: set[int] = set()
    matched: dict[int, int] = {}
    # Own metric+slice first, then (optionally) folded ones, so a folded label never steals an own match.
    for own_only in (True, False) if match_related else (True,):
        for ti, t in enumerate(truth):
            if ti in matched:
                continue
            label = f"{t['metric']}:{t['slice_type']}={t['slice_value']}"
            match = next(
                (i for i, e in enumerate(events)
                 if i not in used and label in labels(e, own_only)
                 and t["start_date"] <= e["first_detected"] <= t["end_date"]),
                None,
            )
            if match is not None:
                used.add(match)
                matched[ti] = match
    found, missed = [], []
    for ti, t in enumerate(truth):
        if ti not in matched:
            missed.append(_jsonable(t))
            continue
        e = events[matched[ti]]
        found.append({**_jsonable(t), "anomaly_id": e["anomaly_id"], "event_metric": e["metric"],
                      "event_slice": f"{e['slice_type']}={e['slice_value']}",
                      "first_detected": e["first_detected"].isoformat(), "score": e.get("score")})
    fps = [
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in e.items()
         if k in ("anomaly_id", "metric", "slice_type", "slice_value", "first_detected", "last_seen", "rule",
                  "observed", "expected", "score", "related")}
        for i, e in enumerate(events) if i not in used
    ]
    return Evaluation(len(truth), len(events), len(used), found, missed, fps, match_related)


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _jsonable(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}
