"""A small, clean warehouse with the published marts the suites gate, and ways to break it.

`build_marts` writes seeds.channels, seeds.taxonomy, marts.fct_feedback (columns and types of the dbt
contract in dbt_project/models/marts/_marts.yml) and marts.mart_feedback_daily (as its model computes it):
every day of the window has feedback, every value is in range, so every suite passes. `inject` breaks it the
ways a bad load does.
"""

from __future__ import annotations

import datetime as dt

import duckdb

END = dt.date(2026, 10, 31)
TAXONOMY = {
    "product": ["ui", "performance", "stability", "compatibility", "login", "features", "quality", "sizing"],
    "service": ["response_speed", "staff_attitude", "delivery", "damaged_item", "refund_returns"],
    "price": ["too_expensive", "billing_errors", "promotions"],
}
CHANNELS = [
    ("typeform", "survey"),
    ("qualtrics", "survey"),
    ("survey_export", "survey"),
    ("reddit", "social"),
    ("appstore", "social"),
    ("zendesk", "ticket"),
    ("ticket_export", "ticket"),
    ("shopify", "return"),
    ("returns_export", "return"),
]


def build_marts(con: duckdb.DuckDBPyConnection, *, items: int = 300, days: int = 30) -> None:
    con.execute("create schema if not exists seeds; create schema if not exists marts")
    con.execute("create or replace table seeds.channels (channel varchar, channel_family varchar)")
    con.executemany("insert into seeds.channels values (?, ?)", CHANNELS)
    con.execute("create or replace table seeds.taxonomy (topic_l1 varchar, topic_l2 varchar)")
    con.executemany(
        "insert into seeds.taxonomy values (?, ?)", [(l1, l2) for l1, l2s in TAXONOMY.items() for l2 in l2s]
    )
    con.execute(
        f"""create or replace table marts.fct_feedback as
        with items as (
            select i, {days} as days,
                   ['zendesk', 'typeform', 'reddit', 'shopify'][1 + i % 4] as channel,
                   ['ticket', 'survey', 'social', 'return'][1 + i % 4] as channel_family,
                   ['zendesk', 'typeform', 'reddit', 'shopify'][1 + i % 4] as source
            from range({items}) t(i)
        )
        select
            source || ':' || i as feedback_id,
            source,
            channel,
            channel_family,
            cast(i as varchar) as native_id,
            'C' || lpad(cast(i % 50 as varchar), 6, '0') as customer_id,
            'P' || lpad(cast(i % 7 as varchar), 4, '0') as product_id,
            cast(date '{END}' - cast(i % days as integer) + interval (i % 24) hour as timestamp) as created_at,
            cast(date '{END}' - cast(i % days as integer) as date) as created_date,
            ['en', 'zh'][1 + i % 2] as language,
            'feedback text number ' || i as feedback_text,
            cast(((i % 21) - 10) / 10.0 as double) as sentiment_score,
            ['negative', 'neutral', 'positive'][1 + i % 3] as sentiment_label,
            ['product', 'service', 'price'][1 + i % 3] as topic_l1,
            ['ui', 'delivery', 'promotions'][1 + i % 3] as topic_l2,
            ['complaint', 'suggestion', 'praise', 'question'][1 + i % 4] as feedback_type,
            ['urgent', 'high', 'normal'][1 + i % 3] as urgency,
            'slow; app' as keywords,
            cast(case when channel_family = 'survey' then i % 11 end as integer) as nps_score,
            cast(case when channel_family in ('survey', 'ticket') then 1 + i % 5 end as integer) as csat_score,
            cast(case when channel_family = 'survey' then 1 + i % 7 end as integer) as ces_score,
            cast(0 as integer) as duplicate_count,
            'test-1' as taxonomy_version,
            cast(timestamptz '2026-11-01 00:00:00+00' as timestamptz) as loaded_at
        from items"""
    )
    rebuild_daily(con)


def rebuild_daily(con: duckdb.DuckDBPyConnection) -> None:
    """marts.mart_feedback_daily from marts.fct_feedback as its dbt model builds it: every day of the calendar
    for every channel with data (zero counts and null CSAT on quiet days)."""
    con.execute(
        """create or replace table marts.mart_feedback_daily as
        with days as (
            select cast(unnest(generate_series(min(created_date), max(created_date), interval 1 day)) as date)
                   as feedback_date
            from marts.fct_feedback
        ),
        channels as (select distinct channel from marts.fct_feedback),
        counts as (
            select created_date as feedback_date, channel, count(*) as feedback_count,
                   count(csat_score) as csat_responses, count(*) filter (where csat_score >= 4) as csat_satisfied
            from marts.fct_feedback group by 1, 2
        )
        select d.feedback_date, c.channel,
               coalesce(n.feedback_count, 0) as feedback_count,
               coalesce(n.csat_responses, 0) as csat_responses,
               coalesce(n.csat_satisfied, 0) as csat_satisfied,
               case when n.csat_responses > 0 then 100.0 * n.csat_satisfied / n.csat_responses end as csat_pct
        from days d cross join channels c
        left join counts n on n.feedback_date = d.feedback_date and n.channel = c.channel"""
    )


# What a bad load does to fct_feedback: (SQL, the offending feedback_id, the expectation that must name it).
INJECTIONS = {
    "out_of_range_score": (
        "update marts.fct_feedback set sentiment_score = 3.5 where feedback_id = 'zendesk:8'",
        "zendesk:8",
        "expect_column_values_to_be_between",
    ),
    "out_of_range_nps": (
        "update marts.fct_feedback set nps_score = 11 where feedback_id = 'typeform:9'",
        "typeform:9",
        "expect_column_values_to_be_between",
    ),
    "duplicate_id": (
        "insert into marts.fct_feedback select * from marts.fct_feedback where feedback_id = 'reddit:10'",
        "reddit:10",
        "expect_column_values_to_be_unique",
    ),
    "null_key": (
        "update marts.fct_feedback set feedback_id = null where native_id = '11'",
        "11",  # the row is named by its native_id (sample_columns) since its key is gone
        "expect_column_values_to_not_be_null",
    ),
    "future_timestamp": (
        "update marts.fct_feedback set created_at = now()::timestamp + interval 30 day "
        "where feedback_id = 'zendesk:12'",
        "zendesk:12",
        "expect_column_values_to_be_between",
    ),
    "unknown_topic": (
        "update marts.fct_feedback set topic_l2 = 'astrology' where feedback_id = 'typeform:13'",
        "typeform:13",
        "expect_column_values_to_be_in_set",
    ),
}


def inject(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str]:
    """Break fct_feedback one way; returns (offending row id, expectation type that must report it)."""
    sql, row, expectation = INJECTIONS[name]
    con.execute(sql)
    return row, expectation
