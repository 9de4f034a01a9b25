"""Headline statistics against hand-worked values (REFERENCE §1 and the marts' macros)."""

from __future__ import annotations

import math

import pytest

from reporting import stats


def test_nps_adjusted_wald_by_hand():
    # 50 promoters, 30 passives, 20 detractors: NPS 30; adjusted p = 50.75/103, d = 20.75/103.
    est = stats.nps(50, 30, 20)
    p, d = 50.75 / 103, 20.75 / 103
    var = 1e4 * (p + d - (p - d) ** 2) / 103
    assert est.value == pytest.approx(30.0)
    assert est.n == 100 and not est.low_sample
    assert est.ci_low == pytest.approx(30 - 1.96 * math.sqrt(var))
    assert est.ci_high == pytest.approx(30 + 1.96 * math.sqrt(var))


def test_nps_interval_is_clipped_to_the_scale_and_small_n_flagged():
    est = stats.nps(1, 0, 0)
    assert est.value == 100 and est.ci_high == 100 and est.ci_low < 100
    assert est.low_sample
    assert stats.nps(0, 0, 0) == stats.EMPTY


def test_csat_wilson_interval_by_hand():
    est = stats.top_box(8, 10)  # 80%, Wilson 95%: 49.0 .. 94.3
    assert est.value == pytest.approx(80.0)
    assert est.ci_low == pytest.approx(49.016, abs=1e-3)
    assert est.ci_high == pytest.approx(94.332, abs=1e-3)


def test_ces_t_interval_from_sums():
    scores = [4, 5, 6, 7, 3]
    est = stats.mean(len(scores), sum(scores), sum(s * s for s in scores))
    sd = math.sqrt(sum((s - 5) ** 2 for s in scores) / 4)
    assert est.value == pytest.approx(5.0)
    assert est.ci_low == pytest.approx(5 - 2.776445105 * sd / math.sqrt(5))
    assert stats.mean(1, 4, 16).ci_low is None  # no SD from one answer


def test_changes_use_the_marts_tests():
    before, after = stats.nps(60, 20, 20), stats.nps(45, 20, 35)
    change = stats.change("nps", after, before)
    assert change.delta == pytest.approx(-30.0)
    assert change.significant
    assert not stats.change("nps", stats.nps(41, 20, 39), stats.nps(40, 20, 40)).significant
    # CSAT: pooled two-proportion z test (80/100 vs 70/100: z = 1.64, not significant at 95%).
    now, then = stats.top_box(80, 100), stats.top_box(70, 100)
    assert not stats.change("csat", now, then, satisfied=(80, 70)).significant
    assert stats.change(
        "csat", stats.top_box(800, 1000), stats.top_box(700, 1000), satisfied=(800, 700)
    ).significant
    assert stats.change("nps", stats.EMPTY, before).delta is None
