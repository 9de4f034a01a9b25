"""Trend and anomaly tables in schema `analytics`, from marts.fct_feedback (and staged daily sales).

- analytics.trends_daily      one row per day and slice: rolling 7- and 28-day volumes and KPIs
- analytics.trend_changes     one row per as-of day, period (wow, mom), metric and slice, with a test
- analytics.emerging_topics   one row per as-of day and topic: share against its own history
- analytics.anomalies         one row per anomaly EVENT (analytics.anomalies.ANOMALY_SCHEMA)

Rules and baseline settings: config/anomaly_rules.yml. The bodies stay thin: read, call analytics/, write.
"""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from analytics import anomalies as an
from analytics import trends
from orchestration.settings import REPO_ROOT, get_settings
from warehouse import connect

RULES_PATH = REPO_ROOT / "config" / "anomaly_rules.yml"
FCT_FEEDBACK = dg.AssetKey(["marts", "fct_feedback"])
SALES = dg.AssetKey(["staging", "stg_sales__product_sales_daily"])
ANOMALIES = dg.AssetKey(["analytics", "anomalies"])
INPUT_DEPS = [FCT_FEEDBACK, SALES]

# What the detector reads from the fact; a column the mart does not have yet reads as null.
FEEDBACK_COLUMNS = {
    "feedback_id": "varchar", "created_date": "date", "channel": "varchar", "channel_family": "varchar",
    "product_id": "varchar", "topic_l1": "varchar", "topic_l2": "varchar", "sentiment_label": "varchar",
    "feedback_type": "varchar", "nps_score": "integer", "csat_score": "integer",
}


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {r[0] for r in rows}


def read_inputs(path: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """marts.fct_feedback (the columns the detector uses) and, when staged, daily unit sales per product."""
    target = path or get_settings().warehouse
    with duckdb.connect(str(target), read_only=True) as con:
        have = _columns(con, "marts", "fct_feedback")
        if not have:
            raise dg.Failure("marts.fct_feedback does not exist yet: run dbt first")
        select = ", ".join(
            c if c in have else f"cast(null as {t}) as {c}" for c, t in FEEDBACK_COLUMNS.items()
        )
        feedback = con.sql(f"select {select} from marts.fct_feedback").pl()
        sales = None
        if {"sale_date", "product_id", "units"} <= _columns(con, "staging", "stg_sales__product_sales_daily"):
            sales = con.sql(
                "select sale_date, product_id, units from staging.stg_sales__product_sales_daily"
            ).pl()
    return feedback, sales


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> int:
    """Replace analytics.<name> with the frame (through Arrow), in one statement."""
    con.execute("create schema if not exists analytics")
    arrow = frame.to_arrow()  # noqa: F841 - read by DuckDB below
    con.execute(f"create or replace table analytics.{name} as select * from arrow")
    return frame.height


def _inputs(context: dg.AssetExecutionContext) -> tuple[pl.DataFrame, pl.DataFrame | None, an.Rules]:
    rules = an.load_rules(RULES_PATH)
    feedback, sales = read_inputs()
    context.log.info(f"{feedback.height:,} feedback items, sales {'staged' if sales is not None else 'absent'}")
    return feedback, sales, rules


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["analytics", "trends_daily"],
            deps=INPUT_DEPS,
            description="One row per day and slice (all, topic_l1, topic, channel_family, channel, product): "
            "7- and 28-day volumes, negative and complaint shares, NPS with margin, CSAT, return rate.",
            kinds={"polars", "duckdb"},
        ),
        dg.AssetSpec(
            ["analytics", "trend_changes"],
            deps=INPUT_DEPS,
            description="Week-over-week and month-over-month (4-week) changes per metric and slice with a "
            "significance flag: Poisson rate test (counts), two-proportion z (shares), adjusted Wald (NPS).",
            kinds={"polars", "duckdb"},
        ),
        dg.AssetSpec(
            ["analytics", "emerging_topics"],
            deps=INPUT_DEPS,
            description="Topics whose share of all feedback in the last week rose significantly against "
            "their own previous 8 weeks.",
            kinds={"polars", "duckdb"},
        ),
    ],
    group_name="analytics",
    pool="warehouse",
)
def analytics_trends(context: dg.AssetExecutionContext):
    feedback, sales, rules = _inputs(context)
    series = an.build_daily_series(feedback, rules, sales=sales)
    tables = trends.build_trends(feedback, series, rules.trends)
    with connect(get_settings().warehouse) as con:
        for name, frame in tables.items():
            rows = write_table(con, name, frame)
            yield dg.MaterializeResult(asset_key=["analytics", name], metadata={"rows": rows})


@dg.asset(
    key=ANOMALIES,
    deps=INPUT_DEPS,
    group_name="analytics",
    pool="warehouse",
    kinds={"polars", "duckdb"},
    description="One row per anomaly event (metric x slice, consecutive anomalous days are one event): "
    "window, observed, expected, score, severity, rule, first detected, last seen, sample feedback ids. "
    "Rules: config/anomaly_rules.yml. New rows are alerted once by the anomaly_alert_sensor.",
)
def anomalies(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    feedback, sales, rules = _inputs(context)
    series = an.build_daily_series(feedback, rules, sales=sales)
    events = an.detect(series, rules, feedback=feedback)
    with connect(get_settings().warehouse) as con:
        rows = write_table(con, "anomalies", events)
    return dg.MaterializeResult(
        metadata={
            "events": rows,
            "open_events": int(events["is_open"].sum()) if rows else 0,
            "by_severity": {str(k): int(v) for k, v in events.group_by("severity").len().iter_rows()}
            if rows else {},
            "days": int(series["date"].n_unique()) if series.height else 0,
            "latest_first_detected": str(events["first_detected"].max()) if rows else None,
        }
    )


anomaly_assets = [analytics_trends, anomalies]
