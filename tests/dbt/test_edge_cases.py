"""The edge cases the issue names, on days of the test world placed for them, with hand-worked numbers."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest

from tests.dbt import reference
from tests.dbt.world import START

pytestmark = pytest.mark.xdist_group("dbt")


def day(n: int) -> date:
    return START + timedelta(days=n)


def test_daily_marts_cover_every_day_of_the_data(built):
    first, last = reference.date_range(built.world)
    days = built.query("select date_day from marts.dim_date order by 1")["date_day"].to_list()
    assert days == [first + timedelta(days=i) for i in range((last - first).days + 1)]
    for mart, column in (("mart_nps_daily", "period_start"), ("mart_feedback_daily", "feedback_date"),
                         ("mart_tickets_daily", "period_start"), ("mart_returns_daily", "period_start")):
        got = built.query(f"select distinct {column} as d from marts.{mart} order by 1")["d"].to_list()
        assert got == days, mart


def test_empty_days_have_zero_counts_and_null_scores(built):
    nps = built.mart("mart_nps_daily", "dimension = 'all'").filter(
        pl.col("period_start").is_in([day(10), day(11), day(12)])
    )
    assert nps.height == 3
    assert nps["responses"].to_list() == [0, 0, 0]
    assert nps["nps"].null_count() == 3 and nps["nps_ci_lower"].null_count() == 3
    assert nps["is_low_sample"].all()
    # Day 11 has no feedback in any channel: every channel row is there with zero volume and no CSAT.
    daily = built.mart("mart_feedback_daily", f"feedback_date = date '{day(11)}'")
    assert daily.height == built.query("select count(distinct channel) as n from marts.mart_feedback_daily")["n"][0]
    assert daily["feedback_count"].sum() == 0 and daily["csat_pct"].null_count() == daily.height
    # The day after an empty day has no previous score to compare with.
    after = built.mart("mart_nps_daily", f"dimension = 'all' and period_start = date '{day(13)}'").row(0, named=True)
    assert after["previous_nps"] is None and after["is_nps_change_significant"] is None


def test_all_promoter_day_hand_worked(built):
    row = built.mart("mart_nps_daily", f"dimension = 'all' and period_start = date '{day(5)}'").row(0, named=True)
    n = row["responses"]
    assert n > 0 and row["promoters"] == n and row["passives"] == row["detractors"] == 0
    assert row["nps"] == 100.0
    # Adjusted Wald: n' = n + 3, p = (n + 0.75) / n', d = 0.75 / n'.
    p, d = (n + 0.75) / (n + 3), 0.75 / (n + 3)
    variance = 10_000 * (p + d - (p - d) ** 2) / (n + 3)
    assert row["nps_variance"] == pytest.approx(variance)
    assert row["nps_ci_upper"] == pytest.approx(100 + 1.96 * math.sqrt(variance))
    assert row["nps_ci_upper"] > 100  # the interval is not clipped (DECISIONS.md)
    assert row["is_low_sample"]


def test_blank_scores_are_not_answers(built):
    surveys = built.world.surveys
    assert surveys["nps"].null_count() > 0 and surveys["csat"].null_count() > 0
    answers = built.query("select metric, count(*) as n from marts.fct_survey_responses "
                          "where channel_family = 'survey' group by 1")
    counts = dict(zip(answers["metric"], answers["n"], strict=True))
    assert counts == {m: surveys[m].count() for m in ("nps", "csat", "ces")}
    total = built.mart("mart_nps_monthly", "dimension = 'all'")["responses"].sum()
    assert total == surveys["nps"].count() < surveys.height


def test_small_samples_are_flagged(built):
    nps = built.mart("mart_nps_daily", "dimension = 'all'")
    assert (nps["is_low_sample"] == (nps["responses"] < 30)).all()
    assert nps.filter(~pl.col("is_low_sample")).height >= 1  # the busy day
    assert nps.filter(pl.col("is_low_sample") & (pl.col("responses") > 0)).height > 20


def test_timezone_boundaries_count_on_the_utc_day(built):
    tickets = built.query(
        "select ticket_key, created_at, created_date from marts.fct_tickets "
        "where ticket_key in ('ticket_files:2001', 'ticket_files:2002') order by 1"
    )
    # 2026-01-04T23:30-05:00 and 2026-01-06T07:00+08:00 are both 2026-01-05 in UTC.
    assert tickets["created_date"].to_list() == [date(2026, 1, 5), date(2026, 1, 5)]
    assert [t.hour for t in tickets["created_at"]] == [4, 23]


def test_working_day_sla_hand_worked(built):
    rows = built.query(
        "select ticket_key, first_response_working_minutes, sla_tier, is_first_response_breached, sla_status "
        "from marts.fct_tickets where ticket_key like 'zendesk:300%' order by 1"
    ).rows()
    # Created Friday 18:00 UTC. Answered the next Friday 17:00: 6 h + 4 x 24 h + 17 h = 7140 working minutes,
    # inside 5 working days; at 19:00: 7260 > 7200, breached; never answered: breached by the as-of time.
    assert rows == [
        ("zendesk:3001", 7140.0, "normal", False, "met"),
        ("zendesk:3002", 7260.0, "normal", True, "breached"),
        ("zendesk:3003", None, "normal", True, "breached"),
    ]


def test_duplicates_fold_in_feedback_but_every_answer_counts(built):
    dupes = built.world.tags.filter(pl.col("canonical_feedback_id") != pl.col("feedback_id"))
    feedback_ids = set(built.query("select feedback_id from marts.fct_feedback")["feedback_id"])
    assert not feedback_ids & set(dupes["feedback_id"])
    counts = built.query(
        "select feedback_id, duplicate_count from marts.fct_feedback where duplicate_count > 0 order by 1"
    ).rows()
    expected = dupes.group_by("canonical_feedback_id").len().sort("canonical_feedback_id").rows()
    assert counts == expected
    survey_dupes = [f for f in dupes["feedback_id"] if not f.startswith(("appstore:", "reddit:"))]
    answered = built.query("select distinct feedback_id from marts.fct_survey_responses")["feedback_id"]
    assert set(survey_dupes) <= set(answered)


def test_respondent_known_only_by_email_is_resolved(built):
    ids = built.query(
        "select distinct customer_id from marts.fct_survey_responses where response_id = 'R_EMAIL_ONLY'"
    )["customer_id"].to_list()
    assert ids == ["C000025"]


def test_iso_weeks_start_on_monday_across_new_year(built):
    weeks = built.query("select distinct period_start, period_end from marts.mart_nps_weekly order by 1").rows()
    assert weeks[0] == (date(2025, 12, 29), date(2026, 1, 4))
    assert all(start.isoweekday() == 1 and (end - start).days == 6 for start, end in weeks)
    iso = built.query("select iso_year, iso_week from marts.dim_date where date_day = date '2025-12-31'").row(0)
    assert iso == (2026, 1)


def test_all_satisfied_day_keeps_the_csat_interval_inside_0_100(built):
    rows = built.mart("mart_csat_daily", f"period_start = date '{day(5)}' and responses > 0")
    assert rows.height and (rows["satisfied"] == rows["responses"]).all()
    assert (rows["csat_ci_upper"] <= 100).all()
    assert rows["csat_ci_upper"].min() == pytest.approx(100.0)
