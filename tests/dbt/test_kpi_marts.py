"""Every KPI mart equals the same KPI computed independently in Polars from the test world."""

from __future__ import annotations

import pytest

from tests.dbt import reference
from tests.dbt.compare import assert_matches

pytestmark = pytest.mark.xdist_group("dbt")

GRAINS = {"day": "daily", "week": "weekly", "month": "monthly"}
SERIES = ["period_start", "dimension", "dimension_value"]


@pytest.mark.parametrize("grain", GRAINS)
def test_nps(built, grain):
    mart = built.mart(f"mart_nps_{GRAINS[grain]}")
    expected = reference.nps(built.world, mart, grain)
    assert_matches(
        mart, expected, SERIES,
        ["responses", "promoters", "passives", "detractors", "nps", "nps_variance", "nps_ci_lower", "nps_ci_upper",
         "is_low_sample", "previous_nps", "nps_change", "is_nps_change_significant"],
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_csat(built, grain):
    mart = built.mart(f"mart_csat_{GRAINS[grain]}")
    expected = reference.csat(built.world, mart, grain)
    assert_matches(
        mart, expected, SERIES,
        ["responses", "satisfied", "good_bad_responses", "csat_pct", "csat_ci_lower", "csat_ci_upper",
         "is_low_sample", "previous_csat_pct", "csat_change", "is_csat_change_significant"],
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_ces(built, grain):
    mart = built.mart(f"mart_ces_{GRAINS[grain]}")
    expected = reference.ces(built.world, mart, grain)
    assert_matches(
        mart, expected, SERIES,
        ["responses", "ces_mean", "ces_stddev", "ces_ci_lower", "ces_ci_upper", "is_low_sample",
         "previous_ces_mean", "ces_change", "is_ces_change_significant"],
        tol=1e-7,
    )


def test_feedback_daily(built):
    mart = built.mart("mart_feedback_daily")
    expected = reference.feedback_daily(built.world, mart)
    assert_matches(
        mart, expected, ["feedback_date", "channel"],
        ["feedback_count", "csat_responses", "csat_satisfied", "csat_pct"],
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_topic_volume_and_sentiment_mix(built, grain):
    mart = built.mart(f"mart_topics_{GRAINS[grain]}")
    expected = reference.topics(built.world, mart, grain)
    assert_matches(
        mart, expected, [*SERIES, "topic_l1", "topic_l2"],
        ["feedback_count", "negative_count", "neutral_count", "positive_count", "complaint_count", "negative_pct",
         "sentiment_score_mean", "share_of_volume_pct"],
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_ticket_times_and_sla(built, grain):
    mart = built.mart(f"mart_tickets_{GRAINS[grain]}")
    expected = reference.ticket_kpis(built.world, mart, grain)
    assert_matches(
        mart, expected, SERIES,
        ["tickets_created", "tickets_responded", "tickets_solved", "tickets_reopened",
         "first_response_minutes_median", "first_response_minutes_p90", "resolution_minutes_median",
         "resolution_minutes_p90", "sla_met", "sla_breached", "sla_pending", "sla_compliance_pct"],
        tol=1e-6,
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_closed_loop(built, grain):
    mart = built.mart(f"mart_closed_loop_{GRAINS[grain]}")
    expected = reference.closed_loop(built.world, mart, grain)
    assert_matches(
        mart, expected, SERIES,
        ["negative_feedback_count", "linked_to_ticket_count", "acknowledged_count", "resolved_count",
         "followed_up_count", "closed_loop_count", "closed_loop_rate_pct"],
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_repeat_complaints(built, grain):
    mart = built.mart(f"mart_repeat_complaints_{GRAINS[grain]}")
    expected = reference.repeat_complaints(built.world, mart, grain)
    assert_matches(
        mart, expected, SERIES,
        ["complaint_count", "identified_complaint_count", "repeat_complaint_count", "repeat_complaint_rate_pct"],
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_return_rate_and_top_reasons(built, grain):
    mart = built.mart(f"mart_returns_{GRAINS[grain]}")
    expected = reference.returns(built.world, mart, grain)
    assert_matches(
        mart, expected, SERIES,
        ["units_sold", "orders", "return_lines", "returned_units", "declined_units", "return_rate_pct",
         "top_reason_1", "top_reason_1_units", "top_reason_2", "top_reason_2_units", "top_reason_3",
         "top_reason_3_units"],
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_topic_impact_on_nps(built, grain):
    mart = built.mart(f"mart_topic_nps_impact_{GRAINS[grain]}")
    expected = reference.topic_nps_impact(built.world, mart, grain)
    assert_matches(
        mart, expected, [*SERIES, "topic_l1", "topic_l2"],
        ["responses", "promoters", "detractors", "topic_comments", "topic_detractor_comments", "nps",
         "nps_without_topic", "nps_impact"],
    )


def test_customer_segments(built):
    mart = built.mart("dim_customer")
    expected = reference.customers(built.world)
    assert_matches(
        mart, expected, ["customer_id"],
        ["feedback_count_365d", "nps_status", "is_high_value", "is_churn_risk", "customer_segment"],
    )
    assert set(mart["customer_segment"]) == {"churn_risk", "high_value", "regular"}
