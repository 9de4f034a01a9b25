"""Small hand-made published DuckDB files in the layout of the real publication (schemas marts, analytics).

The KPI marts are derived in SQL from a random fact table with the marts' column names and grains (one row per
period and breakdown, `dimension = 'all'` for the whole feed), so the tests can compare the report's numbers
with sums over these marts.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

TOPICS = {
    "product": ["ui", "performance", "stability", "login"],
    "service": ["delivery", "response_speed", "staff_attitude"],
    "price": ["too_expensive", "billing_errors"],
}
CHANNELS = ["typeform", "qualtrics", "zendesk", "reddit", "appstore", "shopify"]
SURVEY_CHANNELS = {"typeform", "qualtrics"}
LAST_DAY = date(2026, 3, 31)
PII_TEXT = "Call me on +1 415 555 0100 or mail jane.doe@example.com <script>alert(1)</script>"

FACT_SCHEMA = {
    "feedback_id": pl.String,
    "source": pl.String,
    "channel": pl.String,
    "channel_family": pl.String,
    "customer_id": pl.String,
    "product_id": pl.String,
    "created_at": pl.Datetime,
    "created_date": pl.Date,
    "language": pl.String,
    "feedback_text": pl.String,
    "sentiment_score": pl.Float64,
    "sentiment_label": pl.String,
    "topic_l1": pl.String,
    "topic_l2": pl.String,
    "feedback_type": pl.String,
    "nps_score": pl.Int32,
    "csat_score": pl.Int32,
    "ces_score": pl.Int32,
}


def fact_rows(days: int, per_day: int, seed: int = 7, last_day: date = LAST_DAY) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for d in range(days):
        day = last_day - timedelta(days=days - 1 - d)
        # NPS drops in the last 30 days, so the change is visible and significant on this volume.
        drift = -1.2 if (last_day - day).days < 30 else 0.0
        for i in range(rng.randint(per_day // 2, per_day)):
            channel = rng.choice(CHANNELS)
            l1 = rng.choice([*TOPICS, "other"])
            l2 = rng.choice(TOPICS[l1]) if l1 != "other" else "other"
            sentiment = rng.choices(["negative", "neutral", "positive"], [3, 2, 4])[0]
            survey = channel in SURVEY_CHANNELS
            nps = (
                min(10, max(0, round(rng.gauss(7.6 + drift, 2.2)))) if survey and rng.random() < 0.9 else None
            )
            csat = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 4])[0] if survey and rng.random() < 0.8 else None
            ces = rng.randint(2, 7) if survey and rng.random() < 0.6 else None
            text = PII_TEXT if i == 0 else f"Item {i} about {l2} on {day}"
            rows.append(
                {
                    "feedback_id": f"{channel}:{day.isoformat()}-{i}",
                    "source": channel,
                    "channel": channel,
                    "channel_family": "survey" if survey else "social",
                    "customer_id": f"C{i:05d}",
                    "product_id": f"P{i % 12:04d}",
                    "created_at": datetime(day.year, day.month, day.day, 12),
                    "created_date": day,
                    "language": "en",
                    "feedback_text": text,
                    "sentiment_score": 0.0,
                    "sentiment_label": sentiment,
                    "topic_l1": l1,
                    "topic_l2": l2,
                    "feedback_type": "complaint" if sentiment == "negative" else "praise",
                    "nps_score": nps,
                    "csat_score": csat,
                    "ces_score": ces,
                }
            )
    return pl.DataFrame(rows, schema=FACT_SCHEMA)


def create_publication(path: Path, days: int = 120, per_day: int = 90, seed: int = 7) -> Path:
    """Every table the report reads, as the publish step lays them out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema analytics")
        _fact(con, fact_rows(days, per_day, seed))
        _calendar(con)
        _score_marts(con)
        _topic_marts(con)
        _tickets_and_returns(con)
        _analytics(con)
    return path


def create_thin_publication(path: Path) -> Path:
    """Three feedback items and nothing else."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        _fact(con, fact_rows(days=3, per_day=2, seed=1).head(3))
    return path


def create_empty_publication(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(path)).close()
    return path


def _fact(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> None:
    con.register("fact_rows", rows)
    con.execute("create table marts.fct_feedback as select * from fact_rows")
    con.unregister("fact_rows")


def _calendar(con: duckdb.DuckDBPyConnection) -> None:
    """Every day of the data, as dim_date: the marts have a row for every period, answered or not."""
    con.execute("""
        create temp table calendar as
        select cast(d as date) as date_day, cast(date_trunc('week', d) as date) as week_start
        from range((select min(created_date) from marts.fct_feedback),
                   (select max(created_date) from marts.fct_feedback) + interval 1 day,
                       interval 1 day) t(d)""")


def _sliced(bucket: str) -> str:
    """The fact once per breakdown ('all', 'channel') with the period of `bucket` (date_day, week_start)."""
    return f"""
        select c.{bucket} as period_start, s.dimension, s.dimension_value, f.*
        from marts.fct_feedback f join calendar c on c.date_day = f.created_date,
             lateral (select 'all' as dimension, 'all' as dimension_value
                      union all select 'channel', f.channel) s"""


def _filled(bucket: str, counted: str) -> str:
    """Every period x breakdown present in the data, with the counts of `counted` (0 when none)."""
    return f"""
        select p.period_start, k.dimension, k.dimension_value, c.* exclude (period_start, dimension,
            dimension_value)
        from (select distinct {bucket} as period_start from calendar) p
        cross join (select distinct dimension, dimension_value from ({_sliced(bucket)})) k
        left join ({counted}) c using (period_start, dimension, dimension_value)"""


def _score_marts(con: duckdb.DuckDBPyConnection) -> None:
    for grain, bucket, end in (("daily", "date_day", "0"), ("weekly", "week_start", "6")):
        nps_counts = f"""
            select period_start, dimension, dimension_value, count(*) as responses,
                   count(*) filter (where nps_score >= 9) as promoters,
                   count(*) filter (where nps_score between 7 and 8) as passives,
                   count(*) filter (where nps_score <= 6) as detractors
            from ({_sliced(bucket)}) where nps_score is not null group by 1, 2, 3"""
        con.execute(f"""
            create table marts.mart_nps_{grain} as
            with f as (
                select period_start, dimension, dimension_value, coalesce(responses, 0) as responses,
                       coalesce(promoters, 0) as promoters, coalesce(passives, 0) as passives,
                       coalesce(detractors, 0) as detractors
                from ({_filled(bucket, nps_counts)})),
            s as (
                select *, case when responses > 0 then 100.0 * (promoters - detractors) / responses end
                    as nps,
                       case when responses > 0 then 10000.0 * ((promoters + 0.75) / (responses + 3.0)
                           + (detractors + 0.75) / (responses + 3.0)
                           - ((promoters - detractors) / (responses + 3.0)) ^ 2) / (responses + 3.0) end
                           as nps_variance
                from f)
            select period_start, period_start + {end} as period_end, dimension, dimension_value, responses,
                   promoters, passives, detractors, nps, nps_variance,
                   nps - 1.96 * sqrt(nps_variance) as nps_ci_lower,
                       nps + 1.96 * sqrt(nps_variance) as nps_ci_upper,
                   responses < 30 as is_low_sample
            from s order by 1, 3, 4""")
        csat_counts = f"""
            select period_start, dimension, dimension_value, count(*) as responses,
                   count(*) filter (where csat_score >= 4) as satisfied
            from ({_sliced(bucket)}) where csat_score is not null group by 1, 2, 3"""
        con.execute(f"""
            create table marts.mart_csat_{grain} as
            with f as (
                select period_start, dimension, dimension_value, coalesce(responses, 0) as responses,
                       coalesce(satisfied, 0) as satisfied
                from ({_filled(bucket, csat_counts)}))
            select period_start, period_start + {end} as period_end, dimension, dimension_value, responses,
                   satisfied, 0 as good_bad_responses,
                   case when responses > 0 then 100.0 * satisfied / responses end as csat_pct,
                   case when responses > 0 then 100.0 * (satisfied / responses + 1.96 ^ 2 / (2 * responses)
                       - 1.96 * sqrt(satisfied / responses * (1 - satisfied / responses) / responses
                       + 1.96 ^ 2 / (4 * responses ^ 2))) / (1 + 1.96 ^ 2 / responses) end as csat_ci_lower,
                   case when responses > 0 then 100.0 * (satisfied / responses + 1.96 ^ 2 / (2 * responses)
                       + 1.96 * sqrt(satisfied / responses * (1 - satisfied / responses) / responses
                       + 1.96 ^ 2 / (4 * responses ^ 2))) / (1 + 1.96 ^ 2 / responses) end as csat_ci_upper,
                   responses < 30 as is_low_sample
            from f order by 1, 3, 4""")
        ces_counts = f"""
            select period_start, dimension, dimension_value, count(*) as responses,
                   avg(ces_score) as ces_mean, stddev_samp(ces_score) as ces_stddev
            from ({_sliced(bucket)}) where ces_score is not null group by 1, 2, 3"""
        con.execute(f"""
            create table marts.mart_ces_{grain} as
            with f as (
                select period_start, dimension, dimension_value, coalesce(responses, 0) as responses,
                    ces_mean,
                       ces_stddev
                from ({_filled(bucket, ces_counts)}))
            select period_start, period_start + {end} as period_end, dimension, dimension_value, responses,
                   ces_mean, ces_stddev,
                   case when responses > 1 then ces_mean - 2.0 * ces_stddev / sqrt(responses) end as
                       ces_ci_lower,
                   case when responses > 1 then ces_mean + 2.0 * ces_stddev / sqrt(responses) end as
                       ces_ci_upper,
                   responses < 30 as is_low_sample
            from f order by 1, 3, 4""")


def _topic_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""
        create table marts.mart_topics_daily as
        select period_start, period_start as period_end, dimension, dimension_value,
               coalesce(topic_l1, 'other') as topic_l1, coalesce(topic_l2, 'other') as topic_l2,
               count(*) as feedback_count,
               count(*) filter (where sentiment_label = 'negative') as negative_count,
               count(*) filter (where sentiment_label = 'neutral') as neutral_count,
               count(*) filter (where sentiment_label = 'positive') as positive_count,
               count(*) filter (where feedback_type = 'complaint') as complaint_count
        from ({_sliced("date_day")}) group by 1, 2, 3, 4, 5, 6 order by 1, 3, 4, 5, 6""")
    # Period totals repeated on every topic row, topic counts from the NPS answers naming the topic.
    con.execute(f"""
        create table marts.mart_topic_nps_impact_daily as
        with answers as (select * from ({_sliced("date_day")}) where nps_score is not null),
        totals as (
            select period_start, dimension, dimension_value, count(*) as responses,
                   count(*) filter (where nps_score >= 9) as promoters,
                   count(*) filter (where nps_score <= 6) as detractors
            from answers group by 1, 2, 3),
        topics as (
            select period_start, dimension, dimension_value, topic_l1, topic_l2, count(*) as topic_comments,
                   count(*) filter (where nps_score <= 6) as topic_detractor_comments
            from answers where topic_l1 <> 'other' group by 1, 2, 3, 4, 5),
        scored as (
            select t.period_start, t.dimension, t.dimension_value, k.topic_l1, k.topic_l2, t.responses,
                   t.promoters, t.detractors, k.topic_comments, k.topic_detractor_comments
            from totals t join topics k using (period_start, dimension, dimension_value))
        select *, 100.0 * (promoters - detractors) / responses as nps,
               100.0 * (promoters - detractors + topic_detractor_comments) / (responses -
                   topic_detractor_comments)
                   - 100.0 * (promoters - detractors) / responses as nps_impact
        from scored""")


def _tickets_and_returns(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create table marts.mart_tickets_daily as
        select d.date_day as period_start, d.date_day as period_end, 'sla_tier' as dimension,
            t.tier as dimension_value,
               t.created as tickets_created, t.met as sla_met, t.breached as sla_breached,
                   t.pending as sla_pending,
               100.0 * t.met / nullif(t.met + t.breached, 0) as sla_compliance_pct
        from calendar d, (values ('urgent', 2, 1, 1, 0), ('high', 5, 4, 1, 0), ('normal', 11, 10, 0, 1))
             as t(tier, created, met, breached, pending)
        where d.date_day > (select max(date_day) - 60 from calendar)""")
    con.execute("""
        create table marts.dim_product as
        select * from (values ('P0001', 'Trail runner'), ('P0002', 'Rain jacket'), ('P0003', 'Desk lamp'))
            as v(product_id, product_name)""")
    con.execute("""
        create table marts.fct_returns as
        select 'R' || row_number() over () as return_line_id, product_id, reason_code, quantity,
               status <> 'DECLINED' as is_counted_as_returned, requested_date
        from (values
            ('P0001', 'SIZE_TOO_SMALL', 25, 'OPEN', date '2026-03-20'), ('P0001', 'DEFECTIVE', 9,
                'OPEN', date '2026-03-21'),
            ('P0001', 'COLOR', 3, 'CLOSED', date '2026-03-25'), ('P0001', 'STYLE', 40, 'DECLINED',
                date '2026-03-25'),
            ('P0002', 'NOT_AS_DESCRIBED', 14, 'OPEN', date '2026-03-10'), ('P0002', 'WRONG_ITEM', 6,
                'OPEN', date '2026-03-11'),
            ('P0003', 'DEFECTIVE', 11, 'CLOSED', date '2026-03-30'), ('P0003', 'DEFECTIVE', 50,
                'CLOSED', date '2026-01-05'),
            ('P0009', 'UNWANTED', 2, 'OPEN', date '2026-03-29'))
            as v(product_id, reason_code, quantity, status, requested_date)""")
    con.execute("""
        create table marts.mart_returns_daily as
        select period_start, 'product' as dimension, product_id as dimension_value,
            sum(units_sold) as units_sold,
               sum(returned_units) as returned_units
        from (
            select date_day as period_start, p.product_id, 20 as units_sold, 0 as returned_units
            from calendar, (values ('P0001'), ('P0002'), ('P0003'), ('P0009')) p(product_id)
            union all
            select requested_date, product_id, 0, sum(quantity) from marts.fct_returns
            where is_counted_as_returned group by 1, 2)
        group by 1, 2, 3""")


def _analytics(con: duckdb.DuckDBPyConnection) -> None:
    samples = "; ".join(
        r[0]
        for r in con.execute(
            "select feedback_id from marts.fct_feedback where feedback_text like 'Call me%' "
            "order by 1 limit 3"
        ).fetchall()
    )
    con.execute("""
        create table analytics.anomalies (
            anomaly_id varchar, metric varchar, slice_type varchar, slice_value varchar, window_start date,
            window_end date, observed double, expected double, score double, p_value double, severity varchar,
            rule varchar, first_detected date, detected_on date, last_seen date, is_open boolean,
            close_reason varchar, days_flagged bigint, peak_score double, n double, related varchar,
            sample_feedback_ids varchar)""")
    con.execute(
        """insert into analytics.anomalies values
           ('a1', 'negative_feedback', 'topic', 'delivery', '2026-03-29', '2026-03-30', 48, 12, 7.2, 1e-12,
            'high', 'negative_surge_24h', '2026-03-29', '2026-03-30', '2026-03-30', true, null, 2, 7.5, 48,
            null, ?),
           ('a2', 'nps', 'channel', 'zendesk', '2026-03-14', '2026-03-20', 10, 35, 5.1, 1e-7, 'medium',
            'baseline', '2026-03-14', '2026-03-20', '2026-03-28', true, null, 5, 5.1, 80, null, null),
           ('a3', 'complaints', 'all', 'all', '2026-02-01', '2026-02-01', 90, 40, 9.5, 1e-20, 'critical',
            'baseline', '2026-02-01', '2026-02-01', '2026-02-03', false, 'cooldown', 1, 9.5, 90, null,
                null)""",
        [samples],
    )
    con.execute("""
        create table analytics.emerging_topics as
        select * from (values
            (date '2026-03-31', 'service', 'delivery', 34, 5.0, 6.8, true),
            (date '2026-03-31', 'product', 'login', 21, 6.0, 3.5, true),
            (date '2026-03-31', 'price', 'promotions', 12, 11.0, 1.1, false),
            (date '2026-03-24', 'product', 'ui', 40, 4.0, 10.0, true))
            as v(as_of, topic_l1, topic_l2, recent_count, expected_count, ratio, is_emerging)""")
