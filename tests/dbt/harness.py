"""Build the dbt project on a `World`: land the file sources, stand in for the other staging models and for
the tagging step, then run dbt into a warehouse of its own.

What is real here: the CRM, product and sales files and the ticket export (written as files with UTC offsets)
go through the real landing code and the real staging models; every layer from intermediate on is the
project's own. What is stood in: the API and survey staging models are created as tables with the columns
their SQL produces (so these tests do not depend on each vendor's raw payload), and the tagging step's
`enrich` tables are written from the world's tags.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from orchestration.assets.landing import TICKET_FILES
from orchestration.assets.reference_files import CRM_CUSTOMERS, CRM_PRODUCTS, PRODUCT_SALES_DAILY
from tests.dbt.world import SURVEY_SOURCE, World, feedback_ids
from warehouse.landing import land_export_file

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT = str(Path(sys.executable).with_name("dbt"))

# Staging models stood in by tables: model name -> SQL over the registered frame `frame`.
STAND_INS: dict[str, str] = {
    "stg_typeform__responses": "survey",
    "stg_qualtrics__responses": "survey",
    "stg_survey_files__responses": "survey",
    "stg_reddit__posts": "reddit",
    "stg_appstore__reviews": "appstore",
    "stg_zendesk__tickets": "zendesk_tickets",
    "stg_zendesk__satisfaction_ratings": "zendesk_ratings",
    "stg_shopify__returns": "shopify",
    "stg_returns_files__returns": "returns_files",
}


def stood_in_models() -> list[str]:
    """The stand-in staging models that exist in the project (dbt must not build them over the tables)."""
    present = {p.stem for p in (DBT_DIR / "models" / "staging").rglob("stg_*.sql")}
    return [name for name in STAND_INS if name in present]


def excluded() -> list[str]:
    """dbt selectors for what the harness stands in for: those staging models and their sources' raw tables
    (which these tests do not land, so the source tests would fail)."""
    folders = {
        p.parent.name
        for p in (DBT_DIR / "models" / "staging").rglob("stg_*.sql")
        if p.stem in STAND_INS
    }
    return [*stood_in_models(), *(f"source:{folder}" for folder in sorted(folders))]


def _naive(col: str) -> pl.Expr:
    return pl.col(col).dt.convert_time_zone("UTC").dt.replace_time_zone(None)


def _with_loaded_at(frame: pl.DataFrame, default: datetime) -> pl.DataFrame:
    if "_loaded_at" not in frame.columns:
        frame = frame.with_columns(pl.lit(default).cast(pl.Datetime("us", "UTC")).alias("_loaded_at"))
    return frame


def _iso(ts: datetime | None, offset_minutes: int) -> str:
    if ts is None:
        return ""
    local = ts + timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


def write_landing_files(world: World, landing: Path, suffix: str = "") -> None:
    """The file drops: CRM, products, sales and the ticket export (timestamps in each row's own offset)."""
    for folder in ("crm", "sales", "tickets"):
        (landing / folder).mkdir(parents=True, exist_ok=True)
    world.customers.write_csv(landing / "crm" / "customers.csv")
    world.products.write_csv(landing / "crm" / "products.csv")
    world.sales.write_csv(landing / "sales" / "product_sales_daily.csv")
    export = world.tickets.filter(pl.col("system") == "export")
    rows = []
    for t in export.iter_rows(named=True):
        off = t["utc_offset_minutes"]
        rows.append(
            {
                "ticket_id": str(t["ticket_id"]),
                "created_at": _iso(t["created_at"], off),
                "updated_at": _iso(t["updated_at"], off),
                "status": t["status"],
                "priority": t["priority"],
                "channel": t["channel"],
                "requester_id": t["customer_id"],
                "requester_email": f"{t['customer_id']}@example.com",
                "product_id": t["product_id"] or "",
                "subject": t["subject"],
                "description": t["description"],
                "first_response_at": _iso(t["first_response_at"], off),
                "solved_at": _iso(t["solved_at"], off),
                "reopens": str(t["reopens"]),
                "satisfaction_score": "" if t["csat_score"] is None else str(t["csat_score"]),
                "tags": "a;b",
            }
        )
    pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]} if rows else None).write_csv(
        landing / "tickets" / f"tickets{suffix}.csv"
    )


def land_files(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    for spec, path in (
        (CRM_CUSTOMERS, landing / "crm" / "customers.csv"),
        (CRM_PRODUCTS, landing / "crm" / "products.csv"),
        (PRODUCT_SALES_DAILY, landing / "sales" / "product_sales_daily.csv"),
    ):
        land_export_file(con, spec, path)
    for path in sorted((landing / "tickets").glob("*.csv")):
        land_export_file(con, TICKET_FILES, path)


def _stand_in_frames(world: World, now: datetime) -> dict[str, pl.DataFrame]:
    surveys = _with_loaded_at(world.surveys, now)
    survey = {
        tool: surveys.filter(pl.col("survey_tool") == tool).select(
            "response_id",
            "customer_id",
            pl.col("customer_email").str.to_lowercase(),
            "product_id",
            _naive("submitted_at").alias("submitted_at"),
            pl.col("nps").alias("nps_score"),
            pl.col("csat").alias("csat_score"),
            pl.col("ces").alias("ces_score"),
            "comment",
            pl.lit(None, pl.Utf8).alias("language"),
            "_loaded_at",
        )
        for tool in SURVEY_SOURCE
    }
    social = _with_loaded_at(world.social, now)
    tickets = _with_loaded_at(world.tickets, now)
    zendesk = tickets.filter(pl.col("system") == "zendesk")
    returns = _with_loaded_at(world.returns, now)
    return {
        "stg_typeform__responses": survey["typeform"],
        "stg_qualtrics__responses": survey["qualtrics"],
        "stg_survey_files__responses": survey["csv"],
        "stg_reddit__posts": social.filter(pl.col("platform") == "reddit").select(
            "post_id",
            ("t3_" + pl.col("post_id")).alias("post_fullname"),
            "author",
            "title",
            "body",
            "score",
            _naive("created_at").alias("created_at"),
            pl.lit("test").alias("subreddit"),
            pl.lit("/r/test").alias("permalink"),
            "_loaded_at",
        ),
        "stg_appstore__reviews": social.filter(pl.col("platform") == "appstore").select(
            pl.col("post_id").alias("review_id"),
            "rating",
            "title",
            "body",
            pl.col("author").alias("reviewer_nickname"),
            _naive("created_at").alias("created_at"),
            pl.lit("USA").alias("territory"),
            "_loaded_at",
        ),
        "stg_zendesk__tickets": zendesk.select(
            "ticket_id",
            "customer_id",
            pl.lit(1, pl.Int64).alias("requester_id"),
            "product_id",
            pl.col("channel").alias("contact_method"),
            "status",
            "priority",
            "subject",
            "description",
            _naive("created_at").alias("created_at"),
            _naive("updated_at").alias("updated_at"),
            pl.col("satisfaction").alias("satisfaction_rating"),
            "satisfaction_comment",
            pl.lit("a").alias("tags"),
            _naive("first_response_at").alias("first_response_at"),
            _naive("solved_at").alias("solved_at"),
            pl.col("reopens").alias("reopen_count"),
            "_loaded_at",
        ),
        "stg_zendesk__satisfaction_ratings": zendesk.filter(pl.col("satisfaction").is_not_null()).select(
            (pl.col("ticket_id") + 50_000_000).alias("satisfaction_rating_id"),
            "ticket_id",
            pl.lit(1, pl.Int64).alias("requester_id"),
            pl.col("satisfaction").alias("score"),
            (pl.col("satisfaction") == "good").alias("is_good"),
            pl.col("satisfaction_comment").alias("comment"),
            pl.lit("0").alias("reason_code"),
            _naive("solved_at").fill_null(_naive("updated_at")).alias("created_at"),
            _naive("solved_at").fill_null(_naive("updated_at")).alias("updated_at"),
            "_loaded_at",
        ),
        "stg_shopify__returns": returns.filter(pl.col("system") == "shopify").select(
            "return_id",
            pl.col("line_item_id").alias("return_line_item_id"),
            ("#" + pl.col("order_id")).alias("return_name"),
            "order_id",
            "customer_id",
            pl.lit(None, pl.Utf8).alias("customer_email"),
            "product_id",
            "status",
            "quantity",
            "reason_code",
            pl.lit(None, pl.Utf8).alias("reason_note"),
            "customer_note",
            _naive("requested_at").alias("requested_at"),
            pl.lit(None, pl.Datetime("us")).alias("closed_at"),
            "_loaded_at",
        ),
        "stg_returns_files__returns": returns.filter(pl.col("system") == "csv").select(
            "return_id",
            "order_id",
            "line_item_id",
            "customer_id",
            "product_id",
            "quantity",
            "amount",
            "currency",
            "reason_code",
            "customer_note",
            "status",
            _naive("requested_at").alias("requested_at"),
            pl.lit("returns.csv").alias("_file"),
            "_loaded_at",
        ),
    }


def create_stand_ins(con: duckdb.DuckDBPyConnection, world: World, now: datetime) -> None:
    con.execute("create schema if not exists staging")
    wanted = set(stood_in_models())
    for name, frame in _stand_in_frames(world, now).items():
        if name not in wanted:
            continue
        arrow = frame.to_arrow()  # noqa: F841 (DuckDB reads the local by name)
        kind = con.execute(
            "select table_type from information_schema.tables where table_schema = 'staging' and table_name = ?",
            [name],
        ).fetchone()
        if kind and kind[0] == "VIEW":
            con.execute(f"drop view staging.{name}")
        con.execute(f"create or replace table staging.{name} as select * from arrow")


def default_tags(ids: pl.DataFrame) -> pl.DataFrame:
    return ids.select(
        "feedback_id",
        pl.lit("neutral").alias("sentiment_label"),
        pl.lit(0.0).alias("sentiment_score"),
        pl.lit("other").alias("topic_l1"),
        pl.lit("other").alias("topic_l2"),
        pl.lit("question").alias("feedback_type"),
        pl.lit("normal").alias("urgency"),
        pl.col("feedback_id").alias("canonical_feedback_id"),
    )


def write_enrich(con: duckdb.DuckDBPyConnection, world: World, tagged_at: datetime) -> None:
    """The tagging step's outputs for every item of the world (its tags, defaults for untagged items)."""
    ids = feedback_ids(world).unique()
    given = world.tags.join(ids, on="feedback_id", how="semi") if world.tags.height else default_tags(ids).clear()
    missing = default_tags(ids.join(given.select("feedback_id"), on="feedback_id", how="anti"))
    tags = pl.concat([given.select(missing.columns), missing])
    if "tagged_at" in world.tags.columns:
        tags = tags.join(world.tags.select("feedback_id", "tagged_at"), on="feedback_id", how="left")
    else:
        tags = tags.with_columns(pl.lit(None, pl.Datetime("us", "UTC")).alias("tagged_at"))
    tags = tags.with_columns(
        pl.col("feedback_id").hash().cast(pl.Utf8).alias("text_hash"),
        pl.lit("masked text").alias("feedback_text_masked"),
        pl.lit("en").alias("language"),
        pl.lit("kw1; kw2").alias("keywords"),
        (pl.col("canonical_feedback_id") != pl.col("feedback_id")).alias("is_duplicate"),
        pl.when(pl.col("canonical_feedback_id") != pl.col("feedback_id")).then(0.9).otherwise(None).alias(
            "duplicate_similarity"
        ),
        pl.lit("test-1").alias("taxonomy_version"),
        pl.col("tagged_at").fill_null(pl.lit(tagged_at).cast(pl.Datetime("us", "UTC"))),
    )
    topics = pl.concat(
        [
            tags.select("feedback_id", "topic_l1", "topic_l2", pl.lit(True).alias("is_primary")),
            world.extra_topics.join(ids, on="feedback_id", how="semi").select(
                "feedback_id", "topic_l1", "topic_l2", pl.lit(False).alias("is_primary")
            ),
        ]
    ).with_columns(pl.lit("test-1").alias("taxonomy_version"))
    tags_arrow = tags.to_arrow()  # noqa: F841
    topics_arrow = topics.to_arrow()  # noqa: F841
    con.execute("create schema if not exists enrich")
    con.execute("create or replace table enrich.feedback_tags as select * from tags_arrow")
    con.execute("create or replace table enrich.feedback_topics as select * from topics_arrow")


def dbt(warehouse: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run dbt on `warehouse` with a target folder of its own (parallel builds do not share manifests)."""
    env = {
        **os.environ,
        "CFM_WAREHOUSE": str(warehouse),
        "DBT_TARGET_PATH": str(warehouse.parent / "dbt_target"),
        "DBT_LOG_PATH": str(warehouse.parent / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [DBT, *args, "--profiles-dir", str(DBT_DIR), "--project-dir", str(DBT_DIR)],
        cwd=DBT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-20000:]}\n{result.stderr[-5000:]}")
    return result


def load_world(world: World, warehouse: Path, *, suffix: str = "", now: datetime | None = None) -> None:
    """Land the world's files, (re)create the stand-in staging tables and the tagging outputs."""
    now = now or datetime.now(UTC)
    landing = warehouse.parent / "landing"
    write_landing_files(world, landing, suffix)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        land_files(con, landing)
        create_stand_ins(con, world, now)
        write_enrich(con, world, now)


def build(world: World, warehouse: Path, *dbt_args: str) -> subprocess.CompletedProcess:
    """Load the world and `dbt build` every model, seed and test except the stood-in staging models."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    load_world(world, warehouse)
    return dbt(warehouse, "build", "--exclude", *excluded(), *dbt_args)


def query(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return pl.from_arrow(con.execute(sql).to_arrow_table())
