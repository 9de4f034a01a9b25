"""Python tagging between dbt's intermediate and marts layers: enrich.feedback_tags and enrich.feedback_topics.

Only new or changed feedback is tagged (text hash or taxonomy version differs); near-duplicates are decided
again for the customers those items belong to, so a late-arriving earlier copy still becomes canonical.
"""

import dagster as dg
import duckdb
import polars as pl

from analytics.config import TaggingConfig
from analytics.dedup import link_near_duplicates
from analytics.pii import mask_pii
from analytics.tagging import tag
from orchestration.settings import get_settings
from warehouse import connect

# No primary-key index: maintaining it doubled the cost of writing a million tags. feedback_id stays unique
# because a run deletes the ids it writes (which are unique in int_feedback__unioned) first; dbt tests it.
TAGS_DDL = """
create table if not exists enrich.feedback_tags (
    feedback_id varchar, text_hash varchar, feedback_text_masked varchar, language varchar,
    sentiment_score double, sentiment_label varchar, topic_l1 varchar, topic_l2 varchar, feedback_type varchar,
    urgency varchar, keywords varchar, canonical_feedback_id varchar, is_duplicate boolean,
    duplicate_similarity double, taxonomy_version varchar, tagged_at timestamptz
)"""
TOPICS_DDL = """
create table if not exists enrich.feedback_topics (
    feedback_id varchar, topic_l1 varchar, topic_l2 varchar, is_primary boolean, taxonomy_version varchar
)"""
# Near-duplicates are looked for this many days either side (REFERENCE §3: same complaint across channels).
DEDUP_WINDOW_DAYS = 7


def tag_changed_feedback(con: duckdb.DuckDBPyConnection, config: TaggingConfig) -> dict:
    """Tag what is new or changed in intermediate.int_feedback__unioned; return counts for run metadata."""
    con.execute("create schema if not exists enrich")
    con.execute(TAGS_DDL)
    con.execute(TOPICS_DDL)
    con.execute(
        """create or replace temp table _current as
           select feedback_id, customer_id, created_at, coalesce(feedback_text, '') as feedback_text,
                  md5(coalesce(feedback_text, '')) as text_hash
           from intermediate.int_feedback__unioned"""
    )
    todo = con.sql(
        """select c.* from _current c left join enrich.feedback_tags t using (feedback_id)
           where t.feedback_id is null or t.text_hash <> c.text_hash or t.taxonomy_version <> $version""",
        params={"version": config.taxonomy_version},
    ).pl()
    removed = con.execute(
        """delete from enrich.feedback_tags t where not exists (
               select 1 from _current c where c.feedback_id = t.feedback_id)"""
    ).fetchone()[0]
    con.execute("delete from enrich.feedback_topics where feedback_id not in (select feedback_id from _current)")
    if todo.height:
        tagged = tag(todo, text_col="feedback_text", config=config).with_columns(
            mask_pii(pl.col("feedback_text")).alias("feedback_text_masked"),
            pl.col("keywords").list.join("; ").alias("keywords"),
            pl.lit(config.taxonomy_version).alias("taxonomy_version"),
        )
        topics = (  # noqa: F841 - read by DuckDB below
            tagged.select("feedback_id", "topic_l2", "topics")
            .explode("topics")
            .unnest("topics", separator="__")
            .select(
                "feedback_id",
                pl.col("topics__topic_l1").alias("topic_l1"),
                pl.col("topics__topic_l2").alias("topic_l2_any"),
                "topic_l2",
            )
            .filter(pl.col("topic_l2_any").is_not_null())
            .select(
                "feedback_id",
                "topic_l1",
                pl.col("topic_l2_any").alias("topic_l2"),
                (pl.col("topic_l2_any") == pl.col("topic_l2")).alias("is_primary"),
                pl.lit(config.taxonomy_version).alias("taxonomy_version"),
            )
            .unique(["feedback_id", "topic_l2"], keep="first", maintain_order=True)
        )
        rows = tagged.select(  # noqa: F841 - read by DuckDB below
            "feedback_id", "text_hash", "feedback_text_masked", "language", "sentiment_score", "sentiment_label",
            "topic_l1", "topic_l2", "feedback_type", "urgency", "keywords", "taxonomy_version",
        )
        con.execute("delete from enrich.feedback_tags where feedback_id in (select feedback_id from rows)")
        con.execute("delete from enrich.feedback_topics where feedback_id in (select feedback_id from rows)")
        con.execute(
            """insert into enrich.feedback_tags
               select feedback_id, text_hash, feedback_text_masked, language, sentiment_score, sentiment_label,
                      topic_l1, topic_l2, feedback_type, urgency, keywords, feedback_id, false, null,
                      taxonomy_version, now()
               from rows"""
        )
        con.execute("insert into enrich.feedback_topics select * from topics")
    duplicates = _relink_duplicates(con, todo)
    return {
        "feedback_items": con.execute("select count(*) from _current").fetchone()[0],
        "tagged": todo.height,
        "removed": removed,
        "duplicates": duplicates,
        "taxonomy_version": config.taxonomy_version,
    }


def _relink_duplicates(con: duckdb.DuckDBPyConnection, todo: pl.DataFrame) -> int:
    """Re-decide canonical items for the customers touched by this run, within the dedup window."""
    touched = todo.filter(pl.col("customer_id").is_not_null()).select("customer_id").unique()  # noqa: F841
    if touched.height == 0:
        return con.execute("select count(*) from enrich.feedback_tags where is_duplicate").fetchone()[0]
    candidates = con.sql(
        """select c.feedback_id, c.customer_id, c.created_at, t.feedback_text_masked as feedback_text
           from _current c join enrich.feedback_tags t using (feedback_id)
           where c.customer_id in (select customer_id from touched) and c.feedback_text <> ''"""
    ).pl()
    links = link_near_duplicates(  # noqa: F841 - read by DuckDB below
        candidates, "feedback_id", "customer_id", "created_at", "feedback_text",
        window_days=DEDUP_WINDOW_DAYS,
    )
    con.execute(
        """update enrich.feedback_tags t
           set canonical_feedback_id = coalesce(l.canonical_id, t.feedback_id),
               is_duplicate = coalesce(l.canonical_id <> t.feedback_id, false),
               duplicate_similarity = case when l.canonical_id <> t.feedback_id then l.similarity end,
               tagged_at = case when t.canonical_feedback_id is distinct from coalesce(l.canonical_id, t.feedback_id)
                                then now() else t.tagged_at end
           from (select c.feedback_id, l.canonical_id, l.similarity
                 from candidates c left join links l on l.feedback_id = c.feedback_id) l
           where t.feedback_id = l.feedback_id"""
    )
    return con.execute("select count(*) from enrich.feedback_tags where is_duplicate").fetchone()[0]


UNIONED = dg.AssetKey(["intermediate", "int_feedback__unioned"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["enrich", "feedback_tags"],
            deps=[UNIONED],
            description="Language, sentiment, primary topic, type, urgency, keywords, PII-masked text and "
            "near-duplicate links, one row per feedback item.",
            kinds={"polars", "duckdb"},
        ),
        dg.AssetSpec(
            ["enrich", "feedback_topics"],
            deps=[UNIONED],
            description="Bridge: one row per feedback item and topic it mentions.",
            kinds={"polars", "duckdb"},
        ),
    ],
    group_name="enrich",
    pool="warehouse",
)
def feedback_tags(context: dg.AssetExecutionContext):
    config = TaggingConfig.load()
    with connect(get_settings().warehouse) as con:
        metadata = tag_changed_feedback(con, config)
        topic_rows = con.execute("select count(*) from enrich.feedback_topics").fetchone()[0]
    context.log.info(f"tagged {metadata['tagged']} new or changed items of {metadata['feedback_items']}")
    yield dg.MaterializeResult(asset_key=["enrich", "feedback_tags"], metadata=metadata)
    yield dg.MaterializeResult(
        asset_key=["enrich", "feedback_topics"],
        metadata={"rows": topic_rows, "taxonomy_version": metadata["taxonomy_version"]},
    )
