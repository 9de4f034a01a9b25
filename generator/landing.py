"""Files dropped for the file connectors (DIR/landing/), written atomically.

Ticket exports carry ISO-8601 timestamps in the requester's local offset (+08:00, -05:00, +00:00, +05:30 ...)
and a few deliberately malformed rows: bad timestamp, missing ticket_id, non-numeric satisfaction_score and,
in JSONL files, a broken JSON line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from generator.entities import COUNTRY_CODES
from generator.vocab import COUNTRIES

TICKET_PERIOD_DAYS = 15  # one file per 15 days, alternating CSV / JSONL: one of each per ~30 days
CHUNK_DAYS = 30  # survey and return exports
MALFORMED_RATE = 0.003
ALL_KINDS = ("bad_timestamp", "missing_ticket_id", "non_numeric_score", "broken_json")
CSV_KINDS = ("bad_timestamp", "missing_ticket_id", "non_numeric_score")
JSONL_KINDS = ("broken_json", "non_numeric_score", "missing_ticket_id", "bad_timestamp")
BAD_TIMESTAMPS = ("2026-13-45T25:61:00+00:00", "31/02/2026 10:00", "N/A", "yesterday 5pm")
BAD_SCORES = ("five", "good", "4 stars", "n/a?")
GENERATED_PATTERNS = {
    "tickets": ("tickets_*.csv", "tickets_*.jsonl"),
    "surveys": ("survey_responses_*.csv",),
    "returns": ("returns_*.csv",),
}
TICKET_COLUMNS = (
    "ticket_id",
    "created_at",
    "updated_at",
    "status",
    "priority",
    "channel",
    "requester_id",
    "requester_email",
    "product_id",
    "subject",
    "description",
    "first_response_at",
    "solved_at",
    "reopens",
    "satisfaction_score",
    "tags",
)


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through a temporary sibling and rename, so readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


@dataclass
class LandingResult:
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    malformed_by_kind: dict[str, int] = field(default_factory=dict)
    malformed_ticket_ids: list[int] = field(default_factory=list)


def _iso_local(ts: pl.Expr, offset_min: pl.Expr, offset_str: pl.Expr) -> pl.Expr:
    local = ts.dt.replace_time_zone(None) + pl.duration(minutes=offset_min)
    return pl.when(ts.is_not_null()).then(pl.concat_str([local.dt.strftime("%Y-%m-%dT%H:%M:%S"), offset_str]))


def _iso_utc(ts: pl.Expr) -> pl.Expr:
    return ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _offset_str(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _periods(start: date, days: int, length: int) -> list[tuple[int, date, date]]:
    return [
        (i, start + timedelta(days=d), start + timedelta(days=min(d + length, days) - 1))
        for i, d in enumerate(range(0, days, length))
    ]


def _day_index(col: str, start: date) -> pl.Expr:
    return (pl.col(col).dt.date() - pl.lit(start)).dt.total_days()


def ticket_export_frame(tickets: pl.DataFrame, customers: pl.DataFrame) -> pl.DataFrame:
    """Export tickets in the landing schema (strings, local-offset timestamps), one row per ticket."""
    offsets = pl.DataFrame(
        {
            "country": list(COUNTRY_CODES),
            "_off": [COUNTRIES[c][0] for c in COUNTRY_CODES],
            "_off_s": [_offset_str(COUNTRIES[c][0]) for c in COUNTRY_CODES],
        }
    )
    t = (
        tickets.filter(pl.col("system") == "export")
        .join(customers.select("customer_id", "country"), on="customer_id", how="left")
        .join(offsets, on="country", how="left")
        .with_columns(pl.col("_off").fill_null(0), pl.col("_off_s").fill_null("+00:00"))
    )
    off, off_s = pl.col("_off"), pl.col("_off_s")
    return t.select(
        pl.col("ticket_id"),
        pl.col("created_at").alias("_created"),
        _iso_local(pl.col("created_at"), off, off_s).alias("created_at"),
        _iso_local(pl.col("updated_at"), off, off_s).alias("updated_at"),
        "status",
        "priority",
        "channel",
        pl.col("customer_id").alias("requester_id"),
        "requester_email",
        "product_id",
        "subject",
        "description",
        _iso_local(pl.col("first_response_at"), off, off_s).alias("first_response_at"),
        _iso_local(pl.col("solved_at"), off, off_s).alias("solved_at"),
        "reopens",
        pl.col("csat_score").cast(pl.Int64).alias("satisfaction_score"),
        pl.col("tags").list.join(";").alias("tags"),
    )


def write_landing(
    root: Path,
    rng: np.random.Generator,
    *,
    start: date,
    days: int,
    tickets: pl.DataFrame,
    surveys: pl.DataFrame,
    returns: pl.DataFrame,
    customers: pl.DataFrame,
    products: pl.DataFrame,
    sales: pl.DataFrame,
    remove_stale: bool = False,
) -> LandingResult:
    """Write the landing drop under ``root``. With ``remove_stale``, generated-looking export files this call
    did not write (an earlier run with another window) are deleted, so sensors never see two versions."""
    res = LandingResult()

    def put(rel: str, frame: pl.DataFrame, write: Callable[[pl.DataFrame, Path], None]) -> None:
        path = atomic_write(root / rel, lambda p: write(frame, p))
        res.files.append(path)
        res.rows[rel] = frame.height

    def csv(frame: pl.DataFrame, path: Path) -> None:
        frame.write_csv(path)

    def lines(frame: pl.DataFrame, path: Path) -> None:
        frame.select("_json").write_csv(path, include_header=False, quote_style="never")

    put("crm/customers.csv", customers, csv)
    put("crm/products.csv", products, csv)
    put("sales/product_sales_daily.csv", sales, csv)

    # Ticket exports: 15-day files alternating CSV / JSONL, plus malformed rows.
    t = ticket_export_frame(tickets, customers).with_columns(
        _period=_day_index("_created", start) // TICKET_PERIOD_DAYS
    )
    t = t.with_columns(_jsonl=(pl.col("_period") % 2) == 1)
    t = _corrupt(t, rng, res)
    for i, a, b in _periods(start, days, TICKET_PERIOD_DAYS):
        part = t.filter(pl.col("_period") == i)
        if part.height == 0:
            continue
        stem = f"tickets/tickets_{a:%Y%m%d}_{b:%Y%m%d}"
        if i % 2:
            put(stem + ".jsonl", _jsonl(part), lines)
        else:
            put(stem + ".csv", _ticket_csv(part), csv)

    s = surveys.filter(pl.col("survey_tool") == "csv").select(
        "response_id",
        _iso_utc(pl.col("submitted_at")).alias("submitted_at"),
        pl.col("customer_id").alias("respondent_id"),
        pl.col("customer_email").alias("respondent_email"),
        "product_id",
        "nps",
        "csat",
        "ces",
        "comment",
        (_day_index("submitted_at", start) // CHUNK_DAYS).alias("_chunk"),
    )
    r = returns.filter(pl.col("system") == "csv").select(
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
        _iso_utc(pl.col("requested_at")).alias("requested_at"),
        (_day_index("requested_at", start) // CHUNK_DAYS).alias("_chunk"),
    )
    for name, frame in (("surveys/survey_responses", s), ("returns/returns", r)):
        for i, a, b in _periods(start, days, CHUNK_DAYS):
            part = frame.filter(pl.col("_chunk") == i).drop("_chunk")
            if part.height:
                put(f"{name}_{a:%Y%m%d}_{b:%Y%m%d}.csv", part, csv)

    if remove_stale:
        _remove_stale(root, set(res.files))
    return res


def _ticket_csv(part: pl.DataFrame) -> pl.DataFrame:
    return part.select(
        pl.when(pl.col("_kind") == "missing_ticket_id")
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("ticket_id").cast(pl.String))
        .alias("ticket_id"),
        pl.when(pl.col("_kind") == "bad_timestamp")
        .then(pl.col("_bad_value"))
        .otherwise(pl.col("created_at"))
        .alias("created_at"),
        *TICKET_COLUMNS[2:13],
        pl.col("reopens").cast(pl.String),
        pl.when(pl.col("_kind") == "non_numeric_score")
        .then(pl.col("_bad_value"))
        .otherwise(pl.col("satisfaction_score").cast(pl.String))
        .alias("satisfaction_score"),
        "tags",
    )


def _jsonl(part: pl.DataFrame) -> pl.DataFrame:
    kind = pl.col("_kind")
    encoded = pl.struct(
        pl.when(kind == "missing_ticket_id")
        .then(pl.lit(None, pl.Int64))
        .otherwise(pl.col("ticket_id"))
        .alias("ticket_id"),
        pl.when(kind == "bad_timestamp")
        .then(pl.col("_bad_value"))
        .otherwise(pl.col("created_at"))
        .alias("created_at"),
        *TICKET_COLUMNS[2:16],
    ).struct.json_encode()
    score = r'"satisfaction_score":(null|\d+)'
    line = (
        pl.when(kind == "missing_ticket_id")
        .then(encoded.str.replace(r'"ticket_id":null,', "", literal=True))
        .when(kind == "non_numeric_score")
        .then(
            encoded.str.replace(
                score, pl.concat_str([pl.lit('"satisfaction_score":"'), pl.col("_bad_value"), pl.lit('"')])
            )
        )
        .when(kind == "broken_json")
        .then(encoded.str.slice(0, encoded.str.len_chars() // 2))
        .otherwise(encoded)
    )
    return part.select(line.alias("_json"))


def _corrupt(t: pl.DataFrame, rng: np.random.Generator, res: LandingResult) -> pl.DataFrame:
    """Mark ~0.3% of export rows malformed (at least one of each kind when the data allows)."""
    n = t.height
    kind = np.full(n, -1, dtype=np.int64)
    value = np.zeros(n, dtype=np.int64)
    if n:
        n_bad = min(n, max(int(np.ceil(MALFORMED_RATE * n)), 4))
        is_jsonl = t["_jsonl"].to_numpy()
        pools = (np.flatnonzero(~is_jsonl), np.flatnonzero(is_jsonl))
        k_json = min(len(pools[1]), n_bad - min(len(pools[0]), n_bad // 2))
        k_csv = min(len(pools[0]), n_bad - k_json)
        for pool, k, names in ((pools[0], k_csv, CSV_KINDS), (pools[1], k_json, JSONL_KINDS)):
            if k <= 0:
                continue
            rows = np.sort(rng.choice(pool, size=k, replace=False))
            kind[rows] = np.resize([ALL_KINDS.index(name) for name in names], k)  # kinds in turn
            value[rows] = rng.integers(0, len(BAD_TIMESTAMPS), k)
    has = pl.Series(kind >= 0)
    out = t.with_columns(
        _kind=pl.when(has).then(pl.Series(list(ALL_KINDS)).gather(np.maximum(kind, 0))),
        _bad_value=pl.when(has).then(
            pl.when(pl.Series(kind == 0))
            .then(pl.Series(list(BAD_TIMESTAMPS)).gather(value))
            .otherwise(pl.Series(list(BAD_SCORES)).gather(value))
        ),
    )
    bad = out.filter(pl.col("_kind").is_not_null())
    res.malformed_by_kind = {k: int(v) for k, v in bad.group_by("_kind").len().sort("_kind").iter_rows()}
    res.malformed_ticket_ids = sorted(bad["ticket_id"].to_list())
    return out


def _remove_stale(root: Path, written: set[Path]) -> None:
    """Drop landing files an earlier run wrote under names this run did not reuse (other window or size)."""
    for folder, patterns in GENERATED_PATTERNS.items():
        for pattern in patterns:
            for path in (root / folder).glob(pattern):
                if path not in written:
                    path.unlink()
