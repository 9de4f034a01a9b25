"""`cfm tag`, `cfm eval`, `cfm train`: run, evaluate and retrain the tagging library from the shell.

Registered on the main CLI with `app.add_typer(cli_tagging.app)` (the commands merge into `cfm`), or one
by one from `tag_command`, `eval_command`, `train_command`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    import polars as pl

app = typer.Typer(add_completion=False)
console = Console()

REPO_ROOT = Path(__file__).resolve().parent.parent
CSV_TAG_COLUMNS = (
    "language",
    "sentiment_score",
    "sentiment_label",
    "topic_l1",
    "topic_l2",
    "feedback_type",
    "urgency",
)
TAG_BATCH_ROWS = 250_000  # rows per tag() call: bounds memory on big files and drives the progress bar


def default_evaldata_dir() -> Path:
    """CFM_EVALDATA_DIR, else ../shared/evaldata beside the repository."""
    env = os.environ.get("CFM_EVALDATA_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "evaldata"


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def read_text_table(path: Path, separator: str | None = None, encoding: str | None = None) -> pl.DataFrame:
    """Every column of a delimited text file as strings (ids and dates are written back unchanged, no type
    guessing). UTF-8 (with or without a byte-order mark) unless `encoding` says otherwise; a file that is
    not UTF-8 is read as GB18030 (a superset of GBK/GB2312, the usual encoding of Chinese CSVs exported on
    Windows). Unreadable input is a usage error naming the file and the reason, not a traceback."""
    import polars as pl

    data = path.read_bytes()
    try:
        if encoding is not None:
            data = data.decode(encoding).encode("utf-8")
        else:
            try:
                data.decode("utf-8")  # validation only: Polars reads the bytes themselves
            except UnicodeDecodeError:
                data = data.decode("gb18030").encode("utf-8")
                console.print(f"[yellow]{path.name} is not UTF-8; read as GB18030[/yellow]")
    except (LookupError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot decode {path.name}: {exc}", param_hint="--encoding") from exc
    if separator is None:
        header = data.split(b"\n", 1)[0]
        tabbed = path.suffix.lower() in {".tsv", ".tab"} or (b"\t" in header and b"," not in header)
        separator = "\t" if tabbed else ","
    try:
        return pl.read_csv(data, separator=separator, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise typer.BadParameter(f"cannot read {path.name}: {exc}", param_hint="INPUT_CSV") from exc


@app.command("tag")
def tag_command(
    input_csv: Annotated[
        Path, typer.Argument(help="CSV file with a text column (UTF-8).", exists=True, dir_okay=False)
    ],
    text_column: Annotated[str, typer.Option(help="Name of the column holding the feedback text.")] = "text",
    output: Annotated[
        Path | None, typer.Option(help="CSV to write (default INPUT.tagged.csv beside the input).")
    ] = None,
    separator: Annotated[
        str | None,
        typer.Option(help="Field separator (default: tab for .tsv/.tab files or a tab-only header, else comma)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding, e.g. gb18030 (default: UTF-8, else GB18030 for GBK-encoded Chinese files)."),
    ] = None,
) -> None:
    """Tag a CSV: its columns plus language, sentiment_score, sentiment_label, topic_l1, topic_l2,
    feedback_type and urgency."""
    import polars as pl

    from analytics.config import TaggingConfig
    from analytics.tagging import tag

    df = read_text_table(input_csv, separator, encoding)
    if text_column not in df.columns:
        raise typer.BadParameter(
            f"no column {text_column!r} in {input_csv.name} (columns: {', '.join(df.columns)})",
            param_hint="--text-column",
        )
    out = output or input_csv.with_suffix(".tagged.csv")
    config = TaggingConfig.load()
    started = time.perf_counter()
    parts = []
    with _progress() as progress:
        task = progress.add_task("Tagging", total=df.height)
        for offset in range(0, max(df.height, 1), TAG_BATCH_ROWS):
            batch = df.slice(offset, TAG_BATCH_ROWS)
            parts.append(tag(batch, text_col=text_column, config=config).select(*df.columns, *CSV_TAG_COLUMNS))
            progress.advance(task, batch.height)
    tagged = pl.concat(parts) if parts else df
    tagged.write_csv(out)
    elapsed = time.perf_counter() - started
    rate = df.height / elapsed if elapsed > 0 else 0.0
    console.print(
        f"[green]Tagged {df.height:,} rows in {elapsed:.2f}s ({rate:,.0f} rows/s) → {out}[/green] "
        f"(taxonomy version {config.taxonomy_version})"
    )


@app.command("eval")
def eval_command(
    evaldata_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of labelled CSVs (default $CFM_EVALDATA_DIR or ../shared/evaldata)."),
    ] = None,
    folds: Annotated[int, typer.Option(min=2, help="k of the k-fold out-of-fold evaluation.")] = 5,
    baseline_rows: Annotated[
        int | None,
        typer.Option(help="Score only the first N rows of each file with VADER/SnowNLP (default: all rows)."),
    ] = None,
    baselines: Annotated[bool, typer.Option(help="Run VADER (English) and SnowNLP (Chinese) beside ours.")] = True,
    cross_domain: Annotated[
        bool,
        typer.Option(
            "--cross-domain",
            help="Leave one source out: score each file with a model trained only on the other files of its language.",
        ),
    ] = False,
) -> None:
    """Out-of-fold (or, with --cross-domain, leave-one-source-out) accuracy and macro-F1 per file, ours
    beside VADER/SnowNLP on the same rows."""
    from analytics.evaluation import TARGETS, evaluate

    data_dir = evaldata_dir or default_evaldata_dir()
    if not data_dir.is_dir():
        raise typer.BadParameter(f"{data_dir} is not a folder", param_hint="--evaldata-dir")
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("Evaluating", total=None)
        report = evaluate(
            data_dir,
            folds=folds,
            baselines=baselines,
            max_baseline_rows=baseline_rows,
            progress=lambda msg: progress.update(task, description=msg),
            cross_domain=cross_domain,
        )
    how = "cross-domain, each file held out, trained on the others" if cross_domain else f"{folds}-fold out of fold"
    table = Table(title=f"Sentiment, {how} ({data_dir})")
    for col in (
        "file",
        "classes",
        "rows",
        "ours acc",
        "ours macro-F1",
        "target",
        "baseline",
        "base rows",
        "base acc",
        "base macro-F1",
    ):
        table.add_column(col, justify="left" if col in ("file", "baseline") else "right")
    for r in report.results:
        target = None if cross_domain else TARGETS.get(r.file)
        ok = target is None or r.macro_f1 >= target
        table.add_row(
            r.file,
            str(r.classes),
            f"{r.rows:,}",
            f"{r.accuracy:.4f}",
            f"[{'green' if ok else 'red'}]{r.macro_f1:.4f}[/]",
            f"{target:.2f}" if target is not None else "",
            r.baseline,
            f"{r.baseline_rows:,}",
            "" if r.baseline_accuracy is None else f"{r.baseline_accuracy:.4f}",
            "" if r.baseline_macro_f1 is None else f"{r.baseline_macro_f1:.4f}",
        )
    console.print(table)
    speed = Table(title="Throughput (texts/s, same texts, this machine)")
    speed.add_column("scorer")
    speed.add_column("texts/s", justify="right")
    for name, value in report.throughput.items():
        speed.add_row(name, f"{value:,.0f}")
    if "ours_en" in report.throughput and "VADER" in report.throughput:
        speed.add_row("ours_en / VADER", f"{report.throughput['ours_en'] / report.throughput['VADER']:.1f}x")
    console.print(speed)
    console.print(f"[dim]{time.perf_counter() - started:.0f}s[/dim]")


@app.command("train")
def train_command(
    evaldata_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of labelled CSVs (default $CFM_EVALDATA_DIR or ../shared/evaldata)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the model files (default analytics/models).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the internal folds (the model is deterministic).")] = 20240601,
) -> None:
    """Retrain the packaged sentiment model; the same data and seed reproduce the files byte for byte."""
    from analytics.training import train

    data_dir = evaldata_dir or default_evaldata_dir()
    if not data_dir.is_dir():
        raise typer.BadParameter(f"{data_dir} is not a folder", param_hint="--evaldata-dir")
    started = time.perf_counter()
    with console.status(f"Training on {data_dir} ..."):
        paths = train(data_dir, out, seed=seed)
    for path in paths:
        console.print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    console.print(f"[green]Trained in {time.perf_counter() - started:.0f}s[/green]")
