"""Headline statistics of the report: a score over a window, its 95% interval, and the change's significance.

The definitions are the marts' (dbt macros `nps_mart`, `csat_mart`, `ces_mart`, DECISIONS.md), so a 30-day
window reads exactly like a day or a week of the marts:
- NPS = 100·(P − D)/n; 95% interval NPS ± 1.96·√Var with the adjusted-Wald variance (REFERENCE §1, Rocks 2016,
  `analytics.stats.nps_adjusted`); a change is significant when |ΔNPS| > 1.96·√(Var₁ + Var₂).
- CSAT = 100·satisfied/n with the Wilson score interval; change: pooled two-proportion z-test
  (`analytics.stats.two_proportion_z`).
- CES = mean with the t-interval mean ± t(0.975, n−1)·s/√n; change: |Δ| > 1.96·√(s₁²/n₁ + s₂²/n₂).
Intervals are clipped to the scale (−100…100, 0…100, 1…7): a two-answer window has no 173-point NPS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import t as student_t

from analytics import stats as analytics_stats

Z95 = 1.96  # the marts' critical value (dbt macro z_95)
# Below this many answers a score is shown but flagged (REFERENCE §1; dbt kpi_param min_sample_size).
MIN_SAMPLE = 30
SCALES = {"nps": (-100.0, 100.0), "csat": (0.0, 100.0), "ces": (1.0, 7.0)}


@dataclass(frozen=True)
class Estimate:
    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    variance: float | None = None  # of `value` (squared score units), for the change test; None if unknown

    @property
    def low_sample(self) -> bool:
        return self.n < MIN_SAMPLE


@dataclass(frozen=True)
class Change:
    delta: float | None
    significant: bool


EMPTY = Estimate(None, 0, None, None)


def _clip(metric: str, low: float, high: float) -> tuple[float, float]:
    lo, hi = SCALES[metric]
    return max(lo, low), min(hi, high)


def nps(promoters: int, passives: int, detractors: int) -> Estimate:
    n = promoters + passives + detractors
    if n <= 0:
        return EMPTY
    value = 100.0 * (promoters - detractors) / n
    _, variance = analytics_stats.nps_adjusted(promoters, detractors, n)
    half = Z95 * math.sqrt(variance)
    return Estimate(value, n, *_clip("nps", value - half, value + half), variance)


def top_box(satisfied: int, n: int) -> Estimate:
    """CSAT (%) with the Wilson score interval (as the marts' macro wilson_bound)."""
    if n <= 0:
        return EMPTY
    p, z2 = satisfied / n, Z95 * Z95
    centre = p + z2 / (2 * n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    scale = 100.0 / (1 + z2 / n)
    return Estimate(100.0 * p, n, *_clip("csat", scale * (centre - half), scale * (centre + half)))


def mean(n: int, total: float, total_sq: float) -> Estimate:
    """CES mean with the t-interval, from n, Σx and Σx² (sums add across days)."""
    if n <= 0:
        return EMPTY
    value = total / n
    if n < 2:
        return Estimate(value, n, None, None)
    variance = max(0.0, (total_sq - total * total / n) / (n - 1)) / n
    half = float(student_t.ppf(0.975, n - 1)) * math.sqrt(variance)
    return Estimate(value, n, *_clip("ces", value - half, value + half), variance)


def change(
    metric: str, current: Estimate, previous: Estimate, satisfied: tuple[int, int] | None = None
) -> Change:
    """current − previous and whether it is significant at 95% (the marts' tests; see the module doc).
    CSAT needs `satisfied` = (satisfied now, satisfied before) for the pooled test."""
    if current.value is None or previous.value is None:
        return Change(None, False)
    delta = current.value - previous.value
    if metric == "csat":
        if satisfied is None:
            return Change(delta, False)
        z = analytics_stats.two_proportion_z(satisfied[0], current.n, satisfied[1], previous.n)
        return Change(delta, abs(z) > Z95)
    if current.variance is None or previous.variance is None:
        return Change(delta, False)
    return Change(delta, abs(delta) > Z95 * math.sqrt(current.variance + previous.variance))
