"""Suites are data: every file parses into known rules and matches the published contract it gates."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from expectations.suites import (
    SUITES_DIR,
    SuiteError,
    default_suite,
    load_publish_config,
    load_suite,
    parse_rule,
    raw_suite,
    read_suite_file,
    suite_tables,
)
from orchestration.assets.landing import TICKET_FILES
from orchestration.settings import DBT_PROJECT_DIR


@functools.cache
def contract_columns() -> dict[str, list[str]]:
    """model name -> columns declared in the dbt YAML (the marts' enforced contracts)."""
    columns: dict[str, list[str]] = {}
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            columns[model["name"]] = [c["name"] for c in model.get("columns") or []]
    return columns


@pytest.mark.parametrize("path", sorted(SUITES_DIR.glob("*/*.yml")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_suite_file_parses_into_known_rules(path: Path):
    suite = read_suite_file(path, f"{path.parent.name}.{path.stem}")

    assert suite.rules, f"{path} has no expectations"
    assert suite.source.startswith("expectations/suites/")


def analytics_columns() -> dict[str, list[str]]:
    """analytics table -> columns of the frame its asset writes (analytics/trends.py, analytics/anomalies.py)."""
    from analytics.anomalies import ANOMALY_SCHEMA
    from analytics.trends import CHANGES_SCHEMA, EMERGING_SCHEMA, TRENDS_DAILY_SCHEMA

    schemas = {
        "trends_daily": TRENDS_DAILY_SCHEMA,
        "trend_changes": CHANGES_SCHEMA,
        "emerging_topics": EMERGING_SCHEMA,
        "anomalies": ANOMALY_SCHEMA,
    }
    return {name: list(schema) for name, schema in schemas.items()}


@pytest.mark.parametrize("table", suite_tables(schemas=["marts", "analytics"]))
def test_published_suites_only_name_columns_the_table_has(table: str):
    """A suite naming a column the table does not have would fail every run: catch the drift here."""
    schema, name = table.split(".")
    declared = (contract_columns() if schema == "marts" else analytics_columns()).get(name)
    assert declared is not None, f"{table} has a suite but no dbt contract or analytics schema"
    suite = load_suite(table)
    named = set(suite.columns_read())
    named |= {c for r in suite.rules for c in r.columns}
    assert named <= set(declared), f"{table}: suite names {sorted(named - set(declared))} not in the contract"


def test_rule_forms_parse_to_the_same_rule():
    assert parse_rule({"not_null": "a"}).columns == ("a",)
    assert parse_rule({"not_null": ["a", "b"]}).columns == ("a", "b")
    rule = parse_rule({"between": {"column": "nps", "min": -100, "max": 100, "mostly": 0.99}})
    assert (rule.columns, rule.params, rule.mostly) == (("nps",), {"min": -100, "max": 100}, 0.99)
    assert parse_rule({"no_gap_days": {"column": "d"}}).kind == "no_gaps"


@pytest.mark.parametrize(
    "item, message",
    [
        ({"nonsense": ["a"]}, "unknown expectation kind"),
        ({"between": {"column": "a"}}, "needs min and/or max"),
        ({"in_set": {"column": "a"}}, "needs values"),
        ({"sum_equals": {"columns": ["a", "b"]}}, "needs total"),
        ({"not_null": ["a"], "unique": ["b"]}, "one-key mapping"),
        ({"not_null": {"column": "a", "mostly": 1.5}}, "mostly"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(item, message):
    with pytest.raises(SuiteError, match=message):
        parse_rule(item)


def test_raw_suite_is_derived_from_the_landing_spec_plus_its_yaml():
    suite = raw_suite(TICKET_FILES)
    kinds = {(r.kind, r.columns) for r in suite.rules}

    assert suite.table == "raw.ticket_files__tickets"
    assert ("not_blank", ("ticket_id", "created_at", "requester_id")) in kinds  # key + required
    assert ("unique", ("ticket_id", "_record_hash")) in kinds  # raw keeps history: key + payload hash
    assert ("between", ("satisfaction_score",)) in kinds  # ranges
    assert ("castable", ("reopens",)) in kinds  # types
    assert ("not_in_future", ("created_at",)) in kinds  # timestamps
    assert ("in_set", ("channel",)) in kinds  # from suites/raw/ticket_files__tickets.yml
    assert suite.source == "landing spec + expectations/suites/raw/ticket_files__tickets.yml"


def test_default_suite_guards_emptiness_and_key_columns():
    suite = default_suite("marts.dim_new", ["customer_id", "name", "signup_date"], upstream=["raw.crm__customers"])

    assert suite.key == ("customer_id", "signup_date")
    assert [r.kind for r in suite.rules] == ["row_count", "not_all_null"]
    assert suite.rules[0].params["nonempty_if_upstream"] == ["raw.crm__customers"]
    assert load_suite("marts.no_such_table", columns=["x"]).source == "default"


def test_publish_config_publishes_marts_and_analytics():
    config = load_publish_config()

    assert config.publishes("marts.fct_feedback")
    assert config.publishes("analytics.anomalies")
    assert not config.publishes("staging.stg_zendesk__tickets")
