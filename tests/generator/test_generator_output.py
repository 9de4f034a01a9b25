"""One generated data set: files, schemas, counts, ranges, truth, duplicates, landing drops."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from rapidfuzz import fuzz

from generator import generate
from generator.phrases import TOPIC_L1

RECORDS = 5000
END = date(2026, 10, 31)
START = END - timedelta(days=89)
UTC_US = pl.Datetime("us", "UTC")

FAMILIES = {  # family -> (dataset, id column, time column, text column)
    "survey": ("survey_responses", "response_id", "submitted_at", "comment"),
    "social": ("social_posts", "post_id", "created_at", "body"),
    "ticket": ("tickets", "ticket_id", "created_at", "description"),
    "return": ("returns", "return_id", "requested_at", "customer_note"),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("gen")
    summary = generate(RECORDS, seed=7, out_dir=out, end_date=END)
    return out, summary


def table(out: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(out / "sandbox" / f"{name}.parquet")


@pytest.fixture(scope="module")
def items(run) -> pl.DataFrame:
    """Every feedback record with its key, family, customer, time and text."""
    out, _ = run
    handles = table(out, "customers").select("customer_id", pl.col("handle").alias("author"))
    parts = []
    for family, (name, id_col, ts_col, text_col) in FAMILIES.items():
        t = table(out, name)
        if family == "social":
            t = t.join(handles, on="author", how="left")
        parts.append(
            t.select(
                pl.concat_str([pl.lit(family + ":"), pl.col(id_col).cast(pl.String)]).alias("feedback_key"),
                pl.lit(family).alias("family"),
                pl.col("customer_id"),
                pl.col(ts_col).alias("ts"),
                pl.col(text_col).alias("text"),
                pl.col("language"),
                pl.col("product_id"),
            )
        )
    return pl.concat(parts)


def test_writes_exactly_the_contract_files(run):
    out, summary = run
    sandbox = {p.name for p in (out / "sandbox").iterdir()}
    assert sandbox == {
        f"{n}.parquet"
        for n in (
            "customers",
            "products",
            "survey_responses",
            "social_posts",
            "tickets",
            "returns",
            "product_sales_daily",
        )
    }
    assert {p.name for p in (out / "truth").iterdir()} == {"feedback_truth.parquet", "anomalies.json"}
    landing = {p.relative_to(out / "landing").as_posix() for p in (out / "landing").rglob("*") if p.is_file()}
    assert {"crm/customers.csv", "crm/products.csv", "sales/product_sales_daily.csv"} <= landing
    tickets = [p for p in landing if p.startswith("tickets/")]
    assert any(p.endswith(".csv") for p in tickets) and any(p.endswith(".jsonl") for p in tickets)
    assert len(tickets) >= 4  # several drops for the file sensor
    assert any(p.startswith("surveys/") for p in landing) and any(p.startswith("returns/") for p in landing)
    assert {p.relative_to(out / "landing").as_posix() for p in summary.landing_files} == landing
    assert not list(out.rglob("*.tmp"))
    assert json.loads((out / "truth" / "anomalies.json").read_text()) == []
    json.dumps(summary.as_dict())  # JSON-ready


def test_schemas_follow_the_contract(run):
    out, _ = run
    assert table(out, "customers").columns == [
        "customer_id",
        "name",
        "email",
        "phone",
        "handle",
        "country",
        "signup_date",
    ]
    assert table(out, "products").schema["price"] == pl.Float64
    s = table(out, "survey_responses").schema
    assert list(s) == [
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
    ]
    assert s["submitted_at"] == UTC_US and s["nps"] == s["csat"] == s["ces"] == pl.Int8
    s = table(out, "social_posts").schema
    assert list(s) == [
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
    ]
    assert s["rating"] == pl.Int8 and s["created_at"] == UTC_US
    s = table(out, "tickets").schema
    assert list(s) == [
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
    ]
    assert s["ticket_id"] == pl.Int64 and s["tags"] == pl.List(pl.String) and s["csat_score"] == pl.Int8
    assert all(s[c] == UTC_US for c in ("created_at", "updated_at", "first_response_at", "solved_at"))
    s = table(out, "returns").schema
    assert list(s) == [
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
    ]
    assert s["amount"] == pl.Float64 and s["requested_at"] == UTC_US
    assert table(out, "product_sales_daily").schema == pl.Schema(
        {"sale_date": pl.Date, "product_id": pl.String, "orders": pl.Int64, "units": pl.Int64}
    )
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    assert truth.columns == [
        "feedback_key",
        "text",
        "language",
        "sentiment",
        "topic_l1",
        "topic_l2",
        "feedback_type",
        "urgency",
        "duplicate_of",
    ]


def test_counts_per_family_and_system(run):
    out, summary = run
    rows = {n: table(out, n).height for n in ("survey_responses", "social_posts", "tickets", "returns")}
    assert sum(rows.values()) == RECORDS
    assert rows == {"survey_responses": 1750, "social_posts": 750, "tickets": 1500, "returns": 1000}
    assert summary.rows["survey_responses"] == 1750
    assert table(out, "customers").height == RECORDS // 8
    assert table(out, "products").height == 200

    def share(name: str, col: str) -> dict[str, float]:
        t = table(out, name)
        return {k: v / t.height for k, v in t[col].value_counts().iter_rows()}

    for (name, col), expected in {
        ("survey_responses", "survey_tool"): {"typeform": 0.45, "qualtrics": 0.35, "csv": 0.20},
        ("social_posts", "platform"): {"reddit": 0.55, "appstore": 0.45},
        ("tickets", "system"): {"zendesk": 0.70, "export": 0.30},
        ("returns", "system"): {"shopify": 0.70, "csv": 0.30},
    }.items():
        got = share(name, col)
        assert got.keys() == expected.keys()
        assert all(abs(got[k] - v) < 0.06 for k, v in expected.items()), (name, got)


def test_ids_are_unique_and_shaped(run):
    out, _ = run
    for name, col in (
        ("customers", "customer_id"),
        ("products", "product_id"),
        ("survey_responses", "response_id"),
        ("social_posts", "post_id"),
        ("tickets", "ticket_id"),
        ("returns", "return_id"),
        ("returns", "order_id"),
    ):
        assert table(out, name)[col].is_unique().all(), (name, col)
    assert table(out, "customers")["customer_id"].str.contains(r"^C\d{6}$").all()
    assert table(out, "products")["product_id"].str.contains(r"^P\d{4}$").all()
    reddit = table(out, "social_posts").filter(pl.col("platform") == "reddit")
    assert reddit["post_id"].str.starts_with("t3_").all()


def test_scores_and_ranges(run):
    out, _ = run
    s = table(out, "survey_responses")
    assert s["nps"].drop_nulls().is_between(0, 10).all()
    assert s["csat"].drop_nulls().is_between(1, 5).all()
    assert s["ces"].drop_nulls().is_between(1, 7).all()
    answered = s.filter(pl.col("nps").is_not_null())
    nps = 100 * ((answered["nps"] >= 9).sum() - (answered["nps"] <= 6).sum()) / answered.height
    assert 17 <= nps <= 40
    social = table(out, "social_posts")
    app = social.filter(pl.col("platform") == "appstore")
    assert app["rating"].is_between(1, 5).all()
    assert social.filter(pl.col("platform") == "reddit")["rating"].is_null().all()
    r = table(out, "returns")
    assert (r["quantity"] >= 1).all() and (r["amount"] > 0).all()
    assert set(r["reason_code"].unique()) <= {
        "COLOR",
        "DEFECTIVE",
        "NOT_AS_DESCRIBED",
        "OTHER",
        "SIZE_TOO_LARGE",
        "SIZE_TOO_SMALL",
        "STYLE",
        "UNKNOWN",
        "UNWANTED",
        "WRONG_ITEM",
    }
    assert set(r["status"].unique()) <= {"REQUESTED", "OPEN", "CLOSED", "DECLINED"}
    lo = datetime(START.year, START.month, START.day, tzinfo=UTC)
    hi = datetime(END.year, END.month, END.day, tzinfo=UTC) + timedelta(days=1)
    for name, col in (
        ("survey_responses", "submitted_at"),
        ("social_posts", "created_at"),
        ("tickets", "created_at"),
        ("tickets", "updated_at"),
        ("returns", "requested_at"),
    ):
        ts = table(out, name)[col]
        assert ts.min() >= lo and ts.max() < hi, (name, col)


def test_scores_agree_with_sentiment(run, items):
    out, _ = run
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    s = table(out, "survey_responses").select(
        pl.concat_str([pl.lit("survey:"), pl.col("response_id")]).alias("feedback_key"), "nps"
    )
    t = truth.join(s, on="feedback_key")
    assert t.filter(pl.col("nps") <= 4, pl.col("sentiment") == "positive").height == 0
    assert t.filter(pl.col("nps") >= 9, pl.col("sentiment") == "negative").height == 0
    detractor_neg = t.filter(pl.col("nps") <= 6)["sentiment"].eq("negative").mean()
    assert detractor_neg > 0.6
    app = table(out, "social_posts").select(
        pl.concat_str([pl.lit("social:"), pl.col("post_id")]).alias("feedback_key"), "rating"
    )
    a = truth.join(app, on="feedback_key").filter(pl.col("rating").is_not_null())
    assert a.filter(pl.col("rating") <= 2, pl.col("sentiment") == "positive").height == 0
    assert a.filter(pl.col("rating") == 5, pl.col("sentiment") == "negative").height == 0


def test_ticket_lifecycle(run):
    out, _ = run
    t = table(out, "tickets")
    assert (t["first_response_at"].is_null() | (t["first_response_at"] >= t["created_at"])).all()
    solved = t.filter(pl.col("solved_at").is_not_null())
    assert (solved["solved_at"] >= solved["first_response_at"]).all()
    assert set(solved["status"].unique()) <= {"solved", "closed"}
    assert set(t.filter(pl.col("solved_at").is_null())["status"].unique()) <= {"new", "open", "pending"}
    assert 0.7 <= solved.height / t.height <= 0.9
    assert (t["updated_at"] >= t["created_at"]).all()
    assert t["satisfaction"].drop_nulls().is_in(["good", "bad"]).all()
    rated = t.filter(pl.col("satisfaction").is_not_null())
    assert rated["solved_at"].is_not_null().all()
    assert 0.3 <= rated.height / solved.height <= 0.5
    assert (rated.filter(pl.col("satisfaction") == "good")["csat_score"] >= 4).all()
    assert (rated.filter(pl.col("satisfaction") == "bad")["csat_score"] <= 2).all()
    assert (t["reopens"] > 0).any()
    minutes = t.filter(pl.col("first_response_at").is_not_null()).with_columns(
        m=(pl.col("first_response_at") - pl.col("created_at")).dt.total_minutes()
    )
    med = dict(minutes.group_by("priority").agg(pl.col("m").median()).iter_rows())
    assert med["urgent"] < med["high"] < med["normal"] < med["low"]
    # topic drives priority: urgent texts sit mostly in urgent/high tickets
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    keyed = t.select(
        pl.concat_str([pl.lit("ticket:"), pl.col("ticket_id").cast(pl.String)]).alias("feedback_key"),
        "priority",
    )
    urgent = truth.join(keyed, on="feedback_key").filter(pl.col("urgency") == "urgent")
    assert urgent["priority"].is_in(["urgent", "high"]).mean() > 0.9


def test_bilingual_share_and_territory(run):
    out, _ = run
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    zh = (truth["language"] == "zh").mean()
    assert 0.3 <= zh <= 0.5
    assert (truth["language"] == "en").mean() >= 0.5
    assert truth.filter(pl.col("language") == "zh")["text"].str.contains(r"[\u4e00-\u9fff]").all()
    assert not truth.filter(pl.col("language") == "en")["text"].str.contains(r"[\u4e00-\u9fff]").any()
    social = table(out, "social_posts").filter(pl.col("language") == "zh")
    assert (social["territory"] == "CHN").mean() > 0.7


def test_truth_covers_every_text(run, items):
    out, summary = run
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    with_text = items.filter(pl.col("text").is_not_null())
    assert truth.height == with_text.height == summary.rows["feedback_truth"]
    joined = with_text.join(truth, on="feedback_key", how="left", suffix="_truth")
    assert joined["text_truth"].is_not_null().all()
    assert (joined["text"] == joined["text_truth"]).all()
    assert (joined["language"] == joined["language_truth"]).all()
    blank = items.filter(pl.col("text").is_null())
    assert blank.filter(pl.col("family") == "survey").height > 0
    assert blank.join(truth, on="feedback_key").height == 0
    assert truth["feedback_key"].is_unique().all()

    assert set(truth["sentiment"].unique()) == {"negative", "neutral", "positive"}
    assert set(truth["feedback_type"].unique()) == {"complaint", "suggestion", "praise", "question"}
    assert set(truth["urgency"].unique()) == {"urgent", "high", "normal"}
    assert set(truth["language"].unique()) <= {"en", "zh", "other"}
    assert set(truth["topic_l2"].unique()) == set(TOPIC_L1)
    pairs = set(truth.select("topic_l1", "topic_l2").unique().iter_rows())
    assert all(TOPIC_L1[l2] == l1 for l1, l2 in pairs)


def test_urgency_follows_the_rules(run):
    out, _ = run
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    urgent_words = truth.filter(
        pl.col("text").str.contains("charged twice|charged my card twice|账户被盗|故障")
    )
    assert urgent_words.height > 0
    assert (urgent_words.filter(pl.col("feedback_type") == "complaint")["urgency"] == "urgent").all()
    assert (truth.filter(pl.col("sentiment") == "positive")["urgency"] == "normal").all()
    assert truth.filter(pl.col("urgency") == "high").height > 0


def test_near_duplicates_across_channels(run, items):
    out, summary = run
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    dups = truth.filter(pl.col("duplicate_of").is_not_null())
    assert 0.01 * RECORDS <= dups.height <= 0.025 * RECORDS
    assert dups.height == summary.duplicates
    pairs = (
        dups.select("feedback_key", "duplicate_of", "text")
        .join(items.select("feedback_key", "family", "customer_id", "ts"), on="feedback_key")
        .join(
            items.select(
                pl.col("feedback_key").alias("duplicate_of"),
                pl.col("family").alias("family_orig"),
                pl.col("customer_id").alias("customer_orig"),
                pl.col("ts").alias("ts_orig"),
                pl.col("text").alias("text_orig"),
            ),
            on="duplicate_of",
        )
    )
    assert pairs.height == dups.height
    assert (pairs["customer_id"] == pairs["customer_orig"]).all()
    assert (pairs["family"] != pairs["family_orig"]).all()
    gap = (pairs["ts"] - pairs["ts_orig"]).dt.total_seconds()
    assert ((gap > 0) & (gap <= 7 * 86400)).all()
    assert (pairs["text"] != pairs["text_orig"]).all()
    ratios = [fuzz.ratio(a, b) / 100 for a, b in zip(pairs["text"], pairs["text_orig"], strict=True)]
    assert sum(r >= 0.85 for r in ratios) / len(ratios) >= 0.9
    assert truth.filter(pl.col("duplicate_of").is_not_null(), pl.col("sentiment") != "negative").height == 0


def test_personal_data_in_some_texts(run):
    out, _ = run
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    email = truth["text"].str.contains(r"[\w.]+@[\w.]+\.\w+")
    phone = truth["text"].str.contains(r"\+(1|44|86) ?[\d(]|1[3-9]\d{9}")
    card = truth["text"].str.contains(r"\b\d{4} ?\d{4} ?\d{4} ?\d{4}\b")
    share = (email | phone | card).mean()
    assert 0.015 <= share <= 0.05
    assert email.any() and phone.any() and card.any()


def test_customers_activity_and_seasonality(run, items):
    per_customer = items.drop_nulls("customer_id").group_by("customer_id").len()
    assert (per_customer["len"] > 5).sum() >= 5
    assert per_customer["len"].max() > 4 * per_customer["len"].median()
    by_day = (
        items.group_by(pl.col("ts").dt.date().alias("d"))
        .len()
        .with_columns(weekend=pl.col("d").dt.weekday() >= 6)
    )
    means = dict(by_day.group_by("weekend").agg(pl.col("len").mean()).iter_rows())
    assert means[True] < 0.85 * means[False]


def test_sales_cover_every_day_and_product(run):
    out, _ = run
    sales = table(out, "product_sales_daily")
    products = table(out, "products")
    assert sales.height == 90 * products.height
    assert sales.select("sale_date", "product_id").is_unique().all()
    assert (sales["orders"] > 0).all() and (sales["units"] >= sales["orders"]).all()
    assert sales["sale_date"].min() == START and sales["sale_date"].max() == END
    returned = table(out, "returns").group_by("product_id").agg(pl.col("quantity").sum().alias("returned"))
    rate = returned.join(
        sales.group_by("product_id").agg(pl.col("units").sum()), on="product_id"
    ).with_columns(rate=pl.col("returned") / pl.col("units"))
    busy = rate.filter(pl.col("returned") >= 20)
    assert busy.height > 0 and busy["rate"].is_between(0.02, 0.13).all()


def test_return_notes_follow_reason_codes(run):
    out, _ = run
    r = table(out, "returns")
    truth = pl.read_parquet(out / "truth" / "feedback_truth.parquet")
    t = truth.join(
        r.select(
            pl.concat_str([pl.lit("return:"), pl.col("return_id")]).alias("feedback_key"), "reason_code"
        ),
        on="feedback_key",
    )
    topics = dict(t.group_by("reason_code").agg(pl.col("topic_l2").unique()).iter_rows())
    assert set(topics["SIZE_TOO_SMALL"]) == {"sizing"} and set(topics["SIZE_TOO_LARGE"]) == {"sizing"}
    assert set(topics["DEFECTIVE"]) <= {"quality", "damaged_item"}
    assert set(topics["WRONG_ITEM"]) == {"delivery"}
    assert r.filter(pl.col("reason_code") == "UNKNOWN")["customer_note"].is_null().all()


# ---------------------------------------------------------------------------------------------- landing


def _landing_tickets(out: Path) -> tuple[pl.DataFrame, list[str]]:
    """All landing ticket rows as strings, plus the raw JSON lines that do not parse."""
    frames, broken = [], []
    for path in sorted((out / "landing" / "tickets").glob("*.csv")):
        frames.append(pl.read_csv(path, infer_schema=False).with_columns(file=pl.lit(path.name)))
    for path in sorted((out / "landing" / "tickets").glob("*.jsonl")):
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append({k: None if v is None else str(v) for k, v in json.loads(line).items()})
            except json.JSONDecodeError:
                broken.append(line)
        frames.append(pl.DataFrame(rows, infer_schema_length=None).with_columns(file=pl.lit(path.name)))
    return pl.concat(frames, how="diagonal"), broken


def test_landing_tickets_are_a_complete_export_with_malformed_rows(run):
    out, summary = run
    rows, broken = _landing_tickets(out)
    export = table(out, "tickets").filter(pl.col("system") == "export")
    assert rows.height + len(broken) == export.height
    ids = rows["ticket_id"].drop_nulls()
    assert ids.is_unique().all()
    assert set(ids.cast(pl.Int64)) <= set(export["ticket_id"])

    kinds = summary.malformed_by_kind
    assert set(kinds) == {"bad_timestamp", "missing_ticket_id", "non_numeric_score", "broken_json"}
    assert summary.malformed_rows == sum(kinds.values()) >= 4
    assert summary.malformed_rows <= max(4, 0.01 * export.height)
    assert len(broken) == kinds["broken_json"]
    assert rows["ticket_id"].is_null().sum() == kinds["missing_ticket_id"]
    score = rows["satisfaction_score"].drop_nulls()
    assert (~score.str.contains(r"^[1-5]$")).sum() == kinds["non_numeric_score"]
    created = rows["created_at"].str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", strict=False)
    assert created.is_null().sum() == kinds["bad_timestamp"]
    assert len(summary.malformed_ticket_ids) == summary.malformed_rows


def test_landing_timestamps_use_mixed_offsets_that_convert_back_to_utc(run):
    out, _ = run
    rows, _ = _landing_tickets(out)
    fmt = "%Y-%m-%dT%H:%M:%S%:z"
    parsed = rows.with_columns(
        landing=pl.col("created_at").str.to_datetime(fmt, strict=False).dt.convert_time_zone("UTC")
    ).filter(pl.col("landing").is_not_null(), pl.col("ticket_id").is_not_null())
    offsets = set(parsed["created_at"].str.slice(-6))
    assert {"+08:00", "-05:00", "+00:00"} <= offsets
    parsed = parsed.select(pl.col("ticket_id").cast(pl.Int64), "landing")
    canonical = table(out, "tickets").select("ticket_id", "created_at")
    joined = parsed.join(canonical, on="ticket_id")
    assert joined.height == parsed.height
    assert (joined["landing"] == joined["created_at"]).all()
    zh = rows.filter(pl.col("description").str.contains(r"[\u4e00-\u9fff]")).drop_nulls("created_at")
    assert (zh["created_at"].str.ends_with("+08:00")).mean() > 0.7


def test_landing_surveys_and_returns_match_the_canonical_rows(run):
    out, _ = run
    surveys = pl.concat(
        [pl.read_csv(p, infer_schema=False) for p in (out / "landing" / "surveys").glob("*.csv")]
    )
    assert surveys.columns == [
        "response_id",
        "submitted_at",
        "respondent_id",
        "respondent_email",
        "product_id",
        "nps",
        "csat",
        "ces",
        "comment",
    ]
    csv_surveys = table(out, "survey_responses").filter(pl.col("survey_tool") == "csv")
    assert sorted(surveys["response_id"]) == sorted(csv_surveys["response_id"])
    returns = pl.concat(
        [pl.read_csv(p, infer_schema=False) for p in (out / "landing" / "returns").glob("*.csv")]
    )
    assert returns.columns == [
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
        "requested_at",
    ]
    csv_returns = table(out, "returns").filter(pl.col("system") == "csv")
    assert sorted(returns["return_id"]) == sorted(csv_returns["return_id"])
    crm = pl.read_csv(out / "landing" / "crm" / "customers.csv", infer_schema=False)
    assert crm.height == table(out, "customers").height
