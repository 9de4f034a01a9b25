"""Canonical test data for the dbt marts, in the generator's shape (CONTRACTS "Generated data").

A `World` holds one frame per canonical source plus the tags the tagging step would write. `random_world`
builds a seeded world with the edge cases the marts must get right placed on known days:
- no survey answer on days 10-12 (empty days), no feedback at all on day 11 (sales only);
- all answers of day 5 are NPS promoters; every day has n < 30 except the busy day 20;
- blank NPS/CSAT/CES answers; a survey respondent known only by email;
- ticket exports written with -05:00 / +08:00 offsets around midnight (timezone boundaries);
- near-duplicates folded into earlier items (one survey answer duplicates a ticket: its score still counts);
- repeat complaints inside and just outside the 30-day window; a detractor who returned goods.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

START = date(2025, 12, 29)  # a Monday in ISO week 2026-W01: the ISO year differs from the calendar year
DAYS = 45

SURVEY_SOURCE = {"typeform": "typeform", "qualtrics": "qualtrics", "csv": "survey_files"}
SURVEY_CHANNEL = {"typeform": "typeform", "qualtrics": "qualtrics", "csv": "survey_export"}
TICKET_SOURCE = {"zendesk": "zendesk", "export": "ticket_files"}
TICKET_CHANNEL = {"zendesk": "zendesk", "export": "ticket_export"}
RETURN_SOURCE = {"shopify": "shopify", "csv": "returns_files"}
RETURN_CHANNEL = {"shopify": "shopify", "csv": "returns_export"}

TOPICS = [
    ("product", "performance"),
    ("product", "stability"),
    ("product", "sizing"),
    ("service", "delivery"),
    ("service", "refund_returns"),
    ("price", "too_expensive"),
]
REASONS = ["SIZE_TOO_SMALL", "SIZE_TOO_LARGE", "DEFECTIVE", "NOT_AS_DESCRIBED", "WRONG_ITEM", "UNWANTED"]

TS = pl.Datetime("us", "UTC")


@dataclass
class World:
    customers: pl.DataFrame
    products: pl.DataFrame
    surveys: pl.DataFrame
    social: pl.DataFrame
    tickets: pl.DataFrame
    returns: pl.DataFrame
    sales: pl.DataFrame
    tags: pl.DataFrame  # one row per feedback item: feedback_id, sentiment_label, ..., canonical_feedback_id
    extra_topics: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"feedback_id": pl.Utf8, "topic_l1": pl.Utf8, "topic_l2": pl.Utf8})
    )

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            name: getattr(self, name)
            for name in ("customers", "products", "surveys", "social", "tickets", "returns", "sales")
        }

    def filter_loaded(self, predicate: pl.Expr) -> World:
        """The part of the world whose rows satisfy `predicate` (used to land data in two steps)."""
        return replace(
            self,
            surveys=self.surveys.filter(predicate),
            social=self.social.filter(predicate),
            tickets=self.tickets.filter(predicate),
            returns=self.returns.filter(predicate),
        )


def feedback_ids(world: World) -> pl.DataFrame:
    """Every feedback item's id as int_feedback__unioned names it ('<source>:<native id>')."""
    parts = [
        world.surveys.select(
            (pl.col("survey_tool").replace_strict(SURVEY_SOURCE) + ":" + pl.col("response_id")).alias("feedback_id")
        ),
        world.social.select((pl.col("platform") + ":" + pl.col("post_id")).alias("feedback_id")),
        world.tickets.select(
            (pl.col("system").replace_strict(TICKET_SOURCE) + ":" + pl.col("ticket_id").cast(pl.Utf8)).alias(
                "feedback_id"
            )
        ),
        world.returns.select(
            (pl.col("system").replace_strict(RETURN_SOURCE) + ":" + pl.col("return_id")).alias("feedback_id")
        ).unique(maintain_order=True),
    ]
    return pl.concat(parts)


def _at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=day, hours=hour, minutes=minute)


def random_world(seed: int = 7) -> World:
    rng = random.Random(seed)
    customers = pl.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(1, 31)],
            "name": [f"Customer {i}" for i in range(1, 31)],
            "email": [f"customer{i}@example.com" for i in range(1, 31)],
            "phone": [f"+1555000{i:04d}" for i in range(1, 31)],
            "handle": [f"handle_{i:02d}" for i in range(1, 31)],
            "country": ["USA" if i % 2 else "CHN" for i in range(1, 31)],
            "signup_date": [date(2025, 1, 1) + timedelta(days=i) for i in range(30)],
        }
    )
    products = pl.DataFrame(
        {
            "product_id": ["P0001", "P0002", "P0003", "P0004"],
            "name": ["Plug", "Dress", "Phone", "Lamp"],
            "category": ["smart_home", "apparel", "electronics", "smart_home"],
            "price": [20.0, 50.0, 300.0, 35.0],
        }
    )
    product_ids = ["P0001", "P0002", "P0003", "P0004", "P0099"]  # P0099 is not in the catalogue
    customer_ids = customers["customer_id"].to_list()
    tags: list[dict] = []

    def tag(feedback_id: str, sentiment: str, topic: tuple[str, str], ftype: str, canonical: str | None = None):
        score = {"negative": -0.6, "neutral": 0.0, "positive": 0.7}[sentiment]
        tags.append(
            {
                "feedback_id": feedback_id,
                "sentiment_label": sentiment,
                "sentiment_score": score,
                "topic_l1": topic[0],
                "topic_l2": topic[1],
                "feedback_type": ftype,
                "urgency": "normal",
                "canonical_feedback_id": canonical or feedback_id,
            }
        )

    # ---- surveys
    surveys: list[dict] = []
    busy_day = 20
    for day in range(DAYS):
        if day in (10, 11, 12):
            continue
        n = 35 if day == busy_day else rng.randint(2, 9)
        for j in range(n):
            tool = rng.choice(["typeform", "typeform", "qualtrics", "csv"])
            rid = f"R{day:02d}{j:02d}{tool[:2]}"
            # Day 5 is all promoters and all satisfied.
            nps = rng.choice([9, 10]) if day == 5 else rng.choice([None, 0, 3, 5, 6, 6, 7, 8, 8, 9, 9, 10, 10])
            csat = rng.choice([None, 1, 2, 3, 4, 4, 5, 5])
            customer = rng.choice(customer_ids[:20])
            comment = None
            if rng.random() < 0.55:
                comment = f"comment {rid}"
            surveys.append(
                {
                    "response_id": rid,
                    "survey_tool": tool,
                    "customer_id": customer,
                    "customer_email": f"customer{int(customer[1:])}@example.com",
                    "product_id": rng.choice(product_ids),
                    "submitted_at": _at(day, rng.randint(0, 23), rng.randint(0, 59)),
                    "nps": nps,
                    "csat": 5 if day == 5 else csat,
                    "ces": rng.choice([None, 1, 3, 4, 5, 6, 7, 7]),
                    "comment": comment,
                }
            )
    # A respondent known only by email: the CRM resolves the customer.
    surveys.append(
        {
            "response_id": "R_EMAIL_ONLY",
            "survey_tool": "typeform",
            "customer_id": None,
            "customer_email": "Customer25@Example.com",
            "product_id": "P0002",
            "submitted_at": _at(7, 9),
            "nps": 2,
            "csat": 2,
            "ces": 2,
            "comment": "late and broken",
        }
    )
    # ---- social
    social: list[dict] = []
    for k in range(40):
        day = rng.choice([d for d in range(DAYS) if d != 11])
        platform = rng.choice(["reddit", "appstore"])
        author = f"handle_{rng.randint(1, 40):02d}"  # handles above 30 match no customer
        social.append(
            {
                "post_id": f"{platform[:2]}{k:04d}",
                "platform": platform,
                "author": author,
                "title": f"title {k}",
                "body": f"body {k}",
                "rating": rng.randint(1, 5) if platform == "appstore" else None,
                "score": rng.randint(0, 50),
                "created_at": _at(day, rng.randint(0, 23), rng.randint(0, 59)),
            }
        )
    # ---- tickets
    tickets: list[dict] = []
    for k in range(90):
        day = rng.choice([d for d in range(DAYS) if d != 11])
        system = rng.choice(["zendesk", "export"])
        priority = rng.choice(["urgent", "high", "normal", "normal", "low"])
        created = _at(day, rng.randint(0, 23), rng.randint(0, 59))
        status = rng.choice(["closed", "closed", "solved", "open", "pending", "new"])
        first_response = None
        if status != "new" or rng.random() < 0.3:
            first_response = created + timedelta(minutes=rng.choice([5, 30, 59, 61, 90, 600, 3000, 9000]))
        solved = None
        if status in ("closed", "solved"):
            solved = (first_response or created) + timedelta(hours=rng.choice([1, 10, 23, 25, 60]))
        updated = max(x for x in (created, first_response, solved) if x is not None) + timedelta(minutes=5)
        rated = solved is not None and rng.random() < 0.6
        tickets.append(
            {
                "ticket_id": 1000 + k,
                "system": system,
                "customer_id": rng.choice(customer_ids),
                "channel": rng.choice(["email", "web", "chat", "phone"]),
                "subject": f"subject {k}",
                "description": f"description {k}",
                "status": status,
                "priority": priority,
                "created_at": created,
                "updated_at": updated,
                "first_response_at": first_response,
                "solved_at": solved,
                "reopens": rng.choice([0, 0, 0, 1, 2]),
                "satisfaction": rng.choice(["good", "good", "bad"]) if rated else None,
                "satisfaction_comment": None,
                "csat_score": rng.choice([1, 2, 3, 4, 5, 5]) if rated else None,
                "product_id": rng.choice(product_ids),
                "utc_offset_minutes": rng.choice([0, -300, 480]),
            }
        )
    # Timezone boundaries: local times just before / after midnight land on the other UTC day.
    tz_cases = [
        (2001, _at(7, 4, 30), -300),  # 2026-01-04T23:30-05:00 -> 2026-01-05 04:30 UTC
        (2002, _at(7, 23, 0), 480),  # 2026-01-06T07:00+08:00 -> 2026-01-05 23:00 UTC
    ]
    for ticket_id, created, offset in tz_cases:
        tickets.append(
            {
                "ticket_id": ticket_id,
                "system": "export",
                "customer_id": "C000003",
                "channel": "email",
                "subject": "tz",
                "description": "timezone boundary",
                "status": "closed",
                "priority": "urgent",
                "created_at": created,
                "updated_at": created + timedelta(hours=5),
                "first_response_at": created + timedelta(minutes=45),
                "solved_at": created + timedelta(hours=4),
                "reopens": 0,
                "satisfaction": "good",
                "satisfaction_comment": None,
                "csat_score": 5,
                "product_id": "P0001",
                "utc_offset_minutes": offset,
            }
        )
    # Working-day SLA: a normal ticket created Friday 18:00 UTC, answered the next Friday 17:00 (met: 4 d 23 h of
    # working time) and one answered the Friday after at 19:00 (breached); a normal ticket never answered.
    friday = 4  # START + 4 days = Friday 2026-01-02
    for ticket_id, reply in ((3001, _at(friday + 7, 17)), (3002, _at(friday + 7, 19)), (3003, None)):
        tickets.append(
            {
                "ticket_id": ticket_id,
                "system": "zendesk",
                "customer_id": "C000004",
                "channel": "web",
                "subject": "sla",
                "description": "working days",
                "status": "open",
                "priority": "normal",
                "created_at": _at(friday, 18),
                "updated_at": (reply or _at(friday, 18)) + timedelta(minutes=1),
                "first_response_at": reply,
                "solved_at": None,
                "reopens": 0,
                "satisfaction": None,
                "satisfaction_comment": None,
                "csat_score": None,
                "product_id": "P0003",
                "utc_offset_minutes": 0,
            }
        )
    # ---- returns
    returns: list[dict] = []
    for k in range(45):
        day = rng.choice([d for d in range(DAYS) if d != 11])
        system = rng.choice(["shopify", "csv"])
        returns.append(
            {
                "return_id": f"RT{k:04d}",
                "system": system,
                "order_id": f"O{k:04d}",
                "line_item_id": f"L{k:04d}",
                "customer_id": rng.choice(customer_ids),
                "product_id": rng.choice(product_ids[:4]),
                "quantity": rng.randint(1, 3),
                "amount": round(rng.uniform(10, 200), 2),
                "currency": "USD",
                "reason_code": rng.choice(REASONS),
                "customer_note": rng.choice([None, f"note {k}"]),
                "status": rng.choice(["CLOSED", "CLOSED", "OPEN", "REQUESTED", "DECLINED"]),
                "requested_at": _at(day, rng.randint(0, 23), rng.randint(0, 59)),
            }
        )
    # ---- sales: every product every day (P0004 sells nothing in the first week)
    sales = [
        {
            "sale_date": START + timedelta(days=day),
            "product_id": pid,
            "orders": 0 if (pid == "P0004" and day < 7) else rng.randint(1, 6),
            "units": 0 if (pid == "P0004" and day < 7) else rng.randint(1, 12),
        }
        for day in range(DAYS)
        for pid in ["P0001", "P0002", "P0003", "P0004"]
    ]

    surveys_df = pl.DataFrame(
        surveys,
        schema={
            "response_id": pl.Utf8, "survey_tool": pl.Utf8, "customer_id": pl.Utf8, "customer_email": pl.Utf8,
            "product_id": pl.Utf8, "submitted_at": TS, "nps": pl.Int64, "csat": pl.Int64, "ces": pl.Int64,
            "comment": pl.Utf8,
        },
    )
    social_df = pl.DataFrame(
        social,
        schema={
            "post_id": pl.Utf8, "platform": pl.Utf8, "author": pl.Utf8, "title": pl.Utf8, "body": pl.Utf8,
            "rating": pl.Int64, "score": pl.Int64, "created_at": TS,
        },
    )
    tickets_df = pl.DataFrame(
        tickets,
        schema={
            "ticket_id": pl.Int64, "system": pl.Utf8, "customer_id": pl.Utf8, "channel": pl.Utf8, "subject": pl.Utf8,
            "description": pl.Utf8, "status": pl.Utf8, "priority": pl.Utf8, "created_at": TS, "updated_at": TS,
            "first_response_at": TS, "solved_at": TS, "reopens": pl.Int64, "satisfaction": pl.Utf8,
            "satisfaction_comment": pl.Utf8, "csat_score": pl.Int64, "product_id": pl.Utf8,
            "utc_offset_minutes": pl.Int64,
        },
    )
    # Zendesk rates with good/bad, the export with 1-5: each system keeps only its own scale.
    tickets_df = tickets_df.with_columns(
        satisfaction=pl.when(pl.col("system") == "zendesk").then(pl.col("satisfaction")),
        csat_score=pl.when(pl.col("system") == "export").then(pl.col("csat_score")),
    )
    returns_df = pl.DataFrame(
        returns,
        schema={
            "return_id": pl.Utf8, "system": pl.Utf8, "order_id": pl.Utf8, "line_item_id": pl.Utf8,
            "customer_id": pl.Utf8, "product_id": pl.Utf8, "quantity": pl.Int64, "amount": pl.Float64,
            "currency": pl.Utf8, "reason_code": pl.Utf8, "customer_note": pl.Utf8, "status": pl.Utf8,
            "requested_at": TS,
        },
    )
    sales_df = pl.DataFrame(
        sales, schema={"sale_date": pl.Date, "product_id": pl.Utf8, "orders": pl.Int64, "units": pl.Int64}
    )

    # ---- tags for every item, then a few deliberate patterns
    world = World(customers, products, surveys_df, social_df, tickets_df, returns_df, sales_df, pl.DataFrame())
    ids = feedback_ids(world)["feedback_id"].to_list()
    for fid in ids:
        sentiment = rng.choice(["negative", "negative", "neutral", "positive"])
        ftype = {"negative": "complaint", "neutral": "question", "positive": "praise"}[sentiment]
        tag(fid, sentiment, rng.choice(TOPICS), ftype)
    tags_df = pl.DataFrame(tags)

    # Repeat complaints: C000010 complains about delivery on days 1, 20 (repeat, 19 days) and 20 + 31 > window.
    repeat_items = []
    for k, (day, hour) in enumerate(((1, 9), (20, 9), (DAYS - 1, 10))):
        post_id = f"rp{k:02d}"
        repeat_items.append(
            {
                "post_id": post_id, "platform": "reddit", "author": "handle_10", "title": "again",
                "body": "late again", "rating": None, "score": 1, "created_at": _at(day, hour),
            }
        )
    social_df = pl.concat([social_df, pl.DataFrame(repeat_items, schema=social_df.schema)])
    repeat_tags = pl.DataFrame(
        [
            {
                "feedback_id": f"reddit:rp{k:02d}", "sentiment_label": "negative", "sentiment_score": -0.8,
                "topic_l1": "service", "topic_l2": "delivery", "feedback_type": "complaint", "urgency": "normal",
                "canonical_feedback_id": f"reddit:rp{k:02d}",
            }
            for k in range(3)
        ]
    )
    tags_df = pl.concat([tags_df, repeat_tags])

    # Near-duplicates: four survey comments repeat the earliest ticket; some social posts repeat
    # an earlier survey comment. The duplicate's own scores still count in NPS.
    commented = surveys_df.filter(pl.col("comment").is_not_null()).sort("submitted_at", "response_id")
    earlier_ticket = tickets_df.sort("created_at").row(0, named=True)
    ticket_fid = f"{TICKET_SOURCE[earlier_ticket['system']]}:{earlier_ticket['ticket_id']}"
    dup_map: dict[str, str] = {}
    for index, row in enumerate(commented.iter_rows(named=True)):
        fid = f"{SURVEY_SOURCE[row['survey_tool']]}:{row['response_id']}"
        if row["submitted_at"] > earlier_ticket["created_at"] and len(dup_map) < 4 and index % 9 == 4:
            dup_map[fid] = ticket_fid
    first_comment = commented.row(0, named=True)
    later_posts = social_df.filter(pl.col("created_at") > first_comment["submitted_at"]).sort("post_id").head(2)
    first_comment_fid = f"{SURVEY_SOURCE[first_comment['survey_tool']]}:{first_comment['response_id']}"
    for row in later_posts.iter_rows(named=True):
        dup_map[f"{row['platform']}:{row['post_id']}"] = first_comment_fid
    tags_df = tags_df.with_columns(
        canonical_feedback_id=pl.col("feedback_id").replace(dup_map) if dup_map else pl.col("canonical_feedback_id")
    )
    # Some comments mention a second topic (the bridge table's non-primary rows).
    extra = tags_df.filter(pl.col("feedback_id").str.starts_with("typeform:")).head(25).select(
        "feedback_id", pl.lit("price").alias("topic_l1"), pl.lit("too_expensive").alias("topic_l2")
    )
    extra = extra.join(tags_df.select("feedback_id", "topic_l2"), on="feedback_id").filter(
        pl.col("topic_l2_right") != "too_expensive"
    ).drop("topic_l2_right")
    return World(customers, products, surveys_df, social_df, tickets_df, returns_df, sales_df, tags_df, extra)


def generated_world(root: Path, landed_export_tickets: set[int]) -> World:
    """The generator's canonical records (`root/sandbox/*.parquet`) with its truth tags standing in for the
    tagger; items without a truth row (no text) get neutral / other tags. Export tickets the landing
    quarantined (malformed rows the generator injects) are left out."""
    sandbox = root / "sandbox"

    def read(name: str) -> pl.DataFrame:
        return pl.read_parquet(sandbox / f"{name}.parquet")

    surveys = read("survey_responses").select(
        "response_id", "survey_tool", "customer_id", "customer_email", "product_id", "submitted_at",
        *(pl.col(c).cast(pl.Int64) for c in ("nps", "csat", "ces")), "comment",
    )
    social = read("social_posts").select(
        "post_id", "platform", "author", "title", "body", pl.col("rating").cast(pl.Int64), "score", "created_at"
    )
    tickets = read("tickets").with_columns(pl.col("csat_score").cast(pl.Int64), utc_offset_minutes=pl.lit(0))
    tickets = tickets.with_columns(
        satisfaction=pl.when(pl.col("system") == "zendesk").then(pl.col("satisfaction")),
        csat_score=pl.when(pl.col("system") == "export").then(pl.col("csat_score")),
    ).filter((pl.col("system") != "export") | pl.col("ticket_id").is_in(list(landed_export_tickets)))
    returns = read("returns")
    keys = pl.concat(
        [
            surveys.select(
                ("survey:" + pl.col("response_id")).alias("key"),
                (pl.col("survey_tool").replace_strict(SURVEY_SOURCE) + ":" + pl.col("response_id")).alias("id"),
            ),
            social.select(
                ("social:" + pl.col("post_id")).alias("key"), (pl.col("platform") + ":" + pl.col("post_id")).alias("id")
            ),
            tickets.select(
                ("ticket:" + pl.col("ticket_id").cast(pl.Utf8)).alias("key"),
                (pl.col("system").replace_strict(TICKET_SOURCE) + ":" + pl.col("ticket_id").cast(pl.Utf8)).alias("id"),
            ),
            returns.select(
                ("return:" + pl.col("return_id")).alias("key"),
                (pl.col("system").replace_strict(RETURN_SOURCE) + ":" + pl.col("return_id")).alias("id"),
            ),
        ]
    ).unique()
    mapping = dict(zip(keys["key"], keys["id"], strict=True))
    truth = pl.read_parquet(root / "truth" / "feedback_truth.parquet").filter(
        pl.col("feedback_key").is_in(list(mapping))
    )
    score = {"negative": -0.6, "neutral": 0.0, "positive": 0.6}
    tags = truth.select(
        pl.col("feedback_key").replace_strict(mapping).alias("feedback_id"),
        pl.col("sentiment").alias("sentiment_label"),
        pl.col("sentiment").replace_strict(score, return_dtype=pl.Float64).alias("sentiment_score"),
        "topic_l1",
        "topic_l2",
        "feedback_type",
        "urgency",
        pl.coalesce(
            pl.col("duplicate_of").replace_strict(mapping, default=None),
            pl.col("feedback_key").replace_strict(mapping),
        ).alias("canonical_feedback_id"),
    )
    world = World(read("customers"), read("products"), surveys, social, tickets, returns,
                  read("product_sales_daily"), tags)
    untagged = feedback_ids(world).join(tags.select("feedback_id"), on="feedback_id", how="anti")
    defaults = untagged.select(
        "feedback_id",
        pl.lit("neutral").alias("sentiment_label"),
        pl.lit(0.0).alias("sentiment_score"),
        pl.lit("other").alias("topic_l1"),
        pl.lit("other").alias("topic_l2"),
        pl.lit("question").alias("feedback_type"),
        pl.lit("normal").alias("urgency"),
        pl.col("feedback_id").alias("canonical_feedback_id"),
    )
    return replace(world, tags=pl.concat([tags, defaults]))
