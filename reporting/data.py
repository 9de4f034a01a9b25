"""The report's data: one query function per section, reading the published DuckDB file only.

Every function returns a Polars frame with a fixed schema. A table or column that is not (yet) published gives
an empty frame, and the section then shows "not enough data": the report never crashes on a thin publication
and never reads the pipeline's working warehouse. Where a KPI mart is missing, the section falls back to
counting marts.fct_feedback (same definitions), so an older publication still shows its facts.

The KPI marts hold one row per period and breakdown (`dimension`, `dimension_value`); the report reads the
whole-feed rows (`dimension = 'all'`) unless a section is *about* a breakdown (channel, SLA tier, product).
Windows are [start, end], both inclusive, on `period_start` of the daily marts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from warehouse.publish import DB_FILE

PUBLISHED_FILE_NAME = DB_FILE  # the publish step's file in CFM_PUBLISH_DIR

WINDOW_DAYS = 30
DAILY_TREND_DAYS = 120
WEEKLY_TREND_WEEKS = 52

FACT = "marts.fct_feedback"

# Output schemas of the section queries.
NPS_COUNTS = {"n": pl.Int64, "promoters": pl.Int64, "passives": pl.Int64, "detractors": pl.Int64}
CSAT_COUNTS = {"n": pl.Int64, "satisfied": pl.Int64}
CES_COUNTS = {"n": pl.Int64, "score_sum": pl.Float64, "score_sum_sq": pl.Float64}
COUNTS = {"nps": NPS_COUNTS, "csat": CSAT_COUNTS, "ces": CES_COUNTS}
SCORE = {"value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64}
SENTIMENT = {"negative": pl.Int64, "neutral": pl.Int64, "positive": pl.Int64, "total": pl.Int64}
TOPIC_SENTIMENT = {"topic_l1": pl.String, "topic_l2": pl.String, **SENTIMENT}
CHANNEL_SENTIMENT = {"channel": pl.String, **SENTIMENT}
TOPIC_IMPACT = {
    "topic_l1": pl.String,
    "topic_l2": pl.String,
    "mentions": pl.Int64,
    "detractor_mentions": pl.Int64,
    "responses": pl.Int64,
    "nps": pl.Float64,
    "nps_without_topic": pl.Float64,
    "impact": pl.Float64,
}
EMERGING = {
    "topic_l1": pl.String,
    "topic_l2": pl.String,
    "term": pl.String,
    "recent": pl.Float64,
    "baseline": pl.Float64,
    "growth": pl.Float64,
    "first_seen": pl.Date,
}
ANOMALIES = {
    "anomaly_id": pl.String,
    "metric": pl.String,
    "slice_type": pl.String,
    "slice_value": pl.String,
    "observed": pl.Float64,
    "expected": pl.Float64,
    "score": pl.Float64,
    "severity": pl.String,
    "rule": pl.String,
    "first_detected": pl.Date,
    "last_seen": pl.Date,
    "sample_feedback_ids": pl.List(pl.String),
}
SAMPLES = {
    "feedback_id": pl.String,
    "channel": pl.String,
    "created_date": pl.Date,
    "feedback_text": pl.String,
}
SLA = {
    "tier": pl.String,
    "tickets": pl.Int64,
    "met": pl.Int64,
    "breached": pl.Int64,
    "pending": pl.Int64,
    "compliance_pct": pl.Float64,
}
RETURNS = {
    "product_id": pl.String,
    "product_name": pl.String,
    "reason_code": pl.String,
    "returns": pl.Int64,
}
RETURN_RATES = {"product_id": pl.String, "returned_units": pl.Int64, "units_sold": pl.Int64}

# Per score: the daily/weekly mart's count columns (as SQL giving data.COUNTS) and its value/interval columns.
SCORE_MARTS = {
    "nps": (
        {"n": "responses", "promoters": "promoters", "passives": "passives", "detractors": "detractors"},
        {"value": "nps", "ci_low": "nps_ci_lower", "ci_high": "nps_ci_upper"},
    ),
    "csat": (
        {"n": "responses", "satisfied": "satisfied"},
        {"value": "csat_pct", "ci_low": "csat_ci_lower", "ci_high": "csat_ci_upper"},
    ),
    "ces": (
        # Σx and Σx² from the mean and sample SD, so days pool exactly into windows.
        {
            "n": "responses",
            "score_sum": "coalesce(ces_mean, 0) * responses",
            "score_sum_sq": "coalesce(ces_stddev, 0) ^ 2 * greatest(responses - 1, 0)"
            " + coalesce(ces_mean, 0) ^ 2 * responses",
        },
        {"value": "ces_mean", "ci_low": "ces_ci_lower", "ci_high": "ces_ci_upper"},
    ),
}
GRAIN_SUFFIX = {"day": "daily", "week": "weekly"}


# What a query raises when the publication lacks a table or column, or holds it with another type.
MISSING = (duckdb.CatalogException, duckdb.BinderException, duckdb.ConversionException)


class Published:
    """Read-only connection to the published file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no published file at {self.path}; run the pipeline (cfm run) first")
        self.con = duckdb.connect(str(self.path), read_only=True)
        rows = self.con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        self.tables = sorted(r[0].lower() for r in rows)

    def __enter__(self) -> Published:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    def has(self, table: str) -> bool:
        return table.lower() in self.tables

    def scalar(self, sql: str, params: Sequence | None = None) -> object:
        """First column of the first row; None when there is no row, table or column."""
        try:
            rows = self.con.execute(sql, list(params or [])).fetchall()
        except MISSING:
            return None
        return rows[0][0] if rows else None

    def try_frame(self, sql: str, schema: dict, params: Sequence | None = None) -> pl.DataFrame | None:
        """Rows of `sql` in `schema`; None when a table or column it names is not published."""
        try:
            table = self.con.sql(sql, params=list(params) if params else None).to_arrow_table()
        except MISSING:
            return None
        return pl.from_arrow(table).select([pl.col(c).cast(t) for c, t in schema.items()])

    def first(self, schema: dict, *queries: tuple[str, Sequence]) -> pl.DataFrame:
        """The first of `queries` (sql, params) whose tables and columns exist; else an empty frame."""
        for sql, params in queries:
            df = self.try_frame(sql, schema, params)
            if df is not None:
                return df
        return empty(schema)


def empty(schema: dict) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def window(end: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """[start, end] of the `days` days ending at `end`, both inclusive."""
    return end - timedelta(days=days - 1), end


# --------------------------------------------------------------------------------------------- as-of date


def publication_info(db: Published) -> dict | None:
    """Version and time of the publication (main._publication, written by warehouse.publish), if any."""
    rows = db.try_frame(
        "select version, strftime(timezone('UTC', published_at), '%Y-%m-%d %H:%M') as published_at "
        "from main._publication limit 1",
        {"version": pl.String, "published_at": pl.String},
    )
    return rows.row(0, named=True) if rows is not None and rows.height else None


def latest_date(db: Published) -> date | None:
    """The newest day of feedback in the publication; every window of the report ends there."""
    found = db.scalar(f"select max(created_date) from {FACT}")
    if found is None:
        found = db.scalar("select max(period_start) from marts.mart_nps_daily where responses > 0")
    return found


# ------------------------------------------------------------------------------- score counts and trends


def score_periods(db: Published, metric: str, grain: str, start: date, end: date) -> pl.DataFrame:
    """One row per day or ISO week (grain 'day'/'week') in [start, end] with answers to `metric`:
    period, the counts of data.COUNTS[metric], and the mart's value and 95% interval.

    Source: marts.mart_<metric>_daily / _weekly, whole feed (dimension 'all'); without that mart, counts of
    marts.fct_feedback (value and interval then null: the model computes them with the same definitions).
    """
    counts, scores = SCORE_MARTS[metric]
    schema = {"period": pl.Date, **COUNTS[metric], **SCORE}
    table = f"marts.mart_{metric}_{GRAIN_SUFFIX[grain]}"
    select = ", ".join(
        [f"{expr} as {name}" for name, expr in counts.items()]
        + [f"{expr} as {name}" for name, expr in scores.items()]
    )
    mart_sql = f"""select cast(period_start as date) as period, {select} from {table}
                   where dimension = 'all' and responses > 0 and period_start between ? and ?
                   order by period"""
    bucket = "created_date" if grain == "day" else "cast(date_trunc('week', created_date) as date)"
    fact_sql = f"""select {bucket} as period, {_fact_counts(metric)}, null as value, null as ci_low,
                          null as ci_high
                   from {FACT} where {metric}_score is not null and {bucket} between ? and ?
                   group by 1 order by 1"""
    return db.first(schema, (mart_sql, [start, end]), (fact_sql, [start, end]))


def _fact_counts(metric: str) -> str:
    column = f"{metric}_score"
    exprs = {
        "nps": {
            "n": f"count({column})",
            "promoters": f"count(*) filter (where {column} >= 9)",
            "passives": f"count(*) filter (where {column} between 7 and 8)",
            "detractors": f"count(*) filter (where {column} <= 6)",
        },
        "csat": {"n": f"count({column})", "satisfied": f"count(*) filter (where {column} >= 4)"},
        "ces": {
            "n": f"count({column})",
            "score_sum": f"sum({column})",
            "score_sum_sq": f"sum({column} * {column})",
        },
    }[metric]
    return ", ".join(f"{expr} as {name}" for name, expr in exprs.items())


def score_window(db: Published, metric: str, end: date, days: int = WINDOW_DAYS) -> dict:
    """The counts of `metric` summed over the `days` days ending at `end` (zeros when none)."""
    daily = score_periods(db, metric, "day", *window(end, days))
    return {c: daily[c].sum() for c in COUNTS[metric]}


# --------------------------------------------------------------------------- sentiment by topic / channel


def _sentiment_counts(label: str = "sentiment_label") -> str:
    return ", ".join(
        [f"count(*) filter (where {label} = '{s}') as {s}" for s in ("negative", "neutral", "positive")]
        + ["count(*) as total"]
    )


_MART_SENTIMENT = (
    "sum(negative_count) as negative, sum(neutral_count) as neutral, sum(positive_count) as positive, "
    "sum(feedback_count) as total"
)


def topic_sentiment(db: Published, start: date, end: date) -> pl.DataFrame:
    """Feedback items per primary topic (L1, L2) and sentiment over [start, end] (marts.mart_topics_daily,
    whole feed; items without a topic are 'other')."""
    mart = f"""select topic_l1, topic_l2, {_MART_SENTIMENT} from marts.mart_topics_daily
               where dimension = 'all' and period_start between ? and ?
               group by 1, 2 having sum(feedback_count) > 0 order by total desc, 1, 2"""
    fact = f"""select coalesce(topic_l1, 'other') as topic_l1, coalesce(topic_l2, 'other') as topic_l2,
                      {_sentiment_counts()}
               from {FACT} where created_date between ? and ? group by 1, 2 order by total desc, 1, 2"""
    return db.first(TOPIC_SENTIMENT, (mart, [start, end]), (fact, [start, end]))


def channel_sentiment(db: Published, start: date, end: date) -> pl.DataFrame:
    """Feedback items per channel and sentiment over [start, end] (marts.mart_topics_daily, channel rows)."""
    mart = f"""select dimension_value as channel, {_MART_SENTIMENT} from marts.mart_topics_daily
               where dimension = 'channel' and period_start between ? and ?
               group by 1 having sum(feedback_count) > 0 order by total desc, 1"""
    fact = f"""select channel, {_sentiment_counts()} from {FACT} where created_date between ? and ?
               group by 1 order by total desc, 1"""
    return db.first(CHANNEL_SENTIMENT, (mart, [start, end]), (fact, [start, end]))


# ----------------------------------------------------------------------------------- drivers and emerging


def topic_nps_impact(db: Published, start: date, end: date) -> pl.DataFrame:
    """Per topic over [start, end] (marts.mart_topic_nps_impact_daily, whole feed): NPS of all answers, NPS
    without the answers whose detractor comment names the topic, and impact = the difference (points NPS
    would rise without those comments). Counts are summed over the days, then scored, as the mart does."""
    sql = """
        with summed as (
            select topic_l1, topic_l2, sum(topic_comments) as mentions,
                   sum(topic_detractor_comments) as detractor_mentions, sum(responses) as responses,
                   sum(promoters) as promoters, sum(detractors) as detractors
            from marts.mart_topic_nps_impact_daily
            where dimension = 'all' and period_start between ? and ?
            group by 1, 2
        ),
        scored as (
            select *,
                   case when responses > 0 then 100.0 * (promoters - detractors) / responses end as nps,
                   case when responses - detractor_mentions > 0
                        then 100.0 * (promoters - (detractors - detractor_mentions))
                             / (responses - detractor_mentions) end as nps_without_topic
            from summed
        )
        select topic_l1, topic_l2, mentions, detractor_mentions, responses, nps, nps_without_topic,
               nps_without_topic - nps as impact
        from scored where mentions > 0
        order by impact desc nulls last, mentions desc, topic_l1, topic_l2"""
    return db.first(TOPIC_IMPACT, (sql, [start, end]))


def emerging_topics(db: Published) -> pl.DataFrame:
    """analytics.emerging_topics at its latest as-of date: topics growing fastest against their history."""
    table = "analytics.emerging_topics"
    if not db.has(table):
        return empty(EMERGING)
    cols = {
        r[0].lower()
        for r in db.con.execute(
            "select column_name from information_schema.columns where table_schema = 'analytics' "
            "and table_name = 'emerging_topics'"
        ).fetchall()
    }

    def pick(*names: str) -> str:
        return next((n for n in names if n in cols), "null")

    where = []
    as_of = pick("as_of", "as_of_date", "snapshot_date")
    if as_of != "null":
        where.append(f"{as_of} = (select max({as_of}) from {table})")
    flag = pick("is_emerging")
    if flag != "null":
        where.append(flag)
    growth = pick("ratio", "share_ratio", "growth", "lift", "growth_ratio", "score")
    sql = f"""select {pick("topic_l1")} as topic_l1, {pick("topic_l2", "topic")} as topic_l2,
                     {pick("term", "keyword", "phrase")} as term,
                     {pick("recent_count", "recent", "count", "n")} as recent,
                     {pick("expected_count", "baseline_count", "history_count", "baseline", "expected")}
                         as baseline,
                     {growth} as growth,
                     cast({pick("first_seen", "first_detected", "first_seen_date")} as date) as first_seen
              from {table} {"where " + " and ".join(where) if where else ""}
              order by growth desc nulls last, recent desc nulls last limit 10"""
    return db.first(EMERGING, (sql, []))


def open_anomalies(db: Published) -> pl.DataFrame:
    """analytics.anomalies still open, most severe first; sample_feedback_ids split into a list of ids
    (the anomalies table stores them '; '-joined)."""
    ids = (
        "list_filter(list_transform(string_split(coalesce(sample_feedback_ids, ''), ';'), "
        "lambda x: trim(x)), "
        "lambda x: x <> '')"
    )
    sql = f"""select anomaly_id, metric, slice_type, slice_value, observed, expected, score, severity, rule,
                     cast(first_detected as date) as first_detected, cast(last_seen as date) as last_seen,
                     {ids} as sample_feedback_ids
              from analytics.anomalies where is_open
              order by case lower(severity) when 'critical' then 0 when 'high' then 1 when 'medium' then 2
                       else 3 end, score desc nulls last, first_detected desc"""
    list_sql = sql.replace(ids, "cast(sample_feedback_ids as varchar[])")
    without_last_seen = sql.replace("cast(last_seen as date)", "null")
    return db.first(ANOMALIES, (sql, []), (list_sql, []), (without_last_seen, []))


def feedback_samples(db: Published, feedback_ids: list[str]) -> pl.DataFrame:
    """The (already masked) text of the given feedback items from marts.fct_feedback."""
    if not feedback_ids:
        return empty(SAMPLES)
    sql = f"""select feedback_id, channel, created_date, feedback_text from {FACT}
              where feedback_id in (select unnest(?::varchar[]))"""
    return db.first(SAMPLES, (sql, [feedback_ids]))


# ------------------------------------------------------------------------------------ SLA and returns


def sla_compliance(db: Published, start: date, end: date) -> pl.DataFrame:
    """Tickets created in [start, end] per SLA tier (marts.mart_tickets_daily, dimension 'sla_tier'):
    compliance = met / (met + breached); pending tickets are not judged yet."""
    sql = """select dimension_value as tier, sum(tickets_created) as tickets, sum(sla_met) as met,
                    sum(sla_breached) as breached, sum(sla_pending) as pending,
                    100.0 * sum(sla_met) / nullif(sum(sla_met) + sum(sla_breached), 0) as compliance_pct
             from marts.mart_tickets_daily
             where dimension = 'sla_tier' and period_start between ? and ?
             group by 1 having sum(tickets_created) > 0
             order by case tier when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end,
                      tier"""
    return db.first(SLA, (sql, [start, end]))


def return_reasons(db: Published, start: date, end: date) -> pl.DataFrame:
    """Returned units per product and reason over [start, end] (marts.fct_returns, declined returns not
    counted, as in mart_returns_*), with the product's name from marts.dim_product."""
    with_names = """
        select r.product_id, any_value(p.product_name) as product_name, r.reason_code,
               sum(r.quantity) as returns
        from marts.fct_returns r left join marts.dim_product p on p.product_id = r.product_id
        where r.is_counted_as_returned and r.requested_date between ? and ?
        group by r.product_id, r.reason_code order by returns desc, 1, 3"""
    without_names = with_names.replace("any_value(p.product_name)", "null").replace(
        "left join marts.dim_product p on p.product_id = r.product_id", ""
    )
    return db.first(RETURNS, (with_names, [start, end]), (without_names, [start, end]))


def return_rates(db: Published, start: date, end: date) -> pl.DataFrame:
    """Returned and sold units per product over [start, end] (marts.mart_returns_daily, product rows)."""
    sql = """select dimension_value as product_id, sum(returned_units) as returned_units,
                    sum(units_sold) as units_sold
             from marts.mart_returns_daily where dimension = 'product' and period_start between ? and ?
             group by 1"""
    return db.first(RETURN_RATES, (sql, [start, end]))
