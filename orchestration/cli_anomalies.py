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
from typing import TYPE_CHECKING, Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from orchestration.settings import REPO_ROOT

if TYPE_CHECKING:  # the detector (and scipy) load when a command runs, not with every `cfm` command
    from analytics import anomalies as an

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
        from analytics.config import TaggingConfig
        from analytics.tagging import tag
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
    from analytics import anomalies as an

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


# ------------------------------------------------------------------------------------- random scenarios
# Random scenarios (`--random N`): what a reviewer would inject "into chosen slices and dates" — clearly
# visible anomalies in real slices: spikes of 3-5x, level shifts of 2-4x, NPS drops of 20-50 points.
SCENARIO_TOPICS = ("ui", "performance", "stability", "compatibility", "login", "features", "quality", "sizing",
                   "response_speed", "staff_attitude", "delivery", "damaged_item", "refund_returns",
                   "too_expensive", "billing_errors", "promotions")
SCENARIO_CHANNELS = ("zendesk", "export", "appstore", "reddit", "typeform", "qualtrics", "shopify", "ticket",
                     "social", "return", "survey")
SCENARIO_SURVEY_CHANNELS = ("survey", "typeform", "qualtrics")
# An injection is "detectable" when, at its expected size, it is significant at this one-sided p in some
# window of its duration against the slice's Poisson (counts) or adjusted-Wald (NPS) noise: the family-wise
# 5% level over the ~50,000 slice x window x day tests of a 90-day run. Below it, no detector can flag the
# injection without also flagging clean data (+1 item on a product with 0.1 negative items a day).
DETECTABLE_P = 1e-6
DETECTABLE_WINDOWS = (1, 2, 3, 7, 14)


def random_scenario(seed: int, end: date, days: int = 90, products: int = 60) -> list[str]:
    """1-3 anomalies (spike / level shift / NPS drop) in distinct random slices, starting 30-84 days in."""
    import random
    from datetime import timedelta

    r = random.Random(seed)
    start = end - timedelta(days=days - 1)
    out: list[str] = []
    used: set[tuple[str, str]] = set()
    for _ in range(r.randint(1, 3)):
        kind = r.choice(["spike", "spike", "level_shift", "nps_drop"])
        length: int | None
        if kind == "nps_drop":
            slice_type, value, metric = "channel", r.choice(SCENARIO_SURVEY_CHANNELS), "nps"
            length, magnitude = r.randint(1, 3), float(r.choice([2, 3, 4, 5]))
        else:
            metric = r.choice(["negative_feedback", "complaints"])
            slice_type = r.choice(["topic", "topic", "channel", "product"])
            value = (r.choice(SCENARIO_TOPICS) if slice_type == "topic" else r.choice(SCENARIO_CHANNELS)
                     if slice_type == "channel" else f"P{r.randint(1, products):04d}")
            if kind == "spike":
                length, magnitude = r.randint(1, 2), float(r.choice([3, 4, 5]))
            else:
                length, magnitude = r.choice([None, 14, 21]), float(r.choice([2, 2.5, 3, 4]))
        if (slice_type, value) in used:
            continue
        used.add((slice_type, value))
        day = start + timedelta(days=r.randint(min(30, days - 1), min(84, days - 1)))
        out.append(f"{kind}:{metric}:{slice_type}={value}:{day.isoformat()}:{'' if length is None else length}:"
                   f"{magnitude:g}")
    return out


def detectability(feedback: pl.DataFrame, anomaly: dict[str, Any], rules: an.Rules) -> dict[str, Any]:
    """How visible an injected anomaly is to an oracle that knows where and when to look: the best one-sided
    p over the windows of its duration (as generated) against the slice's level over the 8 weeks before it
    (counts: exact two-Poisson-rate test; NPS: adjusted-Wald score test, both with the baseline's own
    sampling error)."""
    from datetime import timedelta

    from analytics import anomalies as an
    from analytics import stats

    slice_type, value = an.canonical_slice(anomaly["slice_type"], anomaly["slice_value"])
    metric = an.canonical_metric(anomaly["metric"])
    start, end = date.fromisoformat(anomaly["start_date"]), date.fromisoformat(anomaly["end_date"])
    length = (end - start).days + 1
    rows = an.feedback_rows(feedback, rules)
    column = rules.slices.get(slice_type)
    in_slice = pl.lit(True) if column is None else pl.col(f"slice:{slice_type}") == value
    lo = start - timedelta(days=56)
    history = rows.filter(pl.col("_date").is_between(lo, start - timedelta(days=1)) & in_slice)
    base_days = max((start - max(lo, rows["_date"].min())).days, 1)
    num_c, num2_c, den_c = an.flag_columns(metric)
    best_p, best_w, expected, observed = 1.0, 1, 0.0, 0.0
    for w in (w for w in DETECTABLE_WINDOWS if w <= length):
        window = rows.filter(pl.col("_date").is_between(start, start + timedelta(days=w - 1)) & in_slice)
        x1, x2, n1 = (float(window[c].sum()) for c in (num_c, num2_c, den_c))
        if metric == "nps":
            p0, d0, n0 = (float(history[c].sum()) for c in (num_c, num2_c, den_c))
            p = stats.normal_sf(-stats.nps_drop_z(x1, x2, n1, p0, d0, n0)) if n0 > 0 and n1 > 0 else 1.0
            exp, obs = (100.0 * (p0 - d0) / n0 if n0 else 0.0), (100.0 * (x1 - x2) / n1 if n1 else 0.0)
        else:
            x0 = float(history[num_c].sum())
            exp, obs = x0 / base_days * w, x1
            # The exact test of two Poisson rates: the window against the weeks before it, so a slice with
            # 10 items in 8 weeks is judged with its baseline's own uncertainty, as a detector must.
            p = float(stats.poisson_rate_test(x1, w, x0, base_days, "greater").p_value)
        if p < best_p:
            best_p, best_w, expected, observed = p, w, exp, obs
    return {"expected": round(expected, 2), "observed": round(observed, 2), "window": best_w,
            "p_value": best_p, "detectable": best_p <= DETECTABLE_P}


# Named scenarios (`--random N --named`): the hand-written cases, on each of N seeds.
NAMED_SCENARIOS: dict[str, list[str]] = {
    "spike_topic": ["spike:negative_feedback:topic=delivery:2026-10-01:1:4"],
    "shift_zendesk": ["level_shift:complaints:channel=zendesk:2026-10-10"],
    "nps_survey": ["nps_drop:nps:channel=survey:2026-10-05:1:4"],
    "mix": ["spike:negative_feedback:topic=login:2026-09-20:1:4",
            "level_shift:negative_feedback:topic=billing_errors:2026-10-05:20:2.5",
            "nps_drop:nps:channel=typeform:2026-10-20:2:3", "spike:complaints:channel=ticket:2026-09-05:2:3"],
    "mix2": ["spike:complaints:topic=refund_returns:2026-09-12:1:3",
             "level_shift:complaints:topic=service:2026-10-01:-:2",
             "nps_drop:nps:channel=qualtrics:2026-09-25:1:5", "spike:negative_feedback:channel=appstore:2026-10-15:1:4",
             "level_shift:negative_feedback:product=P0042:2026-10-10:-:4"],
}


def _one_random(records: int, seed: int, end_date: date, rules_path: Path, scenario: str,
                workdir: Path | None) -> dict[str, Any]:
    """One dataset: `scenario` is "random" (random_scenario of the seed), "clean" or a NAMED_SCENARIOS key."""
    anomalies = (random_scenario(seed, end_date) if scenario == "random" else [] if scenario == "clean"
                 else NAMED_SCENARIOS[scenario])
    from analytics import anomalies as an

    data = workdir / f"{scenario}_{records}_{seed}" if workdir else None
    rules = an.load_rules(rules_path)
    with tempfile.TemporaryDirectory(prefix="cfm-eval-") as tmp:
        out_dir = data or Path(tmp)
        result = run_evaluation(records=records, seed=seed, anomalies=anomalies, end_date=end_date, days=None,
                                data=out_dir, warehouse=False, rules_path=rules_path)
        if result["injected"]:
            feedback, _ = feedback_from_generated(out_dir)
            truth = injected_anomalies(out_dir)
            visible = {(an.canonical_metric(a["metric"]), *an.canonical_slice(a["slice_type"], a["slice_value"]),
                        a["start_date"]): detectability(feedback, a, rules) for a in truth}
            for row in result["found"] + result["missed"]:
                row["detectability"] = visible.get(
                    (row["metric"], row["slice_type"], row["slice_value"], row["start_date"]))
    result["seed"], result["scenario"], result["scenario_name"] = seed, anomalies, scenario
    return result


def run_random(*, records: int, seed: int, count: int, end_date: date, rules_path: Path, clean: bool = False,
               named: bool = False, jobs: int = 1, workdir: Path | None = None) -> dict[str, Any]:
    """`count` random scenarios (seeds seed..seed+count-1), clean datasets with `clean`, or every named
    scenario on each seed with `named`: totals, recall by anomaly kind and slice type (all injections and the
    detectable ones), alerts per level shift."""
    from concurrent.futures import ProcessPoolExecutor

    seeds = list(range(seed, seed + count))
    scenarios = list(NAMED_SCENARIOS) if named else ["clean" if clean else "random"]
    args = [(records, s, end_date, rules_path, name, workdir) for s in seeds for name in scenarios]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            runs = list(pool.map(_one_random, *zip(*args, strict=True)))
    else:
        runs = [_one_random(*a) for a in args]
    for i, r in enumerate(runs):
        r["run"] = i
    rows = [{**row, "run": r["run"], "found": True} for r in runs for row in r["found"]] + [
        {**row, "run": r["run"], "found": False} for r in runs for row in r["missed"]]
    groups: dict[str, dict[str, int]] = {}
    for row in rows:
        visible = bool((row.get("detectability") or {}).get("detectable"))
        for key in (f"{row['kind']}", f"{row['kind']} / {row['slice_type']}", "all"):
            g = groups.setdefault(key, {"injected": 0, "found": 0, "detectable": 0, "detectable_found": 0})
            g["injected"] += 1
            g["found"] += int(row["found"])
            g["detectable"] += int(visible)
            g["detectable_found"] += int(visible and row["found"])
    events = sum(r["events"] for r in runs)
    true_positives = sum(r["true_positives"] for r in runs)
    shifts = [row for row in rows if row["kind"] == "level_shift" and row["found"]]
    shift_alerts = [
        sum(1 for e in runs[row["run"]]["false_positive_events"]
            if (e["metric"], e["slice_type"], e["slice_value"]) == (row["metric"], row["slice_type"],
                                                                    row["slice_value"])) + 1
        for row in shifts
    ]
    return {
        "records": records, "seeds": [seeds[0], seeds[-1]], "clean": clean, "datasets": len(runs),
        "injected": len(rows), "alerts": events, "true_positives": true_positives,
        "false_positives": events - true_positives,
        "precision": round(true_positives / events, 4) if events else 1.0,
        "recall": round(sum(r["found"] for r in rows) / len(rows), 4) if rows else 1.0,
        "groups": {k: groups[k] for k in sorted(groups)},
        "alerts_per_found_level_shift": round(sum(shift_alerts) / len(shift_alerts), 2) if shift_alerts else None,
        "clean_datasets_with_alerts": sum(1 for r in runs if r["events"] and not r["injected"]),
        "scenarios": scenarios,
        "runs": runs,
    }


def _print_random(result: dict[str, Any], verbose: bool) -> None:
    console.print(
        f"records={result['records']:,} seeds={result['seeds'][0]}..{result['seeds'][1]} "
        f"datasets={result['datasets']} injected={result['injected']} alerts={result['alerts']} "
        f"false_positives={result['false_positives']}"
    )
    console.print(f"[bold]precision={result['precision']:.3f} recall={result['recall']:.3f}[/bold] "
                  f"alerts per found level shift={result['alerts_per_found_level_shift']}")
    table = Table("kind / slice", "injected", "found", "recall", "detectable", "found", "recall")
    for key, g in result["groups"].items():
        table.add_row(key, str(g["injected"]), str(g["found"]), f"{g['found'] / g['injected']:.2f}",
                      str(g["detectable"]), str(g["detectable_found"]),
                      f"{g['detectable_found'] / g['detectable']:.2f}" if g["detectable"] else "-")
    if result["groups"]:
        console.print(table)
    if not verbose:
        return
    for r in result["runs"]:
        name = "" if r["scenario_name"] in ("random", "clean") else f" {r['scenario_name']}"
        for row in r["missed"]:
            d = row.get("detectability") or {}
            console.print(f"  seed {r['seed']}{name} [red]missed[/red] {row['kind']} {row['metric']} "
                          f"{row['slice_type']}={row['slice_value']} {row['start_date']}..{row['end_date']} "
                          f"x{row['magnitude']} observed={d.get('observed')} expected={d.get('expected')} "
                          f"w={d.get('window')} p={d.get('p_value', 1):.1e}")
        for e in r["false_positive_events"]:
            console.print(f"  seed {r['seed']}{name} [yellow]false alarm[/yellow] {e['metric']} "
                          f"{e['slice_type']}={e['slice_value']} {e['first_detected']} {e['rule']} "
                          f"observed={e['observed']:.1f} expected={e['expected']:.1f} score={e['score']}")


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
    random_count: Annotated[
        int, typer.Option("--random", help="Run this many random scenarios (seeds --seed, --seed+1, ...) instead.")
    ] = 0,
    clean: Annotated[bool, typer.Option(help="With --random: no anomalies; count alerts on clean data.")] = False,
    named: Annotated[
        bool, typer.Option(help="With --random N: the named scenarios (spike_topic, mix, ...) on each of N seeds.")
    ] = False,
    jobs: Annotated[int, typer.Option(help="With --random: processes to run scenarios in.")] = 1,
    verbose: Annotated[bool, typer.Option(help="With --random: list every miss and false alarm.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Generate data with injected anomalies, detect, and report precision, recall and alert counts.

    `--random N`: N random scenarios (1-3 spikes, level shifts or NPS drops each, in random topics, channels
    and products) and the recall per kind and slice type, of all injections and of the detectable ones."""
    if random_count:
        batch = run_random(records=records, seed=seed, count=random_count,
                           end_date=date.fromisoformat(end_date) if end_date else date(2026, 10, 31),
                           rules_path=rules, clean=clean, named=named, jobs=jobs, workdir=data)
        if as_json:
            console.print_json(json.dumps(batch, default=str))
        else:
            _print_random(batch, verbose)
        return
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
