"""Significance tests for score changes, shares and counts (vectorised over numpy arrays; scipy for tails).

- NPS: adjusted Wald (REFERENCE §1, Rocks 2016): add 3 to n and 3/4 to promoters and detractors before
  computing p, d and Var(NPS) = 10^4 * [p + d - (p - d)^2] / n; a change is significant when the difference
  exceeds z * sqrt(Var1 + Var2).
- Shares (CSAT top-2-box, negative share, a topic's share of all feedback): pooled two-proportion z-test.
- Counts: the exact conditional test of two Poisson rates (x1 | x1 + x0 is binomial under equal rates), which
  also covers a rate per exposure (returns per unit sold); and an upper tail of a count against an expected
  value with over-dispersion (negative binomial with variance = dispersion * mean).

Every function takes scalars or equal-length arrays and returns numpy arrays (or floats for scalars).
p-values are one-sided when `alternative` is "greater" / "less", else two-sided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

Alternative = str  # "two-sided" | "greater" | "less"  (greater: the first sample is higher)

# p-values below this are reported as this: a score of z ~ 37.5 is "certain" for any practical purpose.
MIN_P = 1e-300


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _out(x: np.ndarray):
    return float(x) if np.ndim(x) == 0 else x


def _p_from_z(z: np.ndarray, alternative: Alternative) -> np.ndarray:
    if alternative == "greater":
        p = st.norm.sf(z)
    elif alternative == "less":
        p = st.norm.cdf(z)
    else:
        p = 2 * st.norm.sf(np.abs(z))
    return np.clip(p, MIN_P, 1.0)


def z_score(p_value) -> float | np.ndarray:
    """The standard-normal quantile of a one-sided p-value (p = 1e-6 -> 4.75): a score comparable across tests."""
    return _out(st.norm.isf(np.clip(_arr(p_value), MIN_P, 1.0)))


# ---------------------------------------------------------------- NPS
def nps(promoters, detractors, n) -> float | np.ndarray:
    """Plain NPS = 100 (P - D) / n (blank answers already excluded from n); NaN when n = 0."""
    p, d, n = _arr(promoters), _arr(detractors), _arr(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(np.where(n > 0, 100.0 * (p - d) / n, np.nan))


def nps_adjusted(promoters, detractors, n) -> tuple:
    """Adjusted-Wald NPS and its variance (points^2): n + 3, P + 3/4, D + 3/4."""
    n_adj = _arr(n) + 3.0
    p = (_arr(promoters) + 0.75) / n_adj
    d = (_arr(detractors) + 0.75) / n_adj
    value = 100.0 * (p - d)
    var = 1e4 * (p + d - (p - d) ** 2) / n_adj
    return _out(value), _out(var)


def nps_margin(promoters, detractors, n, z: float = 1.96) -> float | np.ndarray:
    """Half-width of the adjusted-Wald interval (95% with z = 1.96)."""
    _, var = nps_adjusted(promoters, detractors, n)
    return _out(z * np.sqrt(_arr(var)))


@dataclass(frozen=True)
class TestResult:
    """Difference (first minus second), test statistic and p-value; arrays when the inputs were arrays."""

    difference: float | np.ndarray
    z: float | np.ndarray
    p_value: float | np.ndarray


def nps_wald_test(p1, d1, n1, p0, d0, n0, alternative: Alternative = "two-sided") -> TestResult:
    """Wald test of NPS1 - NPS0 with adjusted-Wald variances (REFERENCE §1)."""
    v1, var1 = nps_adjusted(p1, d1, n1)
    v0, var0 = nps_adjusted(p0, d0, n0)
    diff = _arr(v1) - _arr(v0)
    se = np.sqrt(_arr(var1) + _arr(var0))
    z = diff / se
    return TestResult(_out(diff), _out(z), _out(_p_from_z(z, alternative)))


# ---------------------------------------------------------------- proportions
def two_proportion_test(x1, n1, x0, n0, alternative: Alternative = "two-sided") -> TestResult:
    """Pooled two-proportion z-test of x1/n1 - x0/n0; z = 0 (p = 1) when either n is 0 or the pool is degenerate."""
    x1, n1, x0, n0 = _arr(x1), _arr(n1), _arr(x0), _arr(n0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.where(n1 > 0, x1 / n1, np.nan)
        r0 = np.where(n0 > 0, x0 / n0, np.nan)
        pooled = (x1 + x0) / (n1 + n0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        z = np.where((n1 > 0) & (n0 > 0) & (se > 0), (r1 - r0) / se, 0.0)
    return TestResult(_out(r1 - r0), _out(z), _out(_p_from_z(z, alternative)))


def proportion_above_test(x, n, threshold) -> TestResult:
    """One-sided exact binomial test that the share x/n is above a fixed threshold."""
    x, n, threshold = _arr(x), _arr(n), _arr(threshold)
    p = np.where(n > 0, st.binom.sf(x - 1, np.maximum(n, 1), threshold), 1.0)
    p = np.clip(p, MIN_P, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.where(n > 0, x / n - threshold, np.nan)
    return TestResult(_out(diff), _out(st.norm.isf(p)), _out(p))


# ---------------------------------------------------------------- counts
def poisson_rate_test(x1, t1, x0, t0, alternative: Alternative = "two-sided") -> TestResult:
    """Exact conditional test of two Poisson rates x1/t1 vs x0/t0 (t = exposure: days, units sold, ...).

    Under equal rates, x1 given x1 + x0 is Binomial(x1 + x0, t1 / (t1 + t0)). `difference` is the rate ratio.
    """
    x1, t1, x0, t0 = _arr(x1), _arr(t1), _arr(x0), _arr(t0)
    total = x1 + x0
    q = np.where((t1 + t0) > 0, t1 / np.maximum(t1 + t0, 1e-300), 0.5)
    upper = st.binom.sf(x1 - 1, total, q)  # P(X >= x1)
    lower = st.binom.cdf(x1, total, q)  # P(X <= x1)
    if alternative == "greater":
        p = upper
    elif alternative == "less":
        p = lower
    else:
        p = np.minimum(1.0, 2 * np.minimum(upper, lower))
    p = np.where(total > 0, p, 1.0)
    p = np.clip(p, MIN_P, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((x0 > 0) & (t1 > 0), (x1 / t1) / (x0 / t0), np.inf)
        ratio = np.where((x1 == 0) & (x0 == 0), 1.0, ratio)
    if alternative == "two-sided":
        z = np.sign(np.log(np.maximum(ratio, 1e-300))) * st.norm.isf(p / 2)
    else:
        z = st.norm.isf(p)
    return TestResult(_out(ratio), _out(z), _out(p))


def count_tail_p(observed, expected, dispersion=1.0, alternative: Alternative = "greater") -> float | np.ndarray:
    """P(X >= observed) (or <= for "less") for a count with this mean and variance = dispersion * mean.

    dispersion 1 is Poisson; above 1 a negative binomial with the same mean, so day-to-day noise wider than
    Poisson (a busy news day, a vocal customer) does not read as an anomaly.
    """
    o, mu, phi = _arr(observed), np.maximum(_arr(expected), 1e-9), np.maximum(_arr(dispersion), 1.0)
    phi_nb = np.maximum(phi, 1.0 + 1e-6)
    size = mu / (phi_nb - 1.0)
    prob = 1.0 / phi_nb
    if alternative == "less":
        p = np.where(phi > 1.0 + 1e-6, st.nbinom.cdf(o, size, prob), st.poisson.cdf(o, mu))
    else:
        p = np.where(phi > 1.0 + 1e-6, st.nbinom.sf(o - 1, size, prob), st.poisson.sf(o - 1, mu))
    return _out(np.clip(p, MIN_P, 1.0))


# ---------------------------------------------------------------- scalar fast paths (per-day scans)
def normal_sf(z: float) -> float:
    """P(Z >= z) for a standard normal, without scipy (a scan calls this hundreds of thousands of times)."""
    return max(0.5 * math.erfc(z / math.sqrt(2.0)), MIN_P)


def nps_wald_z(p1: float, d1: float, n1: float, p0: float, d0: float, n0: float) -> float:
    """z of NPS1 - NPS0, adjusted Wald on both sides (scalar version of nps_wald_test)."""
    a1, a0 = n1 + 3.0, n0 + 3.0
    pp1, dd1 = (p1 + 0.75) / a1, (d1 + 0.75) / a1
    pp0, dd0 = (p0 + 0.75) / a0, (d0 + 0.75) / a0
    var = 1e4 * ((pp1 + dd1 - (pp1 - dd1) ** 2) / a1 + (pp0 + dd0 - (pp0 - dd0) ** 2) / a0)
    return 100.0 * ((pp1 - dd1) - (pp0 - dd0)) / math.sqrt(var) if var > 0 else 0.0


def t_sf(t: float, df: float) -> float:
    """P(T >= t) for Student's t with df degrees of freedom (normal beyond df = 1000)."""
    if df >= 1000:
        return normal_sf(t)
    return max(float(st.t.sf(t, max(df, 1.0))), MIN_P)


def nps_drop_z(p1: float, d1: float, n1: float, p0: float, d0: float, n0: float) -> float:
    """z of NPS1 - NPS0 with the window's variance taken at the baseline's shares (a score test): a window
    that happens to be all detractors has almost no variance of its own and would read as certain."""
    a1, a0 = n1 + 3.0, n0 + 3.0
    pp0, dd0 = (p0 + 0.75) / a0, (d0 + 0.75) / a0
    pp1, dd1 = (p1 + 0.75) / a1, (d1 + 0.75) / a1
    spread = pp0 + dd0 - (pp0 - dd0) ** 2
    var = 1e4 * spread * (1.0 / a1 + 1.0 / a0)
    return 100.0 * ((pp1 - dd1) - (pp0 - dd0)) / math.sqrt(var) if var > 0 else 0.0


def two_proportion_z(x1: float, n1: float, x0: float, n0: float) -> float:
    """Pooled two-proportion z of x1/n1 - x0/n0 (scalar version of two_proportion_test)."""
    if n1 <= 0 or n0 <= 0:
        return 0.0
    pooled = (x1 + x0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return (x1 / n1 - x0 / n0) / se if se > 0 else 0.0


def adjust_for_multiple_tests(p_values: np.ndarray, method: str = "bh") -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), for flags computed over many slices."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out
