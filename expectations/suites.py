"""Expectation suites as data: one YAML file per table under `expectations/suites/<schema>/<table>.yml`.

A suite lists rules, each one of a small set of kinds (`RULE_KINDS`); `expectations.runner` turns every
rule into Great Expectations expectations and validates the table. Raw landing tables need no file: their
suite is derived from the table's `LandingSpec` (key, required columns, types, ranges, accepted values), and
an optional `suites/raw/<source>__<entity>.yml` adds what the spec cannot say (known channels, text present).
A published table without a file gets `default_suite` (not empty when its inputs are not, no all-null key).

    table: marts.mart_nps_daily          # optional, defaults to the file's <schema>/<table>
    key: [response_date]                 # identifies a row in failure samples (and buckets big tables)
    sample_columns: [channel]            # optional: more columns shown in failure samples
    expectations:
      - not_null: [response_date]
      - between: {column: nps, min: -100, max: 100}
      - row_count: {min: 1, vs_previous: {min_ratio: 0.5, max_ratio: 2.0, slack: 50}}

A rule is `kind: columns` (a column or a list) or `kind: {column(s): ..., <params>, mostly: 0.99}`.
Rules shared by a family of tables live in `suites/_shared/*.yml`; a suite lists them under `extends:`.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from warehouse.landing import LandingSpec

PACKAGE_DIR = Path(__file__).resolve().parent
SUITES_DIR = PACKAGE_DIR / "suites"
PUBLISH_CONFIG = PACKAGE_DIR / "publish.yml"
REPO_ROOT = PACKAGE_DIR.parent

# Rows pulled into pandas per chunk: 500k rows of the ~20 columns fct_feedback's suite reads are ~110 MB.
# Benchmark (1M-row fct_feedback, 25 expectations, 2 shared cores): 1 chunk 7.7 s, 2 chunks 11 s, 4 chunks
# 14.6 s; most of it is DuckDB -> Arrow, and GX's fixed ~30 ms per expectation per chunk.
DEFAULT_CHUNK_ROWS = 500_000
# A source clock slightly ahead of ours is not an error; a wrong time zone (hours ahead) is.
DEFAULT_FUTURE_SLACK_MINUTES = 10

# kind -> level: "row" rules run on every chunk of rows, "table" rules on one row of aggregates.
RULE_KINDS: dict[str, str] = {
    "columns": "row",  # the columns exist
    "not_null": "row",
    "not_blank": "row",  # text present after trimming (any: true -> at least one of the columns)
    "unique": "row",  # one column, or the combination of the listed columns
    "between": "row",  # {column, min, max}; cast: double for text columns
    "castable": "row",  # {column, type}: a text column holds values of that type (int, float, timestamp, ...)
    "in_set": "row",  # {column, values} or {column, values_from: {table | csv, column, add}}; normalize: true
    "not_in_future": "row",  # timestamps (text, timestamp, date; epoch_seconds: true) <= now + slack_minutes
    "sum_equals": "row",  # {columns: [a, b, c], total: n}: a + b + c = n on every row
    "no_gaps": "row",  # {column, unit: day|week|month, by: [...]}: consecutive periods, no holes
    # {name, sql, columns}: a SQL boolean over the row that must be true (null = not applicable); `columns`
    # names what it reads, so a missing column is reported as such.
    "expression": "row",
    "row_count": "table",  # {min, max, vs_previous: {min_ratio, max_ratio, slack}, nonempty_if_upstream}
    "not_all_null": "table",  # the columns hold at least one value when the table has rows
}
ALIASES = {"no_gap_days": "no_gaps", "exist": "columns"}
CAST_TYPES = {
    "int": "bigint",
    "float": "double",
    "double": "double",
    "bigint": "bigint",
    "timestamp": "timestamptz",
    "timestamptz": "timestamptz",
    "date": "date",
    "bool": "boolean",
}


class SuiteError(ValueError):
    """A suite file that does not parse into known rules."""


@dataclass(frozen=True)
class Rule:
    kind: str
    columns: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    mostly: float | None = None

    @property
    def level(self) -> str:
        return RULE_KINDS[self.kind]

    def label(self) -> str:
        """Short human name, e.g. `between(csat_pct)`."""
        if self.kind == "expression":
            return f"expression({self.params.get('name')})"
        return f"{self.kind}({', '.join(self.columns)})"


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    rules: tuple[Rule, ...]
    key: tuple[str, ...] = ()
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    source: str = "default"  # the YAML file (relative to the repository), "landing spec" or "default"
    description: str = ""
    sample_columns: tuple[str, ...] = ()  # shown beside the key in failure samples (e.g. native_id)

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    def columns_read(self) -> tuple[str, ...]:
        """Every table column the rules read, in first-use order (the key first)."""
        seen: dict[str, None] = dict.fromkeys((*self.key, *self.sample_columns))
        for rule in self.rules:
            for col in (*rule.columns, *rule.params.get("by", ()), *_total(rule)):
                seen.setdefault(col, None)
        return tuple(seen)

    def with_rules(self, extra: Iterable[Rule], source: str | None = None) -> Suite:
        return dataclasses.replace(self, rules=(*self.rules, *extra), source=source or self.source)


def _total(rule: Rule) -> tuple[str, ...]:
    total = rule.params.get("total")
    return (total,) if isinstance(total, str) else ()


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def parse_rule(item: Any, where: str = "suite") -> Rule:
    """One list item of `expectations:` -> Rule (`{kind: columns}` or `{kind: {params}}`)."""
    if not isinstance(item, Mapping) or len(item) != 1:
        raise SuiteError(f"{where}: each expectation is a one-key mapping `kind: arguments`, got {item!r}")
    ((kind, args),) = item.items()
    kind = ALIASES.get(kind, kind)
    if kind not in RULE_KINDS:
        raise SuiteError(f"{where}: unknown expectation kind {kind!r}; known: {sorted(RULE_KINDS)}")
    if args is None or isinstance(args, (str, list, tuple)):
        params: dict[str, Any] = {}
        columns = _as_tuple(args)
    elif isinstance(args, Mapping):
        params = dict(args)
        columns = _as_tuple(params.pop("columns", None)) + _as_tuple(params.pop("column", None))
    else:
        raise SuiteError(f"{where}: arguments of {kind} must be a column, a list or a mapping, got {args!r}")
    mostly = params.pop("mostly", None)
    if mostly is not None and not 0 < float(mostly) <= 1:
        raise SuiteError(f"{where}: {kind}: mostly must be in (0, 1], got {mostly}")
    rule = Rule(kind=kind, columns=columns, params=params, mostly=float(mostly) if mostly is not None else None)
    _check_rule(rule, where)
    return rule


def _check_rule(rule: Rule, where: str) -> None:
    p = rule.params
    needs_columns = rule.kind not in ("row_count", "expression")
    if needs_columns and not rule.columns:
        raise SuiteError(f"{where}: {rule.kind} names no column")
    if rule.kind == "between" and p.get("min") is None and p.get("max") is None:
        raise SuiteError(f"{where}: between({rule.columns}) needs min and/or max")
    if rule.kind == "in_set" and "values" not in p and "values_from" not in p:
        raise SuiteError(f"{where}: in_set({rule.columns}) needs values or values_from")
    if rule.kind == "sum_equals" and not isinstance(p.get("total"), str):
        raise SuiteError(f"{where}: sum_equals needs total: <column>")
    if rule.kind == "expression" and not (p.get("name") and p.get("sql")):
        raise SuiteError(f"{where}: expression needs name and sql")
    if rule.kind == "castable" and p.get("type") not in CAST_TYPES:
        raise SuiteError(f"{where}: castable needs type in {sorted(CAST_TYPES)}")
    if "cast" in p and p["cast"] not in CAST_TYPES:
        raise SuiteError(f"{where}: cast must be one of {sorted(CAST_TYPES)}")
    if rule.kind == "no_gaps" and p.get("unit", "day") not in ("day", "week", "month"):
        raise SuiteError(f"{where}: no_gaps unit must be day, week or month")


def parse_suite(document: Mapping[str, Any], *, table: str, source: str) -> Suite:
    table = document.get("table", table)
    rules = tuple(parse_rule(item, f"{source}") for item in document.get("expectations") or ())
    return Suite(
        name=document.get("name", table),
        table=table,
        rules=rules,
        key=_as_tuple(document.get("key")),
        chunk_rows=int(document.get("chunk_rows", DEFAULT_CHUNK_ROWS)),
        source=source,
        description=str(document.get("description", "")).strip(),
        sample_columns=_as_tuple(document.get("sample_columns")),
    )


def suite_path(table: str, suites_dir: Path = SUITES_DIR) -> Path:
    schema, name = table.split(".", 1)
    return suites_dir / schema / f"{name}.yml"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _read_document(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A suite file with the files it `extends` (paths relative to the suites folder) merged in: their
    expectations first, then its own; its own key, sample_columns, chunk_rows and description win."""
    if path in seen:
        raise SuiteError(f"{path}: extends itself ({' -> '.join(map(str, seen))})")
    document = yaml.safe_load(path.read_text()) or {}
    if not isinstance(document, Mapping):
        raise SuiteError(f"{path}: a suite file is a mapping with `expectations:`")
    merged: dict[str, Any] = {"expectations": []}
    for parent in _as_tuple(document.get("extends")):
        parent_path = SUITES_DIR / parent if not Path(parent).is_absolute() else Path(parent)
        if not parent_path.exists():
            raise SuiteError(f"{path}: extends {parent}, which does not exist")
        inherited = _read_document(parent_path, (*seen, path))
        merged.update({k: v for k, v in inherited.items() if k != "expectations"})
        merged["expectations"] += inherited["expectations"]
    merged.update({k: v for k, v in document.items() if k not in ("expectations", "extends")})
    merged["expectations"] += list(document.get("expectations") or [])
    return merged


def read_suite_file(path: Path, table: str) -> Suite:
    return parse_suite(_read_document(path), table=table, source=_relative(path))


def load_suite(
    table: str, *, columns: Sequence[str] = (), upstream: Sequence[str] = (), suites_dir: Path = SUITES_DIR
) -> Suite:
    """The suite of a published table: its YAML file, else the default suite."""
    path = suite_path(table, suites_dir)
    if path.exists():
        return read_suite_file(path, table)
    return default_suite(table, columns, upstream)


def suite_tables(suites_dir: Path = SUITES_DIR, schemas: Iterable[str] | None = None) -> list[str]:
    """Tables that have a suite file (`<schema>.<table>`), optionally only in the given schemas."""
    wanted = set(schemas) if schemas is not None else None
    return sorted(
        f"{p.parent.name}.{p.stem}"
        for p in suites_dir.glob("*/*.yml")
        if not p.parent.name.startswith("_") and (wanted is None or p.parent.name in wanted)
    )


# Column-name endings that make a column part of a row's identity in a table without a suite.
KEY_SUFFIXES = ("_id", "_key", "_date", "_week", "_month", "_start")


def default_suite(table: str, columns: Sequence[str], upstream: Sequence[str] = ()) -> Suite:
    """For a published table without a file: not empty when its inputs have rows; no all-null key column."""
    key = tuple(c for c in columns if c.endswith(KEY_SUFFIXES)) or tuple(columns[:1])
    rules: list[Rule] = [Rule("row_count", params={"nonempty_if_upstream": list(upstream)})]
    if key:
        rules.append(Rule("not_all_null", columns=key))
    return Suite(
        name=table,
        table=table,
        rules=tuple(rules),
        key=key,
        source="default",
        description="Default suite: the table has no file in expectations/suites/.",
    )


LANDING_META_COLUMNS = ("_payload", "_source", "_loaded_at", "_record_hash")


def raw_suite(spec: LandingSpec, suites_dir: Path = SUITES_DIR) -> Suite:
    """The suite of a raw landing table, from its LandingSpec plus `suites/raw/<source>__<entity>.yml`.

    Raw tables keep history (a changed record adds a row), so a key is unique together with `_record_hash`.
    """
    rules: list[Rule] = [Rule("columns", columns=(*spec.columns, *LANDING_META_COLUMNS))]
    required = tuple(dict.fromkeys((*spec.key, *spec.required)))
    if required:
        rules.append(Rule("not_blank", columns=required))
    rules.append(Rule("unique", columns=(*spec.key, "_record_hash")))
    for col, kind in spec.types.items():
        rules.append(Rule("castable", columns=(col,), params={"type": kind}))
        if kind == "timestamp":
            rules.append(Rule("not_in_future", columns=(col,)))
    for col, (lo, hi) in spec.ranges.items():
        rules.append(Rule("between", columns=(col,), params={"min": lo, "max": hi, "cast": "double"}))
    for col, values in spec.allowed.items():
        rules.append(Rule("in_set", columns=(col,), params={"values": list(values)}))
    rules.append(Rule("not_blank", columns=("_payload",)))  # pulls a flag, not the (large) payload
    rules.append(Rule("not_null", columns=("_loaded_at", "_record_hash")))
    rules.append(Rule("not_in_future", columns=("_loaded_at",)))
    suite = Suite(
        name=spec.table,
        table=spec.table,
        rules=tuple(rules),
        key=spec.key,
        source="landing spec",
        description=f"Derived from the LandingSpec of {spec.source}.{spec.entity}.",
    )
    path = suite_path(spec.table, suites_dir)
    if path.exists():
        extra = read_suite_file(path, spec.table)
        suite = suite.with_rules(extra.rules, source=f"landing spec + {extra.source}")
    return suite


def read_values_from(spec: Mapping[str, Any]) -> list[str]:
    """Accepted values read from a CSV (a dbt seed, e.g. the taxonomy), plus `add`."""
    path = Path(spec["csv"])
    path = path if path.is_absolute() else REPO_ROOT / path
    column = spec["column"]
    with path.open(newline="", encoding="utf-8") as handle:
        values = {row[column] for row in csv.DictReader(handle) if row.get(column)}
    return sorted(values | set(_as_tuple(spec.get("add"))))


@dataclass(frozen=True)
class PublishConfig:
    schemas: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def publishes(self, table: str) -> bool:
        schema = table.split(".", 1)[0]
        return schema in self.schemas and table not in self.exclude


def load_publish_config(path: Path = PUBLISH_CONFIG) -> PublishConfig:
    document = yaml.safe_load(path.read_text()) or {}
    return PublishConfig(schemas=_as_tuple(document.get("schemas")), exclude=_as_tuple(document.get("exclude")))
