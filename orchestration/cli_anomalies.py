"""`cfm eval-anomalies`: precision and recall of the anomaly detector against injected ground truth.

It generates sample data with the anomalies asked for (in a temporary folder unless --data names one),
builds a fct_feedback-like frame (from the generator's files and truth labels, or from the warehouse's
marts.fct_feedback with --warehouse), runs `analytics.anomalies.detect` with config/anomaly_rules.yml and
matches the events to DIR/truth/anomalies.json.

Matching rule (analytics.anomalies.Evaluation): an injected anomaly is found by the first event on the same
metric and slice whose first_detected lies within the anomaly's [start_date, end_date]; every other event is
a false positive (a second event for the same anomaly included). Metric and slice names are compared after
canonicalisation (topic=service is topic_l1=service, channel=ticket is channel_family=ticket, channel=export
is the ticket_export channel).
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from analytics import anomalies as an
from orchestration.settings import REPO_ROOT

RULES_PATH = REPO_ROOT / "config" / "anomaly_rules.yml"

app = typer.Typer(help="Anomaly detection quality.", no_args_is_help=True, add_completion=False)
console = Console()


@app.callback()
def _commands() -> None:
    """Anomaly detection quality (`eval-anomalies`)."""

SURVEY_CHANNELS = {"typeform": "typeform", "qualtrics": "qualtrics", "csv": "survey_export"}
TICKET_CHANNELS = {"zendesk": "zendesk", "export": "ticket_export"}
RETURN_CHANNELS = {"shopify": "shopify", "csv": "returns_export"}


def feedback_from_generated(out_dir: Path, tags: str = "truth") -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """A fct_feedback-like frame (one row per canonical item) and the daily sales of a generated folder.

    tags="truth": the generator's intended sentiment, topic and type; tags="model": analytics.tagging on the
    generated texts (what the pipeline would publish). Items without text (a survey answered without a
    comment) keep their scores and no tags."""
    sandbox = Path(out_dir) / "sandbox"
    surveys = pl.read_parquet(sandbox / "survey_responses.parquet").select(
        pl.format("survey:{}", "response_id").alias("feedback_id"),
        pl.col("survey_tool").replace_strict(SURVEY_CHANNELS, default=pl.col("survey_tool")).alias("channel"),
        pl.lit("survey").alias("channel_family"),
        pl.col("product_id"),
        pl.col("submitted_at").alias("created_at"),
        pl.col("nps").cast(pl.Int64).alias("nps_score"),
        pl.col("csat").cast(pl.Int64).alias("csat_score"),
    )
    social = pl.read_parquet(sandbox / "social_posts.parquet").select(
        pl.format("social:{}", "post_id").alias("feedback_id"),
        pl.col("platform").alias("channel"),
        pl.lit("social").alias("channel_family"),
        pl.col("product_id"),
        pl.col("created_at"),
        pl.lit(None, pl.Int64).alias("nps_score"),
        pl.lit(None, pl.Int64).alias("csat_score"),
    )
    tickets = pl.read_parquet(sandbox / "tickets.parquet").select(
        pl.format("ticket:{}", "ticket_id").alias("feedback_id"),
        pl.col("system").replace_strict(TICKET_CHANNELS, default=pl.col("system")).alias("channel"),
        pl.lit("ticket").alias("channel_family"),
        pl.col("product_id"),
        pl.col("created_at"),
        pl.lit(None, pl.Int64).alias("nps_score"),
        pl.col("csat_score").cast(pl.Int64),
    )
    returns = pl.read_parquet(sandbox / "returns.parquet").select(
        pl.format("return:{}", "return_id").alias("feedback_id"),
        pl.col("system").replace_strict(RETURN_CHANNELS, default=pl.col("system")).alias("channel"),
        pl.lit("return").alias("channel_family"),
        pl.col("product_id"),
        pl.col("requested_at").alias("created_at"),
        pl.lit(None, pl.Int64).alias("nps_score"),
        pl.lit(None, pl.Int64).alias("csat_score"),
    )
    items = pl.concat([surveys, social, tickets, returns], how="vertical_relaxed")
    truth = pl.read_parquet(Path(out_dir) / "truth" / "feedback_truth.parquet").select(
        pl.col("feedback_key").alias("feedback_id"),
        pl.col("sentiment").alias("sentiment_label"),
        "topic_l1",
        "topic_l2",
        "feedback_type",
        "duplicate_of",
    )
    if tags == "model":
        truth = _model_tags(out_dir).join(truth.select("feedback_id", "duplicate_of"), on="feedback_id")
    feedback = (
        items.join(truth, on="feedback_id", how="left")
        .filter(pl.col("duplicate_of").is_null())  # fct_feedback folds near-duplicates into the first item
        .drop("duplicate_of")
        .with_columns(pl.col("created_at").dt.replace_time_zone(None).cast(pl.Date).alias("created_date"))
    )
    sales_path = sandbox / "product_sales_daily.parquet"
    sales = pl.read_parquet(sales_path) if sales_path.exists() else None
    return feedback, sales


def _model_tags(out_dir: Path) -> pl.DataFrame:
    """The tagging library's labels for every generated text (needs analytics.tagging)."""
    try:
        from analytics.tagging import tag

        from analytics.config import TaggingConfig
    except ImportError as exc:  # the tagging library is another engineer's and may not be there yet
        raise typer.BadParameter(f"--tags model needs analytics.tagging ({exc}); use --tags truth") from exc
    texts = pl.read_parquet(Path(out_dir) / "truth" / "feedback_truth.parquet").select(
        pl.col("feedback_key").alias("feedback_id"), pl.col("text").alias("feedback_text"))
    tagged = tag(texts, text_col="feedback_text", config=TaggingConfig.load())
    return tagged.select("feedback_id", "sentiment_label", "topic_l1", "topic_l2", "feedback_type")


def feedback_from_warehouse(path: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """marts.fct_feedback (and the daily sales, when staged) from the warehouse, read-only."""
    from orchestration.assets.anomalies import read_inputs

    return read_inputs(path)


def injected_anomalies(out_dir: Path) -> list[dict[str, Any]]:
    path = Path(out_dir) / "truth" / "anomalies.json"
    return json.loads(path.read_text()) if path.exists() else []


def run_evaluation(
    *,
    records: int,
    seed: int,
    anomalies: list[str],
    end_date: date | None,
    days: int | None,
    data: Path | None,
    warehouse: bool,
    rules_path: Path,
    tags: str = "truth",
) -> dict[str, Any]:
    """Generate (unless `data` exists), detect, match. Returns the evaluation as a JSON-ready dict."""
    rules = an.load_rules(rules_path)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cfm-eval-") as tmp:
        out_dir = Path(data) if data else Path(tmp)
        if not (out_dir / "truth" / "anomalies.json").exists():
            from generator import generate, parse_anomaly

            started = time.perf_counter()
            kwargs: dict[str, Any] = {"end_date": end_date}
            if days:
                kwargs["days"] = days
            generate(records, seed, out_dir, anomalies=[parse_anomaly(a) for a in anomalies], **kwargs)
            timings["generate_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        feedback, sales = feedback_from_warehouse() if warehouse else feedback_from_generated(out_dir, tags)
        series = an.build_daily_series(feedback, rules, sales=sales)
        events = an.detect(series, rules, feedback=feedback)
        timings["detect_s"] = round(time.perf_counter() - started, 2)
        truth = injected_anomalies(out_dir)
    result = an.evaluate(events, truth).as_dict()
    strict = an.evaluate(events, truth, match_related=False)
    result["strict"] = {"precision": round(strict.precision, 4), "recall": round(strict.recall, 4),
                        "note": "only the event's own metric+slice counts, not the ones folded into it"}
    result["timings"] = timings
    result["items"] = feedback.height
    result["days"] = int(series["date"].n_unique()) if series.height else 0
    result["alerts"] = events.height
    result["alerts_per_injected_anomaly"] = round(events.height / len(truth), 2) if truth else None
    return result


@app.command("eval-anomalies")
def eval_anomalies(
    records: Annotated[int, typer.Option(help="Records to generate.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated data.")] = 7,
    anomaly: Annotated[
        list[str] | None,
        typer.Option(help="Inject an anomaly (repeatable): spike:negative_feedback:topic=delivery:2026-10-01:1:4."),
    ] = None,
    end_date: Annotated[str | None, typer.Option(help="Last day of generated data, YYYY-MM-DD.")] = None,
    days: Annotated[int | None, typer.Option(help="Days of generated data (generator default when unset).")] = None,
    data: Annotated[
        Path | None, typer.Option(help="Use (or create) this generated folder instead of a temporary one.")
    ] = None,
    warehouse: Annotated[
        bool, typer.Option(help="Detect on marts.fct_feedback in CFM_WAREHOUSE (built from --data) instead.")
    ] = False,
    rules: Annotated[Path, typer.Option(help="Rules YAML.")] = RULES_PATH,
    tags: Annotated[
        str, typer.Option(help="truth: the generator's labels; model: analytics.tagging on the texts.")
    ] = "truth",
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Generate data with injected anomalies, detect, and report precision, recall and alert counts."""
    result = run_evaluation(
        records=records,
        seed=seed,
        anomalies=list(anomaly or []),
        end_date=date.fromisoformat(end_date) if end_date else None,
        days=days,
        data=data,
        warehouse=warehouse,
        rules_path=rules,
        tags=tags,
    )
    if as_json:
        console.print_json(json.dumps(result, default=str))
        return
    console.print(
        f"items={result['items']:,} days={result['days']} injected={result['injected']} "
        f"alerts={result['alerts']} true_positives={result['true_positives']} "
        f"false_positives={result['false_positives']}"
    )
    console.print(f"[bold]precision={result['precision']:.3f} recall={result['recall']:.3f}[/bold] "
                  f"(strict, own metric+slice only: precision={result['strict']['precision']:.3f} "
                  f"recall={result['strict']['recall']:.3f})")
    table = Table("outcome", "metric", "slice", "dates", "first_detected", "score")
    for row in result["found"]:
        table.add_row("found", row["metric"], f"{row['slice_type']}={row['slice_value']}",
                      f"{row['start_date']}..{row['end_date']}", row["first_detected"], str(row["score"]))
    for row in result["missed"]:
        table.add_row("[red]missed[/red]", row["metric"], f"{row['slice_type']}={row['slice_value']}",
                      f"{row['start_date']}..{row['end_date']}", "", "")
    for row in result["false_positive_events"]:
        table.add_row("[yellow]false alarm[/yellow]", row["metric"], f"{row['slice_type']}={row['slice_value']}",
                      "", row["first_detected"], str(row["score"]))
    if table.row_count:
        console.print(table)
