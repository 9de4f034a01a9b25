"""What the pipeline is compared with, on the same data: dlt's REST API source on the same sandbox endpoints
(ingest records/s) and VADER (English) and SnowNLP (Chinese) on the same texts (tagging texts/s).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import polars as pl

# The sandbox endpoints dlt's declarative REST API source can page through as configured (Qualtrics' export
# jobs and Shopify's GraphQL are not REST listings; Reddit's listing ends near 1000 items by design), with
# the asset that pulls the same endpoint in the pipeline.
DLT_RESOURCES = {
    "zendesk/tickets": {
        "vendor": "zendesk",
        "auth": {"type": "http_basic", "username": "sandbox@example.com/token", "password": "sandbox-token"},
        "endpoint": {
            "path": "api/v2/incremental/tickets/cursor.json",
            "params": {"start_time": 0, "per_page": 1000},
            "data_selector": "tickets",
            "paginator": {
                "type": "cursor", "cursor_path": "after_cursor", "cursor_param": "cursor",
                "stop_after_empty_page": True,
            },
        },
    },
    "zendesk/satisfaction_ratings": {
        "vendor": "zendesk",
        "auth": {"type": "http_basic", "username": "sandbox@example.com/token", "password": "sandbox-token"},
        "endpoint": {
            "path": "api/v2/satisfaction_ratings",
            "params": {"page[size]": 100},
            "data_selector": "satisfaction_ratings",
            "paginator": {"type": "json_link", "next_url_path": "links.next"},
        },
    },
    "typeform/responses": {
        "vendor": "typeform",
        "auth": {"type": "bearer", "token": "sandbox-token"},
        "endpoint": {
            "path": "forms/cfmform/responses",
            "params": {"page_size": 1000},
            "data_selector": "items",
            "paginator": {
                "type": "cursor", "cursor_path": "items[-1].token", "cursor_param": "before",
                "stop_after_empty_page": True,
            },
        },
    },
    "appstore/reviews": {
        "vendor": "appstore",
        "auth": {"type": "bearer", "token": "sandbox-token"},
        "endpoint": {
            "path": "v1/apps/1234567890/customerReviews",
            "params": {"limit": 200, "sort": "-createdDate"},
            "data_selector": "data",
            "paginator": {"type": "json_link", "next_url_path": "links.next"},
        },
    },
}


def dlt_ingest(sandbox_url: str, workdir: Path, budget_seconds: float = 60.0) -> dict:
    """Load the DLT_RESOURCES endpoints into a DuckDB file with dlt; records and seconds per resource.

    Each resource extracts for at most `budget_seconds` (dlt's own `add_limit(max_time=)`), then normalizes and
    loads what it got: a rate needs a long sample, not the whole of a million records at dlt's pace."""
    import dlt
    from dlt.sources.rest_api import rest_api_source

    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    database = workdir / "dlt.duckdb"
    out: dict[str, dict] = {}
    for name, spec in DLT_RESOURCES.items():
        table = name.replace("/", "__")
        source = rest_api_source(
            {
                "client": {"base_url": f"{sandbox_url}/{spec['vendor']}/", "auth": spec["auth"]},
                "resources": [{"name": table, "endpoint": spec["endpoint"], "write_disposition": "replace"}],
            }
        ).add_limit(max_time=budget_seconds)
        pipeline = dlt.pipeline(
            pipeline_name=f"bench_{table}",
            destination=dlt.destinations.duckdb(str(database)),
            dataset_name="dlt_raw",
            pipelines_dir=str(workdir / "pipelines"),
        )
        started = time.perf_counter()
        pipeline.run(source)
        seconds = time.perf_counter() - started
        with duckdb.connect(str(database), read_only=True) as con:
            rows = con.execute(f"select count(*) from dlt_raw.{table}").fetchall()[0][0]
        out[name] = {"records": rows, "seconds": seconds}
    return out


def texts(truth: Path, language: str, limit: int) -> list[str]:
    frame = pl.read_parquet(truth, columns=["text", "language"])
    return (
        frame.filter((pl.col("language") == language) & pl.col("text").is_not_null())
        .head(limit)["text"]
        .to_list()
    )


def _rate(score, items: list[str], budget_seconds: float) -> dict:
    """Texts per second of `score` over `items`, stopping once the time budget is spent (a rate needs no
    more: the per-text cost does not depend on how many texts there are)."""
    done, started = 0, time.perf_counter()
    for text in items:
        score(text)
        done += 1
        if done % 200 == 0 and time.perf_counter() - started > budget_seconds:
            break
    seconds = time.perf_counter() - started
    return {"texts": done, "seconds": seconds, "texts_per_second": done / seconds if seconds else 0.0}


def vader_rate(truth: Path, budget_seconds: float = 15.0) -> dict:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return _rate(analyzer.polarity_scores, texts(truth, "en", 200_000), budget_seconds)


def snownlp_rate(truth: Path, budget_seconds: float = 15.0) -> dict:
    from snownlp import SnowNLP

    return _rate(lambda t: SnowNLP(t).sentiments, texts(truth, "zh", 200_000), budget_seconds)


def tag_rate(truth: Path, language: str, limit: int) -> dict:
    """Texts per second of the pipeline's `tag()` (every tag, not only sentiment) on the first `limit` texts of
    `language`: the texts VADER (en) or SnowNLP (zh) scored, in the same process. The stage figure of the
    pipeline adds reading and writing the warehouse, PII masking and duplicate linking."""
    from analytics.config import TaggingConfig
    from analytics.tagging import tag

    frame = pl.DataFrame({"text": texts(truth, language, limit)})
    config = TaggingConfig.load()
    tag(frame.head(100), config=config)  # lookup tables are built once per configuration, as in a running pipeline
    started = time.perf_counter()
    tag(frame, config=config)
    seconds = time.perf_counter() - started
    return {"texts": frame.height, "seconds": seconds, "texts_per_second": frame.height / seconds if seconds else 0.0}
