"""``generate``: build every dataset for one (records, seed, end_date) and write it under ``out_dir``."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from generator import intent as I
from generator import records as R
from generator.anomalies import inject
from generator.codes import (
    FEEDBACK_TYPES,
    LANGS,
    NEG,
    OTHER,
    RETURN,
    SENTIMENTS,
    SOCIAL,
    SURVEY,
    TICKET,
    TOPICS,
    URGENCIES,
)
from generator.entities import make_customers, make_products, make_sales
from generator.landing import atomic_write, write_landing
from generator.phrases import TOPIC_L1
from generator.spec import AnomalySpec, GenerateSummary
from generator.text import near_duplicate

FAMILY_SHARE = {SURVEY: 0.35, SOCIAL: 0.15, TICKET: 0.30}  # returns take the rest (20%)
DUPLICATE_RATE = 0.02
DUPLICATE_WINDOW_S = 7 * 86400
VIP_QUANTILE = 0.98  # customers tagged 'vip' on tickets: the most active 2%

# Independent random streams: changing one part (e.g. adding anomalies) leaves the others untouched.
S_ENTITIES, S_RECORDS, S_DETAILS, S_ANOMALIES, S_IDS, S_LANDING, S_SALES = range(1, 8)

COLUMNS = {
    "customers": ["customer_id", "name", "email", "phone", "handle", "country", "signup_date"],
    "products": ["product_id", "name", "category", "price"],
    "survey_responses": [
        "response_id",
        "survey_tool",
        "customer_id",
        "customer_email",
        "product_id",
        "submitted_at",
        "nps",
        "csat",
        "ces",
        "comment",
        "language",
    ],
    "social_posts": [
        "post_id",
        "platform",
        "author",
        "title",
        "body",
        "rating",
        "score",
        "created_at",
        "product_id",
        "territory",
        "language",
    ],
    "tickets": [
        "ticket_id",
        "system",
        "customer_id",
        "requester_email",
        "channel",
        "subject",
        "description",
        "status",
        "priority",
        "created_at",
        "updated_at",
        "first_response_at",
        "solved_at",
        "reopens",
        "satisfaction",
        "satisfaction_comment",
        "csat_score",
        "product_id",
        "tags",
        "language",
    ],
    "returns": [
        "return_id",
        "system",
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
        "requested_at",
        "language",
    ],
    "product_sales_daily": ["sale_date", "product_id", "orders", "units"],
    "feedback_truth": [
        "feedback_key",
        "text",
        "language",
        "sentiment",
        "topic_l1",
        "topic_l2",
        "feedback_type",
        "urgency",
        "duplicate_of",
    ],
}
FAMILY_DATASET = {SURVEY: "survey_responses", SOCIAL: "social_posts", TICKET: "tickets", RETURN: "returns"}
FAMILY_NAME = {SURVEY: "survey", SOCIAL: "social", TICKET: "ticket", RETURN: "return"}
TEXT_COLUMN = {SURVEY: "comment", SOCIAL: "body", TICKET: "description", RETURN: "customer_note"}


def _stream(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([stream, seed])


def family_counts(records: int) -> dict[int, int]:
    counts = {f: int(round(records * share)) for f, share in FAMILY_SHARE.items()}
    counts[RETURN] = max(records - sum(counts.values()), 0)
    return counts


def generate(
    records: int,
    seed: int,
    out_dir: Path,
    anomalies: list[AnomalySpec] | None = None,
    days: int = 90,
    end_date: date | None = None,
) -> GenerateSummary:
    """Generate ``records`` feedback records over ``days`` days ending ``end_date`` (default: yesterday, UTC).

    Output is a pure function of (records, seed, days, end_date, anomalies): a rerun writes byte-identical
    files, each replaced atomically.
    """
    if records < 0:
        raise ValueError("records must be >= 0")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if days < 1:
        raise ValueError("days must be >= 1")
    out_dir = Path(out_dir)
    # Yesterday by default: a day still under way would put timestamps in the future.
    end = end_date or datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    specs = list(anomalies or [])

    rng_entities = _stream(seed, S_ENTITIES)
    customers = make_customers(rng_entities, max(50, records // 8), start)
    products = make_products(rng_entities, min(200, max(20, records // 25)))
    w = I.World(start=start, days=days, customers=customers, products=products)

    # Baseline records: intent, texts, then cross-channel near-duplicates.
    rng = _stream(seed, S_RECORDS)
    counts = family_counts(records)
    base = I.concat(
        [
            I.surveys(w, rng, counts[SURVEY]),
            I.social(w, rng, counts[SOCIAL]),
            I.tickets(w, rng, counts[TICKET]),
            I.returns(w, rng, counts[RETURN]),
        ]
    )
    texts = I.compose_texts(rng, w, base)
    n_dup, texts = _duplicates(rng, w, base, texts, records)

    # Anomalies on their own stream: the baseline above is identical with or without them.
    rng_anom = _stream(seed, S_ANOMALIES)
    extra_parts, applied = inject(w, rng_anom, base, specs)
    if extra_parts:
        extra = I.concat(extra_parts)
        extra_texts = I.compose_texts(rng_anom, w, extra)
        everything = I.concat([base, extra])
        all_texts = pl.concat([texts, extra_texts])
    else:
        everything, all_texts = base, texts
    n_base = I.length(base)

    # Per-family tables (details of baseline rows on their own stream), then ids.
    rng_details = _stream(seed, S_DETAILS)
    rng_ids = _stream(seed, S_IDS)
    vip = customers.weight >= np.quantile(customers.weight, VIP_QUANTILE)
    frames: dict[int, pl.DataFrame] = {}
    row_index = np.arange(I.length(everything))
    for fam in (SURVEY, SOCIAL, TICKET, RETURN):
        parts = []
        for seg_rng, in_segment in ((rng_details, row_index < n_base), (rng_anom, row_index >= n_base)):
            idx = np.flatnonzero((everything["fam"] == fam) & in_segment)
            idx = idx[np.argsort(everything["ts"][idx], kind="stable")]  # time order, ties by row
            it = I.take(everything, idx)
            txt = all_texts.gather(pl.Series(idx, dtype=pl.Int64))
            if fam == SURVEY:
                parts.append(R.survey_rows(w, it, txt, idx))
            elif fam == SOCIAL:
                parts.append(R.social_rows(w, seg_rng, it, txt, idx))
            elif fam == TICKET:
                parts.append(R.ticket_rows(w, seg_rng, it, txt, idx, vip))
            else:
                parts.append(R.return_rows(w, seg_rng, it, txt, idx))
        frame = pl.concat(parts)
        if parts[1].height:  # anomaly rows interleave with the baseline
            frame = frame.sort("_ts", "_row")
        frames[fam] = R.assign_ids(rng_ids, FAMILY_NAME[fam], frame)

    truth = _truth(everything, frames)
    base_returns = base["fam"] == RETURN
    returned_units = np.bincount(
        base["prod"][base_returns], weights=base["quantity"][base_returns], minlength=products.n
    )
    sales = make_sales(_stream(seed, S_SALES), products, returned_units, start, days)

    # Write.
    sandbox, truth_dir = out_dir / "sandbox", out_dir / "truth"
    tables = {
        "customers": customers.frame,
        "products": products.frame,
        **{FAMILY_DATASET[f]: frames[f] for f in frames},
        "product_sales_daily": sales,
    }
    rows = {name: frame.height for name, frame in tables.items()}
    rows["feedback_truth"] = truth.height
    outputs = {sandbox / f"{name}.parquet": frame.select(COLUMNS[name]) for name, frame in tables.items()}
    outputs[truth_dir / "feedback_truth.parquet"] = truth
    # Writers release the GIL: parquet files and the landing drop are written side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        landing_job = pool.submit(
            write_landing,
            out_dir / "landing",
            _stream(seed, S_LANDING),
            start=start,
            days=days,
            tickets=frames[TICKET].select(COLUMNS["tickets"]),
            surveys=frames[SURVEY].select(COLUMNS["survey_responses"]),
            returns=frames[RETURN].select(COLUMNS["returns"]),
            customers=customers.frame.select(COLUMNS["customers"]),
            products=products.frame.select(COLUMNS["products"]),
            sales=sales.select(COLUMNS["product_sales_daily"]),
            remove_stale=True,
        )
        written = list(pool.map(lambda item: _write_parquet(*item), outputs.items()))
        landing = landing_job.result()
    paths = {p.stem: p for p in written}
    paths["anomalies"] = atomic_write(
        truth_dir / "anomalies.json",
        lambda p: p.write_text(json.dumps(applied, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"),
    )

    return GenerateSummary(
        out_dir=out_dir,
        records=records,
        seed=seed,
        start_date=start,
        end_date=end,
        rows=rows,
        paths=paths,
        landing_files=landing.files,
        landing_rows=landing.rows,
        malformed_rows=sum(landing.malformed_by_kind.values()),
        malformed_by_kind=landing.malformed_by_kind,
        malformed_ticket_ids=landing.malformed_ticket_ids,
        duplicates=n_dup,
        anomaly_rows=I.length(everything) - n_base,
        anomalies=applied,
    )


def _write_parquet(path: Path, frame: pl.DataFrame) -> Path:
    return atomic_write(path, lambda p: frame.write_parquet(p, compression="zstd", compression_level=1))


def _duplicates(
    rng: np.random.Generator, w: I.World, it: I.Intent, texts: pl.Series, records: int
) -> tuple[int, pl.Series]:
    """Re-use ~2% of complaint slots for the same customer repeating a complaint on another channel within
    7 days, nearly verbatim. Targets keep their channel-specific scores (they were complaints already)."""
    text_fams = np.array([SURVEY, SOCIAL, TICKET])
    eligible = (
        it["has_text"]
        & (it["cls"] == NEG)
        & (it["cust"] >= 0)
        & (it["lang"] != OTHER)
        & np.isin(it["fam"], text_fams)
    )
    origin_pool = np.flatnonzero(eligible & (it["ts"] < w.end_s - 86400))
    k = min(int(round(DUPLICATE_RATE * records)), len(origin_pool) // 3)
    if k == 0:
        return 0, texts
    origin = np.sort(rng.choice(origin_pool, size=k, replace=False))
    target_fam = (it["fam"][origin] + rng.integers(1, 3, size=k)) % 3  # SURVEY, SOCIAL, TICKET are 0, 1, 2
    taken = np.zeros(len(eligible), dtype=bool)
    taken[origin] = True
    target = np.full(k, -1, dtype=np.int64)
    for fam in text_fams:
        need = np.flatnonzero(target_fam == fam)
        pool = np.flatnonzero(eligible & ~taken & (it["fam"] == fam))
        need = need[: len(pool)]
        target[need] = rng.choice(pool, size=len(need), replace=False)
    ok = target >= 0
    origin, target = origin[ok], target[ok]
    for col in ("cust", "prod", "pk", "lang", "topic", "cls", "sentiment", "ftype", "urgency"):
        it[col][target] = it[col][origin]
    room = np.minimum(DUPLICATE_WINDOW_S, w.end_s - 1 - it["ts"][origin])
    it["ts"][target] = it["ts"][origin] + (1800 + rng.random(len(origin)) * (room - 1800)).astype(np.int64)
    it["dup_of"][target] = origin
    edited = near_duplicate(rng, texts.gather(pl.Series(origin, dtype=pl.Int64)), it["lang"][origin])
    return int(len(target)), texts.scatter(target, edited)


def _truth(it: I.Intent, frames: dict[int, pl.DataFrame]) -> pl.DataFrame:
    """One row per text item with the intended labels; duplicate_of names the original's key."""
    keyed = pl.concat(
        [
            frames[f].select(
                pl.col("_row"),
                R.feedback_keys(FAMILY_NAME[f], frames[f]).alias("feedback_key"),
                pl.col(TEXT_COLUMN[f]).alias("text"),
            )
            for f in (SURVEY, SOCIAL, TICKET, RETURN)
        ]
    )
    rows = keyed["_row"].to_numpy()
    key_by_row = pl.repeat("", len(rows), dtype=pl.String, eager=True).scatter(rows, keyed["feedback_key"])
    topic = it["topic"][rows]
    dup = it["dup_of"][rows]
    l1 = pl.Series([TOPIC_L1[t] for t in TOPICS])
    return (
        keyed.with_columns(
            language=pl.Series(list(LANGS)).gather(it["lang"][rows].astype(np.int64)),
            sentiment=pl.Series(list(SENTIMENTS)).gather(it["sentiment"][rows].astype(np.int64)),
            topic_l1=l1.gather(topic.astype(np.int64)),
            topic_l2=pl.Series(list(TOPICS)).gather(topic.astype(np.int64)),
            feedback_type=pl.Series(list(FEEDBACK_TYPES)).gather(it["ftype"][rows].astype(np.int64)),
            urgency=pl.Series(list(URGENCIES)).gather(it["urgency"][rows].astype(np.int64)),
            duplicate_of=pl.when(pl.Series(dup >= 0)).then(key_by_row.gather(np.maximum(dup, 0))),
        )
        .filter(pl.Series(it["has_text"][rows]))
        .select(COLUMNS["feedback_truth"])
    )
