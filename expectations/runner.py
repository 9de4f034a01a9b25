"""Validate a warehouse table against its suite: DuckDB -> pandas (in chunks) -> Great Expectations.

GX's SQL datasource does not work on DuckDB through duckdb-engine (GX issues 10738, 11579), so rows are pulled
into pandas and validated with a pandas datasource. Only the columns the suite reads are pulled, plus helper
columns computed by DuckDB for rules a row cannot answer alone (gaps between days, sums across columns,
timestamps parsed from text). Big tables are validated in hash buckets of the key, so memory stays bounded
and a duplicated key always lands in one bucket: uniqueness per bucket is uniqueness of the table.
Table-level rules (row count band, all-null columns) run once on a one-row frame of aggregates.

    validation = validate_table(con, load_suite("marts.fct_feedback"), run_id="manual")
    validation.success, validation.failures[0].samples
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import numpy as np
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.execution_engine import pandas_execution_engine

from expectations import history
from expectations.data_docs import StoredResult, make_context, store_result
from expectations.suites import (
    CAST_TYPES,
    DEFAULT_FUTURE_SLACK_MINUTES,
    REPO_ROOT,
    Rule,
    Suite,
    read_values_from,
)

SAMPLE_ROWS = 5
ROW_COUNT = "table_row_count"  # the aggregate the row_count rule checks, in the one-row table frame


@dataclass
class Failure:
    """One failed expectation: what was expected, how many rows broke it, a few of them."""

    rule: str
    expectation: str
    columns: list[str]
    expected: dict[str, Any]
    unexpected_count: int | None = None
    element_count: int | None = None
    observed: Any = None
    samples: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None

    def summary(self) -> str:
        what = f"{self.rule} [{self.expectation}]"
        if self.message:
            return f"{what}: {self.message}"
        if self.unexpected_count is not None:
            return f"{what}: {self.unexpected_count} of {self.element_count} rows"
        return f"{what}: observed {self.observed}, expected {self.expected}"


@dataclass
class Validation:
    suite: str  # where the suite came from: its YAML file, "landing spec" or "default"
    table: str
    run_id: str
    partition: str
    success: bool
    row_count: int
    evaluated: int
    failures: list[Failure]
    blocking: bool
    chunks: int = 1
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_docs: str | None = None  # the Data Docs page, once `data_docs.render` ran for `stored`
    watermark: tuple[str, dt.datetime | None] | None = None  # (column, newest value checked): new_rows_by
    stored: StoredResult | None = field(default=None, repr=False)

    @property
    def unexpected_count(self) -> int:
        return sum(f.unexpected_count or 0 for f in self.failures)

    def audit_row(self) -> history.AuditRow:
        return history.AuditRow(
            suite=self.suite,
            table_name=self.table,
            run_id=self.run_id,
            partition=self.partition,
            success=self.success,
            evaluated=self.evaluated,
            failed_expectations=len(self.failures),
            unexpected_count=self.unexpected_count,
            row_count=self.row_count,
            blocking=self.blocking,
            details={
                "failures": [asdict(f) for f in self.failures],
                "skipped": self.skipped,
                "notes": self.notes,
                "chunks": self.chunks,
                "seconds": round(self.seconds, 3),
                "data_docs": self.data_docs,
                **({"watermark_column": self.watermark[0],
                    "watermark": self.watermark[1].isoformat() if self.watermark[1] else None}
                   if self.watermark else {}),
            },
        )

    def reasons(self) -> str:
        return "; ".join(f.summary() for f in self.failures)

    def failures_markdown(self) -> str:
        """A table for Dagster metadata: each failed expectation with counts and sample rows."""
        if not self.failures:
            return "All expectations passed."
        lines = [
            "| rule | expectation | unexpected | rows | expected | sample rows |",
            "|---|---|---|---|---|---|",
        ]
        for f in self.failures:
            unexpected = f.message or (f.unexpected_count if f.unexpected_count is not None else f.observed)
            sample = "<br>".join(_md(_compact(s)) for s in f.samples) or "-"
            lines.append(
                f"| {_md(f.rule)} | {f.expectation} | {_md(unexpected)} | {f.element_count or ''} | "
                f"{_md(_compact(f.expected))} | {sample} |"
            )
        return "\n".join(lines)


def _compact(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _md(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


# --- compiling rules into GX expectations -------------------------------------------------------------------


@dataclass
class Planned:
    """One GX expectation to run, the table columns it reads and the helper columns DuckDB computes for it."""

    rule: Rule
    level: str  # "row" | "table"
    build: Callable[[Mapping[str, Any]], gxe.Expectation]  # runtime facts -> expectation
    reads: tuple[str, ...] = ()
    helpers: dict[str, str] = field(default_factory=dict)  # alias -> SQL over the table's columns
    columns: tuple[str, ...] = ()


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _text(col: str) -> str:
    return f"trim(cast({_q(col)} as varchar))"


def _mostly(rule: Rule) -> dict[str, float]:
    return {"mostly": rule.mostly} if rule.mostly is not None else {}


def _values_from(source: Mapping[str, Any], con: duckdb.DuckDBPyConnection) -> list[Any]:
    """Accepted values from the first of: a warehouse table (a dbt seed as loaded, `table: seeds.channels`),
    a CSV file (`csv:`), the `fallback:` list; plus `add:`. None of them available is an error."""
    column, add = source["column"], set(source.get("add") or ())
    table = source.get("table")
    if table and table_columns(con, table):
        rows = con.execute(f"select distinct {_q(column)} from {_table_sql(table)} where {_q(column)} is not null")
        return sorted({r[0] for r in rows.fetchall()} | add, key=str)
    if source.get("csv") and (REPO_ROOT / source["csv"]).exists():
        return read_values_from(source)
    if source.get("fallback"):
        return sorted(set(source["fallback"]) | add, key=str)
    where = " or ".join(f"{k} {source[k]}" for k in ("table", "csv") if source.get(k))
    raise ValueError(f"values_from: {where} does not exist")


def _plan_rule(rule: Rule, types: Mapping[str, str], con: duckdb.DuckDBPyConnection,
               scoped: bool = False) -> list[Planned]:
    """Expectations for one rule; `types` maps the table's columns to DuckDB types. `scoped`: the frames
    hold only some of the table's rows (new loads), so uniqueness is counted over the whole table in SQL."""
    p, kind, m = rule.params, rule.kind, _mostly(rule)
    plans: list[Planned] = []

    def add(build, reads=(), helpers=None, level="row", columns=None):
        plans.append(Planned(rule, level, build, tuple(reads), dict(helpers or {}), tuple(columns or reads)))

    if kind == "columns":  # checked on the table's column list, so no data is pulled for it
        cols = list(rule.columns)
        add(
            lambda _: gxe.ExpectTableColumnsToMatchSet(column_set=cols, exact_match=False),
            level="table",
            columns=cols,
        )
    elif kind == "not_null":
        for c in rule.columns:
            add(lambda _, c=c: gxe.ExpectColumnValuesToNotBeNull(column=c, **m), reads=[c])
    elif kind == "not_blank":
        groups = [rule.columns] if p.get("any") else [(c,) for c in rule.columns]
        for cols in groups:
            # true when there is text, else null: the text itself (a JSON payload, say) is never pulled
            alias = "_or_".join(cols) + "__has_text"
            text = f"concat_ws(' ', {', '.join(f'cast({_q(c)} as varchar)' for c in cols)})"
            sql = f"case when nullif(trim({text}), '') is not null then true end"
            add(
                lambda _, a=alias: gxe.ExpectColumnValuesToNotBeNull(column=a, **m),
                helpers={alias: sql},
                columns=cols,
            )
    elif kind == "unique":
        cols = list(rule.columns)
        if scoped:
            alias = "__".join(cols) + "__repeated"
            add(
                lambda _: gxe.ExpectColumnValuesToNotBeInSet(column=alias, value_set=[True], **m),
                helpers={alias: f"count(*) over (partition by {', '.join(_q(c) for c in cols)}) > 1"},
                columns=cols,
            )
        elif len(cols) == 1:
            add(lambda _: gxe.ExpectColumnValuesToBeUnique(column=cols[0], **m), reads=cols)
        else:
            add(lambda _: gxe.ExpectCompoundColumnsToBeUnique(column_list=cols, **m), reads=cols)
    elif kind == "between":
        bounds = {"min_value": p.get("min"), "max_value": p.get("max")}
        for c in rule.columns:
            if "cast" in p:
                target = f"{c}__{p['cast']}"
                add(
                    lambda _, t=target: gxe.ExpectColumnValuesToBeBetween(column=t, **bounds, **m),
                    helpers={target: f"try_cast({_text(c)} as {CAST_TYPES[p['cast']]})"},
                    columns=[c],
                )
            else:
                add(lambda _, c=c: gxe.ExpectColumnValuesToBeBetween(column=c, **bounds, **m), reads=[c])
    elif kind == "castable":
        cast = CAST_TYPES[p["type"]]
        for c in rule.columns:
            alias = f"{c}__not_{p['type']}"
            sql = (
                f"case when nullif({_text(c)}, '') is not null and try_cast({_text(c)} as {cast}) is null "
                f"then cast({_q(c)} as varchar) end"
            )
            add(
                lambda _, a=alias: gxe.ExpectColumnValuesToBeNull(column=a, **m),
                helpers={alias: sql},
                columns=[c],
            )
    elif kind == "in_set":
        values = list(p["values"]) if "values" in p else _values_from(p["values_from"], con)
        for c in rule.columns:
            if p.get("normalize"):
                alias = f"{c}__normalized"
                add(
                    lambda _, a=alias: gxe.ExpectColumnValuesToBeInSet(column=a, value_set=values, **m),
                    helpers={alias: f"lower({_text(c)})"},
                    columns=[c],
                )
            else:
                add(lambda _, c=c: gxe.ExpectColumnValuesToBeInSet(column=c, value_set=values, **m), reads=[c])
    elif kind == "not_in_future":
        slack = int(p.get("slack_minutes", DEFAULT_FUTURE_SLACK_MINUTES))
        for c in rule.columns:
            alias = f"{c}__utc"
            is_text = types.get(c, "VARCHAR").upper() in ("VARCHAR", "JSON")
            if p.get("epoch_seconds"):  # e.g. Reddit's created_utc
                sql = f"to_timestamp(try_cast({_text(c)} as double))"
            elif is_text:
                sql = f"try_cast({_text(c)} as timestamptz)"
            else:
                sql = f"cast({_q(c)} as timestamptz)"
            add(
                lambda _, a=alias, s=slack: gxe.ExpectColumnValuesToBeBetween(
                    column=a, max_value={"$PARAMETER": f"now_plus_{s}_minutes"}, **m
                ),
                helpers={alias: sql},
                columns=[c],
            )
    elif kind == "sum_equals":
        total, parts = p["total"], list(rule.columns)
        alias = f"{total}__sum_of_{'_'.join(parts)}"
        sql = " + ".join(f"coalesce({_q(c)}, 0)" for c in parts)
        add(
            lambda _: gxe.ExpectColumnPairValuesToBeEqual(
                column_A=alias, column_B=total, ignore_row_if="either_value_is_missing", **m
            ),
            reads=[total],
            helpers={alias: sql},
            columns=[*parts, total],
        )
    elif kind == "no_gaps":
        unit, by = p.get("unit", "day"), list(p.get("by", ()))
        partition = f"partition by {', '.join(_q(b) for b in by)} " if by else ""
        for c in rule.columns:
            alias = f"{c}__{unit}s_since_previous"
            sql = f"date_diff('{unit}', lag({_q(c)}) over ({partition}order by {_q(c)}), {_q(c)})"
            add(
                lambda _, a=alias: gxe.ExpectColumnValuesToBeBetween(column=a, min_value=0, max_value=1, **m),
                reads=[c, *by],
                helpers={alias: sql},
                columns=[c, *by],
            )
    elif kind == "expression":
        alias = str(p["name"])
        add(
            lambda _: gxe.ExpectColumnValuesToBeInSet(column=alias, value_set=[True], **m),
            helpers={alias: f"({p['sql']})"},
            columns=list(rule.columns),
        )
    elif kind == "row_count":
        add(
            lambda facts: gxe.ExpectColumnValuesToBeBetween(
                column=ROW_COUNT, min_value=facts["row_count_min"], max_value=facts["row_count_max"]
            ),
            level="table",
        )
    elif kind == "not_all_null":
        for c in rule.columns:
            add(
                lambda facts, c=c: gxe.ExpectColumnValuesToBeBetween(
                    column=f"{c}__values", min_value=1 if facts["row_count"] else 0
                ),
                reads=[c],
                level="table",
                columns=[c],
            )
    return plans


# --- running ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _cheap_batch_fingerprint() -> Iterator[None]:
    """GX fingerprints every pandas batch by hashing every cell, twice per validation: 90% of the time on a
    1M-row frame (25 s -> 1.5 s without it). Our frames are built for one validation, so identity suffices."""
    original = pandas_execution_engine.hash_pandas_dataframe
    pandas_execution_engine.hash_pandas_dataframe = lambda df: f"frame-{id(df):x}-{df.shape[0]}x{df.shape[1]}"
    try:
        yield
    finally:
        pandas_execution_engine.hash_pandas_dataframe = original


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column -> DuckDB type of a warehouse table or view, in table order ({} when it does not exist)."""
    schema, name = table.split(".", 1)
    rows = con.execute(
        """select column_name, data_type from information_schema.columns
           where table_catalog = current_database() and table_schema = ? and table_name = ?
           order by ordinal_position""",
        [schema, name],
    ).fetchall()
    return dict(rows)


def _table_sql(table: str) -> str:
    schema, name = table.split(".", 1)
    return f"{_q(schema)}.{_q(name)}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _merge(
    results: list[ExpectationValidationResult], mostly: float | None, total_rows: int
) -> ExpectationValidationResult:
    """Chunk results of one expectation -> the table's result: unexpected rows summed over the chunks that
    reported them, samples concatenated, success recomputed over the whole table when `mostly` is set."""
    raised = [r for r in results if r.exception_info and r.exception_info.get("raised_exception")]
    if raised:
        return raised[0]
    counted = [r.result for r in results if "unexpected_count" in (r.result or {})]
    if not counted:
        return ExpectationValidationResult(
            success=all(r.success for r in results),
            expectation_config=results[0].expectation_config,
            result={},
        )
    merged = dict(counted[0])
    merged["unexpected_count"] = sum(int(c.get("unexpected_count") or 0) for c in counted)
    merged["element_count"] = total_rows
    for key in ("partial_unexpected_list", "partial_unexpected_index_list", "samples"):
        merged[key] = [v for c in counted for v in c.get(key) or []][:SAMPLE_ROWS]
    merged.pop("partial_unexpected_counts", None)
    success = all(r.success for r in results)
    if mostly is not None:  # every chunk reported counts (BASIC at least), so the share is exact
        missing = sum(int(c.get("missing_count") or 0) for c in counted)
        is_null_check = results[0].expectation_config.type.endswith("not_be_null")
        denominator = total_rows if is_null_check else total_rows - missing
        share = merged["unexpected_count"] / denominator if denominator else 0.0
        merged["unexpected_percent"] = 100 * share
        success = share <= 1 - mostly
    return ExpectationValidationResult(success=success, expectation_config=results[0].expectation_config, result=merged)


def _failure(plan: Planned, result: ExpectationValidationResult) -> Failure:
    config = result.expectation_config
    kwargs = {k: _jsonable(v) for k, v in config.kwargs.items() if k not in ("batch_id", "column", "column_list")}
    info = result.exception_info or {}
    r = result.result or {}
    message = None
    if info.get("raised_exception"):
        message = str(info.get("exception_message") or "error").splitlines()[0]
    elif config.type == "expect_column_to_exist":
        message = f"column {config.kwargs.get('column')} is missing"
    elif config.type == "expect_table_columns_to_match_set":
        missing = ((r.get("details") or {}).get("mismatched") or {}).get("missing") or []
        message = f"columns missing: {', '.join(map(str, missing))}"
        kwargs = {"columns": list(config.kwargs.get("column_set") or [])}
    observed = r.get("observed_value")
    if plan.level == "table":  # one row of aggregates: the offending value is the observation
        observed, samples = (r.get("partial_unexpected_list") or [observed])[0], []
    elif r.get("samples"):
        samples = r["samples"]
    else:
        samples = [{"value": v} for v in r.get("partial_unexpected_list") or []]
    kind = plan.rule.kind
    label = plan.rule.label() if kind in ("expression", "row_count") else f"{kind}({', '.join(plan.columns)})"
    return Failure(
        rule=label,
        expectation=config.type,
        columns=list(plan.columns),
        expected=kwargs,
        unexpected_count=r.get("unexpected_count"),
        element_count=r.get("element_count"),
        observed=_jsonable(observed) if plan.level == "table" else None,
        samples=[_jsonable(s) for s in samples[:SAMPLE_ROWS]],
        message=message,
    )


def validate_table(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    *,
    run_id: str,
    partition: str = "*",
    blocking: bool = True,
    publish_dir: Path | None = None,
    accept_changes: bool = False,
    record: bool = True,
    now: dt.datetime | None = None,
    new_rows_by: str | None = None,
) -> Validation:
    """Validate `suite.table`; record the result in audit.validation_results and, with `publish_dir`, in
    the Data Docs under it. `accept_changes` lets a row count outside the band of the previous run pass.

    `new_rows_by` (an append-only table's load-time column, e.g. raw `_loaded_at`): row rules check only the
    rows loaded after the last validation by that column that passed (all rows the first time), so a table
    that grows for years costs what its new loads cost; rules over several rows (uniqueness) still compare
    them with the whole table."""
    started = time.perf_counter()
    cur = con.cursor()  # own session: the UTC time zone below must not leak into the caller's connection
    try:
        cur.execute("set TimeZone = 'UTC'")
        scope = _new_rows_scope(cur, suite.table, new_rows_by) if new_rows_by else None
        validation = _validate(
            cur,
            suite,
            run_id=run_id,
            partition=scope.label if scope and scope.after else partition,
            blocking=blocking,
            publish_dir=publish_dir,
            accept_changes=accept_changes,
            now=now or dt.datetime.now(dt.UTC),
            scope=scope,
        )
    finally:
        cur.close()
    validation.seconds = time.perf_counter() - started
    if record:
        history.record(con, [validation.audit_row()])
    return validation


def _plan_suite(cur, suite: Suite, types: Mapping[str, str], validation: Validation, scoped: bool = False):
    """Every rule -> planned expectations; a rule on a missing column becomes a failing column check."""
    plans: list[Planned] = []
    unplanned: list[Failure] = []
    for rule in suite.rules:
        try:
            rule_plans = _plan_rule(rule, types, cur, scoped)
        except (ValueError, OSError, KeyError) as error:  # e.g. values_from a seed that is not loaded
            unplanned.append(
                Failure(
                    rule=rule.label(),
                    expectation="suite_rule",
                    columns=list(rule.columns),
                    expected=dict(rule.params),
                    message=f"cannot evaluate: {error}",
                )
            )
            continue
        for plan in rule_plans:
            needed = () if rule.kind == "columns" else (*plan.reads, *plan.columns)
            missing = list(dict.fromkeys(c for c in needed if c not in types and c not in plan.helpers))
            if missing and rule.params.get("if_present"):
                validation.skipped.append(f"{rule.label()}: column {', '.join(missing)} not in table")
            elif missing:
                plans.extend(
                    Planned(rule, "row", lambda _, c=c: gxe.ExpectColumnToExist(column=c), columns=(c,))
                    for c in missing
                )
            else:
                plans.append(plan)
    return plans, unplanned


def _run(
    batch_definition, frame: pd.DataFrame, expectations: list[gxe.Expectation], result_format, parameters
) -> list[ExpectationValidationResult]:
    suite = gx.ExpectationSuite(name="chunk", expectations=[_tagged(e, i) for i, e in enumerate(expectations)])
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format=result_format, expectation_parameters=parameters
    )
    return sorted(result.results, key=lambda r: r.expectation_config.meta["cfm_index"])


def _validate_frame(
    batch_definition, frame: pd.DataFrame, plans: list[Planned], facts, shown: list[str], parameters
) -> list[ExpectationValidationResult]:
    """Validate one frame cheaply, then again in detail only what failed.

    GX spends ~30 ms per expectation on BOOLEAN_ONLY, whatever the rows: a clean chunk pays that pass only.
    Rules with `mostly` need counts from every chunk (BASIC). Failed expectations run again with SUMMARY to
    get the positions of a few offending rows, which are read from the frame here: GX's own
    `unexpected_index_column_names` reads every offending cell one by one (100 s for 100k bad rows)."""
    results: dict[int, ExpectationValidationResult] = {}
    for fmt, indices in (
        ("BOOLEAN_ONLY", [i for i, pl in enumerate(plans) if pl.rule.mostly is None]),
        ("BASIC", [i for i, pl in enumerate(plans) if pl.rule.mostly is not None]),
    ):
        if indices:
            chunk = _run(
                batch_definition,
                frame,
                [plans[i].build(facts) for i in indices],
                {"result_format": fmt},
                parameters,
            )
            results.update(zip(indices, chunk, strict=True))
    detail = [i for i, r in results.items() if not r.success or (r.result or {}).get("unexpected_count")]
    if detail:
        summary = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}
        chunk = _run(batch_definition, frame, [plans[i].build(facts) for i in detail], summary, parameters)
        for i, result in zip(detail, chunk, strict=True):
            positions = (result.result or {}).get("partial_unexpected_index_list") or []
            if shown and positions and all(isinstance(p, (int, np.integer)) for p in positions):
                columns = _sample_columns(result, plans[i], shown, frame)
                rows = frame.loc[positions[:SAMPLE_ROWS], columns].to_dict("records")
                result.result["samples"] = [_jsonable(r) for r in rows]
            results[i] = result
    return [results[i] for i in range(len(plans))]


def _sample_columns(result: ExpectationValidationResult, plan: Planned, shown: list[str], frame) -> list[str]:
    """The columns a failure sample shows: what the expectation looked at, the table columns behind it (e.g.
    the text timestamp behind `created_at__utc`), then the row's key and `sample_columns`."""
    kwargs = result.expectation_config.kwargs
    checked = [
        kwargs.get("column"),
        *(kwargs.get("column_list") or []),
        kwargs.get("column_A"),
        kwargs.get("column_B"),
    ]
    return [c for c in dict.fromkeys([*filter(None, checked), *plan.columns, *shown]) if c in frame.columns]


@dataclass(frozen=True)
class RowScope:
    """The rows a validation's row rules check: loaded in (after, through] by `column`."""

    column: str
    after: dt.datetime | None  # None: from the first row
    through: dt.datetime | None  # None: the table is empty

    @property
    def label(self) -> str:
        """The audit `partition` of a validation after the first: which rows it checked."""
        return f"{self.column} > {self.after.isoformat() if self.after else '-infinity'}"

    def predicate(self) -> str:
        """Rows in the range, and rows without a load time (whatever wrote them skipped landing: always checked)."""
        col = _q(self.column)
        parts = [f"{col} <= '{self.through.isoformat()}'::timestamptz"] if self.through else ["false"]
        if self.after is not None:
            parts.append(f"{col} > '{self.after.isoformat()}'::timestamptz")
        return f"({' and '.join(parts)}) or {col} is null"


def _new_rows_scope(cur, table: str, column: str) -> RowScope | None:
    """Rows loaded since the table's last clean validation by `column`; None (whole table) without that column."""
    if column not in table_columns(cur, table):
        return None
    through = cur.execute(f"select max({_q(column)}) from {_table_sql(table)}").fetchall()[0][0]
    return RowScope(column, history.validated_through(cur, table, column), through)


def _validate(cur, suite: Suite, *, run_id, partition, blocking, publish_dir, accept_changes, now,
              scope: RowScope | None = None) -> Validation:
    types = table_columns(cur, suite.table)
    validation = Validation(
        suite=suite.source,
        table=suite.table,
        run_id=run_id,
        partition=partition,
        success=False,
        row_count=0,
        evaluated=0,
        failures=[],
        blocking=blocking,
        chunks=0,
    )
    if not types:
        validation.failures.append(
            Failure(
                rule="table",
                expectation="table_exists",
                columns=[],
                expected={},
                message=f"table {suite.table} does not exist",
            )
        )
        validation.evaluated = 1
        return validation

    plans, unplanned = _plan_suite(cur, suite, types, validation, scoped=scope is not None)
    table_sql = _table_sql(suite.table)
    row_count = cur.execute(f"select count(*) from {table_sql}").fetchall()[0][0]
    checked = row_count
    if scope:
        checked = cur.execute(f"select count(*) from {table_sql} where {scope.predicate()}").fetchall()[0][0]
        validation.watermark = (scope.column, scope.through)
        if scope.after is not None:
            validation.notes.append(f"row rules checked the {checked} of {row_count} rows loaded after {scope.after}")
    validation.row_count = checked
    facts = _table_facts(cur, suite, row_count, run_id, accept_changes, validation.notes)
    parameters = {f"now_plus_{m}_minutes": now + dt.timedelta(minutes=m) for m in _slacks(suite)}
    context = make_context(publish_dir)
    batch_definition = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite.table)
        .add_batch_definition_whole_dataframe("table")
    )

    row_plans = [pl for pl in plans if pl.level == "row"]
    table_plans = [pl for pl in plans if pl.level == "table"]
    results: list[tuple[Planned, ExpectationValidationResult]] = []
    with _cheap_batch_fingerprint():
        if row_plans:
            key = [k for k in suite.key if k in types]
            shown = list(dict.fromkeys([*key, *(c for c in suite.sample_columns if c in types)]))
            reads = list(dict.fromkeys([*shown, *(c for pl in row_plans for c in pl.reads if c in types)]))
            helpers = {alias: sql for pl in row_plans for alias, sql in pl.helpers.items()}
            select = [_q(c) for c in reads] + [f"{sql} as {_q(alias)}" for alias, sql in helpers.items()]
            chunks = max(1, math.ceil(checked / max(1, suite.chunk_rows))) if select else 1
            select = select or ["null as __nothing_read"]
            if scope:
                select.append(f"({scope.predicate()}) as __in_scope")
            # Buckets by hash of the key: a duplicated key is always in one bucket.
            bucket_of = f"hash({', '.join(_q(c) for c in (key or reads or list(helpers)))}) % {chunks}"
            per_chunk: list[list[ExpectationValidationResult]] = [[] for _ in row_plans]
            for i in range(chunks):
                where = " and ".join(
                    [*(["__in_scope"] if scope else []), *([f"{bucket_of} = {i}"] if chunks > 1 else [])]
                )
                # Helpers (window functions included) see the whole table; the scope and bucket filters come after.
                frame = _frame(
                    cur,
                    f"with base as (select {', '.join(select)} from {table_sql}) "
                    f"select * {'exclude (__in_scope) ' if scope else ''}from base{' where ' + where if where else ''}",
                )
                chunk = _validate_frame(batch_definition, frame, row_plans, facts, shown, parameters)
                for bucket, result in zip(per_chunk, chunk, strict=True):
                    bucket.append(result)
                del frame
            validation.chunks = chunks
            results += [
                (pl, _merge(rs, pl.rule.mostly, checked)) for pl, rs in zip(row_plans, per_chunk, strict=True)
            ]
        if table_plans:
            frame = _frame(cur, _table_frame_sql(table_sql, table_plans))
            chunk = _validate_frame(batch_definition, frame, table_plans, facts, [], parameters)
            results += list(zip(table_plans, chunk, strict=True))

    validation.evaluated = len(results) + len(unplanned)
    validation.failures = unplanned + [_failure(pl, r) for pl, r in results if not r.success]
    validation.success = not validation.failures
    if publish_dir is not None and results:
        validation.stored = _store(context, suite, results, run_id, now, Path(publish_dir))
        validation.data_docs = str(validation.stored.page) if validation.stored else None
    return validation


def _frame(cur, sql: str) -> pd.DataFrame:
    """Query -> pandas through Arrow (7x faster than `.df()` on DuckDB 2 with pandas 3), in the dtypes GX
    compares vectorised: int64 and datetime64[ns]. Narrower ints and microsecond timestamps send GX's
    `between` down a Python loop over every value (2 s per million rows)."""
    frame = cur.sql(sql).arrow().read_all().to_pandas()
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, np.dtype) and dtype.kind in "iu" and dtype != np.int64:
            frame[name] = frame[name].astype(np.int64)
        elif isinstance(dtype, np.dtype) and dtype.kind == "M" and dtype != np.dtype("datetime64[ns]"):
            with contextlib.suppress(OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
                frame[name] = frame[name].astype("datetime64[ns]")
    return frame


def _table_frame_sql(table_sql: str, plans: list[Planned]) -> str:
    """One row: the aggregates table-level rules check, beside the table's own columns (for `columns`)."""
    aggregates = [f"count(*) as {ROW_COUNT}"] + [
        f"count({_q(c)}) as {_q(c + '__values')}" for pl in plans if pl.rule.kind == "not_all_null" for c in pl.reads
    ]
    sql = f"select {', '.join(dict.fromkeys(aggregates))} from {table_sql}"
    if any(pl.rule.kind == "columns" for pl in plans):
        sql = f"select * from ({sql}) aggregates left join (select * from {table_sql} limit 0) t on true"
    return sql


def _slacks(suite: Suite) -> set[int]:
    return {
        int(r.params.get("slack_minutes", DEFAULT_FUTURE_SLACK_MINUTES))
        for r in suite.rules
        if r.kind == "not_in_future"
    }


def _tagged(expectation: gxe.Expectation, index: int) -> gxe.Expectation:
    expectation.meta = {**(expectation.meta or {}), "cfm_index": index}
    return expectation


def _table_facts(cur, suite: Suite, row_count: int, run_id: str, accept_changes: bool, notes: list[str]) -> dict:
    """Bounds of the row_count rule: configured min/max, the band around the previous run, upstream rows."""
    facts: dict[str, Any] = {"row_count": row_count, "row_count_min": 0, "row_count_max": None}
    for rule in (r for r in suite.rules if r.kind == "row_count"):
        p = rule.params
        lo, hi = p.get("min", 0), p.get("max")
        band = p.get("vs_previous")
        previous = history.previous_row_count(cur, suite.table, run_id) if band else None
        if band and previous is not None:
            slack = int(band.get("slack", 0))
            band_lo = max(0, math.floor(previous * float(band.get("min_ratio", 0))) - slack)
            band_hi = math.ceil(previous * float(band["max_ratio"])) + slack if "max_ratio" in band else None
            if accept_changes:
                notes.append(
                    f"row count band [{band_lo}, {band_hi}] around previous {previous} not enforced (changes accepted)"
                )
            else:
                lo = max(lo, band_lo)
                hi = band_hi if hi is None or band_hi is None else min(hi, band_hi)
                notes.append(f"row count band [{band_lo}, {band_hi}] from previous run's {previous} rows")
        upstream = [t for t in p.get("nonempty_if_upstream", ()) if t]
        if upstream and lo < 1 and _any_rows(cur, upstream):
            lo = 1
            notes.append(f"must not be empty: upstream {', '.join(upstream)} has rows")
        facts["row_count_min"], facts["row_count_max"] = lo, hi
    return facts


def _any_rows(cur, tables: Sequence[str]) -> bool:
    for table in tables:
        if table_columns(cur, table) and cur.execute(f"select 1 from {_table_sql(table)} limit 1").fetchall():
            return True
    return False


def _store(context, suite: Suite, results, run_id: str, now: dt.datetime, publish_dir: Path) -> Path | None:
    gx_suite = gx.ExpectationSuite(
        name=suite.name,
        expectations=[r.expectation_config.to_domain_obj() for _, r in results],
        meta={"source": suite.source, "table": suite.table},
    )
    passed = sum(1 for _, r in results if r.success)
    combined = ExpectationSuiteValidationResult(
        success=passed == len(results),
        results=[r for _, r in results],
        suite_name=suite.name,
        statistics={
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100.0 * passed / len(results),
        },
        meta={
            "run_id": RunIdentifier(run_name=run_id, run_time=now),
            "validation_time": now,
            "batch_id": "warehouse",
            "active_batch_definition": {"datasource_name": "warehouse", "data_asset_name": suite.table},
            "great_expectations_version": gx.__version__,
        },
    )
    return store_result(context, gx_suite, combined, publish_dir)
