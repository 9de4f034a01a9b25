"""Every KPI of the marts computed again in Polars, straight from a `World` and the metric definitions
(REFERENCE §1-§2, DECISIONS.md), without reading anything dbt built. Tests compare these with the marts.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
from scipy import stats

from tests.dbt.world import (
    RETURN_CHANNEL,
    RETURN_SOURCE,
    SURVEY_CHANNEL,
    SURVEY_SOURCE,
    TICKET_CHANNEL,
    TICKET_SOURCE,
    World,
)

Z = 1.96
MIN_SAMPLE = 30
SERIES = ["dimension", "dimension_value"]


# ------------------------------------------------------------------------------------------ building blocks
def _date(col: str) -> pl.Expr:
    return pl.col(col).dt.convert_time_zone("UTC").dt.date()


def customer_by_email(world: World) -> dict[str, str]:
    return {e.lower(): c for c, e in zip(world.customers["customer_id"], world.customers["email"], strict=True)}


def customer_by_handle(world: World) -> dict[str, str]:
    return {h.lower(): c for c, h in zip(world.customers["customer_id"], world.customers["handle"], strict=True)}


def items(world: World) -> pl.DataFrame:
    """Every feedback item (before folding duplicates): id, channel, customer, product, time, tags."""
    by_email = customer_by_email(world)
    by_handle = customer_by_handle(world)
    surveys = world.surveys.select(
        (pl.col("survey_tool").replace_strict(SURVEY_SOURCE) + ":" + pl.col("response_id")).alias("feedback_id"),
        pl.col("survey_tool").replace_strict(SURVEY_CHANNEL).alias("channel"),
        pl.coalesce(
            "customer_id", pl.col("customer_email").str.to_lowercase().replace_strict(by_email, default=None)
        ).alias("customer_id"),
        "product_id",
        pl.col("submitted_at").alias("created_at"),
    )
    social = world.social.select(
        (pl.col("platform") + ":" + pl.col("post_id")).alias("feedback_id"),
        pl.col("platform").alias("channel"),
        pl.col("author").str.to_lowercase().replace_strict(by_handle, default=None).alias("customer_id"),
        pl.lit(None, pl.Utf8).alias("product_id"),
        "created_at",
    )
    tickets = world.tickets.select(
        (pl.col("system").replace_strict(TICKET_SOURCE) + ":" + pl.col("ticket_id").cast(pl.Utf8)).alias(
            "feedback_id"
        ),
        pl.col("system").replace_strict(TICKET_CHANNEL).alias("channel"),
        "customer_id",
        "product_id",
        "created_at",
    )
    returns = (
        world.returns.group_by("system", "return_id")
        .agg(
            pl.col("customer_id").first(),
            pl.when(pl.col("product_id").n_unique() == 1).then(pl.col("product_id").first()).alias("product_id"),
            pl.col("requested_at").min().alias("created_at"),
        )
        .select(
            (pl.col("system").replace_strict(RETURN_SOURCE) + ":" + pl.col("return_id")).alias("feedback_id"),
            pl.col("system").replace_strict(RETURN_CHANNEL).alias("channel"),
            "customer_id",
            "product_id",
            "created_at",
        )
    )
    frame = pl.concat([surveys, social, tickets, returns]).with_columns(created_date=_date("created_at"))
    return frame.join(world.tags, on="feedback_id", how="left")


def canonical_items(world: World) -> pl.DataFrame:
    """fct_feedback: canonical items only."""
    return items(world).filter(pl.col("canonical_feedback_id") == pl.col("feedback_id"))


def answers(world: World) -> pl.DataFrame:
    """fct_survey_responses: one row per answered score question."""
    by_email = customer_by_email(world)
    surveys = world.surveys.with_columns(
        (pl.col("survey_tool").replace_strict(SURVEY_SOURCE) + ":" + pl.col("response_id")).alias("feedback_id"),
        pl.col("survey_tool").replace_strict(SURVEY_CHANNEL).alias("channel"),
        pl.coalesce(
            "customer_id", pl.col("customer_email").str.to_lowercase().replace_strict(by_email, default=None)
        ).alias("customer_id"),
        pl.col("submitted_at").alias("responded_at"),
    )
    parts = []
    for metric, col, scale in (("nps", "nps", "0-10"), ("csat", "csat", "1-5"), ("ces", "ces", "1-7")):
        parts.append(
            surveys.filter(pl.col(col).is_not_null()).select(
                "feedback_id", "channel", "customer_id", "product_id", "responded_at",
                pl.lit(metric).alias("metric"), pl.lit(scale).alias("scale"), pl.col(col).alias("score"),
                pl.col("comment").is_not_null().alias("has_comment"),
            )
        )
    export = world.tickets.filter((pl.col("system") == "export") & pl.col("csat_score").is_not_null())
    parts.append(
        export.select(
            ("ticket_files:" + pl.col("ticket_id").cast(pl.Utf8)).alias("feedback_id"),
            pl.lit("ticket_export").alias("channel"), "customer_id", "product_id",
            pl.col("created_at").alias("responded_at"), pl.lit("csat").alias("metric"), pl.lit("1-5").alias("scale"),
            pl.col("csat_score").alias("score"), pl.lit(False).alias("has_comment"),
        )
    )
    zendesk = world.tickets.filter((pl.col("system") == "zendesk") & pl.col("satisfaction").is_in(["good", "bad"]))
    parts.append(
        zendesk.select(
            ("zendesk:" + pl.col("ticket_id").cast(pl.Utf8)).alias("feedback_id"),
            pl.lit("zendesk").alias("channel"), "customer_id", "product_id",
            pl.coalesce("solved_at", "updated_at").alias("responded_at"), pl.lit("csat").alias("metric"),
            pl.lit("good/bad").alias("scale"), (pl.col("satisfaction") == "good").cast(pl.Int64).alias("score"),
            pl.lit(False).alias("has_comment"),
        )
    )
    frame = pl.concat(parts).with_columns(response_date=_date("responded_at"))
    return frame.with_columns(
        nps_category=pl.when(pl.col("metric") != "nps").then(None)
        .when(pl.col("score") >= 9).then(pl.lit("promoter"))
        .when(pl.col("score") >= 7).then(pl.lit("passive"))
        .otherwise(pl.lit("detractor")),
        is_satisfied=pl.when(pl.col("metric") != "csat").then(None)
        .when(pl.col("scale") == "good/bad").then(pl.col("score") == 1)
        .otherwise(pl.col("score") >= 4),
    )


def customers(world: World) -> pl.DataFrame:
    """dim_customer's segments: high value, latest NPS status, churn risk, the exclusive segment."""
    canon = canonical_items(world)
    as_of = canon["created_date"].max()
    counts = (
        canon.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg((pl.col("created_date") > as_of - timedelta(days=365)).sum().alias("feedback_count_365d"))
    )
    nps = answers(world).filter((pl.col("metric") == "nps") & pl.col("customer_id").is_not_null())
    latest = nps.sort("responded_at").group_by("customer_id").agg(pl.col("nps_category").last().alias("nps_status"))
    returners = world.returns.select("customer_id").unique().with_columns(has_returned=pl.lit(True))
    ids = pl.concat(
        [
            world.customers.select("customer_id"),
            canon.select("customer_id"),
            nps.select("customer_id"),
            world.tickets.select("customer_id"),
            world.returns.select("customer_id"),
        ]
    ).drop_nulls().unique()
    frame = (
        ids.join(counts, on="customer_id", how="left")
        .join(latest, on="customer_id", how="left")
        .join(returners, on="customer_id", how="left")
        .with_columns(
            pl.col("feedback_count_365d").fill_null(0),
            pl.col("nps_status").fill_null("no_answer"),
            pl.col("has_returned").fill_null(False),
        )
    )
    return frame.with_columns(
        is_high_value=pl.col("feedback_count_365d") > 5,
        is_churn_risk=(pl.col("nps_status") == "detractor") & pl.col("has_returned"),
    ).with_columns(
        customer_segment=pl.when(pl.col("is_churn_risk")).then(pl.lit("churn_risk"))
        .when(pl.col("is_high_value")).then(pl.lit("high_value"))
        .otherwise(pl.lit("regular"))
    )


def with_segment(world: World, frame: pl.DataFrame) -> pl.DataFrame:
    seg = customers(world).select("customer_id", "customer_segment")
    return frame.join(seg, on="customer_id", how="left").with_columns(pl.col("customer_segment").fill_null("unknown"))


def sliced(frame: pl.DataFrame, dimensions: dict[str, str | None] | None = None) -> pl.DataFrame:
    """One copy of each row per breakdown: (dimension, dimension_value)."""
    dimensions = dimensions or {
        "all": None, "channel": "channel", "product": "product_id", "segment": "customer_segment"
    }
    parts = []
    for name, column in dimensions.items():
        value = pl.lit("all") if column is None else pl.col(column).cast(pl.Utf8).fill_null("unknown")
        parts.append(frame.with_columns(pl.lit(name).alias("dimension"), value.alias("dimension_value")))
    return pl.concat(parts)


def period_start(col: str, grain: str) -> pl.Expr:
    d = pl.col(col)
    if grain == "day":
        return d
    if grain == "week":
        return d - pl.duration(days=d.dt.weekday() - 1)
    return d.dt.truncate("1mo")


def spine(mart: pl.DataFrame, computed: pl.DataFrame, keys: list[str], zero: list[str]) -> pl.DataFrame:
    """The computed rows for every key the mart has (zero counts where nothing happened), in the mart's order."""
    out = mart.select(keys).join(computed, on=keys, how="left")
    return out.with_columns([pl.col(c).fill_null(0) for c in zero])


def with_previous(frame: pl.DataFrame, columns: list[str], series: list[str] = SERIES) -> pl.DataFrame:
    frame = frame.sort([*series, "period_start"])
    return frame.with_columns([pl.col(c).shift(1).over(series).alias(f"previous_{c}") for c in columns])


# ----------------------------------------------------------------------------------------------- score KPIs
def nps(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    a = sliced(with_segment(world, answers(world).filter(pl.col("metric") == "nps")))
    a = a.with_columns(period_start=period_start("response_date", grain))
    counts = a.group_by("period_start", *SERIES).agg(
        pl.len().alias("responses"),
        (pl.col("nps_category") == "promoter").sum().alias("promoters"),
        (pl.col("nps_category") == "passive").sum().alias("passives"),
        (pl.col("nps_category") == "detractor").sum().alias("detractors"),
    )
    keys = ["period_start", *SERIES]
    f = spine(mart, counts, keys, ["responses", "promoters", "passives", "detractors"])
    rows = []
    for r in f.iter_rows(named=True):
        n, p, d = r["responses"], r["promoters"], r["detractors"]
        if n:
            score = 100 * (p - d) / n
            n2 = n + 3
            pp, dd = (p + 0.75) / n2, (d + 0.75) / n2
            var = 1e4 * (pp + dd - (pp - dd) ** 2) / n2
            lo, hi = score - Z * math.sqrt(var), score + Z * math.sqrt(var)
        else:
            score = var = lo = hi = None
        rows.append({**r, "nps": score, "nps_variance": var, "nps_ci_lower": lo, "nps_ci_upper": hi})
    f = with_previous(pl.DataFrame(rows, infer_schema_length=None), ["responses", "nps", "nps_variance"])
    return f.with_columns(
        is_low_sample=pl.col("responses") < MIN_SAMPLE,
        nps_change=pl.col("nps") - pl.col("previous_nps"),
        is_nps_change_significant=(pl.col("nps") - pl.col("previous_nps")).abs()
        > Z * (pl.col("nps_variance") + pl.col("previous_nps_variance")).sqrt(),
    )


def _wilson(x: int, n: int) -> tuple[float | None, float | None]:
    if not n:
        return None, None
    p = x / n
    center = p + Z * Z / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, 100 * (center - half) / (1 + Z * Z / n)), min(100.0, 100 * (center + half) / (1 + Z * Z / n))


def csat(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    a = sliced(with_segment(world, answers(world).filter(pl.col("metric") == "csat")))
    a = a.with_columns(period_start=period_start("response_date", grain))
    counts = a.group_by("period_start", *SERIES).agg(
        pl.len().alias("responses"),
        pl.col("is_satisfied").sum().alias("satisfied"),
        (pl.col("scale") == "good/bad").sum().alias("good_bad_responses"),
    )
    f = spine(mart, counts, ["period_start", *SERIES], ["responses", "satisfied", "good_bad_responses"])
    rows = []
    for r in f.iter_rows(named=True):
        lo, hi = _wilson(r["satisfied"], r["responses"])
        pct = 100 * r["satisfied"] / r["responses"] if r["responses"] else None
        rows.append({**r, "csat_pct": pct, "csat_ci_lower": lo, "csat_ci_upper": hi})
    f = with_previous(pl.DataFrame(rows, infer_schema_length=None), ["responses", "satisfied", "csat_pct"])
    sig = []
    for r in f.iter_rows(named=True):
        n1, n2 = r["responses"], r["previous_responses"]
        if not n1 or not n2:
            sig.append(None)
            continue
        x1, x2 = r["satisfied"], r["previous_satisfied"]
        pooled = (x1 + x2) / (n1 + n2)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        sig.append(abs(x1 / n1 - x2 / n2) > Z * se)
    return f.with_columns(
        is_low_sample=pl.col("responses") < MIN_SAMPLE,
        csat_change=pl.col("csat_pct") - pl.col("previous_csat_pct"),
        is_csat_change_significant=pl.Series(sig, dtype=pl.Boolean),
    )


def ces(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    a = sliced(with_segment(world, answers(world).filter(pl.col("metric") == "ces")))
    a = a.with_columns(period_start=period_start("response_date", grain))
    counts = a.group_by("period_start", *SERIES).agg(
        pl.len().alias("responses"),
        pl.col("score").cast(pl.Float64).mean().alias("ces_mean"),
        pl.col("score").cast(pl.Float64).std(ddof=1).alias("ces_stddev"),
    )
    f = spine(mart, counts, ["period_start", *SERIES], ["responses"])
    rows = []
    for r in f.iter_rows(named=True):
        n = r["responses"]
        if n >= 2:
            half = stats.t.ppf(0.975, n - 1) * r["ces_stddev"] / math.sqrt(n)
            lo, hi = r["ces_mean"] - half, r["ces_mean"] + half
        else:
            lo = hi = None
        rows.append({**r, "ces_ci_lower": lo, "ces_ci_upper": hi})
    f = with_previous(pl.DataFrame(rows, infer_schema_length=None), ["responses", "ces_mean", "ces_stddev"])
    return f.with_columns(
        is_low_sample=pl.col("responses") < MIN_SAMPLE,
        ces_change=pl.col("ces_mean") - pl.col("previous_ces_mean"),
        is_ces_change_significant=pl.when((pl.col("responses") > 1) & (pl.col("previous_responses") > 1)).then(
            (pl.col("ces_mean") - pl.col("previous_ces_mean")).abs()
            > Z
            * (
                pl.col("ces_stddev") ** 2 / pl.col("responses")
                + pl.col("previous_ces_stddev") ** 2 / pl.col("previous_responses")
            ).sqrt()
        ),
    )


def feedback_daily(world: World, mart: pl.DataFrame) -> pl.DataFrame:
    volume = canonical_items(world).group_by(pl.col("created_date").alias("feedback_date"), "channel").agg(
        pl.len().alias("feedback_count")
    )
    a = answers(world).filter(pl.col("metric") == "csat")
    scores = a.group_by(pl.col("response_date").alias("feedback_date"), "channel").agg(
        pl.len().alias("csat_responses"), pl.col("is_satisfied").sum().alias("csat_satisfied")
    )
    keys = ["feedback_date", "channel"]
    f = mart.select(keys).join(volume, on=keys, how="left").join(scores, on=keys, how="left")
    f = f.with_columns([pl.col(c).fill_null(0) for c in ("feedback_count", "csat_responses", "csat_satisfied")])
    return f.with_columns(
        csat_pct=pl.when(pl.col("csat_responses") > 0).then(100 * pl.col("csat_satisfied") / pl.col("csat_responses"))
    )


# ----------------------------------------------------------------------------------------- feedback KPIs
def topics(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    c = sliced(with_segment(world, canonical_items(world)))
    c = c.with_columns(period_start=period_start("created_date", grain))
    keys = ["period_start", *SERIES, "topic_l1", "topic_l2"]
    counts = c.group_by(keys).agg(
        pl.len().alias("feedback_count"),
        (pl.col("sentiment_label") == "negative").sum().alias("negative_count"),
        (pl.col("sentiment_label") == "neutral").sum().alias("neutral_count"),
        (pl.col("sentiment_label") == "positive").sum().alias("positive_count"),
        (pl.col("feedback_type") == "complaint").sum().alias("complaint_count"),
        pl.col("sentiment_score").mean().alias("sentiment_score_mean"),
    )
    f = spine(mart, counts, keys, ["feedback_count", "negative_count", "neutral_count", "positive_count",
                                    "complaint_count"])
    total = pl.col("feedback_count").sum().over("period_start", *SERIES)
    return f.with_columns(
        negative_pct=pl.when(pl.col("feedback_count") > 0).then(
            100 * pl.col("negative_count") / pl.col("feedback_count")
        ),
        share_of_volume_pct=pl.when(total > 0).then(100 * pl.col("feedback_count") / total),
    )


def repeat_complaints(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    comp = canonical_items(world).filter(pl.col("feedback_type") == "complaint").sort("created_at", "feedback_id")
    rows = []
    last: dict[tuple[str, str], datetime] = {}
    for r in comp.iter_rows(named=True):
        key = (r["customer_id"], r["topic_l2"])
        prev = last.get(key) if r["customer_id"] is not None else None
        repeat = prev is not None and (r["created_at"] - prev) <= timedelta(days=30)
        if r["customer_id"] is not None:
            last[key] = r["created_at"]
        rows.append({**r, "is_repeat": repeat, "is_identified": r["customer_id"] is not None})
    c = sliced(with_segment(world, pl.DataFrame(rows, infer_schema_length=None)))
    c = c.with_columns(period_start=period_start("created_date", grain))
    counts = c.group_by("period_start", *SERIES).agg(
        pl.len().alias("complaint_count"),
        pl.col("is_identified").sum().alias("identified_complaint_count"),
        pl.col("is_repeat").sum().alias("repeat_complaint_count"),
    )
    f = spine(mart, counts, ["period_start", *SERIES],
              ["complaint_count", "identified_complaint_count", "repeat_complaint_count"])
    return f.with_columns(
        repeat_complaint_rate_pct=pl.when(pl.col("identified_complaint_count") > 0).then(
            100 * pl.col("repeat_complaint_count") / pl.col("identified_complaint_count")
        )
    )


# -------------------------------------------------------------------------------------------- ticket KPIs
def working_minutes(start: datetime, end: datetime) -> float:
    """Minutes of [start, end) falling on Monday-Friday (UTC), day by day."""
    total = 0.0
    day = datetime(start.year, start.month, start.day, tzinfo=start.tzinfo)
    while day < end:
        nxt = day + timedelta(days=1)
        if day.weekday() < 5:
            lo, hi = max(start, day), min(end, nxt)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day = nxt
    return total


SLA = {"urgent": ("first_response", 60, "calendar"), "high": ("resolution", 24 * 60, "calendar"),
       "normal": ("first_response", 5 * 1440, "working")}
TIER = {"urgent": "urgent", "high": "high", "normal": "normal", "low": "normal"}


def tickets(world: World) -> pl.DataFrame:
    """fct_tickets' lifecycle and SLA columns."""
    t = world.tickets
    as_of = max(
        max(v for v in t[c].to_list() if v is not None)
        for c in ("created_at", "updated_at", "first_response_at", "solved_at")
    )
    rows = []
    for r in t.iter_rows(named=True):
        tier = TIER.get(r["priority"])
        metric, target, clock = SLA[tier]
        reached = r["first_response_at"] if metric == "first_response" else r["solved_at"]
        end = reached or as_of
        elapsed = (
            working_minutes(r["created_at"], end) if clock == "working"
            else (end - r["created_at"]).total_seconds() / 60
        )
        if elapsed > target:
            status = "breached"
        elif reached is not None:
            status = "met"
        else:
            status = "pending"
        rows.append(
            {
                "ticket_key": f"{TICKET_SOURCE[r['system']]}:{r['ticket_id']}",
                "channel": TICKET_CHANNEL[r["system"]],
                "customer_id": r["customer_id"],
                "product_id": r["product_id"],
                "status": r["status"],
                "sla_tier": tier,
                "created_at": r["created_at"],
                "created_date": r["created_at"].date(),
                "first_response_at": r["first_response_at"],
                "solved_at": r["solved_at"],
                "is_solved": r["solved_at"] is not None or r["status"] in ("solved", "closed"),
                "is_reopened": r["reopens"] > 0,
                "first_response_minutes": None if r["first_response_at"] is None
                else (r["first_response_at"] - r["created_at"]).total_seconds() / 60,
                "resolution_minutes": None if r["solved_at"] is None
                else (r["solved_at"] - r["created_at"]).total_seconds() / 60,
                "sla_status": status,
                "has_satisfaction": r["csat_score"] is not None or r["satisfaction"] is not None,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


def _pct(values: list[float], q: float) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.percentile(values, q * 100)) if values else None


def ticket_kpis(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    dims = {"all": None, "channel": "channel", "product": "product_id", "segment": "customer_segment",
            "sla_tier": "sla_tier"}
    t = sliced(with_segment(world, tickets(world)), dims).with_columns(
        period_start=period_start("created_date", grain)
    )
    rows = []
    for (ps, dim, val), g in t.group_by("period_start", "dimension", "dimension_value"):
        met = (g["sla_status"] == "met").sum()
        breached = (g["sla_status"] == "breached").sum()
        rows.append(
            {
                "period_start": ps, "dimension": dim, "dimension_value": val,
                "tickets_created": g.height,
                "tickets_responded": g["first_response_at"].is_not_null().sum(),
                "tickets_solved": g["is_solved"].sum(),
                "tickets_reopened": g["is_reopened"].sum(),
                "first_response_minutes_median": _pct(g["first_response_minutes"].to_list(), 0.5),
                "first_response_minutes_p90": _pct(g["first_response_minutes"].to_list(), 0.9),
                "resolution_minutes_median": _pct(g["resolution_minutes"].to_list(), 0.5),
                "resolution_minutes_p90": _pct(g["resolution_minutes"].to_list(), 0.9),
                "sla_met": met, "sla_breached": breached, "sla_pending": (g["sla_status"] == "pending").sum(),
                "sla_compliance_pct": 100 * met / (met + breached) if met + breached else None,
            }
        )
    computed = pl.DataFrame(rows, infer_schema_length=None)
    counts = ["tickets_created", "tickets_responded", "tickets_solved", "tickets_reopened", "sla_met",
              "sla_breached", "sla_pending"]
    return spine(mart, computed, ["period_start", *SERIES], counts)


def closed_loop(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    t = tickets(world)
    tags = world.tags.select("feedback_id", "canonical_feedback_id")
    t = t.join(tags, left_on="ticket_key", right_on="feedback_id", how="left").with_columns(
        pl.coalesce("canonical_feedback_id", "ticket_key").alias("handles")
    )
    surveys = answers(world).filter(pl.col("channel").is_in(list(SURVEY_CHANNEL.values())))
    survey_times: dict[str, list[datetime]] = {}
    for r in surveys.select("customer_id", "responded_at").unique().iter_rows(named=True):
        survey_times.setdefault(r["customer_id"], []).append(r["responded_at"])
    t_rows = list(t.iter_rows(named=True))
    rows = []
    for item in canonical_items(world).filter(pl.col("sentiment_label") == "negative").iter_rows(named=True):
        own = sorted((x for x in t_rows if x["handles"] == item["feedback_id"]), key=lambda x: (x["created_at"],
                                                                                                x["ticket_key"]))
        later = sorted(
            (
                x for x in t_rows
                if item["customer_id"] is not None and x["customer_id"] == item["customer_id"]
                and item["created_at"] <= x["created_at"] <= item["created_at"] + timedelta(days=7)
            ),
            key=lambda x: (x["created_at"], x["ticket_key"]),
        )
        ticket = (own or later or [None])[0]
        if ticket is None:
            ack = res = fol = False
        else:
            ack = ticket["first_response_at"] is not None
            res = ticket["is_solved"]
            after = ticket["solved_at"] is not None and any(
                ticket["solved_at"] < s <= ticket["solved_at"] + timedelta(days=30)
                for s in survey_times.get(ticket["customer_id"], [])
            )
            fol = ticket["has_satisfaction"] or ticket["status"] == "closed" or after
        rows.append({**item, "linked": ticket is not None, "ack": ack, "res": res, "fol": fol})
    c = sliced(with_segment(world, pl.DataFrame(rows, infer_schema_length=None)))
    c = c.with_columns(period_start=period_start("created_date", grain))
    counts = c.group_by("period_start", *SERIES).agg(
        pl.len().alias("negative_feedback_count"),
        pl.col("linked").sum().alias("linked_to_ticket_count"),
        pl.col("ack").sum().alias("acknowledged_count"),
        pl.col("res").sum().alias("resolved_count"),
        pl.col("fol").sum().alias("followed_up_count"),
        (pl.col("ack") & pl.col("res") & pl.col("fol")).sum().alias("closed_loop_count"),
    )
    zero = ["negative_feedback_count", "linked_to_ticket_count", "acknowledged_count", "resolved_count",
            "followed_up_count", "closed_loop_count"]
    f = spine(mart, counts, ["period_start", *SERIES], zero)
    return f.with_columns(
        closed_loop_rate_pct=pl.when(pl.col("negative_feedback_count") > 0).then(
            100 * pl.col("closed_loop_count") / pl.col("negative_feedback_count")
        )
    )


# -------------------------------------------------------------------------------------------- return KPIs
def returns(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    dims = {"all": None, "product": "product_id"}
    sales = sliced(world.sales, dims).with_columns(period_start=period_start("sale_date", grain))
    r = sliced(world.returns.with_columns(requested_date=_date("requested_at")), dims).with_columns(
        period_start=period_start("requested_date", grain), counted=pl.col("status") != "DECLINED"
    )
    keys = ["period_start", *SERIES]
    sold = sales.group_by(keys).agg(pl.col("units").sum().alias("units_sold"), pl.col("orders").sum())
    ret = r.group_by(keys).agg(
        pl.len().alias("return_lines"),
        pl.col("quantity").filter(pl.col("counted")).sum().alias("returned_units"),
        pl.col("quantity").filter(~pl.col("counted")).sum().alias("declined_units"),
    )
    reasons = (
        r.filter(pl.col("counted"))
        .group_by(*keys, "reason_code")
        .agg(pl.col("quantity").sum().alias("units"))
        .sort([*keys, "units", "reason_code"], descending=[False, False, False, True, False])
        .group_by(keys, maintain_order=True)
        .agg(pl.col("reason_code").head(3).alias("reasons"), pl.col("units").head(3).alias("reason_units"))
    )
    f = spine(mart, sold, keys, ["units_sold", "orders"]).join(ret, on=keys, how="left").join(
        reasons, on=keys, how="left"
    )
    f = f.with_columns([pl.col(c).fill_null(0) for c in ("return_lines", "returned_units", "declined_units")])
    f = f.with_columns(
        return_rate_pct=pl.when(pl.col("units_sold") > 0).then(100 * pl.col("returned_units") / pl.col("units_sold")),
        **{f"top_reason_{i + 1}": pl.col("reasons").list.get(i, null_on_oob=True) for i in range(3)},
        **{f"top_reason_{i + 1}_units": pl.col("reason_units").list.get(i, null_on_oob=True) for i in range(3)},
    )
    return f.drop("reasons", "reason_units")


def topic_nps_impact(world: World, mart: pl.DataFrame, grain: str) -> pl.DataFrame:
    a = sliced(with_segment(world, answers(world).filter(pl.col("metric") == "nps")))
    a = a.with_columns(period_start=period_start("response_date", grain))
    bridge = pl.concat(
        [world.tags.select("feedback_id", "topic_l1", "topic_l2"), world.extra_topics.select(
            "feedback_id", "topic_l1", "topic_l2")]
    ).unique()
    keys = ["period_start", *SERIES]
    totals = a.group_by(keys).agg(
        pl.len().alias("responses"),
        (pl.col("nps_category") == "promoter").sum().alias("promoters"),
        (pl.col("nps_category") == "detractor").sum().alias("detractors"),
    )
    commented = a.filter(pl.col("has_comment")).join(bridge, on="feedback_id")
    per_topic = commented.group_by(*keys, "topic_l1", "topic_l2").agg(
        pl.len().alias("topic_comments"),
        (pl.col("nps_category") == "detractor").sum().alias("topic_detractor_comments"),
    )
    tkeys = [*keys, "topic_l1", "topic_l2"]
    f = (
        mart.select(tkeys)
        .join(totals, on=keys, how="left")
        .join(per_topic, on=tkeys, how="left")
        .with_columns([pl.col(c).fill_null(0) for c in ("responses", "promoters", "detractors", "topic_comments",
                                                         "topic_detractor_comments")])
    )
    n, p, d, dt = (
        pl.col(c).cast(pl.Int64) for c in ("responses", "promoters", "detractors", "topic_detractor_comments")
    )
    return f.with_columns(
        nps=pl.when(n > 0).then(100 * (p - d) / n),
        nps_without_topic=pl.when(n - dt > 0).then(100 * (p - (d - dt)) / (n - dt)),
    ).with_columns(nps_impact=pl.col("nps_without_topic") - pl.col("nps"))


def date_range(world: World) -> tuple[date, date]:
    """First and last day of any data: the calendar every daily mart must cover."""
    days: list[date] = []
    for frame, cols in (
        (world.surveys, ["submitted_at"]),
        (world.social, ["created_at"]),
        (world.tickets, ["created_at", "updated_at", "first_response_at", "solved_at"]),
        (world.returns, ["requested_at"]),
    ):
        for c in cols:
            days.extend(v.date() for v in frame[c].drop_nulls().dt.convert_time_zone("UTC").to_list())
    days.extend(world.sales["sale_date"].to_list())
    return min(days), max(days)
