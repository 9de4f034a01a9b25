"""The Dagster assets write the analytics tables from a marts.fct_feedback; `cfm eval-anomalies` measures
precision and recall on freshly generated data with injected anomalies."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from analytics import anomalies as an
from orchestration.assets.anomalies import analytics_trends, anomalies
from orchestration.cli_anomalies import app
from orchestration.settings import get_settings
from tests.anomalies.synthetic import Injection, make_feedback
from warehouse import connect

SPIKE = Injection("spike", "negative_feedback", "topic", "delivery", date(2026, 10, 1), 1, 5)


def test_assets_write_every_analytics_table(cfm_env):
    frame = make_feedback(seed=1, injections=[SPIKE])  # noqa: F841 - read by DuckDB below
    with connect(get_settings().warehouse) as con:
        con.execute("create schema if not exists marts")
        con.execute("create table marts.fct_feedback as select * from frame")
    result = dg.materialize([anomalies, analytics_trends], instance=dg.DagsterInstance.ephemeral())
    assert result.success
    with duckdb.connect(str(get_settings().warehouse), read_only=True) as con:
        events = con.sql("select * from analytics.anomalies").pl()
        counts = {t: con.execute(f"select count(*) from analytics.{t}").fetchall()[0][0]
                  for t in ("trends_daily", "trend_changes", "emerging_topics")}
    assert events.columns == list(an.ANOMALY_SCHEMA)
    assert events.select("metric", "slice_type", "slice_value", "first_detected").rows() == [
        ("negative_feedback", "topic", "delivery", date(2026, 10, 1))]
    assert all(n > 0 for n in counts.values()), counts
    materialization = result.asset_materializations_for_node("analytics__anomalies")[0]
    assert materialization.metadata["events"].value == 1


def test_assets_fail_clearly_without_the_fact(cfm_env):
    with connect(get_settings().warehouse):
        pass  # an empty warehouse
    with pytest.raises(dg.Failure, match="fct_feedback"):
        dg.materialize([anomalies], instance=dg.DagsterInstance.ephemeral())


def test_eval_anomalies_reports_precision_and_recall(tmp_path):
    args = ["eval-anomalies", "--records", "12000", "--seed", "5", "--end-date", "2026-10-31", "--json",
            "--data", str(tmp_path / "gen"),
            "--anomaly", "spike:negative_feedback:topic=delivery:2026-10-01:1:5",
            "--anomaly", "level_shift:negative_feedback:channel=zendesk:2026-10-10:-:3"]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert (result["precision"], result["recall"], result["alerts"]) == (1.0, 1.0, 2)
    assert (tmp_path / "gen" / "truth" / "anomalies.json").exists()
    clean = CliRunner().invoke(app, ["eval-anomalies", "--records", "12000", "--seed", "5",
                                     "--end-date", "2026-10-31", "--json"])
    assert json.loads(clean.output)["alerts"] == 0
