"""Significance tests against hand-worked numbers (REFERENCE §1 for NPS)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics import stats


def test_adjusted_wald_nps_and_margin_by_hand():
    # P=50, D=20, n=100 -> n'=103, p=50.75/103, d=20.75/103
    value, var = stats.nps_adjusted(50, 20, 100)
    p, d = 50.75 / 103, 20.75 / 103
    assert value == pytest.approx(100 * (p - d))  # 29.13
    assert var == pytest.approx(1e4 * (p + d - (p - d) ** 2) / 103)  # 59.16
    assert stats.nps_margin(50, 20, 100) == pytest.approx(1.96 * np.sqrt(var))  # 15.08
    assert stats.nps(50, 20, 100) == pytest.approx(30.0)


def test_nps_wald_test_is_significant_only_beyond_196_combined_se():
    same = stats.nps_wald_test(50, 20, 100, 50, 20, 100)
    assert same.difference == pytest.approx(0.0) and same.p_value == pytest.approx(1.0)
    drop = stats.nps_wald_test(30, 40, 100, 50, 20, 100)
    _, v1 = stats.nps_adjusted(30, 40, 100)
    _, v0 = stats.nps_adjusted(50, 20, 100)
    assert drop.z == pytest.approx(drop.difference / np.sqrt(v1 + v0))
    assert drop.p_value < 0.05 and drop.difference < 0
    assert stats.nps_wald_test(30, 40, 100, 50, 20, 100, alternative="less").p_value < drop.p_value


def test_two_proportion_z_by_hand():
    t = stats.two_proportion_test(30, 100, 20, 100)
    # pooled 0.25, se = sqrt(0.25 * 0.75 * (1/100 + 1/100)) = 0.061237
    assert t.z == pytest.approx(0.1 / 0.0612372, rel=1e-5)
    assert t.p_value == pytest.approx(0.1025, abs=5e-4)
    assert stats.two_proportion_z(30, 100, 20, 100) == pytest.approx(t.z)


def test_poisson_rate_test_is_the_conditional_binomial():
    # 20 vs 10 with equal exposure: P(Bin(30, 1/2) >= 20) = 0.0494
    t = stats.poisson_rate_test(20, 1.0, 10, 1.0, alternative="greater")
    assert t.p_value == pytest.approx(0.04937, abs=1e-4)
    assert t.difference == pytest.approx(2.0)
    # the same rates per unit of exposure: no evidence at all
    assert stats.poisson_rate_test(10, 100.0, 20, 200.0, alternative="greater").p_value > 0.5


def test_count_tail_is_poisson_at_dispersion_one_and_wider_above():
    assert stats.count_tail_p(20, 8.0, 1.0) == pytest.approx(2.53e-4, rel=0.01)  # P(Poisson(8) >= 20)
    assert stats.count_tail_p(20, 8.0, 2.0) > stats.count_tail_p(20, 8.0, 1.0)


def test_vectorised_inputs_give_arrays():
    t = stats.two_proportion_test(np.array([30, 20]), np.array([100, 100]), 20, 100)
    assert t.p_value.shape == (2,)
    assert stats.z_score(np.array([1e-6, 0.5])) == pytest.approx([4.753, 0.0], abs=1e-3)
