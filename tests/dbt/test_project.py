"""Project-level promises: every mart is under contract with documented columns, exposures name what BI and
the alert job read, docs generate."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.xdist_group("dbt")


@pytest.fixture(scope="module")
def manifest(built) -> dict:
    return json.loads((built.target / "manifest.json").read_text())


def marts(manifest: dict) -> list[dict]:
    return [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    ]


def test_every_mart_is_under_an_enforced_contract_with_documented_columns(manifest, built):
    nodes = marts(manifest)
    assert len(nodes) >= 35
    for node in nodes:
        assert node["config"]["contract"]["enforced"], node["name"]
        assert "one row per" in node["description"].lower(), f"{node['name']}: the description states no grain"
        built_columns = built.query(
            "select column_name from information_schema.columns "
            f"where table_schema = 'marts' and table_name = '{node['name']}'"
        )["column_name"].to_list()
        assert sorted(built_columns) == sorted(node["columns"]), node["name"]
        for column in node["columns"].values():
            assert column["data_type"], f"{node['name']}.{column['name']} has no data_type"
            assert column["description"].strip(), f"{node['name']}.{column['name']} has no description"


def test_fct_feedback_has_the_contract_columns(manifest):
    node = manifest["nodes"]["model.cfm.fct_feedback"]
    assert list(node["columns"]) == [
        "feedback_id", "source", "channel", "channel_family", "native_id", "customer_id", "product_id",
        "created_at", "created_date", "language", "feedback_text", "sentiment_score", "sentiment_label",
        "topic_l1", "topic_l2", "feedback_type", "urgency", "keywords", "nps_score", "csat_score", "ces_score",
        "duplicate_count", "taxonomy_version", "loaded_at",
    ]
    assert node["config"]["materialized"] == "incremental"


def test_exposures_name_the_dashboard_and_the_alert_job(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert exposures["feedback_dashboard"]["type"] == "dashboard"
    assert exposures["feedback_alert_job"]["type"] == "application"
    for exposure in exposures.values():
        for node in exposure["depends_on"]["nodes"]:
            assert manifest["nodes"][node]["config"]["contract"]["enforced"], node
    read = set(exposures["feedback_dashboard"]["depends_on"]["nodes"])
    assert {f"model.cfm.{n['name']}" for n in marts(manifest) if n["name"].startswith("mart_")} <= read


def test_kpi_metric_logic_has_unit_tests(manifest):
    tested = {u["model"] for u in manifest["unit_tests"].values()}
    assert {"mart_nps_daily", "mart_csat_weekly", "mart_ces_monthly"} <= tested


def test_docs_generate(built):
    from tests.dbt import harness

    harness.dbt(built.warehouse, "docs", "generate")
    assert (built.target / "catalog.json").exists() and (built.target / "index.html").exists()
