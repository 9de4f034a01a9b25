"""Turn intents + texts into the canonical per-source tables (sandbox/*.parquet), ids included."""

from __future__ import annotations

import numpy as np
import polars as pl

from generator import text
from generator.codes import (
    APPSTORE,
    EXPORT,
    LANGS,
    NEG,
    POS,
    REASON_CODES,
    REDDIT,
    RETURN_CSV,
    SHOPIFY,
    SUG,
    SURVEY_CSV,
    SYSTEMS,
    TOPIC_INDEX,
    TOPICS,
    TYPEFORM,
    URGENT,
    ZENDESK,
    ZH,
)
from generator.entities import COUNTRY_CODES
from generator.ids import B36, B62, encode, increasing, padded, token
from generator.intent import Intent, World
from generator.vocab import COUNTRIES

PRIORITIES = ("urgent", "high", "normal", "low")
# P(priority) by intended urgency; normal-urgency items on "hot" topics lean high.
PRIORITY_P = {
    "urgent": [0.75, 0.25, 0.0, 0.0],
    "high": [0.08, 0.62, 0.30, 0.0],
    "normal": [0.0, 0.10, 0.70, 0.20],
    "normal_hot": [0.02, 0.30, 0.58, 0.10],
}
HOT_TOPICS = ("stability", "login", "billing_errors")
FIRST_RESPONSE_MEDIAN_MIN = np.array([25, 120, 360, 720])  # by priority; lognormal
RESOLUTION_MEDIAN_H = np.array([3, 12, 30, 48])
CLOSE_AFTER_S = 4 * 86400  # Zendesk closes solved tickets after 4 days
CHANNELS = ("email", "web", "chat", "phone")
TAG_BY_TOPIC = {
    **{t: "app" for t in ("ui", "performance", "stability", "compatibility", "login", "features")},
    "quality": "product_issue",
    "sizing": "product_issue",
    "damaged_item": "product_issue",
    "delivery": "shipping",
    "refund_returns": "returns",
    "response_speed": "support",
    "staff_attitude": "support",
    "too_expensive": "billing",
    "billing_errors": "billing",
    "promotions": "billing",
    "other": "general",
}


def seconds_to_datetime(seconds: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(seconds.astype(np.int64) * 1_000_000).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if valid is None:
        return s
    return pl.select(pl.when(pl.Series(valid)).then(s)).to_series()


def _int8(values: np.ndarray) -> pl.Series:
    return pl.select(pl.when(pl.Series(values >= 0)).then(pl.Series(values).cast(pl.Int8))).to_series()


def _lookup(values: tuple[str, ...] | list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(pl.Series(np.asarray(idx, dtype=np.int64)))


def _customer_col(w: World, cust: np.ndarray, column: str) -> pl.Series:
    col = w.customers.frame[column]
    return pl.select(
        pl.when(pl.Series(cust >= 0)).then(col.gather(pl.Series(np.maximum(cust, 0), dtype=pl.Int64)))
    ).to_series()


def _base(w: World, it: Intent, rows: np.ndarray) -> dict[str, pl.Series]:
    return {
        "_row": pl.Series(rows, dtype=pl.Int64),
        "_ts": pl.Series(it["ts"], dtype=pl.Int64),
        "_sys": pl.Series(it["sys"], dtype=pl.Int8),
        "customer_id": _customer_col(w, it["cust"], "customer_id"),
        "product_id": w.products.frame["product_id"].gather(pl.Series(it["prod"], dtype=pl.Int64)),
        "language": _lookup(LANGS, it["lang"]),
    }


def _system_names(sys: np.ndarray) -> pl.Series:
    return _lookup([name for _, name in SYSTEMS], sys)


def survey_rows(w: World, it: Intent, txt: pl.Series, rows: np.ndarray) -> pl.DataFrame:
    base = _base(w, it, rows)
    return pl.DataFrame(
        {
            **{k: base[k] for k in ("_row", "_ts", "_sys")},
            "survey_tool": _system_names(it["sys"]),
            "customer_id": base["customer_id"],
            "customer_email": _customer_col(w, it["cust"], "email"),
            "product_id": base["product_id"],
            "submitted_at": seconds_to_datetime(it["ts"]),
            "nps": _int8(it["nps"]),
            "csat": _int8(it["csat"]),
            "ces": _int8(it["ces"]),
            "comment": txt,
            "language": base["language"],
        }
    )


def social_rows(
    w: World, rng: np.random.Generator, it: Intent, txt: pl.Series, rows: np.ndarray
) -> pl.DataFrame:
    n = len(rows)
    base = _base(w, it, rows)
    anon_handle = pl.select(
        pl.concat_str([pl.lit("user_"), encode(np.asarray(rows, dtype=np.uint64) * 7919 + 17, B36, 7)])
    ).to_series()
    author = pl.select(pl.coalesce(_customer_col(w, it["cust"], "handle"), anon_handle)).to_series()
    reddit = it["sys"] == REDDIT
    upvotes = np.floor(rng.lognormal(np.where(it["cls"] == NEG, 2.0, 1.5), 1.2)).astype(np.int64)
    downvoted = rng.random(n) < 0.05
    upvotes = np.where(downvoted, -rng.integers(1, 6, n), upvotes)
    country = np.where(it["lang"] == ZH, COUNTRY_CODES.index("CHN"), COUNTRY_CODES.index("USA"))
    known = it["cust"] >= 0
    country[known] = w.customers.country[it["cust"][known]]
    return pl.DataFrame(
        {
            **{k: base[k] for k in ("_row", "_ts", "_sys")},
            "platform": _system_names(it["sys"]),
            "author": author,
            "_customer_id": base["customer_id"],
            "title": text.titles(rng, it["lang"], it["cls"], it["topic"].astype(np.int64)),
            "body": txt,
            "rating": _int8(it["rating"]),
            "score": pl.select(pl.when(pl.Series(reddit)).then(pl.Series(upvotes))).to_series(),
            "created_at": seconds_to_datetime(it["ts"]),
            "product_id": base["product_id"],
            "territory": _lookup(COUNTRY_CODES, country),
            "language": base["language"],
        }
    )


def ticket_rows(
    w: World, rng: np.random.Generator, it: Intent, txt: pl.Series, rows: np.ndarray, vip: np.ndarray
) -> pl.DataFrame:
    n = len(rows)
    end_s = w.end_s
    created = it["ts"].astype(np.int64)
    hot = np.isin(it["topic"], [TOPIC_INDEX[t] for t in HOT_TOPICS])
    key = np.where(it["urgency"] == URGENT, 0, np.where(it["urgency"] == 1, 1, np.where(hot, 3, 2)))
    table = np.cumsum(np.array([PRIORITY_P[k] for k in ("urgent", "high", "normal", "normal_hot")]), axis=1)
    prio = np.minimum((rng.random(n)[:, None] >= table[key]).sum(axis=1), 3)

    first_min = rng.lognormal(np.log(FIRST_RESPONSE_MEDIAN_MIN[prio]), 0.9)
    first = created + (first_min * 60).astype(np.int64)
    responded = (rng.random(n) > 0.04) & (first < end_s)
    res_h = rng.lognormal(np.log(RESOLUTION_MEDIAN_H[prio]), 1.0)
    reopens = np.searchsorted([0.9, 0.98], rng.random(n), side="right").astype(np.int64)
    extra_h = rng.lognormal(np.log(24), 0.8, n) * reopens
    solved_at = first + ((res_h + extra_h) * 3600).astype(np.int64)
    solved = responded & (rng.random(n) < 0.85) & (solved_at < end_s)
    closed = solved & (solved_at + CLOSE_AFTER_S < end_s)
    pending = rng.random(n) < 0.4
    status = np.where(closed, 4, np.where(solved, 3, np.where(~responded, 0, np.where(pending, 2, 1))))
    reopens = np.where(responded, reopens, 0)

    u = rng.random(n)
    updated = np.select(
        [closed, solved, responded],
        [
            solved_at + CLOSE_AFTER_S,
            solved_at + (u * np.minimum(3600, end_s - 1 - solved_at)).astype(np.int64),
            first + (u * 0.5 * (end_s - 1 - first)).astype(np.int64),
        ],
        default=created,
    )

    rated = solved & (rng.random(n) < 0.4)
    p_good = np.select(
        [it["cls"] == NEG, it["cls"] == POS, it["cls"] == SUG], [0.65, 0.95, 0.85], default=0.9
    )
    p_good = p_good - 0.25 * (reopens > 0) - 0.15 * ((solved_at - created) > 72 * 3600)
    good = rng.random(n) < p_good
    csat = np.where(good, np.where(rng.random(n) < 0.65, 5, 4), np.where(rng.random(n) < 0.55, 1, 2))
    with_comment = rated & (rng.random(n) < 0.5)
    sat_comment = text.satisfaction_comments(rng, it["lang"], good)

    subject = text.titles(rng, it["lang"], it["cls"], it["topic"].astype(np.int64))
    urgent_prefix = (it["urgency"] == URGENT) & (rng.random(n) < 0.5)
    prefix = pl.Series(
        np.where(urgent_prefix, np.where(it["lang"] == ZH, "紧急：", "URGENT: "), ""), dtype=pl.String
    )
    tag_names = sorted(set(TAG_BY_TOPIC.values()))
    topic_tag = np.array([tag_names.index(TAG_BY_TOPIC[t]) for t in TOPICS])[it["topic"]]
    has_cust = it["cust"] >= 0
    is_vip = np.zeros(n, dtype=bool)
    is_vip[has_cust] = vip[it["cust"][has_cust]]
    # Build "a;b;c" and split: much faster than concat_list + drop_nulls.
    tags = pl.select(
        pl.concat_str(
            [
                _lookup(tag_names, topic_tag),
                pl.when(pl.Series(it["lang"] == ZH)).then(pl.lit(";lang_zh")).otherwise(pl.lit("")),
                pl.when(pl.Series(is_vip)).then(pl.lit(";vip")).otherwise(pl.lit("")),
                pl.when(pl.Series(prio == 0)).then(pl.lit(";escalated")).otherwise(pl.lit("")),
            ]
        ).str.split(";")
    ).to_series()

    base = _base(w, it, rows)
    return pl.DataFrame(
        {
            **{k: base[k] for k in ("_row", "_ts", "_sys")},
            "system": _system_names(it["sys"]),
            "customer_id": base["customer_id"],
            "requester_email": _customer_col(w, it["cust"], "email"),
            "channel": _lookup(CHANNELS, np.searchsorted([0.4, 0.7, 0.9], rng.random(n), side="right")),
            "subject": pl.select(pl.concat_str([prefix, subject])).to_series(),
            "description": txt,
            "status": _lookup(("new", "open", "pending", "solved", "closed"), status),
            "priority": _lookup(PRIORITIES, prio),
            "created_at": seconds_to_datetime(created),
            "updated_at": seconds_to_datetime(updated),
            "first_response_at": seconds_to_datetime(first, responded),
            "solved_at": seconds_to_datetime(solved_at, solved),
            "reopens": pl.Series(reopens, dtype=pl.Int64),
            "satisfaction": pl.select(
                pl.when(pl.Series(rated)).then(_lookup(("bad", "good"), good.astype(np.int64)))
            ).to_series(),
            "satisfaction_comment": pl.select(pl.when(pl.Series(with_comment)).then(sat_comment)).to_series(),
            "csat_score": _int8(np.where(rated, csat, -1)),
            "product_id": base["product_id"],
            "tags": tags,
            "language": base["language"],
        }
    )


def return_rows(
    w: World, rng: np.random.Generator, it: Intent, txt: pl.Series, rows: np.ndarray
) -> pl.DataFrame:
    n = len(rows)
    country = np.where(it["cust"] >= 0, w.customers.country[np.maximum(it["cust"], 0)], 0)
    codes = list(COUNTRY_CODES)
    fx = np.array([COUNTRIES[c][2] for c in codes])[country]
    currency = _lookup([COUNTRIES[c][1] for c in codes], country)
    qty = it["quantity"].astype(np.int64)
    discount = np.where(rng.random(n) < 0.3, rng.choice([0.1, 0.15, 0.2, 0.3], n), 0.0)
    amount = np.round(w.products.price[it["prod"]] * qty * (1 - discount) * fx, 2)
    age_days = (w.end_s - it["ts"]) / 86400
    u = rng.random(n)
    status = np.select(
        [age_days < 2, age_days < 10],
        [np.where(u < 0.6, 0, 1), np.searchsorted([0.5, 0.95], u, side="right").choose([1, 2, 3])],
        default=np.searchsorted([0.9, 0.97], u, side="right").choose([2, 3, 1]),
    )
    base = _base(w, it, rows)
    return pl.DataFrame(
        {
            **{k: base[k] for k in ("_row", "_ts", "_sys")},
            "system": _system_names(it["sys"]),
            "customer_id": base["customer_id"],
            "product_id": base["product_id"],
            "quantity": pl.Series(qty, dtype=pl.Int64),
            "amount": pl.Series(amount, dtype=pl.Float64),
            "currency": currency,
            "reason_code": _lookup(REASON_CODES, it["reason"]),
            "customer_note": txt,
            "status": _lookup(("REQUESTED", "OPEN", "CLOSED", "DECLINED"), status),
            "requested_at": seconds_to_datetime(it["ts"]),
            "language": base["language"],
        }
    )


def _blank(n: int) -> pl.Series:
    return pl.repeat("", n, dtype=pl.String, eager=True)


def _numbers(values: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.Int64).cast(pl.String)


def _by_system(frame: pl.DataFrame, system: int) -> np.ndarray:
    return np.flatnonzero(frame["_sys"].to_numpy() == system)


def assign_ids(rng: np.random.Generator, family: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Hand out ids the way each system does; ``frame`` is in time order."""
    n = frame.height
    if family == "survey":
        rank = np.arange(n, dtype=np.uint64)
        tf = token(rank, B36, 11)
        qx = pl.select(
            pl.concat_str([pl.lit("R_"), token(rank, B62, 12), token(rank, B62, 13).str.slice(0, 4)])
        )
        csv = padded("S", np.arange(1, n + 1), 7)
        ids = pl.select(
            pl.when(frame["_sys"] == TYPEFORM)
            .then(tf)
            .when(frame["_sys"] == SURVEY_CSV)
            .then(csv)
            .otherwise(qx.to_series())
        ).to_series()
        return frame.insert_column(0, ids.alias("response_id"))
    if family == "social":
        r, a = _by_system(frame, REDDIT), _by_system(frame, APPSTORE)
        reddit = encode(increasing(rng, len(r), 36**6, 40).astype(np.uint64), B36, 7)
        ids = _blank(n).scatter(r, pl.select(pl.concat_str([pl.lit("t3_"), reddit])).to_series())
        ids = ids.scatter(a, _numbers(increasing(rng, len(a), 11_000_000_000, 400)))
        return frame.insert_column(0, ids.alias("post_id"))
    if family == "ticket":
        ids = np.empty(n, dtype=np.int64)
        z, e = _by_system(frame, ZENDESK), _by_system(frame, EXPORT)
        ids[z] = increasing(rng, len(z), 100_000, 3)
        ids[e] = increasing(rng, len(e), 50_000_000, 2)
        return frame.insert_column(0, pl.Series("ticket_id", ids, dtype=pl.Int64))
    if family == "return":
        s, c = _by_system(frame, SHOPIFY), _by_system(frame, RETURN_CSV)
        rid = _blank(n).scatter(s, _numbers(increasing(rng, len(s), 20_000_000_000, 50)))
        oid = _blank(n).scatter(s, _numbers(increasing(rng, len(s), 5_400_000_000, 30)))
        lid = _blank(n).scatter(s, _numbers(increasing(rng, len(s), 14_000_000_000, 60)))
        rid = rid.scatter(c, padded("RET-", np.arange(1, len(c) + 1), 7))
        oid = oid.scatter(c, padded("ORD-", increasing(rng, len(c), 100_000, 30), 8))
        lid = lid.scatter(c, padded("LI-", increasing(rng, len(c), 1_000_000, 30), 9))
        return frame.with_columns(rid.alias("return_id"), oid.alias("order_id"), lid.alias("line_item_id"))
    raise ValueError(family)


def feedback_keys(family: str, frame: pl.DataFrame) -> pl.Series:
    id_col = {"survey": "response_id", "social": "post_id", "ticket": "ticket_id", "return": "return_id"}[
        family
    ]
    return frame.select(pl.concat_str([pl.lit(family + ":"), pl.col(id_col).cast(pl.String)])).to_series()
